"""The HTTP client: retries, Retry-After, timeouts, cache, concurrency, User-Agent, progress.

Every test swaps in an httpx.MockTransport: no socket is ever opened.
"""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from ustglass import __version__
from ustglass.logs import Log
from ustglass.sources.http import DownloadError, HttpCache, HttpClient, HttpSettings, LogProgress, SettingsError, retry_after

URL = "https://example.test/graph/fredgraph.csv?id=SOFR"
FAST = HttpSettings(read_timeout=1, connect_timeout=1, attempts=4, backoff=0.01, max_backoff=0.05, retry_after_cap=5)


def client(handler: Callable[[httpx.Request], httpx.Response], tmp_path: Path, **kw: object) -> tuple[HttpClient, list[float]]:
    slept: list[float] = []
    http = HttpClient(
        settings=kw.pop("settings", FAST),
        transport=httpx.MockTransport(handler),  # type: ignore[arg-type]
        cache=HttpCache(tmp_path / "cache"),
        log=Log(stream=io.StringIO()),
        sleep=slept.append,
    )
    return http, slept


def scripted(*responses: httpx.Response | Exception) -> tuple[Callable[[httpx.Request], httpx.Response], list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        item = responses[min(len(seen), len(responses)) - 1]
        if isinstance(item, Exception):
            raise item
        return item

    return handler, seen


def test_500_then_success_is_retried_with_backoff(tmp_path: Path) -> None:
    handler, seen = scripted(httpx.Response(500), httpx.Response(503), httpx.Response(200, content=b"ok"))
    http, slept = client(handler, tmp_path)
    got = http.get(URL)
    assert (got.status, got.data, got.attempts) == (200, b"ok", 3)
    assert len(seen) == 3 and len(slept) == 2
    assert 0.005 <= slept[0] <= 0.01 and 0.01 <= slept[1] <= 0.02  # doubled, with jitter


def test_429_honours_retry_after_capped(tmp_path: Path) -> None:
    handler, _ = scripted(
        httpx.Response(429, headers={"Retry-After": "3"}),
        httpx.Response(429, headers={"Retry-After": "999"}),
        httpx.Response(200, content=b"ok"),
    )
    http, slept = client(handler, tmp_path)
    assert http.get(URL).data == b"ok"
    assert slept == [3.0, 5.0]


def test_retry_after_as_http_date() -> None:
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == pytest.approx(10.0)
    assert retry_after("soon") is None and retry_after(None) is None and retry_after("7") == 7.0


def test_connection_errors_and_timeouts_are_retried_then_reported(tmp_path: Path) -> None:
    handler, seen = scripted(httpx.ConnectError("refused"), httpx.ReadTimeout("slow"))
    http, _ = client(handler, tmp_path)
    with pytest.raises(DownloadError) as err:
        http.get(URL)
    assert len(seen) == 4
    assert err.value.url == URL
    assert str(err.value) == f"{URL}: timed out (ReadTimeout) (after 4 attempts)"


def test_client_errors_are_not_retried(tmp_path: Path) -> None:
    handler, seen = scripted(httpx.Response(404))
    http, slept = client(handler, tmp_path)
    with pytest.raises(DownloadError, match="HTTP 404 Not Found"):
        http.get(URL)
    assert len(seen) == 1 and slept == []


def test_user_agent_identifies_ustglass(tmp_path: Path) -> None:
    handler, seen = scripted(httpx.Response(200, content=b"x"))
    http, _ = client(handler, tmp_path)
    http.get(URL)
    assert seen[0].headers["User-Agent"].startswith(f"ustglass/{__version__} (+")


def test_conditional_request_and_304_serves_the_cached_body(tmp_path: Path) -> None:
    handler, seen = scripted(
        httpx.Response(
            200, content=b"body", headers={"ETag": '"v1"', "Last-Modified": "Mon, 23 Nov 2026 10:00:00 GMT", "Content-Type": "text/csv"}
        ),
        httpx.Response(304),
    )
    http, _ = client(handler, tmp_path)
    first = http.get(URL)
    second = http.get(URL)
    assert not first.from_cache and second.from_cache
    assert (second.status, second.data, second.content_type) == (304, b"body", "text/csv")
    assert seen[1].headers["If-None-Match"] == '"v1"'
    assert seen[1].headers["If-Modified-Since"] == "Mon, 23 Nov 2026 10:00:00 GMT"


def test_damaged_or_forgotten_cache_entries_are_not_used(tmp_path: Path) -> None:
    cache = HttpCache(tmp_path / "c")
    handler, seen = scripted(httpx.Response(200, content=b"body", headers={"ETag": '"v1"'}))
    http = HttpClient(settings=FAST, transport=httpx.MockTransport(handler), cache=cache, log=Log(stream=io.StringIO()))
    http.get(URL)
    body = next((tmp_path / "c").glob("*.body"))
    body.write_bytes(b"tampered")
    assert cache.lookup(URL) is None
    http.get(URL)
    assert "If-None-Match" not in seen[1].headers
    http.forget(URL)
    assert cache.lookup(URL) is None


def test_cache_dir_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USTGLASS_CACHE_DIR", str(tmp_path / "env-cache"))
    assert HttpCache().root == tmp_path / "env-cache"


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USTGLASS_HTTP_TIMEOUT", "2.5")
    monkeypatch.setenv("USTGLASS_HTTP_RETRIES", "1")
    s = HttpSettings.from_env()
    assert (s.read_timeout, s.attempts) == (2.5, 2)
    monkeypatch.setenv("USTGLASS_HTTP_RETRIES", "many")
    with pytest.raises(SettingsError, match="^USTGLASS_HTTP_RETRIES='many' is not a whole number from 0 to 100$"):
        HttpSettings.from_env()


def test_body_size_is_limited(tmp_path: Path) -> None:
    handler, _ = scripted(httpx.Response(200, content=b"x" * 2000))
    http, _ = client(handler, tmp_path, settings=HttpSettings(max_bytes=1000, attempts=1))
    with pytest.raises(DownloadError, match="larger than"):
        http.get(URL)


def test_concurrency_is_bounded_and_failures_are_returned(tmp_path: Path) -> None:
    active, peak, lock = [0], [0], threading.Lock()

    def handler(request: httpx.Request) -> httpx.Response:
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.02)
        with lock:
            active[0] -= 1
        return httpx.Response(404 if request.url.params["id"] == "BAD" else 200, content=b"x")

    settings = HttpSettings(concurrency=3, attempts=1)
    http, _ = client(handler, tmp_path, settings=settings)
    urls = [f"https://example.test/g?id=S{i}" for i in range(10)] + ["https://example.test/g?id=BAD"]
    results = http.get_many(urls)
    assert peak[0] == 3
    assert isinstance(results[urls[-1]], DownloadError)
    assert all(results[u].data == b"x" for u in urls[:-1])  # type: ignore[union-attr]


