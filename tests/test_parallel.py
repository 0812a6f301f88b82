"""Languages built in parallel processes: the same files as a serial build, the same one error line."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ustglass import cache, pipeline
from ustglass.app import app
from ustglass.config import Format, ReportConfig
from ustglass.errors import BuildError, InputError, SnapshotError
from ustglass.resources import bundled

runner = CliRunner()
SNAPSHOT = "2026-10-09"


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def report(*args: str):
    return runner.invoke(app, ["report", "--snapshot", SNAPSHOT, "-q", *args])


def test_parallel_and_serial_builds_with_and_without_the_cache_write_the_same_files(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767139200")
    serial = report("--lang", "all", "--jobs", "1", "--no-cache", "--out", str(tmp_path / "serial"))
    assert serial.exit_code == 0, serial.output
    shared_fonts = Path(os.environ["USTGLASS_CACHE_DIR"]) / "fonts"
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "fonts").symlink_to(shared_fonts, target_is_directory=True)
    monkeypatch.setenv("USTGLASS_CACHE_DIR", str(tmp_path / "cache"))
    parallel = report("--lang", "all", "--jobs", "2", "--out", str(tmp_path / "parallel"))  # a cold cache, filled in two processes
    assert parallel.exit_code == 0, parallel.output
    shutil.rmtree(tmp_path / "cache" / "build" / "edition")  # every chart and page now comes from the cache
    from_cache = report("--lang", "all", "--jobs", "2", "--out", str(tmp_path / "from-cache"))
    assert from_cache.exit_code == 0, from_cache.output

    expected = tree(tmp_path / "serial")
    assert {"brief.zh.pdf", "brief.en.pdf", "brief.zh.html", "brief.en.html", "brief.zh.md", "key_figures.json"} <= set(expected)
    assert tree(tmp_path / "parallel") == expected
    assert tree(tmp_path / "from-cache") == expected


def broken_pack(tmp_path: Path, codes: tuple[str, ...]) -> Path:
    """An editor's folder whose packs ``codes`` each use a value the brief does not have."""
    folder = tmp_path / "my-brief"
    assert runner.invoke(app, ["templates", "export", str(folder)]).exit_code == 0
    for code in codes:
        path = folder / "locales" / code / "brief.md.j2"
        text = path.read_text(encoding="utf-8").replace("{% block byline %}", f"{{% block byline %}}{{{{ no_such_value_{code}.x }}}}", 1)
        path.write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize("broken", [("en",), ("zh", "en")])
def test_an_error_in_a_language_process_is_the_serial_build_s_one_error_line(tmp_path: Path, broken: tuple[str, ...]) -> None:
    folder = broken_pack(tmp_path, broken)
    out = tmp_path / "out"
    good = report("--lang", "all", "--format", "md", "--out", str(out))
    assert good.exit_code == 0
    before = tree(out)
    said = {}
    for jobs in ("1", "2"):
        result = report("--lang", "all", "--format", "md", "--out", str(out), "--templates", str(folder), "--jobs", jobs, "--no-cache")
        assert result.exit_code == 1
        said[jobs] = result.stderr
    assert said["2"] == said["1"]
    lines = said["1"].splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and f"no_such_value_{broken[0]}" in lines[0]
    assert tree(out) == before  # the previous build, whole
    assert not [p for p in tmp_path.iterdir() if ".ustglass-" in p.name]


def test_a_process_error_keeps_its_type_and_fields_and_the_first_language_s_wins() -> None:
    def bad_row() -> dict[str, bytes]:
        raise InputError("fred/SOFR.csv", "not a number: '3.6x'", row=3, field="SOFR")

    def bad_template() -> dict[str, bytes]:
        raise BuildError("brief.md.j2, line 2: no such value")

    store = cache.Store(enabled=False)
    with pytest.raises(InputError) as err:
        pipeline.in_processes({"zh": bad_row, "en": bad_template}, 2, store)
    assert str(err.value) == "fred/SOFR.csv, row 3, field 'SOFR': not a number: '3.6x'" and err.value.row == 3
    with pytest.raises(BuildError, match="^brief.md.j2, line 2: no such value$"):
        pipeline.in_processes({"zh": lambda: {"a": b"1"}, "en": bad_template}, 2, store)


