"""Charts: words and units in both languages, gaps never bridged, the Cayman estimate,
byte-identical PNGs, the CJK font everywhere, and specs that editors can get wrong."""

from __future__ import annotations

import dataclasses
import math
import re
import subprocess
import sys
import tomllib
import warnings
from datetime import date
from pathlib import Path

import matplotlib
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Annotation, Text
from matplotlib.transforms import Bbox

from kf_factory import make_fiscal, make_holders, make_key_figures, make_stale_key_figures
from ustglass import chartkit, charts, chartspec, figures, fmt, fonts, locale
from ustglass.errors import BuildError


def loc(code: str) -> locale.Locale:
    return locale.load(code)


def words(fid: str, lang: str) -> chartspec.ChartText:
    """The figure's text in the shipped pack ``lang``."""
    return charts.chart_texts(loc(lang), [fid])[fid]


ROOT = Path(__file__).resolve().parents[1]
FIGURES = ROOT / "figures"
PACKS = ROOT / "templates" / "locales"
CASES = [(fid, lang) for fid in figures.IDS for lang in ("en", "zh")]

EXPECTED = {  # (title, units, source line) per chart and language
    ("deficits", "en"): ("Federal budget deficit by fiscal year", ["Trillions of dollars"], "data to FY2025"),
    ("deficits", "zh"): ("美国联邦财政赤字（按财年）", ["万亿美元"], "数据截至2025财年"),
    ("holders", "en"): ("Major foreign holders of U.S. Treasury securities", ["Billions of dollars"], "data to December 2025"),
    ("holders", "zh"): ("美国国债的主要海外持有者", ["亿美元"], "数据截至2025年12月"),
    ("basis", "en"): ("Leveraged funds' short positions in Treasury futures", ["Billions of dollars"],
                      "Source: U.S. Commodity Futures Trading Commission (CFTC), Traders in Financial Futures, futures only; data to October 6, 2026"),
    ("basis", "zh"): ("杠杆基金在美国国债期货上的空头头寸", ["亿美元"],
                      "资料来源：美国商品期货交易委员会（CFTC）金融期货交易者持仓报告（仅期货）；数据截至2026年10月6日"),
    ("funding", "en"): ("Funding conditions in the repo market", ["SOFR minus IORB, basis points", "Billions of dollars"], "data to June 17, 2026"),
    ("funding", "zh"): ("回购市场融资状况", ["SOFR减IORB，基点", "亿美元"], "数据截至2026年6月17日"),
    ("scorecard", "en"): ("Fragility scorecard", ["Percentile within the indicator's own history", "Latest value, date"],
                          "snapshot 2026-10-06, data to October 6, 2026"),
    ("scorecard", "zh"): ("脆弱性记分卡", ["在指标自身历史中的百分位", "最新值，日期"], "数据快照2026-10-06，数据截至2026年10月6日"),
    ("scenario_grid", "en"): ("How much of the basis trade a funding shock forces out",
                              ["Repo haircut shock Δh", "Futures initial margins multiplied by k"],
                              "CFTC Traders in Financial Futures for N, leveraged funds' gross short ($1.13 trillion); data to October 6, 2026"),
    ("scenario_grid", "zh"): ("融资冲击会迫使多少基差交易平仓", ["回购折扣冲击Δh", "期货初始保证金倍数k"],
                              "CFTC金融期货交易者持仓报告（N为杠杆基金总空头，1.13万亿美元）；数据截至2026年10月6日"),
}  # fmt: skip


@pytest.fixture(scope="module")
def kf():
    return make_key_figures()


@pytest.fixture(scope="module")
def specs() -> dict[str, charts.FigureSpec]:
    return {fid: charts.load_spec(FIGURES / f"{fid}.toml") for fid in figures.IDS}


def texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def squash(text: str) -> str:
    """Text without whitespace, so wrapped lines compare with the unwrapped original."""
    return re.sub(r"\s+", "", text)