def test_plain_progress_lines_are_timestamped_and_json_lines_parse(tmp_path: Path) -> None:
    text, js = io.StringIO(), io.StringIO()
    handler, _ = scripted(httpx.Response(200, content=b"abc"))
    for stream, fmt in ((text, "text"), (js, "json")):
        http, _ = client(handler, tmp_path)
        http.get_many([URL], progress=LogProgress(Log(fmt, stream)))
    assert text.getvalue().splitlines()[1].split(" ", 1)[1].startswith("INFO    got https://example.test/")
    assert text.getvalue()[:4].isdigit() and text.getvalue()[19] == "Z"
    records = [json.loads(line) for line in js.getvalue().splitlines()]
    assert [r["event"] for r in records] == ["download", "download"]
    assert set(records[0]) == {"time", "level", "event", "message"}


# --- redirects, deadlines, credentials ---------------------------------------------------


def redirecting(routes: dict[str, str], seen: list[httpx.Request]) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        target = routes.get(str(request.url))
        return httpx.Response(302, headers={"Location": target}) if target else httpx.Response(200, content=b"ok")

    return handler


def test_redirects_within_the_host_are_followed_with_the_credentials(tmp_path: Path) -> None:
    seen: list[httpx.Request] = []
    start = "https://user:pa%3Ass@example.test/a"
    http, _ = client(redirecting({"https://example.test/a": "/b"}, seen), tmp_path)
    assert http.get(start).data == b"ok"
    assert [str(r.url) for r in seen] == ["https://example.test/a", "https://example.test/b"]
    assert {r.headers["Authorization"] for r in seen} == {"Basic dXNlcjpwYTpzcw=="}  # user:pa:ss


