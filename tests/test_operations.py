"""Operations as a new operator meets them: the documented cron line on its first run in a checkout
(the shipped snapshots come from local files), and ``snapshots`` / ``diff`` outside a checkout."""

from __future__ import annotations

import io
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from liveserver import Catalogue, LiveServer
from official_dir import FIXTURES
from test_live import AS_OF, RAW
from ustglass import snapshot
from ustglass.app import app
from ustglass.logs import Log
from ustglass.publish import PublishOptions, publish
from ustglass.sources import live

pytest_plugins = ["test_live", "test_publish"]  # their fixtures: files, server, fake_build
REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "data_snapshots"


# --- snapshots and diff outside a checkout -------------------------------------------------


def test_snapshots_and_diff_see_the_shipped_snapshots_outside_a_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no ./data_snapshots here
    listed = CliRunner().invoke(app, ["snapshots", "--json"])
    assert listed.exit_code == 0, listed.output
    assert [s["id"] for s in json.loads(listed.stdout)] == sorted(p.name for p in SHIPPED.iterdir() if (p / "manifest.json").is_file())
    diffed = CliRunner().invoke(app, ["diff", "2025-12-31", "2026-10-09"])
    assert diffed.exit_code == 0, diffed.output
    assert diffed.stdout.splitlines()[0] == "2025-12-31 -> 2026-10-09"
    (tmp_path / "data_snapshots").mkdir()  # a local directory, when present, is the one used
    assert CliRunner().invoke(app, ["snapshots"]).stdout == "no snapshots under data_snapshots\n"


# --- publish when the newest snapshot came from local files ----------------------------------

WEEK = b",260804,2026-08-04,"


def test_publish_after_a_snapshot_of_local_files_keeps_its_newer_weeks(
    server: LiveServer, files: Path, tmp_path: Path, fake_build: list[str]
) -> None:
    week = (FIXTURES / "FinFutYY.txt").read_bytes()
    (files / "cftc" / "FinFutWk_2026-08-11.txt").write_bytes(week.replace(WEEK, b",260811,2026-08-11,"))
    snaps = tmp_path / "snaps"
    live.snapshot_from_dir(files, snaps, AS_OF)  # as the shipped snapshots are made
    opts = PublishOptions(out_dir=tmp_path / "site", langs=("en",), snapshots_root=snaps)
    stream = io.StringIO()
    first = publish(opts, Log("json", stream))
    assert first.status == "published"
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [r for r in records if r["level"] != "info"] == []  # nothing to mail about
    manifest = snapshot.read_manifest(snaps / first.snapshot_id)
    assert manifest["datasets"]["cftc_tff_ust"]["last"] == "2026-08-11"
    assert manifest["datasets"]["cftc_tff_ust"]["carried_forward"] is True
    assert manifest["fetch"]["from_local_files"] == ["cftc_tff_ust"]
    again = publish(opts, Log("json", io.StringIO()))
    assert (again.status, fake_build) == ("unchanged", [first.snapshot_id])


@pytest.fixture
def official_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveServer]:
    """The full official files served as the services serve them (no weekly CFTC supplements)."""
    if not (RAW / "fred" / "SOFR.csv").is_file():
        pytest.skip(f"official raw files not found at {RAW} (set USTGLASS_RAW_DIR)")
    with LiveServer(Catalogue.from_dir(RAW)) as srv:
        for key, value in srv.env().items():
            monkeypatch.setenv(key, value)
        yield srv


def test_the_documented_cron_line_works_on_its_first_run_in_a_checkout(
    official_server: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checkout = tmp_path / "srv-ustglass"
    shutil.copytree(SHIPPED, checkout / "data_snapshots")
    monkeypatch.chdir(checkout)
    monkeypatch.setenv("USTGLASS_HTTP_RETRIES", "0")
    result = CliRunner().invoke(app, ["publish", "--out", str(tmp_path / "brief"), "--keep", "30", "--log-format", "json"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stderr.splitlines()]
    assert [r["level"] for r in records].count("error") == 0
    assert records[-1]["event"] == "published"
    newest = sorted(p for p in (checkout / "data_snapshots").iterdir() if not p.name.startswith("."))[-1]
    kept = snapshot.read_manifest(newest)["datasets"]["cftc_tff_ust"]
    shipped = snapshot.read_manifest(SHIPPED / "2026-10-09")["datasets"]["cftc_tff_ust"]
    assert kept["last"] == shipped["last"]  # the weeks only local files had are not lost
    assert os.path.islink(tmp_path / "brief" / "latest")
