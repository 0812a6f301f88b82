"""``report --out DIR`` switches the whole build in one step: a run killed at any moment leaves
DIR holding exactly the previous build or exactly the new one, never a mix, and the next run
removes what the killed one left beside it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ustglass import outdir
from ustglass.app import app
from ustglass.errors import BuildError
from ustglass.snapshot import sha256_bytes

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "data_snapshots"
OLD, NEW = "2025-12-31", "2026-10-09"


def tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): sha256_bytes(p.read_bytes()) for p in sorted(root.rglob("*")) if p.is_file()}


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.ustglass-"))


def build(out: Path, snapshot: str, lang: str = "all") -> dict[str, str]:
    result = CliRunner().invoke(
        app, ["report", "--lang", lang, "--format", "md,html", "--snapshots", str(SHIPPED), "--snapshot", snapshot, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    return tree(out)


# --- in process --------------------------------------------------------------------------


def test_a_build_replaces_the_whole_directory(tmp_path: Path) -> None:
    out = tmp_path / "out"
    both = build(out, OLD)
    assert {"brief.zh.md", "brief.en.md", "key_figures.json"} <= set(both)
    english = build(out, NEW, lang="en")
    assert not any(name.startswith("brief.zh") or ".zh." in name for name in english)  # no Chinese left from the other snapshot
    assert leftovers(out) == [] and out.stat().st_mode & 0o777 == 0o755 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_other_files_in_the_directory_are_never_replaced(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(out, OLD, lang="en")
    (out / "notes.txt").write_text("mine\n")
    before = tree(out)
    with pytest.raises(BuildError) as err:
        outdir.replace_dir({"brief.en.md": b"x"}, out)
    assert str(err.value) == (
        f"{out}: holds files a build does not write (notes.txt); a build replaces the whole directory, "
        "so choose an empty or new directory for --out"
    )
    assert tree(out) == before and leftovers(out) == []


def test_a_symlinked_output_directory_stays_a_symlink(tmp_path: Path) -> None:
    real, link = tmp_path / "www" / "brief", tmp_path / "out"
    real.mkdir(parents=True)
    link.symlink_to(real)
    outdir.replace_dir({"brief.en.md": b"one"}, link)
    outdir.replace_dir({"brief.en.md": b"two"}, link)
    assert link.is_symlink() and (link / "brief.en.md").read_bytes() == b"two" and (real / "brief.en.md").read_bytes() == b"two"


def test_without_an_atomic_exchange_the_two_renames_are_recovered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outdir, "exchange", lambda a, b: False)
    out = tmp_path / "out"
    outdir.replace_dir({"brief.en.md": b"one"}, out)
    outdir.replace_dir({"brief.en.md": b"two", "figures/a.en.png": b"png"}, out)
    assert tree(out) == {"brief.en.md": sha256_bytes(b"two"), "figures/a.en.png": sha256_bytes(b"png")}
    assert leftovers(out) == []


def test_stale_temporaries_of_dead_runs_are_cleaned(tmp_path: Path) -> None:
    out = tmp_path / "out"
    dead = _dead_pid()
    (tmp_path / f".out.ustglass-stage-{dead}-abc").mkdir()
    (tmp_path / f".out.ustglass-stage-{dead}-abc" / "brief.en.md").write_bytes(b"half")
    (tmp_path / f".out.ustglass-old-{dead}-def").mkdir()  # a run killed between its two renames: out is missing
    (tmp_path / f".out.ustglass-old-{dead}-def" / "brief.en.md").write_bytes(b"previous")
    outdir.recover(out)
    assert (out / "brief.en.md").read_bytes() == b"previous" and leftovers(out) == []


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


# --- killed in a subprocess ----------------------------------------------------------------

KILLER = """
import os, signal, sys
from ustglass import outdir
point = sys.argv[1]
def die():
    os.kill(os.getpid(), signal.SIGKILL)
if point == "writing":  # half the files staged
    real = outdir.write_files
    def half(files, directory):
        items = sorted(files.items())
        real(dict(items[: len(items) // 2]), directory)
        die()
    outdir.write_files = half
elif point == "switched":  # switched, the previous build not yet removed
    real_switch = outdir._switch
    def switched(stage, target):
        real_switch(stage, target)
        die()
    outdir._switch = switched
elif point == "between-renames":  # no atomic exchange: killed after moving DIR aside
    outdir.exchange = lambda a, b: False
    real_rename = os.rename
    def rename(a, b):
        real_rename(a, b)
        if ".ustglass-old-" in str(b):
            die()
    outdir.os.rename = rename
from ustglass.app import main
sys.argv = ["ustglass", *sys.argv[2:]]
main()
"""


@pytest.fixture(scope="module")
def refs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The English build (md, html) of each shipped snapshot."""
    root = tmp_path_factory.mktemp("refs")
    for snap in (OLD, NEW):
        build(root / snap, snap, lang="en")
    return {snap: root / snap for snap in (OLD, NEW)}


def files_of(build_dir: Path) -> dict[str, bytes]:
    return {str(p.relative_to(build_dir)): p.read_bytes() for p in build_dir.rglob("*") if p.is_file()}


def killed(point: str, out: Path, snapshot: str) -> int:
    env = {**os.environ, "PYTHONPATH": str(REPO / "cli")}
    args = ["report", "--lang", "en", "--format", "md,html", "--snapshots", str(SHIPPED), "--snapshot", snapshot, "--out", str(out)]
    done = subprocess.run([sys.executable, "-c", KILLER, point, *args], env=env, capture_output=True, text=True, timeout=300)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode


@pytest.mark.parametrize("point, after", [("writing", OLD), ("switched", NEW), ("between-renames", None)])
def test_a_report_killed_mid_write_leaves_one_whole_build(tmp_path: Path, refs: dict[str, Path], point: str, after: str | None) -> None:
    reference = {snap: tree(path) for snap, path in refs.items()}
    out = tmp_path / "out"
    shutil.copytree(refs[OLD], out)
    assert killed(point, out, NEW) == -signal.SIGKILL
    assert leftovers(out) != []
    if after is None:
        assert not out.exists()  # between the renames; the next run puts the previous build back first
        outdir.recover(out)
        assert tree(out) == reference[OLD]
    else:
        assert tree(out) == reference[after]
    outdir.replace_dir(files_of(refs[NEW]), out)  # the next run
    assert tree(out) == reference[NEW] and leftovers(out) == []


def test_a_report_killed_at_any_moment_leaves_old_or_new(tmp_path: Path, refs: dict[str, Path]) -> None:
    reference = {snap: tree(path) for snap, path in refs.items()}
    out = tmp_path / "out"
    shutil.copytree(refs[OLD], out)
    env = {**os.environ, "PYTHONPATH": str(REPO / "cli")}
    for delay in (1.0, 2.5):
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ustglass",
                "report",
                "--lang",
                "en",
                "--format",
                "md,html",
                "--snapshots",
                str(SHIPPED),
                "--snapshot",
                NEW,
                "--out",
                str(out),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait(30)
        assert tree(out) in (reference[OLD], reference[NEW])
        outdir.replace_dir(files_of(refs[OLD]), out)
    assert leftovers(out) == []
