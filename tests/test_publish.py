"""`ustglass publish`: lock, unchanged data, atomic editions, latest, pruning, crash safety.

Most tests replace the brief build by a fast stand-in; two run the real build (English only)
on the small official-files directory, one of them in a subprocess killed mid-build.
"""

from __future__ import annotations

import fcntl
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ustglass import pipeline, snapshot
from ustglass.app import app
from ustglass.errors import BuildError
from ustglass.logs import Log
from ustglass.publish import LOCK_NAME, PublishBusy, PublishError, PublishOptions, prune, publish
from ustglass.sources import live

EARLIER, LATER = date(2026, 6, 30), date(2026, 8, 31)
REPO = Path(__file__).resolve().parents[1]


def options(official: Path, tmp_path: Path, as_of: date = EARLIER, **kw: object) -> PublishOptions:
    return PublishOptions(out_dir=tmp_path / "site", langs=("en",), snapshots_root=tmp_path / "snaps", from_dir=official, as_of=as_of, **kw)  # type: ignore[arg-type]


def quiet() -> Log:
    return Log(stream=io.StringIO())


@pytest.fixture
def fake_build(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    built: list[str] = []

    def build(cfg: object) -> pipeline.Built:
        snap = snapshot.load(Path(cfg.snapshot))  # type: ignore[attr-defined]
        built.append(snap.id)
        return pipeline.Built(snap.id, {"brief.en.md": f"# brief {snap.id}\n".encode(), "figures/a.en.png": b"png"})

    monkeypatch.setattr(pipeline, "build", build)
    return built


def tree(root: Path) -> dict[str, str]:
    """Every entry below ``root`` (the lock file aside): file -> content hash, link -> target."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        if rel == LOCK_NAME:
            continue
        out[rel] = f"-> {os.readlink(path)}" if path.is_symlink() else snapshot.sha256_bytes(path.read_bytes()) if path.is_file() else "dir"
    return out


def test_publish_then_nothing_changed(official: Path, tmp_path: Path, fake_build: list[str]) -> None:
    opts = options(official, tmp_path)
    first = publish(opts, quiet())
    assert first.status == "published" and first.edition == opts.out_dir / EARLIER.isoformat()
    assert os.readlink(opts.out_dir / "latest") == EARLIER.isoformat()
    info = json.loads((opts.out_dir / "latest" / "published.json").read_text())
    assert info["snapshot"] == EARLIER.isoformat() and info["tool"].startswith("ustglass ")
    assert info["datasets"] == {
        ds: m["sha256"] for ds, m in snapshot.read_manifest(opts.snapshots_root / EARLIER.isoformat())["datasets"].items()
    }
    before = tree(opts.out_dir)
    again = publish(opts, quiet())
    assert again.status == "unchanged" and fake_build == [EARLIER.isoformat()]
    assert tree(opts.out_dir) == before


def test_duplicate_snapshot_of_an_unchanged_run_is_not_kept(official: Path, tmp_path: Path, fake_build: list[str]) -> None:
    opts = options(official, tmp_path)
    publish(opts, quiet())
    original = opts.snapshots_root / EARLIER.isoformat()
    copy = opts.snapshots_root / "2026-07-01"
    shutil.copytree(original, copy)
    outcome = publish(opts, quiet(), fetcher=lambda o, log: live.FetchResult(copy, True))
    assert outcome.status == "unchanged" and not copy.exists() and original.exists()


def test_new_data_publish_a_new_edition_and_keep_prunes(official: Path, tmp_path: Path, fake_build: list[str]) -> None:
    for day in (date(2026, 6, 20), EARLIER, LATER):
        publish(options(official, tmp_path, as_of=day, keep=2), quiet())
    site = tmp_path / "site"
    assert sorted(p.name for p in site.iterdir() if not p.name.startswith(".")) == ["2026-06-30", "2026-08-31", "latest"]
    assert os.readlink(site / "latest") == "2026-08-31"
    publish(options(official, tmp_path, as_of=date(2026, 6, 20)), quiet())  # data of 06-20 again: a new edition
    assert os.readlink(site / "latest") == "2026-06-20"
    os.unlink(site / "latest")
    os.symlink("2026-06-30", site / "latest")
    assert prune(site, 1, quiet()) == ["2026-08-31"]  # beyond the newest one; the one latest points at stays
    assert sorted(p.name for p in site.iterdir() if not p.name.startswith(".")) == ["2026-06-20", "2026-06-30", "latest"]


def test_existing_directory_gets_a_suffix(official: Path, tmp_path: Path, fake_build: list[str]) -> None:
    opts = options(official, tmp_path)
    (opts.out_dir / EARLIER.isoformat()).mkdir(parents=True)
    outcome = publish(opts, quiet())
    assert outcome.edition == opts.out_dir / f"{EARLIER.isoformat()}-2"
    assert os.readlink(opts.out_dir / "latest") == f"{EARLIER.isoformat()}-2"


def test_failures_leave_the_output_exactly_as_it_was(
    official: Path, tmp_path: Path, fake_build: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    publish(options(official, tmp_path), quiet())
    site = tmp_path / "site"
    before = tree(site)

    def broken(cfg: object) -> pipeline.Built:
        raise BuildError("templates/brief.en.md.j2: boom")

    monkeypatch.setattr(pipeline, "build", broken)
    with pytest.raises(BuildError):
        publish(options(official, tmp_path, as_of=LATER), quiet())
    assert tree(site) == before
    monkeypatch.setattr(pipeline, "build", lambda cfg: pipeline.Built("x", {"brief.en.md": b"x"}))

    def no_symlink(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "symlink", no_symlink)
    with pytest.raises(PublishError, match=f"^{site}: disk full$"):
        publish(options(official, tmp_path, as_of=LATER), quiet())
    assert tree(site) == before


def test_leftovers_of_an_interrupted_publish_are_removed(official: Path, tmp_path: Path, fake_build: list[str]) -> None:
    opts = options(official, tmp_path)
    publish(opts, quiet())
    site = opts.out_dir
    (site / ".tmp-999999-abc").mkdir()
    (site / "2026-07-15").mkdir()
    (site / ".pending").write_text("2026-07-15\n")
    publish(opts, quiet())
    assert sorted(p.name for p in site.iterdir()) == [LOCK_NAME, EARLIER.isoformat(), "latest"]


def test_a_second_publish_gets_the_lock_message_or_waits(official: Path, tmp_path: Path, fake_build: list[str]) -> None:
    opts = options(official, tmp_path)
    opts.out_dir.mkdir()
    fd = os.open(opts.out_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.write(fd, b"4242\n")
    try:
        with pytest.raises(PublishBusy, match=r"^another ustglass publish is running \(pid 4242\); use --wait"):
            publish(opts, quiet())
        result = CliRunner().invoke(
            app,
            ["publish", "--out", str(opts.out_dir), "--from-dir", str(official), "--lang", "en", "--snapshots", str(opts.snapshots_root)],
        )
        assert result.exit_code == 1
        assert result.stderr.splitlines()[-1] == "Error: another ustglass publish is running (pid 4242); use --wait to wait for it"
        waited: list[str] = []
        worker = threading.Thread(target=lambda: waited.append(publish(replace(opts, wait=True), quiet()).status))
        worker.start()
        time.sleep(0.3)
        assert waited == [] and worker.is_alive()
    finally:
        os.close(fd)
    worker.join(20)
    assert waited == ["published"]


def test_json_log_lines(official: Path, tmp_path: Path, fake_build: list[str]) -> None:
    stream = io.StringIO()
    publish(options(official, tmp_path), Log("json", stream))
    events = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [e["event"] for e in events] == ["fetched", "build", "published"]
    assert all(e["time"].endswith("Z") and e["level"] == "info" for e in events)


# --- real builds in a subprocess ---------------------------------------------------------


def run_cli(*args: str, **kw: object) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "cli")}
    return subprocess.Popen(
        [sys.executable, "-m", "ustglass", *args], cwd=REPO, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw
    )  # type: ignore[call-overload]


def wait_for(proc: subprocess.Popen[str], text: str) -> None:
    assert proc.stderr is not None
    for line in proc.stderr:
        if text in line:
            return
    raise AssertionError(f"{text!r} never logged; exit {proc.wait()}")


def test_killed_and_concurrent_publishes_leave_the_published_tree_intact(official: Path, tmp_path: Path) -> None:
    site, snaps = tmp_path / "site", tmp_path / "snaps"
    common = ["publish", "--out", str(site), "--from-dir", str(official), "--lang", "en", "--snapshots", str(snaps)]
    first = run_cli(*common, "--as-of", EARLIER.isoformat())
    assert first.wait(120) == 0, first.stderr.read() if first.stderr else ""
    assert {"brief.en.md", "brief.en.html", "brief.en.pdf", "published.json"} <= {p.name for p in (site / "latest").iterdir()}
    before = tree(site)

    killed = run_cli(*common, "--as-of", LATER.isoformat())
    wait_for(killed, "building edition")
    killed.send_signal(signal.SIGKILL)
    killed.wait(30)
    assert tree(site) == before

    second = run_cli(*common, "--as-of", LATER.isoformat())
    wait_for(second, "building edition")
    busy = run_cli(*common, "--as-of", LATER.isoformat())
    _, err = busy.communicate(timeout=60)
    assert busy.returncode == 1
    assert err.splitlines()[-1] == f"Error: another ustglass publish is running (pid {second.pid}); use --wait to wait for it"
    waiting = run_cli(*common, "--as-of", LATER.isoformat(), "--wait")
    assert second.wait(120) == 0
    _, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0 and "nothing changed" in err
    assert os.readlink(site / "latest") == LATER.isoformat()
    assert sorted(p.name for p in site.iterdir()) == [LOCK_NAME, EARLIER.isoformat(), LATER.isoformat(), "latest"]
