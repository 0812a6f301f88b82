"""The figure registry: one definition per figure, checked against its spec file and each
language pack's chart text; any subset of figures builds; label placement and line breaks."""

from __future__ import annotations

import ast
import dataclasses
import shutil
from pathlib import Path

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from kf_factory import make_key_figures
from ustglass import chartkit, chartlabels, charts, chartspec, figures, locale, pipeline
from ustglass.config import Format, ReportConfig
from ustglass.errors import BuildError

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ROOT / "figures"
PACKS = ROOT / "templates" / "locales"
PACKAGE = ROOT / "cli" / "ustglass"


@pytest.fixture(scope="module")
def kf():
    return make_key_figures()


@pytest.fixture(scope="module")
def specs() -> dict[str, chartspec.FigureSpec]:
    return {fid: charts.load_spec(FIGURES / f"{fid}.toml") for fid in figures.IDS}


def pack(tmp_path: Path, code: str, base: str = "en", charts_edit=None, locale_edit=None) -> locale.Locale:
    """A language pack ``code`` made from the shipped pack ``base``, its files edited as text."""
    root = tmp_path / "locales" / code
    shutil.copytree(PACKS / base, root)
    for name, edit in (("charts.toml", charts_edit), ("locale.toml", locale_edit)):
        if edit is not None:
            (root / name).write_text(edit((root / name).read_text(encoding="utf-8")), encoding="utf-8")
    return locale.load(code, [tmp_path / "locales"])


def texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


# ---------------------------------------------------------------- one definition per figure


def test_registry_spec_files_and_packs_name_the_same_figures() -> None:
    assert figures.IDS == ("deficits", "holders", "basis", "funding", "scorecard", "scenario_grid")  # the brief's order
    assert sorted(p.stem for p in FIGURES.glob("*.toml")) == sorted(figures.IDS)
    for code in locale.available():
        assert sorted(charts.chart_texts(locale.load(code), figures.IDS)) == sorted(figures.IDS)


@pytest.mark.parametrize("code", ["en", "zh"])
def test_context_fills_exactly_the_declared_fields(code, kf) -> None:
    for fid in figures.IDS:
        assert sorted(figures.get(fid).context(kf, locale.load(code))) == sorted(figures.get(fid).fields)
    assert dict(figures.get("deficits").context(kf, locale.load(code))) == {
        "en": {"as_of": "FY2025", "first_fy": "FY2019", "latest_fy": "FY2025", "average": "$1.9 trillion", "vintage": "July 30, 2026"},
        "zh": {"as_of": "2025财年", "first_fy": "2019财年", "latest_fy": "2025财年", "average": "1.9万亿美元", "vintage": "2026年7月30日"},
    }[code]  # fmt: skip


class Reads(dict):
    """Labels that remember which were read."""

    def __init__(self, *args, seen: set[str]) -> None:
        super().__init__(*args)
        self.seen = seen

    def __getitem__(self, key: str) -> str:
        self.seen.add(key)
        return super().__getitem__(key)


@pytest.mark.parametrize("fid", figures.IDS)
def test_every_declared_label_is_drawn_and_no_other(fid, kf, specs, monkeypatch) -> None:
    seen: set[str] = set()
    real = charts.chart_texts

    def recording(loc, ids):
        return {k: dataclasses.replace(t, labels=Reads(t.labels, seen=seen)) for k, t in real(loc, ids).items()}

    monkeypatch.setattr(charts, "chart_texts", recording)
    charts.build_figure(fid, kf, locale.load("en"), specs[fid])
    assert seen == set(figures.get(fid).labels)


