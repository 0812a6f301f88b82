"""The build cache: an entry is reused when (and only when) nothing it is made of changed.

Rebuilds are counted through the cache's own stats (``Built.cache``: the labels of the entries
built, taken or found corrupt), never through timings.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ustglass import cache, figures, pipeline
from ustglass.config import Format, ReportConfig
from ustglass.resources import PACKAGE

SNAPSHOT = "2026-10-09"
EVERY_FIGURE_EN = sorted(f"{fid}.en.png" for fid in figures.IDS)


@pytest.fixture
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty build cache of this test's own (the font files extracted and subset are the session's)."""
    shared = Path(os.environ["USTGLASS_CACHE_DIR"]) / "fonts"
    shared.mkdir(parents=True, exist_ok=True)
    root = tmp_path / "cache"
    root.mkdir()
    (root / "fonts").symlink_to(shared, target_is_directory=True)
    monkeypatch.setenv("USTGLASS_CACHE_DIR", str(root))
    return root


def config(snaps: Path, out: Path, **changes) -> ReportConfig:
    base = ReportConfig(langs=("en",), formats=(Format.md,), snapshots_root=snaps, out_dir=out, snapshot=SNAPSHOT)
    return dataclasses.replace(base, **changes)


def edit_last_value(snap: Path, dataset: str, delta: float) -> None:
    """Add ``delta`` to the last observation of ``dataset`` and record the CSV's new sha256 in the manifest."""
    csv = snap / f"{dataset}.csv"
    lines = csv.read_text(encoding="utf-8").splitlines(keepends=True)
    *head, value = lines[-1].rstrip("\n").split(",")
    lines[-1] = ",".join([*head, repr(float(value) + delta)]) + "\n"
    csv.write_text("".join(lines), encoding="utf-8")
    manifest = json.loads((snap / "manifest.json").read_text(encoding="utf-8"))
    manifest["datasets"][dataset]["sha256"] = hashlib.sha256(csv.read_bytes()).hexdigest()
    (snap / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def figures_built(built: pipeline.Built) -> list[str]:
    assert built.cache is not None
    return [label for label in built.cache.built() if label.endswith(".png") or label.endswith(".svg")]


# ---------------------------------------------------------------- charts: the data each one reads


def test_a_chart_is_rebuilt_when_data_it_reads_change_and_reused_when_others_change(shipped_copy: Path, own_cache: Path, tmp_path: Path):
    cfg = config(shipped_copy, tmp_path / "out")
    first = pipeline.build(cfg)
    assert figures_built(first) == EVERY_FIGURE_EN
    _, kf_before = pipeline.load_key_figures(cfg)

    edit_last_value(shipped_copy / SNAPSHOT, "fred_fyfsd", -25_000.0)  # FY2025's deficit, $25 billion larger
    second = pipeline.build(cfg)
    _, kf_after = pipeline.load_key_figures(cfg)
    changed = {f.name for f in dataclasses.fields(kf_after) if getattr(kf_before, f.name) != getattr(kf_after, f.name)}
    expected = sorted(f"{fid}.en.png" for fid in figures.IDS if changed & set(figures.get(fid).reads))
    assert "fiscal" in changed and "holders" not in changed and "basis" not in changed
    assert figures_built(second) == expected
    assert "deficits.en.png" in expected and "holders.en.png" not in expected and "basis.en.png" not in expected
    assert second.files["figures/deficits.en.png"] != first.files["figures/deficits.en.png"]
    for fid in ("holders", "basis"):  # reused, and the same bytes
        assert second.files[f"figures/{fid}.en.png"] == first.files[f"figures/{fid}.en.png"]
    assert "key-figures" in second.cache.built()

    unchanged = pipeline.build(cfg)
    assert unchanged.cache.hits == ["edition"] and unchanged.cache.built() == []
    assert unchanged.files == second.files


def test_an_unchanged_rebuild_is_the_cached_edition_and_costs_no_heavy_import(shipped_copy: Path, own_cache: Path, tmp_path: Path):
    cfg = config(shipped_copy, tmp_path / "out")
    built = pipeline.build(cfg)
    pipeline.write(built, cfg.out_dir)
    script = f"""
import sys
from pathlib import Path
from ustglass import pipeline
from ustglass.config import Format, ReportConfig
cfg = ReportConfig(langs=("en",), formats=(Format.md,), snapshots_root=Path({str(shipped_copy)!r}), out_dir=Path({str(tmp_path / "again")!r}), snapshot={SNAPSHOT!r})
built, _ = pipeline.build_report(cfg)
print(built.cache.hits, sorted(m for m in ("pandas", "numpy", "matplotlib", "weasyprint", "jinja2") if m in sys.modules))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=os.environ, check=True)
    assert done.stdout.strip() == "['edition'] []"
    for path in sorted(p for p in cfg.out_dir.rglob("*") if p.is_file()):
        assert (tmp_path / "again" / path.relative_to(cfg.out_dir)).read_bytes() == path.read_bytes()


# ---------------------------------------------------------------- pages: their rendered input


def test_a_template_change_rebuilds_the_pages_and_reuses_the_charts(shipped_copy: Path, own_cache: Path, tmp_path: Path):
    templates = tmp_path / "my-brief"
    templates.mkdir()
    cfg = config(shipped_copy, tmp_path / "out", formats=(Format.md, Format.html, Format.pdf), templates_dir=templates)
    first = pipeline.build(cfg)
    assert first.cache.built("html") == ["html:en"] and first.cache.built("pdf") == ["pdf:en"]

    (templates / "extra.css").write_text("h2 { color: #c0392b; }\n", encoding="utf-8")
    second = pipeline.build(cfg)
    assert second.cache.built() == ["edition", "html:en", "pdf:en"]  # charts and key figures taken from the cache
    assert b"#c0392b" in second.files["brief.en.html"] and b"#c0392b" not in first.files["brief.en.html"]
    assert second.files["brief.en.pdf"] != first.files["brief.en.pdf"]
    assert {k: v for k, v in second.files.items() if "figures/" in k} == {k: v for k, v in first.files.items() if "figures/" in k}


# ---------------------------------------------------------------- options, code, fonts


def test_options_that_shape_a_chart_rebuild_it_and_others_do_not(shipped_copy: Path, own_cache: Path, tmp_path: Path):
    from ustglass.config import FigureFormat

    cfg = config(shipped_copy, tmp_path / "out")
    pipeline.build(cfg)
    other_cover = pipeline.build(dataclasses.replace(cfg, organisation="Example Research Desk", author="A. Editor"))
    assert other_cover.cache.built() == ["edition"]  # the cover's names are not in the charts nor in the Markdown
    print_dpi = pipeline.build_figures(dataclasses.replace(cfg, figures=("holders",)), (FigureFormat.png,))
    assert print_dpi.cache.built() == ["holders.en.png"]  # 300 dpi for `figures`, 200 for the report: another entry
    again = pipeline.build_figures(dataclasses.replace(cfg, figures=("holders",)), (FigureFormat.png,))
    assert again.cache.built() == [] and again.files == print_dpi.files


def test_a_new_code_version_rebuilds_everything(shipped_copy: Path, own_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    cfg = config(shipped_copy, tmp_path / "out")
    first = pipeline.build(cfg)
    monkeypatch.setattr(cache, "code_version", lambda: "another version of ustglass")
    second = pipeline.build(cfg)
    assert second.cache.built() == sorted(["edition", "key-figures", *EVERY_FIGURE_EN])
    assert second.files == first.files


def test_other_font_files_rebuild_the_charts_not_the_key_figures(shipped_copy: Path, own_cache: Path, tmp_path: Path, monkeypatch):
    cfg = config(shipped_copy, tmp_path / "out")
    pipeline.build(cfg)
    identity = cache.fonts_identity()
    monkeypatch.setattr(cache, "fonts_identity", lambda: [*identity, ["/usr/share/fonts/another.ttc", 1, 2]])
    assert pipeline.build(cfg).cache.built() == sorted(["edition", *EVERY_FIGURE_EN])


def test_the_code_version_is_a_hash_of_the_package_files_and_changes_with_any_of_them(tmp_path: Path):
    assert cache.code_version() == cache.tree_digest(PACKAGE)
    tree = tmp_path / "pkg"
    (tree / "sub").mkdir(parents=True)
    (tree / "a.py").write_text("x = 1\n")
    (tree / "sub" / "table.toml").write_text("k = 1\n")
    before = cache.tree_digest(tree)
    (tree / "__pycache__").mkdir()
    (tree / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"\0")
    assert cache.tree_digest(tree) == before  # Python's own caches are not the code
    (tree / "sub" / "table.toml").write_text("k = 2\n")
    assert cache.tree_digest(tree) != before
    (tree / "sub" / "table.toml").write_text("k = 1\n")
    assert cache.tree_digest(tree) == before
    (tree / "a.py").rename(tree / "b.py")
    assert cache.tree_digest(tree) != before  # names count, not only contents


def test_font_identity_is_each_file_by_path_size_and_mtime() -> None:
    cjk, latin = cache.fonts_identity()
    assert len(cjk) == 2 and len(latin) == 4
    for path, size, mtime in [*cjk, *latin]:
        st = os.stat(path)
        assert (size, mtime) == (st.st_size, st.st_mtime_ns)


# ---------------------------------------------------------------- the store


def test_a_corrupt_or_truncated_entry_is_never_served_and_is_rebuilt(shipped_copy: Path, own_cache: Path, tmp_path: Path):
    cfg = config(shipped_copy, tmp_path / "out")
    first = pipeline.build(cfg)
    store = cache.Store()
    entries = sorted((store.dir / "figure").rglob("*"))
    entries = [p for p in entries if p.is_file()]
    edition = next(p for p in (store.dir / "edition").rglob("*") if p.is_file())
    data = edition.read_bytes()
    edition.write_bytes(data[: len(data) // 2])  # truncated
    flipped = bytearray(entries[0].read_bytes())
    flipped[-1] ^= 0xFF
    entries[0].write_bytes(bytes(flipped))  # one byte changed
    entries[1].write_bytes(b"")  # empty
    second = pipeline.build(cfg)
    assert sorted(second.cache.corrupt) == sorted(["edition", *(lbl for lbl in second.cache.built() if lbl.endswith(".png"))])
    assert len(second.cache.corrupt) == 3
    assert second.files == first.files
    third = pipeline.build(cfg)
    assert third.cache.hits == ["edition"] and third.files == first.files


def test_entries_are_written_whole_and_the_oldest_evicted(tmp_path: Path) -> None:
    store = cache.Store(tmp_path, limit=2500)
    keys = [cache.Key("figure", n, label=f"n{n}") for n in range(4)]
    for n, key in enumerate(keys):
        store.put(key, bytes([n]) * 1000)
        os.utime(store.path(key), ns=(10**18 + n, 10**18 + n))  # written one after the other
    assert not [p for p in tmp_path.rglob(".tmp-*")]
    store.get(keys[0])  # used again: now the newest
    assert store.trim() == 2
    assert [store.get(k) is not None for k in keys] == [True, False, False, True]
    assert store.get(keys[3]) == bytes([3]) * 1000


def test_no_cache_reads_and_writes_nothing(tmp_path: Path) -> None:
    store = cache.Store(tmp_path, enabled=False)
    key = cache.Key("pdf", "x", label="pdf:x")
    store.put(key, b"page")
    assert store.get(key) is None and not (tmp_path / "build").exists()
    assert store.stats.misses == ["pdf:x"]


def test_where_the_cache_lives(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("USTGLASS_CACHE_DIR", str(tmp_path / "explicit"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.root_dir() == tmp_path / "explicit"
    monkeypatch.delenv("USTGLASS_CACHE_DIR")
    assert cache.root_dir() == tmp_path / "xdg" / "ustglass"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.root_dir() == tmp_path / "home" / ".cache" / "ustglass"


def test_the_cli_builds_the_same_files_without_the_cache(shipped_copy: Path, own_cache: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from ustglass.app import app

    args = ["report", "--lang", "en", "--format", "md", "--snapshots", str(shipped_copy), "--snapshot", SNAPSHOT, "-q"]
    runner = CliRunner()
    assert runner.invoke(app, [*args, "--out", str(tmp_path / "a")]).exit_code == 0
    assert runner.invoke(app, [*args, "--out", str(tmp_path / "b")]).exit_code == 0  # from the cache
    entries = sorted(p.relative_to(own_cache) for p in (own_cache / "build").rglob("*") if p.is_file())
    assert runner.invoke(app, [*args, "--out", str(tmp_path / "c"), "--no-cache"]).exit_code == 0
    assert sorted(p.relative_to(own_cache) for p in (own_cache / "build").rglob("*") if p.is_file()) == entries  # nothing added
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert len(files) == 1 + 1 + len(figures.IDS)
    for rel in files:
        assert (tmp_path / "b" / rel).read_bytes() == (tmp_path / "a" / rel).read_bytes() == (tmp_path / "c" / rel).read_bytes()


def test_the_snapshots_hashed_are_the_ones_the_build_reads(shipped_copy: Path) -> None:
    from ustglass import snapshot

    for ref, since in [(None, None), ("2026-10-09", None), ("2025-12-31", None), ("2026-10-09", "2025-12-31"),
                       (str(shipped_copy / "2025-12-31"), None)]:  # fmt: skip
        current = snapshot.resolve(ref, shipped_copy)
        earlier = [p for p in snapshot.list_snapshots(shipped_copy) if p.name < current.name]
        previous = snapshot.resolve(since, shipped_copy) if since else (earlier[-1] if earlier else None)
        assert cache.snapshot_dirs(ref, since, shipped_copy) == [current] + ([previous] if previous else [])
    assert cache.snapshot_dirs("1999-01-01", None, shipped_copy) == []
