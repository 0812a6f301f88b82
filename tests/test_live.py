"""Live fetch against the local fault-injecting server (tests/liveserver.py) on 127.0.0.1.

The small official-files directory (tests/official_dir.py, plus a CFTC zip for every year of
the plan) runs always; the full copy of the official files (shared/raw) when present.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from liveserver import Catalogue, LiveServer
from official_dir import FIXTURES, cftc_zip
from ustglass import datasets, ingest, snapshot
from ustglass.app import app
from ustglass.errors import FetchError, InputError
from ustglass.logs import Log
from ustglass.snapshot import dataset_hashes
from ustglass.sources import live
from ustglass.sources.http import HttpCache, HttpClient, HttpSettings
from ustglass.sources.validate import check_frame

AS_OF = date(2026, 8, 31)
EARLIER = date(2026, 6, 30)
RAW = Path(os.environ.get("USTGLASS_RAW_DIR", Path(__file__).resolve().parents[2] / "shared" / "raw"))
RAW_EXCLUDE = ("originals/*", "samples/*", "cftc/supplements/*")


def with_every_year(official: Path) -> Path:
    """The small directory plus a one-week CFTC zip for every year the live plan asks for."""
    week = (FIXTURES / "FinFutYY.txt").read_bytes()
    for year in range(live.CFTC_FIRST_YEAR, AS_OF.year):
        path = official / "cftc" / f"fut_fin_txt_{year}.zip"
        if not path.exists():
            dated = week.replace(b",260804,2026-08-04,", f",{year % 100:02d}0804,{year}-08-04,".encode())
            path.write_bytes(cftc_zip(dated))
    return official


@pytest.fixture
def files(official: Path) -> Path:
    return with_every_year(official)


@pytest.fixture
def server(files: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveServer]:
    with LiveServer(Catalogue.from_dir(files), page_cap=4) as srv:
        for key, value in srv.env().items():
            monkeypatch.setenv(key, value)
        yield srv


def http(tmp_path: Path, attempts: int = 3) -> HttpClient:
    settings = HttpSettings(connect_timeout=1, read_timeout=0.5, attempts=attempts, backoff=0.01, max_backoff=0.02, retry_after_cap=0.2)
    return HttpClient(settings=settings, cache=HttpCache(tmp_path / "cache"), log=Log(stream=io.StringIO()))


def fetch(tmp_path: Path, root: Path, **kw: object) -> live.FetchResult:
    kw.setdefault("as_of", AS_OF)
    return live.fetch(root, http=http(tmp_path), log=Log(stream=io.StringIO()), **kw)  # type: ignore[arg-type]


def reference(files: Path, tmp_path: Path, as_of: date = AS_OF) -> dict[str, str]:
    path = ingest.write(ingest.prepare(ingest.scan_dir(files), as_of), tmp_path / "from-dir")
    return dataset_hashes(path)


def entries(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


# --- end to end --------------------------------------------------------------------------


def test_live_snapshot_equals_from_dir(server: LiveServer, files: Path, tmp_path: Path) -> None:
    result = fetch(tmp_path, tmp_path / "live")
    assert result.created and result.id == AS_OF.isoformat()
    assert dataset_hashes(result.path) == reference(files, tmp_path)
    assert server.hits("page%5Bnumber%5D=2") == 2  # both Fiscal Data endpoints came in pages
    assert [(f.dataset, f.optional) for f in result.failures] == [("fred_rpontsyd", True)]
    manifest = snapshot.read_manifest(result.path)
    assert manifest["fetch"]["failed"][0]["reason"] == "HTTP 404 Not Found"
    assert manifest["datasets"]["mspd_table1"]["original"][0]["file"] == "fiscaldata/mspd_table_1.json"


@pytest.mark.parametrize(
    "match, kind, seconds",
    [
        ("fredgraph.csv?id=SOFR", "500", 0),
        ("fut_fin_txt_2026.zip", "429", 1),
        ("mfhhis01.txt", "stall", 1.5),
        ("operating_cash_balance", "503", 0),
    ],
)
def test_transient_faults_end_in_a_correct_snapshot(
    server: LiveServer, files: Path, tmp_path: Path, match: str, kind: str, seconds: float
) -> None:
    server.inject(match, kind, seconds)
    result = fetch(tmp_path, tmp_path / "live")
    assert dataset_hashes(result.path) == reference(files, tmp_path)
    assert server.hits(match) >= 2


@pytest.mark.parametrize(
    "match, kind, times, reason",
    [
        ("fut_fin_txt_2026.zip", "truncate", 1, "is not a readable zip archive"),
        ("fredgraph.csv?id=IORB", "html", 1, "an HTML page instead of data (content type 'text/html; charset=utf-8')"),
        ("fredgraph.csv?id=SOFR", "rename", 1, "unexpected header 'renamed_observation_date,SOFR'"),
        ("slt_table5.txt", "empty", 1, "empty body"),
        ("fredgraph.csv?id=WRESBAL", "500", 3, "HTTP 500 Internal Server Error (after 3 attempts)"),
        ("mspd_table_1", "stall", 3, "timed out (ReadTimeout) (after 3 attempts)"),
    ],
)
def test_bad_downloads_fail_cleanly_and_write_nothing(
    server: LiveServer, tmp_path: Path, match: str, kind: str, times: int, reason: str
) -> None:
    root = tmp_path / "live"
    previous = fetch(tmp_path, root, as_of=EARLIER).path
    for _ in range(times):
        server.inject(match, kind, 0.8)
    with pytest.raises(FetchError) as err:
        fetch(tmp_path, root)
    message = str(err.value)
    source = "cftc" if "fut_fin" in match else "tic" if "txt" in match else "fiscaldata" if "mspd" in match else "fred"
    assert message.startswith(f"{source}: {server.url}/")
    assert reason in message and match.split("?")[0] in message
    assert message.endswith(f"No snapshot written; {EARLIER.isoformat()} stays the newest.")
    assert entries(root) == [EARLIER.isoformat()]
    assert snapshot.list_snapshots(root) == [previous]


def test_allow_partial_carries_the_failed_dataset_forward(server: LiveServer, tmp_path: Path) -> None:
    root = tmp_path / "live"
    previous = fetch(tmp_path, root, as_of=EARLIER).path
    for _ in range(3):
        server.inject("id=WRESBAL", "500")
    result = fetch(tmp_path, root, allow_partial=True)
    assert result.carried == ("fred_wresbal",)
    meta = snapshot.read_manifest(result.path)["datasets"]
    assert meta["fred_wresbal"]["carried_forward"] is True
    assert meta["fred_wresbal"]["notes"][-1].startswith(f"carried forward from snapshot {EARLIER.isoformat()}: fred failed: HTTP 500")
    assert meta["fred_sofr"]["carried_forward"] is False
    assert (result.path / "fred_wresbal.csv").read_bytes() == (previous / "fred_wresbal.csv").read_bytes()
    assert snapshot.load(result.path).has("fred_wresbal")


def test_allow_partial_without_a_previous_snapshot_fails(server: LiveServer, tmp_path: Path) -> None:
    server.inject("mfhhis01.txt", "html")
    with pytest.raises(FetchError, match="cannot carry forward tic_mfh: no previous snapshot"):
        fetch(tmp_path, tmp_path / "live", allow_partial=True)
    assert entries(tmp_path / "live") == []


def test_chosen_sources_only_the_rest_carried_forward(server: LiveServer, tmp_path: Path) -> None:
    root = tmp_path / "live"
    fetch(tmp_path, root, as_of=EARLIER)
    before = len(server.requests)
    result = fetch(tmp_path, root, sources=("fred",))
    assert all("fredgraph" in target for target, _ in server.requests[before:])
    meta = snapshot.read_manifest(result.path)["datasets"]
    carried = sorted(ds for ds, m in meta.items() if m["carried_forward"])
    assert carried == ["cftc_tff_ust", "dts_tga", "mspd_table1", "nyfed_srf", "tic_mfh"]
    assert meta["tic_mfh"]["notes"] == [f"carried forward from snapshot {EARLIER.isoformat()}: source tic not requested"]


def test_dates_going_backwards_are_refused(server: LiveServer, files: Path, tmp_path: Path) -> None:
    root = tmp_path / "live"
    fetch(tmp_path, root)
    key = "/graph/fredgraph.csv?id=SOFR"
    server.catalogue.files[key] = b"\n".join(server.catalogue.files[key].split(b"\n")[:-3]) + b"\n"
    with pytest.raises(
        FetchError,
        match=r"fred: .*id=SOFR: dates go backwards in fred_sofr: newest observation 2026-06-19 "
        r"\(fred/SOFR.csv\), snapshot 2026-08-31 has 2026-06-23",
    ):
        fetch(tmp_path, root, as_of=date(2026, 9, 30))
    assert entries(root) == [AS_OF.isoformat()]


def test_same_data_again_is_not_a_new_snapshot_and_uses_the_cache(server: LiveServer, tmp_path: Path) -> None:
    root = tmp_path / "live"
    first = fetch(tmp_path, root)
    before = len(server.requests)
    again = fetch(tmp_path, root)
    assert (again.path, again.created) == (first.path, False)
    conditional = [headers for _, headers in server.requests[before:] if "if-none-match" in headers]
    assert len(conditional) >= len(datasets.FRED_SERIES) - 1
    assert entries(root) == [AS_OF.isoformat()]


def test_downloads_with_impossible_values_or_dates_fail_and_write_nothing(
    files: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wresbal = files / "fred" / "WRESBAL.csv"
    wresbal.write_bytes(wresbal.read_bytes().replace(b"2026-06-10,3080723", b"2026-06-10,1e308"))
    with open(files / "fred" / "SOFR.csv", "ab") as fh:
        fh.write(b"2099-01-02,3.70\n")
    history = files / "tic" / "mfhhis01.txt"
    history.write_bytes(history.read_bytes().replace(b"Cayman Islands\t", b"Cayman Is.\t"))
    root = tmp_path / "live"
    with LiveServer(Catalogue.from_dir(files), page_cap=4) as srv:
        for key, value in srv.env().items():
            monkeypatch.setenv(key, value)
        with pytest.raises(FetchError) as err:
            fetch(tmp_path, root)
    message = str(err.value)
    assert (
        f"fred: {srv.url}/graph/fredgraph.csv?id=WRESBAL: fred/WRESBAL.csv, row 3, field 'WRESBAL': implausible value "
        "1e+308 on 2026-06-10 (expected between 0 and 100,000,000 millions of USD)"
    ) in message
    assert "fred/SOFR.csv, row 7, field 'observation_date': 2099-01-02 is in the future" in message
    assert "tic/mfhhis01.txt, field 'country': no row for 'Cayman Islands' in 2025-12, the newest period" in message
    assert not root.exists() or entries(root) == []


# --- plan, mirrors, checks ---------------------------------------------------------------


def test_plan_keeps_official_paths_and_queries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USTGLASS_FRED_URL", "http://mirror.example:8080/")
    downloads = live.plan(live.SOURCES, date(2026, 11, 24))
    urls = {d.name: d.url for d in downloads}
    assert urls["fred/SOFR.csv"] == "http://mirror.example:8080/graph/fredgraph.csv?id=SOFR"
    assert urls["cftc/fut_fin_txt_2018.zip"] == "https://www.cftc.gov/files/dea/history/fut_fin_txt_2018.zip"
    assert [d.name for d in downloads if d.source == "cftc"][-1] == "cftc/fut_fin_txt_2026.zip"
    assert urls["tic/slt_table5.txt"] == "https://ticdata.treasury.gov/resource-center/data-chart-center/tic/Documents/slt_table5.txt"
    assert urls["fiscaldata/operating_cash_balance.json"].startswith(
        "https://api.fiscaldata.treasury.gov/services/api/fiscal_service/v1/accounting/dts/operating_cash_balance?fields=record_date"
    )
    assert "filter=record_date%3Agte%3A2021-01-01" in urls["fiscaldata/operating_cash_balance.json"]
    assert [d.optional for d in downloads if d.name == "fred/RPONTSYD.csv"] == [True]
    early = live.plan(("cftc",), date(2027, 1, 5))
    assert [(d.name, d.optional) for d in early[-1:]] == [("cftc/fut_fin_txt_2027.zip", True)]


def test_nyfed_plan_asks_for_yearly_windows_through_its_mirror(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USTGLASS_NYFED_URL", "http://mirror.example:8080")
    downloads = live.plan(("nyfed",), date(2026, 11, 24))
    assert [(d.name, d.url, d.optional) for d in downloads] == [
        (
            "nyfed/rp_results_repo_2025-01-01_2025-12-31.json",
            "http://mirror.example:8080/api/rp/results/search.json?startDate=2025-01-01&endDate=2025-12-31&operationTypes=Repo",
            True,
        ),
        (
            "nyfed/rp_results_repo_2026-01-01_2026-11-24.json",
            "http://mirror.example:8080/api/rp/results/search.json?startDate=2026-01-01&endDate=2026-11-24&operationTypes=Repo",
            True,
        ),
    ]
    monkeypatch.delenv("USTGLASS_NYFED_URL")
    # before the first business day of a year has ended, its window cannot hold an operation: not asked for
    assert [d.name for d in live.plan(("nyfed",), date(2027, 1, 4))] == ["nyfed/rp_results_repo_2026-01-01_2026-12-31.json"]
    assert live.plan(("nyfed",), date(2027, 1, 5))[-1].url == (
        "https://markets.newyorkfed.org/api/rp/results/search.json?startDate=2027-01-01&endDate=2027-01-05&operationTypes=Repo"
    )


def test_an_optional_dataset_is_taken_whole_or_not_at_all(server: LiveServer, tmp_path: Path) -> None:
    """One of the NY Fed's two windows fails: the SRF is not taken half; the previous snapshot's is carried."""
    root = tmp_path / "live"
    previous = fetch(tmp_path, root, as_of=EARLIER).path
    for _ in range(3):
        server.inject("startDate=2026-01-01", "503")
    result = fetch(tmp_path, root)
    assert result.carried == ("nyfed_srf",)
    meta = snapshot.read_manifest(result.path)["datasets"]["nyfed_srf"]
    assert meta["notes"][-1].startswith(f"carried forward from snapshot {EARLIER.isoformat()}: nyfed failed: HTTP 503")
    assert (result.path / "nyfed_srf.csv").read_bytes() == (previous / "nyfed_srf.csv").read_bytes()
    for _ in range(3):
        server.inject("startDate=2025-01-01", "503")
    alone = fetch(tmp_path, tmp_path / "first")  # with no snapshot to carry it from, the brief goes without it
    assert "nyfed_srf" not in snapshot.read_manifest(alone.path)["datasets"]
    assert [f.dataset for f in alone.failures] == ["fred_rpontsyd", "nyfed_srf"]


def test_a_window_answering_other_days_is_refused() -> None:
    from ustglass.sources import source

    nyfed = source("nyfed")
    (window,) = [d for d in nyfed.plan(date(2026, 3, 31), lambda url: url) if "2026-01-01" in d.name]
    inside = pd.DataFrame({"date": pd.to_datetime(["2026-01-02", "2026-03-31"]), "value": [1.0, 0.0]})
    assert nyfed.check(window, inside) is None
    outside = pd.DataFrame({"date": pd.to_datetime(["2025-12-31", "2026-01-02"]), "value": [74.6, 22.8]})
    assert nyfed.check(window, outside) == "holds operations of 2025-12-31, outside the window asked for (2026-01-01 to 2026-03-31)"


@pytest.mark.parametrize("value", ["mirror.example", "ftp://mirror.example", "https://mirror.example/fred", "https://m.example?x=1"])
def test_mirror_must_be_scheme_host_port(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("USTGLASS_TIC_URL", value)
    with pytest.raises(FetchError, match=r"USTGLASS_TIC_URL=.*expected scheme://host\[:port\]"):
        live.plan(("tic",), AS_OF)


def test_unknown_source_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="unknown source\\(s\\): fed; choose from fred, cftc, tic, fiscaldata, nyfed$"):
        live.fetch(tmp_path, sources=("fed",))


def frame(values: list[float], start: str = "2026-06-01") -> pd.DataFrame:
    return pd.DataFrame({"date": pd.date_range(start, periods=len(values)), "value": values})


@pytest.mark.parametrize(
    "series, values, message",
    [
        ("SOFR", [3.6, 45.0], "SOFR.csv, field 'value': implausible value 45 on 2026-06-02 (expected between -5 and 30 percent)"),
        (
            "WRESBAL",
            [3e6, -1.0],
            "WRESBAL.csv, field 'value': implausible value -1 on 2026-06-02 (expected between 0 and 100,000,000 millions of USD)",
        ),
    ],
)
def test_implausible_values_are_refused(series: str, values: list[float], message: str) -> None:
    with pytest.raises(InputError) as err:
        check_frame(datasets.FRED_SERIES[series], frame(values), f"{series}.csv")
    assert str(err.value) == message


def test_plausible_values_pass_and_empty_or_duplicated_frames_fail() -> None:
    check_frame(datasets.FRED_SERIES["FYFSD"], frame([-1815377.0, float("nan")]), "FYFSD.csv")
    with pytest.raises(InputError, match="no observations"):
        check_frame(datasets.FRED_SERIES["SOFR"], frame([]), "SOFR.csv")
    twice = pd.concat([frame([3.0]), frame([3.1])], ignore_index=True)
    with pytest.raises(InputError, match="duplicate observation on 2026-06-01"):
        check_frame(datasets.FRED_SERIES["SOFR"], twice, "SOFR.csv")


# --- the command -------------------------------------------------------------------------


def test_cli_fetch_through_mirrors(server: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USTGLASS_HTTP_RETRIES", "0")
    root = tmp_path / "snaps"
    ok = CliRunner().invoke(app, ["fetch", "--snapshots", str(root), "--as-of", AS_OF.isoformat()])
    assert ok.exit_code == 0, ok.output
    assert ok.stdout.strip() == f"snapshot written: {root / AS_OF.isoformat()}"
    server.inject("id=IORB", "html")
    bad = CliRunner().invoke(app, ["fetch", "fred", "--snapshots", str(root), "--as-of", "2026-09-30"])
    assert bad.exit_code == 1
    assert bad.stderr.splitlines()[-1].startswith(f"Error: fred: {server.url}/graph/fredgraph.csv?id=IORB: fred/IORB.csv: an HTML page")
    assert entries(root) == [AS_OF.isoformat()]
    usage = CliRunner().invoke(app, ["fetch", "fred", "--from-dir", str(tmp_path)])
    assert usage.exit_code == 2


# --- the full official files -------------------------------------------------------------


@pytest.fixture(scope="module")
def raw() -> Path:
    if not (RAW / "fred" / "SOFR.csv").is_file():
        pytest.skip(f"official raw files not found at {RAW} (set USTGLASS_RAW_DIR)")
    return RAW


def test_live_equals_from_dir_on_the_official_files(raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Same inputs both ways: the server serves shared/raw minus cftc/supplements (files with no
    live URL in the plan); the TIC current table is made from mfhhis01.txt's newest block."""
    monkeypatch.setenv("USTGLASS_HTTP_RETRIES", "0")
    as_of = "2026-06-30"
    runner = CliRunner()
    excludes = [arg for pattern in RAW_EXCLUDE for arg in ("--exclude", pattern)]
    local = runner.invoke(app, ["fetch", "--from-dir", str(raw), *excludes, "--snapshots", str(tmp_path / "dir"), "--as-of", as_of])
    assert local.exit_code == 0, local.output
    with LiveServer(Catalogue.from_dir(raw)) as srv:
        for key, value in srv.env().items():
            monkeypatch.setenv(key, value)
        remote = runner.invoke(app, ["fetch", "--snapshots", str(tmp_path / "live"), "--as-of", as_of])
    assert remote.exit_code == 0, remote.output
    a, b = tmp_path / "dir" / as_of, tmp_path / "live" / as_of
    assert dataset_hashes(a) == dataset_hashes(b)
    for csv in sorted(a.glob("*.csv")):
        assert csv.read_bytes() == (b / csv.name).read_bytes(), csv.name
    assert len(dataset_hashes(b)) == 17  # WTREGEN is served but not used by the brief
    srf = snapshot.load(b).table("nyfed_srf").set_index("date")["value"]  # two yearly windows of the NY Fed's API
    assert (srf.index.min(), srf.index.max(), srf[pd.Timestamp("2025-10-31")]) == (
        pd.Timestamp("2025-03-06"),
        pd.Timestamp("2026-04-24"),
        50.35,
    )