class Unread:
    """A key-figures section the figure did not declare: any use of it fails."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __getattr__(self, attr: str):
        raise AssertionError(f"read kf.{self.name}.{attr} without declaring {self.name!r}")


@pytest.mark.parametrize("fid", figures.IDS)
def test_a_figure_reads_only_the_key_figures_it_declares(fid, kf, specs) -> None:
    declared = set(figures.get(fid).reads)
    others = {f.name: Unread(f.name) for f in dataclasses.fields(kf) if f.name not in declared}
    assert others, "every figure reads only part of the key figures"
    en = locale.load("en")
    blind = charts.png_bytes(charts.build_figure(fid, dataclasses.replace(kf, **others), en, specs[fid]), dpi=40)
    assert blind == charts.png_bytes(charts.build_figure(fid, kf, en, specs[fid]), dpi=40)


def test_unknown_figure_is_one_clear_error() -> None:
    with pytest.raises(BuildError) as err:
        figures.get("pie")
    assert str(err.value) == "unknown figure 'pie' (known: deficits, holders, basis, funding, scorecard, scenario_grid)"


# ---------------------------------------------------------------- chart text in the language packs


def test_a_new_language_needs_only_a_pack(tmp_path, kf, specs) -> None:
    """A pseudo-language made from the English pack, a few words changed, draws every figure."""
    xx = pack(tmp_path, "xx", charts_edit=lambda s: s.replace('title = "Funding conditions in the repo market"', 'title = "Xunding xonditions"')
              .replace('rrp = "ON RRP"', 'rrp = "Xovernight RRP"'))  # fmt: skip
    fig = charts.build_figure("funding", kf, xx, specs["funding"])
    assert "Xunding xonditions" in texts(fig) and "Xovernight RRP" in texts(fig)
    assert "Funding conditions in the repo market" not in texts(fig)
    for fid in figures.IDS:
        charts.png_bytes(charts.build_figure(fid, kf, xx, specs[fid]), dpi=30)


def test_missing_key_names_the_pack_file_the_figure_and_the_key(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    xx = pack(tmp_path, "xx", charts_edit=lambda s: s.replace('title = "Leveraged funds\' short positions in Treasury futures"\n', ""))
    with pytest.raises(BuildError) as err:
        charts.chart_texts(xx, ["deficits", "basis"])
    assert str(err.value) == "locales/xx/charts.toml, figure 'basis': missing key 'title'"


def test_every_problem_of_the_text_at_once(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)

    def spoil(s: str) -> str:
        s = s.replace("futures only; data to {as_of}", "futures only; data to {asof}").replace('peak = "Peak: {value} ({date})"\n', "")
        s = s.replace('title = "Funding conditions in the repo market"', 'title = "Spread {value}"')
        s = s.replace('y_label = "SOFR minus IORB, basis points"\nscale = 1.0', 'y_label = "SOFR minus IORB, basis points"\nscale = 0')
        s = s.replace('tga = "TGA"', 'tga = "TGA"\ntgaa = "TGA"')
        return (
            s[: s.index("[holders]\n")] + s[s.index("# ---------------------------------------------------------------- basis") :]
        )  # no [holders]

    with pytest.raises(BuildError) as err:
        charts.chart_texts(pack(tmp_path, "xx", charts_edit=spoil), figures.IDS)
    assert str(err.value) == (
        "locales/xx/charts.toml, figure 'holders': missing table [holders]; "
        "locales/xx/charts.toml, figure 'basis': missing key 'labels.peak'; unknown field {asof} in 'source'; "
        "locales/xx/charts.toml, figure 'funding': unknown key 'labels.tgaa'; unknown field {value} in 'title'; "
        "'scale' must be a positive number"
    )


def test_pack_without_chart_text(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    xx = pack(tmp_path, "xx")
    (xx.root / "charts.toml").unlink()
    with pytest.raises(BuildError) as err:
        charts.chart_texts(locale.load("xx", [tmp_path / "locales"]), ["deficits"])
    assert str(err.value) == "locales/xx/charts.toml, figure 'deficits': missing table [deficits]"


def test_the_pipeline_checks_the_text_before_drawing(tmp_path, kf, specs, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    xx = pack(tmp_path, "xx", charts_edit=lambda s: s.replace('y2_label = "Billions of dollars"\n', ""))
    drawn = []
    monkeypatch.setattr(charts, "build_figure", lambda *a: drawn.append(a))
    with pytest.raises(BuildError, match=r"^locales/xx/charts.toml, figure 'funding': missing key 'labels.y2_label'$"):
        pipeline.figure_files(kf, xx, specs)
    assert drawn == []


# ---------------------------------------------------------------- layout in figures/<id>.toml


def spec_file(tmp_path: Path, fid: str, edit) -> Path:
    folder = tmp_path / "figures"
    folder.mkdir(exist_ok=True)
    path = folder / f"{fid}.toml"
    path.write_text(edit((FIGURES / f"{fid}.toml").read_text(encoding="utf-8")), encoding="utf-8")
    return path


def test_spec_problems_all_at_once(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    spoilt = spec_file(tmp_path, "basis", lambda s: s.replace('line = "#1f4e79"', 'line = "navy"').replace("height_in = 4.5\n", "")
                       .replace('marker = "#b03a2e"', 'marker = "#b03a2e"\nmarkers = "#b03a2e"') + '\n[en]\ntitle = "Basis"\n')  # fmt: skip
    with pytest.raises(BuildError) as err:
        charts.load_spec(spoilt)
    assert str(err.value) == (
        "figures/basis.toml: missing key 'height_in'; missing key 'colors.line' (a colour such as \"#1f4e79\"); "
        "unknown key 'colors.markers'; unknown key 'en' (a chart's words belong in the language packs: "
        "templates/locales/<code>/charts.toml, table [basis])"
    )


def test_unknown_figure_and_bad_toml(tmp_path) -> None:
    (tmp_path / "pie.toml").write_text("", encoding="utf-8")
    with pytest.raises(
        BuildError, match=r"pie.toml: unknown figure 'pie' \(expected one of deficits, holders, basis, funding, scorecard, scenario_grid\)$"
    ):
        charts.load_spec(tmp_path / "pie.toml")
    (tmp_path / "basis.toml").write_text("width_in = ", encoding="utf-8")
    with pytest.raises(BuildError, match="basis.toml"):
        charts.load_spec(tmp_path / "basis.toml")


def test_spec_must_match_figure(kf, specs) -> None:
    with pytest.raises(BuildError, match="used for figure 'basis'"):
        charts.build_figure("basis", kf, locale.load("en"), specs["holders"])


# ---------------------------------------------------------------- any subset of figures


def config(tmp_path: Path, **kw) -> ReportConfig:
    return ReportConfig(langs=("en",), formats=(Format.md,), snapshots_root=tmp_path, out_dir=tmp_path / "out", **kw)


def test_any_subset_of_figures_is_loaded_and_drawn(tmp_path, kf) -> None:
    assert list(pipeline.load_specs(config(tmp_path))) == list(figures.IDS)
    only = pipeline.load_specs(config(tmp_path, figures=("deficits",)))
    assert list(only) == ["deficits"]
    assert list(pipeline.figure_files(kf, locale.load("zh"), only)) == ["figures/deficits.zh.png"]
    pair = pipeline.load_specs(config(tmp_path, figures=("funding", "holders", "funding")))
    assert list(pipeline.figure_files(kf, locale.load("en"), pair)) == ["figures/funding.en.png", "figures/holders.en.png"]


def test_an_unknown_figure_in_the_config_is_one_clear_error(tmp_path) -> None:
    with pytest.raises(BuildError) as err:
        pipeline.load_specs(config(tmp_path, figures=("deficits", "pie")))
    assert str(err.value) == "unknown figure 'pie' (known: deficits, holders, basis, funding, scorecard, scenario_grid)"


def test_editor_spec_overrides_the_shipped_one(tmp_path, kf) -> None:
    spec_file(tmp_path, "holders", lambda s: s.replace("top_n = 10", "top_n = 3"))
    specs = pipeline.load_specs(config(tmp_path, figures=("holders",), figures_dir=tmp_path / "figures"))
    assert specs["holders"].top_n == 3


# ---------------------------------------------------------------- no language in the code


def test_chart_modules_name_no_language() -> None:
    codes = set(locale.available()) | {"zh", "en"}
    modules = [PACKAGE / f"{m}.py" for m in ("charts", "chartkit", "chartlabels", "chartspec")] + sorted((PACKAGE / "figures").glob("*.py"))
    for path in modules:
        source = path.read_text(encoding="utf-8")
        literals = {n.value for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
        assert not literals & codes, f"{path.name} names a language: {literals & codes}"
        assert "lang ==" not in source and ".code ==" not in source, path.name


# ---------------------------------------------------------------- line breaks from the pack


def test_number_units_come_from_the_pack(tmp_path) -> None:
    assert chartkit.number_units(locale.load("en")) == ()  # English breaks at spaces only
    assert chartkit.number_units(locale.load("zh")) == ("万亿美元", "个基点", "亿美元", "万亿", "财年", "万", "亿", "年", "日", "月")
    xx = pack(tmp_path, "xx", base="zh", locale_edit=lambda s: s.replace('bp = "{n}个基点"', 'bp = "{n}基点"'),
              charts_edit=lambda s: s.replace('number_units = ["万亿", "亿", "万"]', 'number_units = ["千"]'))  # fmt: skip
    assert chartkit.number_units(xx) == ("万亿美元", "亿美元", "基点", "财年", "千", "年", "日", "月")


@pytest.mark.parametrize(("code", "bp", "whole", "split"), [("zh", "个基点", "+12个基点", "3千"), ("xx", "基点", "3千", "")])
def test_wrap_keeps_a_number_with_its_unit(code, bp, whole, split, tmp_path) -> None:
    """zh keeps +12个基点 whole but may break 3|千; the xx pack, whose units are 基点 and 千, keeps 3千."""
    loc = locale.load("zh") if code == "zh" else pack(tmp_path, "xx", base="zh", locale_edit=lambda s: s.replace('bp = "{n}个基点"', 'bp = "{n}基点"'),
                                                      charts_edit=lambda s: s.replace('number_units = ["万亿", "亿", "万"]', 'number_units = ["千"]'))  # fmt: skip
    text = f"利差为+12{bp}，变化为\u22121.2万亿美元，共3千周。" * 4
    broken = set()
    for width in (0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.2):
        joined = "|".join(chartkit.wrap(text, 7.0, width, loc).split("\n"))
        assert joined.count(whole) == 4 and joined.count("\u22121.2万亿美元") == 4 and "|，" not in joined, (width, joined)
        broken |= {width} if split and joined.count(split) < 4 else set()
    assert bool(broken) == bool(split)  # where the pack names no unit, a line may break


def test_wrap_rules_must_be_a_list(tmp_path) -> None:
    xx = pack(tmp_path, "xx", base="zh", charts_edit=lambda s: s.replace('number_units = ["万亿", "亿", "万"]', 'number_units = "万"'))
    with pytest.raises(BuildError, match=r"xx/charts.toml: 'wrap.number_units' must be a list of units$"):
        chartkit.wrap("1万", 7.0, 1.0, xx)


# ---------------------------------------------------------------- label placement


def bar_chart(values: list[float], lo: float = 0.0, hi: float = 4.0, color: str = "#1f4e79"):
    """Axes of 4 × 3 inches holding one bar per value (centred on 0, 1, 2, ...)."""
    fig = Figure(figsize=(5, 4), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.1, 0.1, 0.8, 0.75))
    bars = list(ax.bar(range(len(values)), values, width=0.62, color=color))
    ax.set_xlim(-0.6, len(values) - 0.4)
    ax.set_ylim(lo, hi)
    return fig, ax, bars


def boxes(fig: Figure, items) -> list:
    renderer = fig.canvas.get_renderer()
    return [chartlabels.extent(t, renderer) if isinstance(t, Text) else t.get_window_extent(renderer) for t in items]


def line_px(ax, y: float) -> float:
    return float(ax.transData.transform((0.0, y))[1])


def test_bar_labels_sit_above_the_bars_when_nothing_is_in_the_way() -> None:
    with chartkit.style():
        fig, ax, bars = bar_chart([1.0, 3.0, 2.0])
        labels = chartlabels.label_bars(ax, bars, ["1.0", "3.0", "2.0"])
        assert [t.get_text() for t in labels] == ["1.0", "3.0", "2.0"] and ax.texts[:] == labels
        for label, bar, box in zip(labels, boxes(fig, bars), boxes(fig, labels)):
            assert box.y0 >= bar.y1 and bar.x0 < (box.x0 + box.x1) / 2 < bar.x1  # above its own bar, centred
            assert label.get_color() == chartkit.INK


def test_bar_labels_move_inside_when_a_line_would_cross_one() -> None:
    with chartkit.style():
        fig, ax, bars = bar_chart([1.0, 3.0, 2.0])
        labels = chartlabels.label_bars(ax, bars, ["1.0", "3.0", "2.0"], line_y=3.1)  # just above the middle bar
        for label, bar, box in zip(labels, boxes(fig, bars), boxes(fig, labels)):
            assert bar.y0 <= box.y0 and box.y1 <= bar.y1  # all inside, so they look alike
            assert not box.y0 < line_px(ax, 3.1) < box.y1
            assert label.get_color() == "white"  # on a dark bar


def test_a_bar_too_short_for_its_label_keeps_it_beyond_its_end() -> None:
    with chartkit.style():
        fig, ax, bars = bar_chart([3.0, 0.05, 3.0])
        labels = chartlabels.label_bars(ax, bars, ["3.0", "0.05", "3.0"], line_y=3.1)
        (b0, b1, b2), (l0, l1, l2) = boxes(fig, bars), boxes(fig, labels)
        assert b0.y0 <= l0.y0 and l0.y1 <= b0.y1 and b2.y0 <= l2.y0 and l2.y1 <= b2.y1  # tall bars: inside
        assert b1.y1 <= l1.y0 < l1.y1 < line_px(ax, 3.1)  # the short one: above it, under the line
        assert labels[1].get_color() == chartkit.INK


def test_a_label_with_no_room_below_the_line_goes_past_it() -> None:
    with chartkit.style():
        fig, ax, bars = bar_chart([3.0, 0.1, 3.0])
        labels = chartlabels.label_bars(ax, bars, ["3.0", "0.1", "3.0"], line_y=0.2)
        (b0, b1, b2), (l0, l1, l2) = boxes(fig, bars), boxes(fig, labels)
        assert b0.y0 <= l0.y0 and l0.y1 <= b0.y1 and b2.y0 <= l2.y0 and l2.y1 <= b2.y1
        assert l1.y0 > line_px(ax, 0.2) + 2.0 * fig.dpi / 72  # past the line, clear of it by 2 pt
        assert b1.x0 < (l1.x0 + l1.x1) / 2 < b1.x1


def test_labels_of_negative_bars_go_below_them() -> None:
    with chartkit.style():
        fig, ax, bars = bar_chart([2.0, -1.0], lo=-2.0)
        _, below = boxes(fig, chartlabels.label_bars(ax, bars, ["2.0", "−1.0"]))
        assert below.y1 <= boxes(fig, bars)[1].y0


def test_line_label_takes_the_first_free_end() -> None:
    with chartkit.style():
        fig, ax, bars = bar_chart([1.0, 1.0, 3.5])
        renderer = fig.canvas.get_renderer()
        free = chartlabels.label_line_end(ax, 2.0, "Average: 2.0", [])
        assert free.xy == (ax.get_xlim()[1], 2.0) and free.get_position() == (-3.0, 3.0)  # right end, above
        free.remove()
        taken = boxes(fig, bars) + boxes(fig, chartlabels.label_bars(ax, bars, ["1.0", "1.0", "3.5"], line_y=2.0))
        label = chartlabels.label_line_end(ax, 2.0, "Average: 2.0", taken, color="#b03a2e")
        assert label.xy == (ax.get_xlim()[0], 2.0)  # the tall bar at the right end is in the way
        box = chartlabels.extent(label, renderer)
        assert chartlabels.clear(box, taken) and label.get_color() == "#b03a2e"


def test_line_label_gives_up_when_every_end_is_taken() -> None:
    with chartkit.style():
        fig, ax, _ = bar_chart([1.0])
        before = len(ax.texts)
        assert chartlabels.label_line_end(ax, 2.0, "Average", [ax.get_window_extent(fig.canvas.get_renderer())]) is None
        assert len(ax.texts) == before  # nothing left behind


# ---------------------------------------------------------------- the scorecard chart's dates


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("en", {"cayman_share": "Oct 2025", "debt_public_gdp": "Q3 2025", "deficit_gdp": "FY2025", "on_rrp": "Dec 30, 2025"}),
        ("zh", {"cayman_share": "2025年10月", "debt_public_gdp": "2025年第三季度", "deficit_gdp": "2025财年", "on_rrp": "2025年12月30日"}),
    ],
)
def test_the_scorecard_chart_writes_each_date_at_its_indicators_frequency(code, expected, specs) -> None:
    """As the scorecard table does: a month for TIC, a quarter for debt/GDP, a fiscal year for the deficit, a day for a daily series."""
    from ustglass import analysis, metrics, snapshot
    from ustglass.figures import scorecard as chart

    snap = snapshot.load(ROOT / "data_snapshots" / "2025-12-31")
    real = analysis.gather(metrics.key_figures(snap.tables, snap.manifest), snap, None)
    loc = locale.load(code)
    by = {r.id: r for r in real.scorecard.indicators}
    assert {i: chart.reading_date(by[i], loc) for i in expected} == expected
    drawn = texts(charts.build_figure("scorecard", real, loc, specs["scorecard"]))
    for i, date in expected.items():
        assert sum(t.endswith(date) for t in drawn) >= 1, (i, date)
    assert not any(t.endswith(("Oct 31, 2025", "Sep 30, 2025", "2025年10月31日", "2025年9月30日")) for t in drawn)
