"""No work done twice in a build: each snapshot CSV parsed once, with its declared types; each
chart drawn once per language and saved once per format; each font subset made once (and not
again while the font cache holds it).

Calls are counted by wrappers that append one line per call to a file, so calls made in a
worker process forked by the build are counted too."""

from __future__ import annotations

import json
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from conftest import SHIPPED
from ustglass import charts, datasets, figures, fonts, scorecard, snapshot
from ustglass.app import app

runner = CliRunner()
LANGS = ("en", "zh")


class Calls:
    """Counted calls of patched functions, by name and a key of each call."""

    def __init__(self, path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.path, self.monkeypatch = path, monkeypatch
        self.figures: dict[int, tuple[str, str]] = {}  # id of a drawn figure -> (figure id, language)
        self.keep: list[Any] = []  # the drawn figures, alive so their ids stay theirs

    def count(self, owner: Any, name: str, key: Callable[..., Any]) -> None:
        original = getattr(owner, name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            result = original(*args, **kwargs)
            with self.path.open("a", encoding="utf-8") as log:
                log.write(json.dumps([name, key(result, *args, **kwargs)]) + "\n")
            return result

        self.monkeypatch.setattr(owner, name, counted)

    def of(self, name: str) -> Counter[Any]:
        if not self.path.exists():
            return Counter()
        lines = [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines()]
        return Counter(tuple(k) if isinstance(k, list) else k for n, k in lines if n == name)

    def reset(self) -> None:
        self.path.unlink(missing_ok=True)

    def drawn(self, fig: Any, figure_id: str, kf: Any, loc: Any, spec: Any) -> list[str]:
        self.figures[id(fig)] = (figure_id, loc.code)
        self.keep.append(fig)
        return [figure_id, loc.code]

    def saved(self, _result: Any, fig: Any, *_: Any, **__: Any) -> list[str]:
        return list(self.figures.get(id(fig), ("?", "?")))


@pytest.fixture
def calls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Calls]:
    """Counting wrappers round the parser, the chart drawer and savers and the font subsetters; a
    fresh memo of parsed CSVs and a fresh (cold) cache directory."""
    monkeypatch.setattr(snapshot, "_PARSED", OrderedDict())
    monkeypatch.setenv("USTGLASS_CACHE_DIR", str(tmp_path / "cache"))
    found = Calls(tmp_path / "calls.jsonl", monkeypatch)
    found.count(snapshot, "read_csv", lambda _r, spec, data: [spec.id, snapshot.sha256_bytes(data)])
    found.count(charts, "build_figure", found.drawn)
    found.count(charts, "png_bytes", found.saved)
    found.count(charts, "svg_bytes", found.saved)
    subset_key = lambda _r, path, text: [Path(path).name, text]  # noqa: E731
    found.count(fonts, "_hb_subset", subset_key)
    found.count(fonts, "_fonttools_subset", subset_key)
    found.count(fonts, "_woff2", lambda _r, sfnt: snapshot.sha256_bytes(sfnt))
    found.count(fonts, "_extract", lambda _r, face, target: Path(target).name)
    found.count(scorecard, "evaluate", lambda card, *_a, **_k: max(r.as_of or "" for r in card.results))  # by its newest date
    yield found


def files_of(root: Path) -> Counter[tuple[str, str]]:
    """(dataset id, sha256) of every CSV of every snapshot under ``root``, as a set."""
    keys = set()
    for path in snapshot.list_snapshots(root):
        for dataset_id, meta in snapshot.read_manifest(path)["datasets"].items():
            keys.add((dataset_id, meta["sha256"]))
    return Counter(keys)


def report(tmp_path: Path, *args: str) -> None:
    result = runner.invoke(app, ["report", "--lang", "all", "--snapshots", str(SHIPPED), "--out", str(tmp_path / "out"), *args])
    assert result.exit_code == 0, result.output


def test_a_full_edition_parses_each_csv_draws_each_chart_and_subsets_each_font_once(tmp_path: Path, calls: Calls) -> None:
    report(tmp_path)  # the newest snapshot, with the one before it for "what changed"
    assert calls.of("read_csv") == files_of(SHIPPED)  # each file of the edition and of the previous one, once
    scored = calls.of("evaluate")
    assert len(scored) == 2 and set(scored.values()) == {1}  # the edition's scorecard and the previous one's, once each
    assert len(files_of(SHIPPED)) > len(datasets.ALL)
    every_chart = Counter({(fid, lang): 1 for fid in figures.IDS for lang in LANGS})
    assert calls.of("build_figure") == every_chart
    assert calls.of("png_bytes") == every_chart  # the Markdown's images
    assert calls.of("svg_bytes") == every_chart  # the web page's and the PDF's, from the same drawing
    made = calls.of("_hb_subset") + calls.of("_fonttools_subset")
    assert made and max(made.values()) == 1
    assert max(calls.of("_woff2").values()) == 1
    assert calls.of("_extract") == Counter({name: 1 for name in calls.of("_extract")})
    # The web pages' fonts: six faces per language, each cut once to that page's characters.
    assert sum(calls.of("_woff2").values()) == 6 * len(LANGS)

    calls.reset()
    report(tmp_path, "--format", "md,html")  # again in the same process, the font cache warm
    assert calls.of("read_csv") == Counter()
    assert calls.of("_hb_subset") + calls.of("_fonttools_subset") + calls.of("_woff2") + calls.of("_extract") == Counter()


@pytest.mark.parametrize("snapshot_id", ["2025-12-31", "2026-10-09"])
def test_loaded_tables_have_exactly_the_declared_types(snapshot_id: str) -> None:
    loaded = snapshot.load(SHIPPED / snapshot_id)
    assert set(loaded.tables) == set(snapshot.read_manifest(SHIPPED / snapshot_id)["datasets"])
    for dataset_id, table in loaded.tables.items():
        spec = datasets.get(dataset_id)
        assert {name: str(dtype) for name, dtype in table.dtypes.items()} == {c.name: c.dtype.pandas for c in spec.schema}, dataset_id


def test_columns_are_read_as_declared_not_as_they_look() -> None:
    cftc = datasets.get("cftc_tff_ust")
    header = ",".join(cftc.columns)
    row = "2026-01-06,020601,UST BOND,1871364,27756,,1,2,3,4,5"
    table = snapshot.read_csv(cftc, f"{header}\n{row}\n".encode())
    assert table.loc[0, "contract_code"] == "020601"  # text of digits keeps its leading zero
    assert table.loc[0, "report_date"] == pd.Timestamp("2026-01-06")
    assert table.loc[0, "open_interest"] == 1871364 and pd.isna(table.loc[0, "dealer_short"])
    assert str(table["dealer_short"].dtype) == "Int64"

    sofr = datasets.FRED_SERIES["SOFR"]
    table = snapshot.read_csv(sofr, b"date,value\n2026-06-22,4\n2026-06-23,\n")
    assert str(table["value"].dtype) == "float64"  # whole numbers in a float column stay float
    assert table["value"].iloc[0] == 4.0 and pd.isna(table["value"].iloc[1])

    research = datasets.get("research_estimates")
    values = {c.name: ("1.5" if c.dtype is datasets.Dtype.FLOAT else "2025-10-15") for c in research.schema}
    table = snapshot.read_csv(research, (",".join(values) + "\n" + ",".join(values.values()) + "\n").encode())
    assert table.loc[0, "as_of"] == "2025-10-15" and str(table["as_of"].dtype) == "str"  # a date-like text stays text


def test_a_bad_value_is_one_error_naming_the_file(tmp_path: Path, shipped_copy: Path) -> None:
    path = shipped_copy / "2025-12-31"
    csv = path / "fred_sofr.csv"
    lines = csv.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].split(",")[0] + ",abc"
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    manifest["datasets"]["fred_sofr"]["sha256"] = snapshot.sha256_bytes(csv.read_bytes())
    (path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(snapshot.SnapshotError) as exc:
        snapshot.load(path)
    assert str(exc.value).startswith(f"{csv}: not a fred_sofr table (")


def test_a_memoised_table_is_each_callers_own(shipped_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(snapshot, "_PARSED", OrderedDict())
    path = shipped_copy / "2025-12-31"
    first = snapshot.load(path)
    value = float(first.tables["fred_sofr"]["value"].iloc[-1])
    first.tables["fred_sofr"].loc[first.tables["fred_sofr"].index[-1], "value"] = -99.0
    first.tables["fred_sofr"]["extra"] = 1
    second = snapshot.load(path)
    assert float(second.tables["fred_sofr"]["value"].iloc[-1]) == value
    assert list(second.tables["fred_sofr"].columns) == ["date", "value"]


def test_a_file_changed_after_it_was_parsed_is_still_refused(shipped_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(snapshot, "_PARSED", OrderedDict())
    path = shipped_copy / "2025-12-31"
    snapshot.load(path)
    csv = path / "fred_sofr.csv"
    data = bytearray(csv.read_bytes())
    data[-2] = ord("9") if data[-2] != ord("9") else ord("8")  # same size, one digit changed
    csv.write_bytes(bytes(data))
    with pytest.raises(snapshot.SnapshotError) as exc:
        snapshot.load(path)
    assert str(exc.value) == f"{csv}: sha256 does not match manifest.json; the file was changed after the snapshot was written"
