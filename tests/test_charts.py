"""Charts: words and units in both languages, gaps never bridged, the Cayman estimate,
byte-identical PNGs, the CJK font everywhere, and specs that editors can get wrong."""

from __future__ import annotations

import dataclasses
import math
import re
import subprocess
import sys
import warnings
from pathlib import Path

import matplotlib
import pytest
from kf_factory import make_holders, make_key_figures
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from ustglass import charts, fmt, fonts
from ustglass.errors import BuildError

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ROOT / "figures"
CASES = [(fid, lang) for fid in charts.FIGURE_IDS for lang in ("en", "zh")]

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
}  # fmt: skip


@pytest.fixture(scope="module")
def kf():
    return make_key_figures()


@pytest.fixture(scope="module")
def specs() -> dict[str, charts.FigureSpec]:
    return {fid: charts.load_spec(FIGURES / f"{fid}.toml") for fid in charts.FIGURE_IDS}


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
    fig = charts.build_figure(fid, kf, lang, specs[fid])
    title, units, source = EXPECTED[(fid, lang)]
    found = texts(fig)
    assert title in found
    for unit in units:
        assert unit in found
    footer = [t for t in found if squash(source) in squash(t)]
    assert footer, f"no source line ending {source!r}"
    assert squash(footer[0]).endswith(squash(source))
    assert any(squash(specs[fid].text[lang].note[:12]) in squash(t) for t in found)


@pytest.mark.parametrize(("fid", "lang"), CASES)
def test_png_is_byte_identical_and_has_no_missing_glyphs(fid, lang, kf, specs, tmp_path) -> None:
    first, caught = render_quietly(charts.build_figure(fid, kf, lang, specs[fid]))
    second, _ = render_quietly(charts.build_figure(fid, kf, lang, specs[fid]))
    assert first == second
    assert first.startswith(b"\x89PNG") and b"Software" not in first and b"Matplotlib" not in first
    assert not [m for m in caught if "missing from font" in m]
    path = charts.save_png(charts.build_figure(fid, kf, lang, specs[fid]), tmp_path / "a.png", dpi=80)
    assert path.read_bytes() == first


@pytest.mark.parametrize(("fid", "lang"), CASES)
def test_texts_neither_overlap_nor_leave_the_figure(fid, lang, kf, specs) -> None:
    fig = charts.build_figure(fid, kf, lang, specs[fid])
    with charts._style():
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
    fig = charts.build_figure("deficits", kf, "zh", specs["deficits"])
    fig.texts[0].set_text("\U0001f600")
    _, caught = render_quietly(fig)
    assert any("missing from font" in m for m in caught)


@pytest.mark.parametrize(("fid", "lang"), CASES)
def test_every_text_uses_the_sc_face(fid, lang, kf, specs) -> None:
    fig = charts.build_figure(fid, kf, lang, specs[fid])
    regular, bold = fonts.cjk_face("regular"), fonts.cjk_face("bold")
    for t in fig.findobj(Text):
        file = t.get_fontproperties().get_file()
        assert (Path(file), file.face_index) in {(regular.path, regular.index), (bold.path, bold.index)}
    assert regular.family == "Noto Sans CJK SC"


def test_rcparams_are_left_as_they_were(kf, specs) -> None:
    before = dict(matplotlib.rcParams)
    charts.png_bytes(charts.build_figure("funding", kf, "zh", specs["funding"]), dpi=50)
    assert dict(matplotlib.rcParams) == before


def test_numbers_on_axes_come_from_fmt(kf, specs) -> None:
    en = charts.build_figure("basis", kf, "en", specs["basis"]).axes[0]
    zh = charts.build_figure("basis", kf, "zh", specs["basis"]).axes[0]
    assert [t.get_text() for t in en.get_yticklabels()] == ["0", "500", "1,000", "1,500"]
    assert [t.get_text() for t in zh.get_yticklabels()] == ["0", "5,000", "10,000", "15,000"]
    assert [t.get_text() for t in zh.get_xticklabels()][:2] == ["2020年", "2021年"]
    bars = charts.build_figure("deficits", kf, "zh", specs["deficits"])
    assert [t.get_text() for t in bars.axes[0].get_xticklabels()][-1] == "2025财年"
    assert "2019财年至2025财年平均：1.9万亿美元" in texts(bars)


# ---------------------------------------------------------------- basis: gaps stay gaps


