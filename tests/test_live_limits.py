"""Live fetch against hostile servers (tests/liveserver.py on 127.0.0.1): nothing holds a run for
ever, fills the memory or follows a server elsewhere, and every failure is one clear line.

Also: mirror credentials never shown, environment values checked (exit 2), an optional dataset
that is absent is one quiet line, and what a live fetch does after a snapshot of local files.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from liveserver import CFTC_DIR, TIC_DIR, LiveServer
from official_dir import FIXTURES, cftc_zip
from test_live import AS_OF, entries
from ustglass import snapshot
from ustglass.app import app
from ustglass.errors import FetchError
from ustglass.logs import Log
from ustglass.sources import live
from ustglass.sources.http import HttpCache, HttpClient, HttpSettings, SettingsError

pytest_plugins = ["test_live"]  # its fixtures: files, server
MB = 1024 * 1024
TIC_URL = "/resource-center/data-chart-center/tic/Documents/mfhhis01.txt"


def client(tmp_path: Path, **kw: object) -> HttpClient:
    base: dict[str, object] = {"connect_timeout": 1, "read_timeout": 5, "attempts": 3, "backoff": 0.01, "max_backoff": 0.02}
    return HttpClient(
        settings=HttpSettings(**{**base, **kw}),
        cache=HttpCache(tmp_path / "cache"),  # type: ignore[arg-type]
        log=Log(stream=io.StringIO()),
    )


def failing(tmp_path: Path, sources: tuple[str, ...], **settings: object) -> str:
    """The message of the fetch of ``sources`` that must fail; nothing may be written."""
    root = tmp_path / "snaps"
    with pytest.raises(FetchError) as err:
        live.fetch(root, sources=sources, as_of=AS_OF, http=client(tmp_path, **settings), log=Log(stream=io.StringIO()))
    assert entries(root) == []
    message = str(err.value)
    assert "\n" not in message
    return message


# --- deadlines -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["drip", "drip-headers"])
def test_a_dripping_server_fails_at_the_download_deadline(server: LiveServer, tmp_path: Path, kind: str) -> None:
    server.inject("mfhhis01.txt", kind, 0.2)  # one byte every 0.2 s: the read timeout (5 s) never trips
    message = failing(tmp_path, ("tic",), download_deadline=1.0)
    assert message.startswith(
        f"tic: {server.url}{TIC_URL}: did not finish within the download deadline of 1 s (USTGLASS_HTTP_DEADLINE). No snapshot written"
    )
    assert server.hits("mfhhis01.txt") == 1  # the deadline covers every try: no retry


def test_the_run_deadline_bounds_the_whole_fetch(server: LiveServer, tmp_path: Path) -> None:
    server.inject("mfhhis01.txt", "drip", 0.2)
    message = failing(tmp_path, ("tic",), download_deadline=60.0, run_deadline=1.5)
    assert f"tic: {server.url}{TIC_URL}: did not finish within the fetch deadline of 1.5 s (USTGLASS_FETCH_DEADLINE)" in message


def test_after_the_run_deadline_nothing_more_is_started(tmp_path: Path) -> None:
    http = client(tmp_path, run_deadline=0.001)
    import time

    time.sleep(0.01)
    outcome = http.get_many(["http://127.0.0.1:9/never"])["http://127.0.0.1:9/never"]
    assert str(outcome) == "http://127.0.0.1:9/never: not started: the fetch deadline of 0.001 s (USTGLASS_FETCH_DEADLINE) has passed"


# --- pages, redirects, encodings, sizes ----------------------------------------------------


def test_a_page_count_of_50_million_is_refused_before_downloading_more(server: LiveServer, tmp_path: Path) -> None:
    server.inject("mspd_table_1", "pages")
    message = failing(tmp_path, ("fiscaldata",))
    assert "mspd_table_1?" in message
    assert "page 1 announces 50,000,000 pages; at most 100 are fetched (USTGLASS_FISCALDATA_MAX_PAGES)" in message
    assert server.hits("mspd_table_1") == 1


def test_a_redirect_loop_is_one_line(server: LiveServer, tmp_path: Path) -> None:
    a, b = TIC_URL, TIC_URL + "?moved=1"
    server.inject("mfhhis01.txt", "redirect", location=b)
    server.inject("mfhhis01.txt", "redirect", location=a)
    message = failing(tmp_path, ("tic",))
    assert f"tic: {server.url}{a}: redirect loop: {server.url}{a} -> {server.url}{b} -> {server.url}{a}. No snapshot" in message
    assert server.hits("mfhhis01.txt") == 2


def test_a_redirect_to_another_host_is_refused(server: LiveServer, tmp_path: Path) -> None:
    server.inject("mfhhis01.txt", "redirect", location="https://evil.example/mfhhis01.txt")
    message = failing(tmp_path, ("tic",))
    assert (
        f"{server.url}{TIC_URL}: redirected to another host (evil.example); only redirects within 127.0.0.1 are "
        "followed: https://evil.example/mfhhis01.txt"
    ) in message


def test_a_redirect_within_the_host_is_followed(server: LiveServer, tmp_path: Path) -> None:
    server.catalogue.files[TIC_DIR + "moved/mfhhis01.txt"] = server.catalogue.files[TIC_URL]
    server.inject("mfhhis01.txt", "redirect", location="moved/mfhhis01.txt")  # relative, as servers often send
    root = tmp_path / "snaps"
    live.fetch(root, as_of=AS_OF, http=client(tmp_path), log=Log(stream=io.StringIO()))
    assert server.hits("/moved/mfhhis01.txt") == 1
    assert snapshot.load(root / AS_OF.isoformat()).has("tic_mfh")


def test_a_body_that_is_not_the_gzip_it_claims_is_one_line(server: LiveServer, tmp_path: Path) -> None:
    server.inject("mfhhis01.txt", "bad-gzip")
    message = failing(tmp_path, ("tic",))
    assert f"tic: {server.url}{TIC_URL}: the body does not decode as its Content-Encoding says (bad gzip or deflate data)" in message


def test_a_zip_member_that_inflates_past_the_cap_is_refused_unread(server: LiveServer, tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("FinFutYY.txt", (FIXTURES / "FinFutYY.txt").read_bytes() + b" " * (3 * MB))
    server.catalogue.files[CFTC_DIR + "fut_fin_txt_2026.zip"] = buf.getvalue()  # ~3 kB on the wire
    message = failing(tmp_path, ("cftc",), max_bytes=1 * MB)
    assert ("cftc/fut_fin_txt_2026.zip: member 'FinFutYY.txt' would inflate to 3 MB, more than 1 MB (USTGLASS_HTTP_MAX_MB)") in message


def test_a_body_past_the_cap_is_refused(server: LiveServer, tmp_path: Path) -> None:
    server.catalogue.files[TIC_URL] = server.catalogue.files[TIC_URL] + b"\t" * (2 * MB)
    message = failing(tmp_path, ("tic",), max_bytes=1 * MB)
    assert (
        f"{server.url}{TIC_URL}: larger than 1 MB (Content-Length {len(server.catalogue.files[TIC_URL])}; USTGLASS_HTTP_MAX_MB)" in message
    )


# --- credentials, environment, optional datasets ---------------------------------------------


def test_mirror_credentials_are_sent_but_never_shown(server: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USTGLASS_TIC_URL", server.url.replace("http://", "http://reader:s3cret@"))
    monkeypatch.setenv("USTGLASS_HTTP_RETRIES", "0")
    server.inject("mfhhis01.txt", "500")
    out = tmp_path / "site"
    result = CliRunner().invoke(
        app,
        ["publish", "--out", str(out), "--snapshots", str(tmp_path / "snaps"), "tic", "--as-of", AS_OF.isoformat(), "--log-format", "json"],
    )
    assert result.exit_code == 1
    assert "s3cret" not in result.output and "reader" not in result.output
    records = [json.loads(line) for line in result.stderr.splitlines()]
    assert records[-1]["level"] == "error"
    assert records[-1]["message"].startswith(f"tic: http://***@127.0.0.1:{server.url.rsplit(':', 1)[1]}{TIC_URL}: HTTP 500")
    sent = [h.get("authorization") for target, h in server.requests if "slt_table5" in target]
    assert sent == ["Basic cmVhZGVyOnMzY3JldA=="]  # reader:s3cret
    ok = CliRunner().invoke(app, ["fetch", "--snapshots", str(tmp_path / "snaps"), "--as-of", AS_OF.isoformat()])
    assert ok.exit_code == 0, ok.output
    assert "s3cret" not in ok.output and "http://***@127.0.0.1" in ok.stderr  # the download lines
    cached = [json.loads(p.read_text()) for p in Path(os.environ["USTGLASS_CACHE_DIR"]).glob("*.json")]
    assert f"http://***@127.0.0.1:{server.url.rsplit(':', 1)[1]}{TIC_URL}" in {c["url"] for c in cached}
    cache = Path(os.environ["USTGLASS_CACHE_DIR"])
    assert not any(b"s3cret" in p.read_bytes() for p in [*tmp_path.rglob("*"), *cache.rglob("*")] if p.is_file())


@pytest.mark.parametrize(
    "variable, value, message",
    [
        ("USTGLASS_HTTP_BACKOFF", "-1", "USTGLASS_HTTP_BACKOFF='-1' is not a number of seconds from 0 to 86400"),
        ("USTGLASS_HTTP_TIMEOUT", "-1", "USTGLASS_HTTP_TIMEOUT='-1' is not a number of seconds above 0 to 86400"),
        ("USTGLASS_HTTP_TIMEOUT", "nan", "USTGLASS_HTTP_TIMEOUT='nan' is not a number of seconds above 0 to 86400"),
        ("USTGLASS_HTTP_RETRIES", "2.5", "USTGLASS_HTTP_RETRIES='2.5' is not a whole number from 0 to 100"),
        ("USTGLASS_HTTP_DEADLINE", "0", "USTGLASS_HTTP_DEADLINE='0' is not a number of seconds above 0 to 86400"),
        ("USTGLASS_FISCALDATA_MAX_PAGES", "0", "USTGLASS_FISCALDATA_MAX_PAGES='0' is not a whole number from 1 to 100000"),
        (
            "USTGLASS_FRED_URL",
            "http://mirror:port",
            "USTGLASS_FRED_URL='http://mirror:port': expected scheme://host[:port], e.g. https://mirror.example:8443",
        ),
    ],
)
def test_bad_environment_values_are_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv(variable, value)
    result = CliRunner().invoke(app, ["fetch", "--snapshots", str(tmp_path / "snaps")])
    assert (result.exit_code, result.stderr) == (2, f"Error: {message}\n")
    published = CliRunner().invoke(
        app, ["publish", "--out", str(tmp_path / "site"), "--snapshots", str(tmp_path / "snaps"), "--log-format", "json"]
    )
    assert published.exit_code == 2
    record = json.loads(published.stderr.splitlines()[-1])
    assert (record["level"], record["event"], record["message"]) == ("error", "failed", message)
    assert entries(tmp_path / "snaps") == []


def test_settings_errors_are_usage_errors() -> None:
    assert SettingsError("x").exit_code == 2


def test_an_absent_optional_dataset_is_one_quiet_line(server: LiveServer, tmp_path: Path) -> None:
    stream = io.StringIO()
    root = tmp_path / "snaps"
    result = live.fetch(root, as_of=AS_OF, http=client(tmp_path), log=Log("json", stream))
    assert result.created
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [r for r in records if r["level"] != "info"] == []
    quiet = [r for r in records if "RPONTSYD" in r["message"] or "rpontsyd" in r["message"]]
    assert [(r["event"], r["message"]) for r in quiet] == [
        ("optional-missing", "optional fred_rpontsyd not available (HTTP 404 Not Found); the brief goes without it")
    ]


# --- a live fetch after a snapshot made from local files -----------------------------------

WEEK = b",260804,2026-08-04,"


def test_a_live_fetch_keeps_newer_weeks_read_from_local_files(server: LiveServer, files: Path, tmp_path: Path) -> None:
    """The shipped snapshots come from local files, which may hold weeks the service does not serve
    yet (CFTC weekly files beyond the yearly zip). The first live fetch keeps them, marked; once
    the service has them, the downloaded data are used."""
    week = (FIXTURES / "FinFutYY.txt").read_bytes()
    (files / "cftc" / "FinFutWk_2026-08-11.txt").write_bytes(week.replace(WEEK, b",260811,2026-08-11,"))
    root = tmp_path / "snaps"
    local = live.snapshot_from_dir(files, root, AS_OF).path
    assert snapshot.read_manifest(local)["datasets"]["cftc_tff_ust"]["last"] == "2026-08-11"

    later, then = date(2026, 9, 30), date(2026, 10, 30)
    stream = io.StringIO()
    first = live.fetch(root, as_of=later, http=client(tmp_path), log=Log(stream=stream))
    manifest = snapshot.read_manifest(first.path)
    cftc = manifest["datasets"]["cftc_tff_ust"]
    assert (cftc["carried_forward"], cftc["last"]) == (True, "2026-08-11")
    assert cftc["notes"] == [
        f"carried forward from snapshot {AS_OF.isoformat()}: it was read there from local files and "
        "reaches 2026-08-11; the download (cftc/fut_fin_txt_2026.zip) reaches only 2026-08-04"
    ]
    assert manifest["fetch"]["from_local_files"] == ["cftc_tff_ust"]
    assert not manifest["datasets"]["fred_sofr"]["carried_forward"]
    assert "INFO    cftc_tff_ust: carried forward from snapshot" in stream.getvalue()  # expected: not a warning

    again = live.fetch(root, as_of=then, http=client(tmp_path), log=Log(stream=io.StringIO()))  # still kept, not refused
    assert snapshot.read_manifest(again.path)["fetch"]["from_local_files"] == ["cftc_tff_ust"]

    zip_path = CFTC_DIR + "fut_fin_txt_2026.zip"
    server.catalogue.files[zip_path] = cftc_zip(
        week + week.replace(WEEK, b",260811,2026-08-11,").split(b"\n", 1)[1] + week.replace(WEEK, b",260818,2026-08-18,").split(b"\n", 1)[1]
    )
    caught_up = live.fetch(root, as_of=date(2026, 11, 30), http=client(tmp_path), log=Log(stream=io.StringIO()))
    manifest = snapshot.read_manifest(caught_up.path)
    assert (manifest["datasets"]["cftc_tff_ust"]["carried_forward"], manifest["datasets"]["cftc_tff_ust"]["last"]) == (False, "2026-08-18")
    assert manifest["fetch"]["from_local_files"] == []


def test_a_live_dataset_going_backwards_names_the_dataset_and_the_file(server: LiveServer, tmp_path: Path) -> None:
    root = tmp_path / "snaps"
    live.fetch(root, as_of=AS_OF, http=client(tmp_path), log=Log(stream=io.StringIO()))
    zip_path = CFTC_DIR + "fut_fin_txt_2026.zip"
    week = (FIXTURES / "FinFutYY.txt").read_bytes()
    server.catalogue.files[zip_path] = cftc_zip(week.replace(WEEK, b",260728,2026-07-28,"))
    with pytest.raises(FetchError) as err:
        live.fetch(root, as_of=date(2026, 9, 30), http=client(tmp_path), log=Log(stream=io.StringIO()))
    assert str(err.value) == (
        f"cftc: {server.url}{zip_path}: dates go backwards in cftc_tff_ust: newest observation 2026-07-28 "
        f"(cftc/fut_fin_txt_2026.zip), snapshot {AS_OF.isoformat()} has 2026-08-04. "
        f"No snapshot written; {AS_OF.isoformat()} stays the newest."
    )


def test_a_csv_field_over_128_kb_is_an_error_line(server: LiveServer, tmp_path: Path) -> None:
    key = "/graph/fredgraph.csv?id=SOFR"
    server.catalogue.files[key] += b'2026-06-24,"' + b"9" * 200_000 + b'x"\n'
    message = failing(tmp_path, ("fred",))
    assert message.startswith(
        f"fred: {server.url}{key}: fred/SOFR.csv, row 7: not readable as delimited text (field larger than field limit (131072))"
    )
