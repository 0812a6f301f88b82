"""What changed since the previous edition: new observations, revisions, signals that moved; the CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from ustglass import changes, snapshot
from ustglass.app import app
from ustglass.changes import Revision, SignalChange

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "data_snapshots"
runner = CliRunner()


def fred(rows: list[tuple[str, float]]) -> pd.DataFrame:
    return pd.DataFrame({"date": pd.to_datetime([d for d, _ in rows]), "value": [float(v) for _, v in rows]})


def rrp(last: float) -> pd.DataFrame:
    return fred([("2025-10-01", 400.0), ("2025-11-03", 300.0), ("2025-12-31", last)])


def test_new_observations_and_revisions_with_old_and_new_values():
    old = {"fred_fyfsd": fred([("2023-09-30", -1693700), ("2024-09-30", -1832816)]), "fred_rrpontsyd": rrp(300.0)}
    new = {"fred_fyfsd": fred([("2023-09-30", -1693700), ("2024-09-30", -1815377), ("2025-09-30", -1774684)]), "fred_rrpontsyd": rrp(300.0)}
    found = {d.dataset: d for d in changes.compare("a", old, "b", new).datasets}
    fy = found["fred_fyfsd"]
    assert (fy.status, fy.new_observations, fy.new_first, fy.new_last, fy.removed, fy.revised) == (
        "changed",
        1,
        "2025-09-30",
        "2025-09-30",
        0,
        1,
    )
    assert fy.revisions == (Revision("2024-09-30", "value", -1832816.0, -1815377.0),)
    assert found["fred_rrpontsyd"].status == "unchanged" and found["fred_rrpontsyd"].revisions == ()


def test_datasets_added_and_removed():
    found = changes.compare(
        "a", {"fred_sofr": fred([("2025-12-31", 3.9)])}, "b", {"fred_iorb": fred([("2025-12-30", 3.65), ("2025-12-31", 3.65)])}
    ).datasets
    assert [(d.dataset, d.status, d.new_observations, d.new_first, d.new_last, d.removed) for d in found] == [
        ("fred_iorb", "added", 2, "2025-12-30", "2025-12-31", 0),
        ("fred_sofr", "removed", 0, None, None, 1),
    ]


def test_signals_that_changed_including_becoming_available():
    old = {"fred_rrpontsyd": rrp(300.0)}
    new = {"fred_rrpontsyd": rrp(40.0), "fred_dgs10": fred([("2025-12-30", 4.1), ("2025-12-31", 4.2)])}
    found = changes.compare("a", old, "b", new).signals_changed
    assert list(found) == [
        SignalChange("on_rrp", "calm", "watch", 300.0, 40.0, "2025-12-31", "2025-12-31"),  # watch at most without reserve data
        SignalChange("ust10y", None, "calm", None, 4.2, None, "2025-12-31"),
    ]  # 4.2 is at the 75th percentile of two days
    assert changes.compare("a", old, "b", old).signals_changed == ()


def test_shipped_editions():
    a, b = snapshot.load(SHIPPED / "2025-12-31"), snapshot.load(SHIPPED / "2026-10-09")
    found = changes.compare(a.id, a.tables, b.id, b.tables)
    by = {d.dataset: d for d in found.datasets}
    assert (by["cftc_tff_ust"].new_observations, by["cftc_tff_ust"].new_first, by["cftc_tff_ust"].new_last) == (
        198,
        "2026-01-06",
        "2026-10-06",
    )  # 33 weeks × 6 contracts
    assert by["fred_fyfsd"].status == "unchanged"
    # TIC published October 2025 by the first edition's date, December 2025 by the second's
    assert (by["tic_mfh"].status, by["tic_mfh"].new_first, by["tic_mfh"].new_last) == ("changed", "2025-11", "2025-12")
    assert all(d.revisions == () for d in found.datasets)
    moved = {s.id: (s.before, s.after) for s in found.signals_changed}
    assert moved["lev_gross_short"] == ("stressed", "watch") and "cayman_share" not in moved


def test_previous_is_the_snapshot_before_the_current_one(tmp_path: Path):
    for sid in ("2025-12-31", "2026-10-09"):
        shutil.copytree(SHIPPED / sid, tmp_path / sid)
    assert changes.previous_of(tmp_path / "2026-10-09", tmp_path) == tmp_path / "2025-12-31"


def test_cli_default_compares_the_newest_with_the_one_before():
    result = runner.invoke(app, ["changes", "--snapshots", str(SHIPPED), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (list(data), data["previous"], data["current"]) == (
        ["previous", "current", "datasets", "signals_changed"],
        "2025-12-31",
        "2026-10-09",
    )
    cftc = data["datasets"][0]
    assert cftc == {
        "dataset": "cftc_tff_ust",
        "status": "changed",
        "new_observations": 198,
        "new_first": "2026-01-06",
        "new_last": "2026-10-06",
        "removed": 0,
        "revised": 0,
        "revisions": [],
    }
    assert list(data["signals_changed"][0]) == ["id", "before", "after", "value_before", "value_after", "as_of_before", "as_of_after"]


def test_cli_text_and_since():
    result = runner.invoke(app, ["changes", "--snapshots", str(SHIPPED), "--since", "2025-12-31", "--snapshot", "2026-10-09"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "changes from 2025-12-31 to 2026-10-09"
    assert lines[4].split() == ["cftc_tff_ust", "changed", "198", "2026-01-06", "2026-10-06", "0", "0"]
    assert "revisions: none" in lines
    assert any(line.split()[:4] == ["lev_gross_short", "stressed", "(1,251.6,", "2025-04-29)"] for line in lines)


def test_cli_without_a_previous_snapshot():
    result = runner.invoke(app, ["changes", "--snapshots", str(SHIPPED), "--snapshot", "2025-12-31"])
    assert (result.exit_code, result.stderr) == (
        1,
        f"Error: {SHIPPED}: no snapshot before 2025-12-31 to compare with; name one with --since\n",
    )