def test_series_with_gaps_inserts_nan() -> None:
    values = {"2024-01-02": 1.0, "2024-01-09": 2.0, "2024-01-23": 3.0, "2024-01-30": 4.0, "2024-02-13": 5.0}
    days, vals = charts.series_with_gaps(values, [("2024-02-06", "2024-02-06")])
    nan_days = [d.isoformat() for d, v in zip(days, vals) if math.isnan(v)]
    assert nan_days == ["2024-01-10", "2024-02-06"]  # a step of 14 days, and the listed gap
    assert [v for v in vals if not math.isnan(v)] == [1.0, 2.0, 3.0, 4.0, 5.0]


def test_series_with_gaps_leaves_regular_weeks_alone() -> None:
    days, vals = charts.series_with_gaps({"2024-01-02": 1.0, "2024-01-09": 2.0, "2024-01-16": 3.0})
    assert len(days) == 3 and not any(math.isnan(v) for v in vals)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_basis_line_has_nan_in_every_gap(lang, kf, specs) -> None:
    ax = charts.build_figure("basis", kf, lang, specs["basis"]).axes[0]
    line = max(ax.lines, key=lambda ln: len(ln.get_xdata()))
    xs, ys = line.get_xdata(), line.get_ydata()
    nan_x = [x for x, y in zip(xs, ys) if math.isnan(y)]
    assert len(nan_x) == len(kf.basis.gaps)
    for (first, last), x in zip(kf.basis.gaps, nan_x):
        before = [x0 for x0, y in zip(xs, ys) if x0 < x and not math.isnan(y)][-1]
        after = [x0 for x0, y in zip(xs, ys) if x0 > x and not math.isnan(y)][0]
        assert charts._num(charts.date.fromisoformat(first)) > before
        assert charts._num(charts.date.fromisoformat(last)) < after


def test_basis_gap_found_from_dates_alone(kf, specs) -> None:
    basis = dataclasses.replace(kf.basis, gaps=[])
    ax = charts.build_figure("basis", dataclasses.replace(kf, basis=basis), "en", specs["basis"]).axes[0]
    line = max(ax.lines, key=lambda ln: len(ln.get_xdata()))
    assert sum(math.isnan(y) for y in line.get_ydata()) == len(kf.basis.gaps)


def test_basis_without_2020_and_with_peak_latest(kf, specs) -> None:
    latest = kf.basis.latest
    basis = dataclasses.replace(kf.basis, level_2020=None, peak=type(kf.basis.peak)(latest.value, latest.date))
    fig = charts.build_figure("basis", dataclasses.replace(kf, basis=basis), "en", specs["basis"])
    found = texts(fig)
    assert not any(t.startswith("2020 average") or t.startswith("Peak") for t in found)
    assert "Latest: $1.1 trillion (Oct 6, 2026)" in found


# ---------------------------------------------------------------- holders: the Cayman estimate


def hatched(fig: Figure) -> list[Rectangle]:
    return [p for p in fig.axes[0].patches if isinstance(p, Rectangle) and p.get_hatch()]


@pytest.mark.parametrize(("lang", "row", "value"), [("en", "(Fed estimate)", "≈$1.85 trillion (estimate)"),
                                                    ("zh", "（美联储估计）", "约1.85万亿美元（估计值）")])  # fmt: skip
def test_holders_show_the_estimate_as_an_estimate(lang, row, value, kf, specs) -> None:
    fig = charts.build_figure("holders", kf, lang, specs["holders"])
    (bar,) = hatched(fig)
    assert bar.get_width() == pytest.approx(1850.0 * specs["holders"].text[lang].scale)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert any(row in label for label in labels)
    assert labels.index(next(label for label in labels if row in label)) == labels.index(
        specs["holders"].text[lang].countries.get("Cayman Islands", "Cayman Islands")) + 1
    assert value in texts(fig)
    assert any(fmt.month("2024-12", lang) in t for t in fig.axes[0].get_legend().texts for t in [t.get_text()])


def test_holders_without_estimate(kf, specs) -> None:
    no_estimate = dataclasses.replace(kf, holders=make_holders(cayman_estimate_usd_bn=None))
    fig = charts.build_figure("holders", no_estimate, "en", specs["holders"])
    assert not hatched(fig)
    assert len(fig.axes[0].get_yticklabels()) == 10
    assert not any("estimate" in t.lower() for t in [x.get_text() for x in fig.axes[0].get_legend().texts])