@pytest.mark.parametrize(
    "location, reason",
    [
        (
            "https://elsewhere.test/a",
            "redirected to another host (elsewhere.test); only redirects within example.test are followed: https://elsewhere.test/a",
        ),
        ("http://example.test/a", "redirected from https to plain http; refused: http://example.test/a"),
        ("https://example.test:8443/a", "redirected to another port of example.test (8443); refused: https://example.test:8443/a"),
    ],
)
def test_redirects_elsewhere_are_refused_without_a_request(tmp_path: Path, location: str, reason: str) -> None:
    seen: list[httpx.Request] = []
    http, slept = client(redirecting({"https://example.test/start": location}, seen), tmp_path)
    with pytest.raises(DownloadError) as err:
        http.get("https://u:secret@example.test/start")
    assert str(err.value) == f"https://***@example.test/start: {reason}"
    assert len(seen) == 1 and slept == []


def test_redirect_loops_and_long_chains_end(tmp_path: Path) -> None:
    seen: list[httpx.Request] = []
    chain = {f"https://example.test/{i}": f"/{i + 1}" for i in range(10)}
    http, _ = client(redirecting(chain, seen), tmp_path)
    with pytest.raises(DownloadError, match=r"^https://example.test/0: more than 5 redirects$"):
        http.get("https://example.test/0")
    assert len(seen) == 6


def test_a_slow_body_stops_at_the_download_deadline(tmp_path: Path) -> None:
    class Slow(httpx.SyncByteStream):
        def __iter__(self):  # type: ignore[no-untyped-def]
            for _ in range(100):
                time.sleep(0.05)
                yield b"x"

    handler, seen = scripted(httpx.Response(200, stream=Slow()))
    http, slept = client(handler, tmp_path, settings=HttpSettings(attempts=3, download_deadline=0.3))
    with pytest.raises(DownloadError) as err:
        http.get(URL)
    assert str(err.value) == f"{URL}: did not finish within the download deadline of 0.3 s (USTGLASS_HTTP_DEADLINE)"
    assert len(seen) == 1 and slept == []


def test_no_retry_is_started_that_the_deadline_would_cut(tmp_path: Path) -> None:
    handler, seen = scripted(httpx.Response(503))
    http, _ = client(handler, tmp_path, settings=HttpSettings(attempts=4, backoff=50, max_backoff=50, download_deadline=10))
    with pytest.raises(DownloadError) as err:
        http.get(URL)
    assert str(err.value) == (
        f"{URL}: HTTP 503 Service Unavailable (after 1 attempt(s); no time left for another within "
        "the download deadline of 10 s (USTGLASS_HTTP_DEADLINE))"
    )
    assert len(seen) == 1


def test_redact_hides_every_credential() -> None:
    from ustglass.logs import redact

    assert (
        redact("got http://u:p@h:1/x and https://tok@m.example/y?z=1, not mail@example.org")
        == "got http://***@h:1/x and https://***@m.example/y?z=1, not mail@example.org"
    )


def test_log_lines_never_show_credentials() -> None:
    stream = io.StringIO()
    Log("json", stream).warning("source-failed", "tic: http://u:secret@h/x: HTTP 500", url="http://u:secret@h/x")
    assert "secret" not in stream.getvalue() and json.loads(stream.getvalue())["url"] == "http://***@h/x"
