"""Faults of the machine, not of the data: a full disk, a read-only directory, an ``--out`` that is
a file or under /proc, a path component over 255 bytes, a dangling symlink among the snapshots,
a ``DIR/latest`` that is a real directory. Each is one ``Error:`` line and exit 1 (a JSON
``error`` record under ``--log-format json``), never a traceback, and nothing half-written.

The disk-full and read-only cases mount a small tmpfs (root only); where that is not allowed
they are skipped, visibly.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ustglass.app import app

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "data_snapshots"
LONG = "x" * 300
TOO_LONG = "file name too long (at most 255 bytes per path component)"


def cli(*args: str) -> tuple[int, str, list[str]]:
    """Exit code, stdout and the lines of stderr of one command; a traceback fails the test."""
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.stderr
    return result.exit_code, result.stdout, result.stderr.splitlines()


def report(out: Path, *extra: str) -> tuple[int, str, list[str]]:
    return cli("report", "--lang", "en", "--format", "md", "--snapshots", str(SHIPPED), "--out", str(out), *extra)


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Callable[..., Path]]:
    """Mount a small tmpfs (``size``, optionally read-only) under tmp_path; skip where mounting is not allowed."""
    mounted: list[Path] = []

    def mount(name: str, size: str = "256k", read_only: bool = False) -> Path:
        target = tmp_path / name
        target.mkdir()
        options = f"size={size}" + (",ro" if read_only else "")
        try:
            done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)], capture_output=True, text=True)
        except OSError as exc:
            pytest.skip(f"cannot mount a tmpfs here ({exc}); the disk-full and read-only tests need root")
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip() or 'mount failed'}); the disk-full and read-only tests need root")
        mounted.append(target)
        return target

    yield mount
    for target in mounted:
        subprocess.run(["umount", "-l", str(target)], capture_output=True)


# --- --out -------------------------------------------------------------------------------


def test_out_that_is_a_file(tmp_path: Path) -> None:
    target = tmp_path / "brief.txt"
    target.write_text("mine\n")
    assert report(target)[::2] == (1, [f"Error: {target}: exists and is not a directory; choose a directory for --out"])
    assert target.read_text() == "mine\n"
    code, _, err = cli("publish", "--out", str(target), "--snapshots", str(tmp_path / "s"), "--log-format", "json")
    assert code == 1 and json.loads(err[-1])["message"] == f"{target}: exists and is not a directory; choose a directory for --out"
    assert not (tmp_path / "s").exists()


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="no /proc on this system")
def test_out_under_proc() -> None:
    code, _, err = report(Path("/proc/ustglass-brief"))
    assert code == 1 and len(err) == 1
    assert err[0].startswith("Error: /proc/ustglass-brief: cannot write the brief (/proc/.ustglass-brief.ustglass-stage-")


def test_a_path_component_over_255_bytes(tmp_path: Path) -> None:
    long = tmp_path / LONG
    assert report(long)[::2] == (1, [f"Error: {long}: cannot write the brief ({long}: {TOO_LONG})"])
    assert cli("snapshots", "--snapshots", str(long))[::2] == (1, [f"Error: {long}: {TOO_LONG}"])
    code, _, err = cli("diff", "2025-12-31", LONG, "--snapshots", str(SHIPPED))
    assert (code, err) == (1, [f"Error: {SHIPPED / LONG}/manifest.json: {TOO_LONG}"]) or (code, err) == (
        1,
        [f"Error: {LONG}/manifest.json: {TOO_LONG}"],
    )
    code, _, err = cli("fetch", "--from-dir", str(long), "--snapshots", str(tmp_path / "s"))
    assert code == 1 and err[-1].startswith("Error: ") and len(err) == 1
    assert list(tmp_path.iterdir()) == []


# --- disk full, read-only ------------------------------------------------------------------


def test_disk_full_report_fetch_and_publish(tmpfs: Callable[..., Path], official: Path) -> None:
    full = tmpfs("full", size="256k")
    code, _, err = cli("report", "--lang", "en", "--snapshots", str(SHIPPED), "--out", str(full / "out"))
    assert code == 1 and len(err) == 1
    assert err[0].startswith(f"Error: {full / 'out'}: cannot write the brief (") and err[0].endswith(": no space left on the device)")
    assert err[0].split(" (", 1)[1].split(":")[0] in ("brief.en.html", "brief.en.md", "brief.en.pdf", "key_figures.json") or err[0].split(
        " (", 1
    )[1].startswith("figures/")
    assert list(full.iterdir()) == []  # the staged build is gone again

    code, _, err = cli(
        "publish",
        "--out",
        str(full / "site"),
        "--from-dir",
        str(official),
        "--snapshots",
        str(official.parent / "snaps"),
        "--lang",
        "en",
        "--as-of",
        "2026-06-30",
        "--log-format",
        "json",
    )
    record = json.loads(err[-1])
    assert code == 1 and (record["level"], record["event"]) == ("error", "failed")
    assert record["message"].startswith(f"{full / 'site'}: cannot write the edition (")
    assert record["message"].endswith(": no space left on the device)")
    assert sorted(p.name for p in (full / "site").iterdir()) == [".publish.lock"]

    code, _, err = cli("fetch", "--from-dir", str(official), "--snapshots", str(full / "snaps"))
    if code == 0:  # a snapshot of the small directory may fit in what is left; then it is complete
        assert "snapshot written" in _
    else:
        assert code == 1 and len(err) == 1 and err[0].endswith("no space left on the device")
        assert [p.name for p in (full / "snaps").iterdir()] == []


def test_read_only_directories(tmpfs: Callable[..., Path], official: Path) -> None:
    ro = tmpfs("ro", read_only=True)
    code, _, err = report(ro / "out")
    assert (code, len(err)) == (1, 1)
    assert err[0].startswith(f"Error: {ro / 'out'}: cannot write the brief (") and err[0].endswith("read-only file system)")
    code, _, err = cli("fetch", "--from-dir", str(official), "--snapshots", str(ro / "snaps"))
    assert (code, err) == (1, [f"Error: {ro / 'snaps'}: read-only file system"])
    code, _, err = cli("publish", "--out", str(ro / "site"), "--from-dir", str(official), "--log-format", "json")
    assert code == 1 and json.loads(err[-1])["message"] == f"{ro / 'site'}: read-only file system"


# --- snapshots root, DIR/latest --------------------------------------------------------------


def test_dangling_symlinks_among_the_snapshots(tmp_path: Path, official: Path) -> None:
    root = tmp_path / "snaps"
    root.mkdir()
    shutil.copytree(SHIPPED / "2025-12-31", root / "2025-12-31")
    (root / "2099-01-01").symlink_to(tmp_path / "gone")
    (root / "notes").symlink_to(tmp_path / "gone-too")
    code, out, _ = cli("snapshots", "--snapshots", str(root))
    assert code == 0 and out.splitlines()[0].startswith("2025-12-31  created")
    assert "2099" not in out
    code, out, _ = report(tmp_path / "out", "--snapshots", str(root))
    assert code == 0 and out.splitlines()[-1] == "brief built from snapshot 2025-12-31"
    (root / "2026-06-30").symlink_to(tmp_path / "missing")
    code, _, err = cli("fetch", "--from-dir", str(official), "--snapshots", str(root), "--as-of", "2026-06-30")
    assert (code, err) == (
        1,
        [f"Error: {root / '2026-06-30'}: is a symbolic link to a missing target ({tmp_path / 'missing'}); move it away"],
    )
    assert sorted(p.name for p in root.iterdir()) == ["2025-12-31", "2026-06-30", "2099-01-01", "notes"]


def test_latest_that_is_a_real_directory(tmp_path: Path, official: Path) -> None:
    site = tmp_path / "site"
    (site / "latest").mkdir(parents=True)
    (site / "latest" / "index.html").write_text("hand-made\n")
    code, _, err = cli(
        "publish", "--out", str(site), "--from-dir", str(official), "--snapshots", str(tmp_path / "snaps"), "--log-format", "json"
    )
    record = json.loads(err[-1])
    assert code == 1 and (record["level"], record["event"]) == ("error", "failed")
    assert record["message"] == (
        f"{site / 'latest'}: is a directory, not the symbolic link publish keeps pointing at the newest edition; move it away"
    )
    assert (site / "latest" / "index.html").read_text() == "hand-made\n"
    assert not (tmp_path / "snaps").exists()  # refused before fetching anything


def test_no_traceback_from_the_installed_command(tmp_path: Path) -> None:
    """The same boundary holds for the real entry point (not only under CliRunner)."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "cli")}
    done = subprocess.run(
        [sys.executable, "-m", "ustglass", "snapshots", "--snapshots", str(tmp_path / LONG)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert (done.returncode, done.stderr) == (1, f"Error: {tmp_path / LONG}: {TOO_LONG}\n")