def test_holders_add_cayman_when_outside_the_top(kf, specs) -> None:
    spec = dataclasses.replace(specs["holders"], top_n=3)
    fig = charts.build_figure("holders", kf, "en", spec)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["Japan", "United Kingdom", "China (mainland)", "Cayman Islands", "Cayman Islands\n(Fed estimate)"]


# ---------------------------------------------------------------- specs


def write_spec(tmp_path: Path, fid: str, edit) -> Path:
    folder = tmp_path / "figures"
    folder.mkdir(exist_ok=True)
    path = folder / f"{fid}.toml"
    path.write_text(edit((FIGURES / f"{fid}.toml").read_text(encoding="utf-8")), encoding="utf-8")
    return path


def test_missing_key_is_named(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_spec(tmp_path, "basis", lambda s: s.replace('title = "杠杆基金在美国国债期货上的空头头寸"\n', ""))
    with pytest.raises(BuildError) as err:
        charts.load_spec(Path("figures/basis.toml"))
    assert str(err.value) == "figures/basis.toml: missing key 'zh.title'"


def test_all_problems_reported_at_once(tmp_path) -> None:
    def spoil(s: str) -> str:
        s = s.replace('line = "#1f4e79"', 'line = "navy"').replace("data to {as_of}", "data to {asof}")
        return s.replace('peak = "Peak: {value} ({date})"\n', "")

    with pytest.raises(BuildError) as err:
        charts.load_spec(write_spec(tmp_path, "basis", spoil))
    message = str(err.value)
    for part in ("missing key 'colors.line'", "unknown field {asof} in 'en.source'", "missing key 'en.labels.peak'"):
        assert part in message


def test_value_field_only_in_annotations(tmp_path) -> None:
    path = write_spec(tmp_path, "funding", lambda s: s.replace('title = "Funding conditions in the repo market"', 'title = "Spread {value}"'))
    with pytest.raises(BuildError, match=r"unknown field \{value\} in 'en.title'"):
        charts.load_spec(path)


def test_unknown_figure_and_bad_toml(tmp_path) -> None:
    (tmp_path / "pie.toml").write_text("", encoding="utf-8")
    with pytest.raises(BuildError, match="unknown figure 'pie'"):
        charts.load_spec(tmp_path / "pie.toml")
    (tmp_path / "basis.toml").write_text("width_in = ", encoding="utf-8")
    with pytest.raises(BuildError, match="basis.toml"):
        charts.load_spec(tmp_path / "basis.toml")


def test_spec_must_match_figure(kf, specs) -> None:
    with pytest.raises(BuildError, match="used for figure 'basis'"):
        charts.build_figure("basis", kf, "en", specs["holders"])


def test_wrap_fits_width() -> None:
    text = "注：" + "空头名义总额等于合约数乘以合约面值。" * 8
    lines = charts.wrap(text, 7.0, 3.0).split("\n")
    assert len(lines) > 2 and all(charts.text_width(line[:-1], 7.0) <= 3.0 for line in lines)
    english = "Gross short = contracts × face value; a week counts only when all six contracts are reported"
    wrapped = charts.wrap(english, 8.0, 1.2).split("\n")
    assert len(wrapped) > 3 and " ".join(wrapped) == english
    assert all(charts.text_width(line, 8.0) <= 1.2 for line in wrapped)


def test_no_pyplot() -> None:
    code = ("import sys; sys.path.insert(0, 'tests'); from kf_factory import make_key_figures; from ustglass import charts;"
            "charts.build_figure('deficits', make_key_figures(), 'en', charts.load_spec('figures/deficits.toml'));"
            "assert 'matplotlib.pyplot' not in sys.modules")  # fmt: skip
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, env={"PYTHONPATH": str(ROOT / "cli")})


# ---------------------------------------------------------------- fonts


def test_sc_face_is_found_in_the_collection() -> None:
    face = fonts.cjk_face("bold")
    assert face.family == "Noto Sans CJK SC" and face.index == 2 and face.is_collection


def test_missing_font_gives_install_hint(monkeypatch) -> None:
    monkeypatch.delenv(fonts.ENV_REGULAR, raising=False)
    monkeypatch.setattr(fonts, "_DIRS", ())
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