def test_results_come_back_in_the_tasks_order_and_a_lost_process_is_one_error() -> None:
    store = cache.Store(enabled=False)
    tasks = {code: (lambda code=code: {f"brief.{code}.md": code.encode() * 100_000}) for code in ("zh", "en", "fr")}
    found = pipeline.in_processes(tasks, 2, store)
    assert list(found) == ["zh", "en", "fr"] and found["fr"] == {"brief.fr.md": b"fr" * 100_000}
    with pytest.raises(pipeline.ChildFailed, match=r"^the en build stopped without a result \(exit status 3\)$"):
        pipeline.in_processes({"zh": lambda: {}, "en": lambda: os._exit(3)}, 2, store)


def test_serial_on_one_core_or_with_jobs_1(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    cfg = ReportConfig(langs=("zh", "en"), formats=(Format.md,), snapshots_root=tmp_path, out_dir=tmp_path)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert pipeline.jobs_for(cfg, 2) == 1
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)
    assert pipeline.jobs_for(cfg, 2) == 2
    assert pipeline.jobs_for(ReportConfig(**{**cfg.__dict__, "jobs": 1}), 2) == 1
    called = []
    monkeypatch.setattr(pipeline, "in_processes", lambda *a: called.append(a) or {})
    assert pipeline.per_language(ReportConfig(**{**cfg.__dict__, "jobs": 1}), {"zh": None, "en": None}, lambda loc: {"x": b""}, None) == {
        "x": b""
    }
    assert called == []


def test_the_cache_stats_of_a_parallel_build_count_each_entry_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ustglass import figures

    shared_fonts = Path(os.environ["USTGLASS_CACHE_DIR"]) / "fonts"
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "fonts").symlink_to(shared_fonts, target_is_directory=True)
    monkeypatch.setenv("USTGLASS_CACHE_DIR", str(tmp_path / "cache"))
    cfg = ReportConfig(langs=("zh", "en"), formats=(Format.md,), snapshots_root=bundled("data_snapshots"), out_dir=tmp_path / "out", jobs=2)
    built = pipeline.build(cfg)
    assert built.cache.built() == sorted(["edition", "key-figures", *(f"{fid}.{code}.png" for fid in figures.IDS for code in ("zh", "en"))])
    assert built.cache.hits == []


def test_release_memory_gives_freed_heap_back_to_the_system() -> None:
    """After a step frees many small C-heap blocks (as charts and font subsetting leave them), the
    process keeps them as resident memory until memory.release() returns them: measured in a
    fresh interpreter, from /proc."""
    import subprocess
    import sys

    if not Path("/proc/self/status").exists():
        pytest.skip("needs /proc to read resident memory")
    code = """
from ustglass import memory
def rss():
    return next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmRSS:")) // 1024
blocks = [bytes(1000 + i % 7) for i in range(200_000)]
keep = blocks[::500]
del blocks
before = rss()
memory.release()
print(before, rss(), memory._malloc_trim() is not None)
"""
    before, after, trimmed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    if trimmed != "True":
        pytest.skip("this C library has no malloc_trim (not glibc)")
    assert int(before) - int(after) > 100, (before, after)  # about 200 MB freed, most of it returned