def render_quietly(fig: Figure) -> tuple[bytes, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = charts.png_bytes(fig, dpi=80)
    return data, [str(w.message) for w in caught]


@pytest.mark.parametrize(("fid", "lang"), CASES)
def test_texts_in_the_readers_language(fid, lang, kf, specs) -> None:
    fig = charts.build_figure(fid, kf, loc(lang), specs[fid])
    title, units, source = EXPECTED[(fid, lang)]
    found = texts(fig)
    assert title in found
    for unit in units:
        assert unit in found
    footer = [t for t in found if squash(source) in squash(t)]
    assert footer, f"no source line ending {source!r}"
    assert squash(footer[0]).endswith(squash(source))
    assert any(squash(words(fid, lang).note[:12]) in squash(t) for t in found)


@pytest.mark.parametrize(("fid", "lang"), CASES)
def test_png_is_byte_identical_and_has_no_missing_glyphs(fid, lang, kf, specs, tmp_path) -> None:
    first, caught = render_quietly(charts.build_figure(fid, kf, loc(lang), specs[fid]))
    second, _ = render_quietly(charts.build_figure(fid, kf, loc(lang), specs[fid]))
    assert first == second
    assert first.startswith(b"\x89PNG") and b"Software" not in first and b"Matplotlib" not in first
    assert not [m for m in caught if "missing from font" in m]
    path = charts.save_png(charts.build_figure(fid, kf, loc(lang), specs[fid]), tmp_path / "a.png", dpi=80)
    assert path.read_bytes() == first


def test_a_discarded_chart_lets_go_of_its_pixels_at_once_and_draws_the_same_again(kf, specs) -> None:
    import gc
    import weakref

    fig = charts.build_figure("deficits", kf, loc("en"), specs["deficits"])
    before = charts.png_bytes(fig)  # then the SVG, as the pipeline draws them
    canvas = weakref.ref(fig.canvas)
    renderer = weakref.ref(fig.canvas.renderer)  # the 200-dpi raster's, cached by the PNG just written
    svg = charts.svg_bytes(fig)
    gc.disable()  # freed by reference counting, not by the next collection
    try:
        charts.discard(fig)
        assert canvas() is None and renderer() is None
    finally:
        gc.enable()
    assert charts.png_bytes(fig) == before and charts.svg_bytes(fig) == svg


@pytest.mark.parametrize(("fid", "lang", "stale"), [(f, lang, False) for f, lang in CASES] + [("basis", "en", True), ("basis", "zh", True)])
def test_texts_neither_overlap_nor_leave_the_figure(fid, lang, stale, kf, specs) -> None:
    fig = charts.build_figure(fid, make_stale_key_figures() if stale else kf, loc(lang), specs[fid])
    with chartkit.style():
        fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in fig.findobj(Text) if t.get_text() and t.get_visible()]
    for text, box in boxes:
        assert fig.bbox.x0 <= box.x0 and box.x1 <= fig.bbox.x1 and fig.bbox.y0 <= box.y0 and box.y1 <= fig.bbox.y1, text
    for i, (text_a, a) in enumerate(boxes):
        for text_b, b in boxes[i + 1 :]:
            assert not (a.x0 < b.x1 - 0.5 and b.x0 < a.x1 - 0.5 and a.y0 < b.y1 - 0.5 and b.y0 < a.y1 - 0.5), (text_a, text_b)


def test_missing_glyphs_would_be_reported(kf, specs) -> None:
    """The check above can fail: a glyph the font lacks does produce the warning."""
    fig = charts.build_figure("deficits", kf, loc("zh"), specs["deficits"])
    fig.texts[0].set_text("\U0001f600")
    _, caught = render_quietly(fig)
    assert any("missing from font" in m for m in caught)


@pytest.mark.parametrize(("fid", "lang"), CASES)
def test_every_text_uses_the_sc_face(fid, lang, kf, specs) -> None:
    fig = charts.build_figure(fid, kf, loc(lang), specs[fid])
    regular, bold = fonts.cjk_face("regular"), fonts.cjk_face("bold")
    for t in fig.findobj(Text):
        file = t.get_fontproperties().get_file()
        assert (Path(file), file.face_index) in {(regular.path, regular.index), (bold.path, bold.index)}
    assert regular.family == "Noto Sans CJK SC"


def test_rcparams_are_left_as_they_were(kf, specs) -> None:
    before = dict(matplotlib.rcParams)
    charts.png_bytes(charts.build_figure("funding", kf, loc("zh"), specs["funding"]), dpi=50)
    assert dict(matplotlib.rcParams) == before


def test_numbers_on_axes_come_from_fmt(kf, specs) -> None:
    en = charts.build_figure("basis", kf, loc("en"), specs["basis"]).axes[0]
    zh = charts.build_figure("basis", kf, loc("zh"), specs["basis"]).axes[0]
    assert [t.get_text() for t in en.get_yticklabels()] == ["0", "500", "1,000", "1,500"]
    assert [t.get_text() for t in zh.get_yticklabels()] == ["0", "5,000", "10,000", "15,000"]
    assert [t.get_text() for t in zh.get_xticklabels()][:2] == ["2020年", "2021年"]
    bars = charts.build_figure("deficits", kf, loc("zh"), specs["deficits"])
    assert [t.get_text() for t in bars.axes[0].get_xticklabels()][-1] == "2025财年"
    assert "2019财年至2025财年平均：1.9万亿美元" in texts(bars)


# ---------------------------------------------------------------- basis: gaps stay gaps


def test_series_with_gaps_inserts_nan() -> None:
    values = {"2024-01-02": 1.0, "2024-01-09": 2.0, "2024-01-23": 3.0, "2024-01-30": 4.0, "2024-02-13": 5.0}
    days, vals = chartkit.series_with_gaps(values, [("2024-02-06", "2024-02-06")])
    nan_days = [d.isoformat() for d, v in zip(days, vals) if math.isnan(v)]
    assert nan_days == ["2024-01-10", "2024-02-06"]  # a step of 14 days, and the listed gap
    assert [v for v in vals if not math.isnan(v)] == [1.0, 2.0, 3.0, 4.0, 5.0]


def test_series_with_gaps_leaves_regular_weeks_alone() -> None:
    days, vals = chartkit.series_with_gaps({"2024-01-02": 1.0, "2024-01-09": 2.0, "2024-01-16": 3.0})
    assert len(days) == 3 and not any(math.isnan(v) for v in vals)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_basis_line_has_nan_in_every_gap(lang, kf, specs) -> None:
    ax = charts.build_figure("basis", kf, loc(lang), specs["basis"]).axes[0]
    line = max(ax.lines, key=lambda ln: len(ln.get_xdata()))
    xs, ys = line.get_xdata(), line.get_ydata()
    nan_x = [x for x, y in zip(xs, ys) if math.isnan(y)]
    assert len(nan_x) == len(kf.basis.gaps)
    for (first, last), x in zip(kf.basis.gaps, nan_x):
        before = [x0 for x0, y in zip(xs, ys) if x0 < x and not math.isnan(y)][-1]
        after = [x0 for x0, y in zip(xs, ys) if x0 > x and not math.isnan(y)][0]
        assert chartkit.date_num(date.fromisoformat(first)) > before
        assert chartkit.date_num(date.fromisoformat(last)) < after


def test_basis_gap_found_from_dates_alone(kf, specs) -> None:
    basis = dataclasses.replace(kf.basis, gaps=[])
    ax = charts.build_figure("basis", dataclasses.replace(kf, basis=basis), loc("en"), specs["basis"]).axes[0]
    line = max(ax.lines, key=lambda ln: len(ln.get_xdata()))
    assert sum(math.isnan(y) for y in line.get_ydata()) == len(kf.basis.gaps)


def test_basis_without_2020_and_with_peak_latest(kf, specs) -> None:
    latest = kf.basis.latest
    basis = dataclasses.replace(kf.basis, article_base=None, peak=type(kf.basis.peak)(latest.value, latest.as_of))
    fig = charts.build_figure("basis", dataclasses.replace(kf, basis=basis), loc("en"), specs["basis"])
    found = texts(fig)
    assert not any(t.startswith("Article's 2020 level") or t.startswith("Peak") for t in found)
    assert "Latest: $1.1 trillion (Oct 6, 2026)" in found