def test_key_figures_are_computed_in_a_process_of_their_own_while_the_imports_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With several processes and no cached key figures, the key figures are computed in a forked
    process while the parent imports what the languages share; with cached ones, no such process."""
    monkeypatch.setenv("USTGLASS_CACHE_DIR", str(tmp_path / "cache"))
    started: list[str] = []
    real = pipeline._start
    monkeypatch.setattr(pipeline, "_start", lambda name, task, store: started.append(name) or real(name, task, store))
    cfg = ReportConfig(langs=("zh", "en"), formats=(Format.md,), snapshots_root=bundled("data_snapshots"), out_dir=tmp_path / "out", jobs=2)
    first = pipeline.build(cfg)
    assert started == ["key figures", "zh", "en"] and "key-figures" in first.cache.built()
    started.clear()
    shutil.rmtree(tmp_path / "cache" / "build" / "edition")
    again = pipeline.build(cfg)
    assert started == ["zh", "en"] and "key-figures" not in again.cache.built()
    assert again.files == first.files


def test_an_error_computing_the_key_figures_in_their_process_is_the_serial_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A snapshot file that no longer matches its manifest stops the parallel build, in the key
    figures' process, with the serial build's one error line, and no output is written."""
    started: list[str] = []
    real = pipeline._start
    monkeypatch.setattr(pipeline, "_start", lambda name, task, store: started.append(name) or real(name, task, store))
    snaps = tmp_path / "snaps"
    shutil.copytree(bundled("data_snapshots") / SNAPSHOT, snaps / SNAPSHOT)
    csv = snaps / SNAPSHOT / "fred_sofr.csv"
    csv.write_bytes(csv.read_bytes().replace(b"\n", b"\n\n", 1))
    said = {}
    for jobs in ("1", "2"):
        result = report(
            "--lang", "all", "--format", "md", "--snapshots", str(snaps), "--out", str(tmp_path / "out"), "--jobs", jobs, "--no-cache"
        )
        assert result.exit_code == 1
        said[jobs] = result.stderr
    assert started == ["key figures"]  # the parallel build failed there, before any language's process
    assert said["2"] == said["1"]
    assert len(said["1"].splitlines()) == 1 and said["1"].startswith("Error: ") and "fred_sofr.csv: sha256 does not match" in said["1"]
    assert not (tmp_path / "out").exists()


def _cfg(root: Path, tmp_path: Path) -> ReportConfig:
    return ReportConfig(langs=("zh", "en"), formats=(Format.md,), snapshots_root=root, out_dir=tmp_path / "out", jobs=2, cache=False)


def test_a_key_figures_process_that_dies_is_one_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "_computed_key_figures", lambda cfg: os._exit(3))
    with pytest.raises(pipeline.ChildFailed, match=r"^the key figures build stopped without a result \(exit status 3\)$"):
        pipeline.key_figures(_cfg(bundled("data_snapshots"), tmp_path), cache.Store(enabled=False), lambda: None)


def test_the_snapshot_s_error_comes_before_an_error_of_the_imports_beside_it(tmp_path: Path) -> None:
    """As a serial build reports a broken snapshot before anything else, so does the parallel one
    when the parent's own work fails too; with a sound snapshot the parent's error is the one."""
    snaps = tmp_path / "snaps"
    shutil.copytree(bundled("data_snapshots") / SNAPSHOT, snaps / SNAPSHOT)
    (snaps / SNAPSHOT / "fred_sofr.csv").write_bytes(b"date,value\n")

    def fonts_missing() -> None:
        raise BuildError("Noto Sans CJK SC not found")

    with pytest.raises(SnapshotError, match="fred_sofr.csv: sha256 does not match manifest.json"):
        pipeline.key_figures(_cfg(snaps, tmp_path), cache.Store(enabled=False), fonts_missing)
    with pytest.raises(BuildError, match="^Noto Sans CJK SC not found$"):
        pipeline.key_figures(_cfg(bundled("data_snapshots"), tmp_path), cache.Store(enabled=False), fonts_missing)


def test_an_interrupt_while_waiting_stops_and_reaps_every_process() -> None:
    """Ctrl-C in the parent while the languages' processes run is raised at once (not kept as a
    language's error) and leaves no process behind."""
    import signal
    import time

    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 0.5)
    started = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            pipeline.in_processes({code: (lambda: time.sleep(30) or {}) for code in ("zh", "en", "fr")}, 2, cache.Store(enabled=False))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert time.monotonic() - started < 10
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # no child left, running or unreaped


def test_the_shared_preload_reads_the_glyph_check_s_character_maps_for_every_language(tmp_path: Path) -> None:
    """Read once before the languages' processes fork, the maps are shared, not read again (and
    held twice) by each language's page check."""
    from ustglass import fonts

    fonts._cmap.cache_clear()
    cfg = ReportConfig(langs=("zh", "en"), formats=(Format.html,), snapshots_root=bundled("data_snapshots"), out_dir=tmp_path)
    pipeline._preload(cfg, charts_needed=False)
    read = fonts._cmap.cache_info()
    assert read.currsize == len(fonts.brief_faces()) == 2
    for path in fonts.brief_faces().values():
        fonts.codepoints(path)
    assert fonts._cmap.cache_info().hits == read.hits + 2  # what a language's page check asks for is there