def shaded_spans(ax) -> list[tuple[float, float]]:
    """(left, right) in data units of every vertical band (axvspan) on ``ax``."""
    return sorted((p.get_x(), p.get_x() + p.get_width()) for p in ax.patches if isinstance(p, Rectangle))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_basis_trailing_gap_is_shaded_up_to_the_as_of_date(lang, specs) -> None:
    stale = make_stale_key_figures()
    assert stale.basis.gaps[-1] == ("2025-05-06", "2025-12-23") and stale.basis.latest.as_of == "2025-04-29"
    ax = charts.build_figure("basis", stale, loc(lang), specs["basis"]).axes[0]
    as_of, last = chartkit.date_num(date(2025, 12, 31)), chartkit.date_num(date(2025, 4, 29))
    assert ax.get_xlim()[1] >= as_of  # the time axis reaches the edition's date
    spans = shaded_spans(ax)
    assert len(spans) == len(stale.basis.gaps)
    assert spans[-1][0] == pytest.approx(last) and spans[-1][1] >= as_of  # from the last report to as_of
    line = max(ax.lines, key=lambda ln: len(ln.get_xdata()))
    drawn = [x for x, y in zip(line.get_xdata(), line.get_ydata()) if not math.isnan(y)]
    assert max(drawn) == pytest.approx(last)  # the line stops at the last complete week


def test_basis_without_trailing_gap_ends_at_the_data(kf, specs) -> None:
    ax = charts.build_figure("basis", kf, loc("en"), specs["basis"]).axes[0]
    last = chartkit.date_num(date(2026, 10, 6))
    assert len(shaded_spans(ax)) == len(kf.basis.gaps)
    assert max(right for _, right in shaded_spans(ax)) < last
    assert last <= ax.get_xlim()[1] <= last + 15


@pytest.mark.parametrize(("lang", "key"), [("en", "No complete six-contract report in the data"), ("zh", "数据中无完整的六合约报告")])
def test_basis_gap_key_says_missing_from_the_data(lang, key, kf, specs) -> None:
    ax = charts.build_figure("basis", kf, loc(lang), specs["basis"]).axes[0]
    assert key in [t.get_text() for t in ax.get_legend().texts]


# ---------------------------------------------------------------- deficits: labels clear of bars and line

DEFICIT_CASES = {
    "as published": {},
    "tall bars at both ends": {"2019": 3000.0, "2020": 900.0, "2021": 1000.0, "2022": 1100.0, "2023": 1200.0, "2024": 1300.0, "2025": 3100.0},
    "a bar ending on the average": {"2019": 1000.0, "2020": 3000.0, "2021": 2000.0, "2022": 1500.0, "2023": 2000.0, "2024": 2000.0, "2025": 2500.0},
    "a surplus year": {"2019": -236.2, "2020": 500.0, "2021": 800.0, "2022": 1200.0, "2023": 1100.0, "2024": 900.0, "2025": 1400.0},
}  # fmt: skip


def with_deficits(kf, deficits: dict[str, float]):
    if not deficits:
        return kf
    avg = sum(deficits.values()) / len(deficits)
    return dataclasses.replace(kf, fiscal=make_fiscal(deficit_usd_bn=deficits, average_deficit_usd_bn=avg))


def overlaps(a: Bbox, b: Bbox, slack: float = 0.5) -> bool:
    return a.x0 < b.x1 - slack and b.x0 < a.x1 - slack and a.y0 < b.y1 - slack and b.y0 < a.y1 - slack


def extent(t: Text, renderer) -> Bbox:
    """A text's window extent, with its halo box when it has one."""
    patch = t.get_bbox_patch()
    return Bbox.union([t.get_window_extent(renderer)] + ([patch.get_window_extent(renderer)] if patch else []))


@pytest.mark.parametrize("case", DEFICIT_CASES)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_deficit_labels_hide_no_bar_and_stay_off_the_average_line(case, lang, kf, specs) -> None:
    kf = with_deficits(kf, DEFICIT_CASES[case])
    fig = charts.build_figure("deficits", kf, loc(lang), specs["deficits"])
    with chartkit.style():
        fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    average = chartkit.fill(words("deficits", lang).labels["average"], figures.get("deficits").context(kf, loc(lang)))
    found = [t for t in ax.texts if t.get_text() == average]
    found += [t for t in (ax.get_legend().texts if ax.get_legend() else []) if t.get_text() == average]
    assert len(found) == 1, "the average is labelled exactly once"
    avg_box = extent(found[0], renderer)
    bars = [r.get_window_extent(renderer) for r in ax.containers[0]]
    values = [t for t in ax.texts if isinstance(t, Annotation) and t.get_text() != average]
    years = sorted(kf.fiscal.deficit_usd_bn)
    shown = [kf.fiscal.deficit_usd_bn[y] / 1000 for y in years]
    digits = fmt.distinct_digits(shown, 1)  # bars that differ read differently (FY2024 and FY2025: 1.82, 1.77)
    assert [t.get_text() for t in values] == [fmt.number(v, loc(lang), digits) for v in shown]
    line_y = ax.transData.transform((0.0, kf.fiscal.average_deficit_usd_bn / 1000))[1]
    for bar in bars:
        assert not overlaps(avg_box, bar), f"average label over a bar ({case})"
    for t in values:
        box = extent(t, renderer)
        assert not overlaps(avg_box, box), f"average label over value label {t.get_text()} ({case})"
        assert not box.y0 < line_y < box.y1, f"average line through value label {t.get_text()} ({case})"
        assert ax.bbox.y0 <= box.y0 and box.y1 <= ax.bbox.y1, f"value label {t.get_text()} outside the axes ({case})"
    if found[0] in ax.texts:  # labelled on the line: the dashed line does not run through it
        assert not avg_box.y0 < line_y < avg_box.y1


def test_surplus_prints_a_true_minus_and_has_the_glyph(kf, specs) -> None:
    fig = charts.build_figure("deficits", with_deficits(kf, DEFICIT_CASES["a surplus year"]), loc("zh"), specs["deficits"])
    assert "\u22120.2" in texts(fig)
    _, caught = render_quietly(fig)
    assert not [m for m in caught if "missing from font" in m]
    assert chartkit.text_width("\u2212", 8.0) > chartkit.text_width("-", 8.0) * 0.9  # measured from the glyph itself


def test_wrap_keeps_signed_numbers_and_units_whole() -> None:
    text = "变化为\u22121.2万亿美元，" * 6
    for width in (0.6, 0.8, 1.0, 1.3):
        for line in chartkit.wrap(text, 7.0, width, loc("zh")).split("\n"):
            assert not line.startswith(("万", "亿", "美", "元", "，")) and not line.endswith("\u2212")


# ---------------------------------------------------------------- Chinese typography in the pack


def pack_strings(table: dict) -> list[tuple[str, str]]:
    out = []
    for key, value in table.items():
        if isinstance(value, str):
            out.append((key, value))
        elif isinstance(value, dict):
            out += [(f"{key}.{k}", v) for k, v in value.items()]
    return out


@pytest.mark.parametrize("fid", figures.IDS)
def test_chinese_text_uses_full_width_punctuation(fid) -> None:
    raw = tomllib.loads((PACKS / "zh" / "charts.toml").read_text(encoding="utf-8"))
    for key, text in pack_strings(raw[fid]):
        assert not re.search(r"[,;:()\"']", text), f"zh/charts.toml {fid}.{key}: ASCII punctuation in {text!r}"


def test_feds_note_title_as_the_brief_gives_it() -> None:
    research = tomllib.loads((ROOT / "cli" / "ustglass" / "research" / "estimates.toml").read_text(encoding="utf-8"))
    note = research["cayman_hf_ust_undercount"]
    assert f"《{loc('zh').get('research', 'cayman_hf_ust_undercount', 'title')}》（{note['title']}，" in words("holders", "zh").source
    assert f'"{note["title"]}"' in words("holders", "en").source  # ASCII quotes, not curly ones the CJK face sets full width


# ---------------------------------------------------------------- holders: the Cayman estimate


def hatched(fig: Figure) -> list[Rectangle]:
    return [p for p in fig.axes[0].patches if isinstance(p, Rectangle) and p.get_hatch()]


@pytest.mark.parametrize(("lang", "row", "value"), [("en", "(our calculation)", "about $1.8 trillion (December 2024)"),
                                                    ("zh", "（本文测算）", "约1.8万亿美元（2024年12月）")])  # fmt: skip
def test_holders_show_the_estimate_as_an_estimate(lang, row, value, kf, specs) -> None:
    fig = charts.build_figure("holders", kf, loc(lang), specs["holders"])
    (bar,) = hatched(fig)
    assert bar.get_width() == pytest.approx(1800.0 * words("holders", lang).scale)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert any(row in label for label in labels)
    assert (
        labels.index(next(label for label in labels if row in label)) == labels.index(loc(lang).name_of("countries", "Cayman Islands")) + 1
    )
    assert value in texts(fig)
    assert any(fmt.month("2024-12", loc(lang)) in t for t in fig.axes[0].get_legend().texts for t in [t.get_text()])


def test_holders_without_estimate(kf, specs) -> None:
    no_estimate = dataclasses.replace(kf, holders=make_holders(cayman_estimate_usd_bn=None))
    fig = charts.build_figure("holders", no_estimate, loc("en"), specs["holders"])
    assert not hatched(fig)
    assert len(fig.axes[0].get_yticklabels()) == 10
    assert not any("estimate" in t.lower() for t in [x.get_text() for x in fig.axes[0].get_legend().texts])


def test_holders_add_cayman_when_outside_the_top(kf, specs) -> None:
    spec = dataclasses.replace(specs["holders"], top_n=3)
    fig = charts.build_figure("holders", kf, loc("en"), spec)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["Japan", "United Kingdom", "China (mainland)", "Cayman Islands", "Cayman hedge funds\n(our calculation)"]


# ---------------------------------------------------------------- wrapping


def test_wrap_fits_width() -> None:
    text = "注：" + "空头名义总额等于合约数乘以合约面值。" * 8
    lines = chartkit.wrap(text, 7.0, 3.0, loc("zh")).split("\n")
    assert len(lines) > 2 and all(chartkit.text_width(line[:-1], 7.0) <= 3.0 for line in lines)
    english = "Gross short = contracts × face value; a week counts only when all six contracts are reported"
    wrapped = chartkit.wrap(english, 8.0, 1.2, loc("en")).split("\n")
    assert len(wrapped) > 3 and " ".join(wrapped) == english
    assert all(chartkit.text_width(line, 8.0) <= 1.2 for line in wrapped)


def test_no_pyplot() -> None:
    code = ("import sys; sys.path.insert(0, 'tests'); from kf_factory import make_key_figures; from ustglass import charts, locale;"
            "charts.build_figure('deficits', make_key_figures(), locale.load('en'), charts.load_spec('figures/deficits.toml'));"
            "assert 'matplotlib.pyplot' not in sys.modules")  # fmt: skip
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, env={"PYTHONPATH": str(ROOT / "cli")})


# ---------------------------------------------------------------- fonts


def test_sc_face_is_found_in_the_collection() -> None:
    face = fonts.cjk_face("bold")
    assert face.family == "Noto Sans CJK SC" and face.index == 2 and face.is_collection


def test_missing_font_gives_install_hint(monkeypatch) -> None:
    monkeypatch.delenv(fonts.ENV_REGULAR, raising=False)
    monkeypatch.setattr(fonts, "_discover", lambda weight: None)  # no copy anywhere on the system
    with pytest.raises(BuildError, match="install the Debian package fonts-noto-cjk"):
        fonts.cjk_face()


def test_override_must_exist(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv(fonts.ENV_REGULAR, str(tmp_path / "none.otf"))
    with pytest.raises(BuildError, match="USTGLASS_CJK_FONT=.*none.otf: no such font file"):
        fonts.cjk_font_path()


def test_face_is_extracted_once_and_reused(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("USTGLASS_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert fonts.cache_dir() == tmp_path / "xdg" / "ustglass" / "fonts"
    monkeypatch.setenv("USTGLASS_CACHE_DIR", str(tmp_path))
    path = fonts.cjk_font_path("regular")
    assert path.parent == tmp_path / "fonts" and path.name.startswith("NotoSansCJKsc-Regular-")
    stamp = path.stat().st_mtime_ns
    assert fonts.cjk_font_path("regular") == path and path.stat().st_mtime_ns == stamp
    monkeypatch.setenv(fonts.ENV_REGULAR, str(path))
    face = fonts.cjk_face("regular")
    assert (face.family, face.index, face.is_collection) == ("Noto Sans CJK SC", 0, False)
    assert fonts.cjk_font_path("regular") == path
