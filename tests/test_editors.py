"""The editors' workflow: figures on demand, the templates exported, edited and used, strictness
about an editor's folder, Markdown with figures inside it, and byte-identical rebuilds."""

from __future__ import annotations

import base64
import re
import shutil
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from ustglass import alttext, figures, locale, overrides, pipeline
from ustglass.app import app
from ustglass.config import FigureFormat, Format, ReportConfig

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "data_snapshots"
NEWEST = max(p.name for p in SHIPPED.iterdir() if p.is_dir())
runner = CliRunner()
PNG = b"\x89PNG\r\n\x1a\n"


def invoke(*args: str):
    result = runner.invoke(app, [*args])
    assert "Traceback" not in result.output
    return result


def files_under(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


# ---------------------------------------------------------------- ustglass figures


def test_figures_list_prints_id_then_title() -> None:
    result = invoke("figures", "--list", "--lang", "en", "--snapshots", str(SHIPPED))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "deficits       Federal budget deficit by fiscal year",
        "holders        Major foreign holders of U.S. Treasury securities",
        "basis          Leveraged funds' short positions in Treasury futures",
        "funding        Funding conditions in the repo market",
        "scorecard      Fragility scorecard",
        "scenario_grid  How much of the basis trade a funding shock forces out",
    ]
    result = invoke("figures", "--list", "--snapshots", str(SHIPPED))
    assert result.stdout.splitlines()[0] == "deficits       美国联邦财政赤字（按财年）"
    result = invoke("figures", "--list", "--lang", "all", "--only", "basis", "--snapshots", str(SHIPPED))
    assert result.stdout.splitlines() == [
        "basis  zh  杠杆基金在美国国债期货上的空头头寸",
        "basis  en  Leveraged funds' short positions in Treasury futures",
    ]


def test_figures_writes_only_the_named_figures(tmp_path: Path) -> None:
    out = tmp_path / "figs"
    result = invoke("figures", "--only", "holders", "--lang", "en", "--format", "svg,png", "--snapshots", str(SHIPPED), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [f"wrote {out}/holders.en.png", f"wrote {out}/holders.en.svg"]
    assert files_under(out) == ["holders.en.png", "holders.en.svg"]
    png = (out / "holders.en.png").read_bytes()
    assert png.startswith(PNG)
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (2100, 1620)  # 7 × 5.4 inches at 300 dpi
    svg = (out / "holders.en.svg").read_text(encoding="utf-8")
    assert svg.startswith("<?xml") and "<svg " in svg and "<image" not in svg  # vector, no raster inside
    texts = re.findall(r"<text\b[^>]*>([^<]*)</text>", svg)
    assert "Major foreign holders of U.S. Treasury securities" in texts
    assert "font-family: 'Noto Sans CJK SC'" in svg


def test_figures_default_out_and_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("figures", "--only", "deficits", "--format", "svg", "--snapshots", str(SHIPPED))
    assert result.exit_code == 0, result.output
    assert files_under(tmp_path) == ["out/figures/deficits.zh.svg"]
    result = invoke("figures", "--only", "nope", "--snapshots", str(SHIPPED), "--out", "x")
    assert result.exit_code == 1
    assert result.stderr == "Error: unknown figure 'nope' (known: deficits, holders, basis, funding, scorecard, scenario_grid)\n"
    result = invoke("figures", "--format", "gif", "--out", "x")
    assert result.exit_code == 2
    assert "unknown format(s): gif; choose from png, svg" in " ".join(result.output.replace("│", " ").split())
    assert not (tmp_path / "x").exists()


def test_svg_text_as_paths_has_no_text_elements() -> None:
    from ustglass import charts

    cfg = ReportConfig(langs=("en",), formats=(), snapshots_root=SHIPPED, out_dir=Path("unused"), figures=("deficits",))
    _, kf = pipeline.load_key_figures(cfg)
    fig = charts.build_figure("deficits", kf, locale.load("en"), pipeline.load_specs(cfg)["deficits"])
    assert "<text" in charts.svg_bytes(fig).decode() and "<text" not in charts.svg_bytes(fig, text_as_text=False).decode()


def test_committed_figures_are_what_the_newest_shipped_snapshot_produces() -> None:
    cfg = ReportConfig(langs=tuple(locale.available()), formats=(), snapshots_root=SHIPPED, out_dir=Path("unused"), snapshot=NEWEST)
    built = pipeline.build_figures(cfg, (FigureFormat.svg,))
    committed = sorted(p.name for p in (REPO / "figures").glob("*.svg"))
    assert committed == sorted(built.files), "regenerate: ustglass figures --lang all --format svg --out figures"
    for name, data in built.files.items():
        assert (REPO / "figures" / name).read_bytes() == data, (
            f"figures/{name} is stale; regenerate: ustglass figures --lang all --format svg --out figures"
        )


def test_alt_text_is_a_sentence_with_the_figures_numbers() -> None:
    cfg = ReportConfig(langs=("en",), formats=(), snapshots_root=SHIPPED, out_dir=Path("unused"), snapshot="2025-12-31")
    _, kf = pipeline.load_key_figures(cfg)
    en, zh = locale.load("en"), locale.load("zh")
    assert alttext.alt_text("deficits", kf, en) == (
        "Bar chart of the federal budget deficit in each fiscal year from FY2019 to FY2025: $1.8 trillion in FY2025, "
        "against an average of $1.9 trillion over those years."
    )
    assert alttext.alt_text("holders", kf, en) == (
        "Bar chart of the major foreign holders of U.S. Treasury securities in October 2025 and October 2024: "
        "Japan holds the most, $1.2 trillion; in the official TIC data the Cayman Islands rank 6th, with $419 billion."
    )
    assert alttext.alt_text("holders", kf, zh).startswith(
        "条形图：2025年10月与2024年10月美国国债的主要海外持有者；持有最多的是日本，为1.2万亿美元；"
    )
    texts = alttext.alt_texts(kf, en, figures.IDS)
    assert list(texts) == list(figures.IDS) and all(t.endswith(".") and "{" not in t for t in texts.values())
    assert all(alttext.alt_texts(kf, zh, figures.IDS)[f].endswith("。") for f in figures.IDS)


# ---------------------------------------------------------------- templates export and overrides


def test_export_copies_every_shipped_file_and_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "mine"
    result = invoke("templates", "export", str(target))
    assert result.exit_code == 0, result.output
    shipped = files_under(REPO / "templates") + [f"figures/{p.name}" for p in sorted((REPO / "figures").glob("*.toml"))]
    assert files_under(target) == sorted(shipped)
    assert result.stdout == f"exported {len(shipped)} files to {target}; build with --templates {target}\n"
    assert (target / "locales" / "zh" / "locale.toml").read_bytes() == (REPO / "templates" / "locales" / "zh" / "locale.toml").read_bytes()
    (target / "brief.css").write_text("/* mine */\n")
    result = invoke("templates", "export", str(target))
    assert result.exit_code == 1
    assert result.stderr == f"Error: {target}/brief.css and {len(shipped) - 1} other files exist already; pass --force to overwrite them\n"
    assert (target / "brief.css").read_text() == "/* mine */\n"
    assert invoke("templates", "export", str(target), "--force").exit_code == 0
    assert (target / "brief.css").read_bytes() == (REPO / "templates" / "brief.css").read_bytes()


def test_an_unchanged_export_builds_the_same_brief(tmp_path: Path) -> None:
    overrides.export(tmp_path / "mine")
    base = dict(langs=("zh", "en"), formats=(Format.md, Format.html), snapshots_root=SHIPPED, out_dir=Path("unused"), snapshot=NEWEST)
    assert pipeline.build(ReportConfig(**base, templates_dir=tmp_path / "mine")).files == pipeline.build(ReportConfig(**base)).files


def test_export_edit_one_paragraph_and_the_colours_then_rebuild(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    assert invoke("templates", "export", str(mine)).exit_code == 0
    prose = mine / "locales" / "en" / "brief.md.j2"
    old = "Policy that relies on TIC alone misses much of this exposure."
    prose.write_text(prose.read_text(encoding="utf-8").replace(old, "Policy built on TIC alone misses most of this."), encoding="utf-8")
    spec = mine / "figures" / "deficits.toml"
    spec.write_text(spec.read_text(encoding="utf-8").replace('highlight = "#1f4e79"', 'highlight = "#c0392b"'), encoding="utf-8")
    (mine / "extra.css").write_text("h2 { color: #c0392b; }\n", encoding="utf-8")
    out = tmp_path / "out"
    result = invoke(
        "report", "--lang", "en", "--format", "md,html", "--snapshots", str(SHIPPED), "--templates", str(mine), "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    md = (out / "brief.en.md").read_text(encoding="utf-8")
    assert "misses most of this." in md and old not in md
    page = (out / "brief.en.html").read_text(encoding="utf-8")
    assert "misses most of this." in page
    assert page.rindex("<style>") == page.index("<style>h2 { color: #c0392b; }\n</style>")  # after the built-in stylesheet
    result = invoke(
        "figures",
        "--only",
        "deficits",
        "--lang",
        "en",
        "--format",
        "svg",
        "--snapshots",
        str(SHIPPED),
        "--templates",
        str(mine),
        "--out",
        str(tmp_path / "figs"),
    )
    assert result.exit_code == 0, result.output
    svg = (tmp_path / "figs" / "deficits.en.svg").read_text(encoding="utf-8")
    assert "fill: #c0392b" in svg and "fill: #1f4e79" not in svg
    shipped = (REPO / "figures" / "deficits.en.svg").read_text(encoding="utf-8")
    assert "fill: #1f4e79" in shipped


def test_a_pack_folder_overrides_file_by_file(tmp_path: Path) -> None:
    """An editor's pack with only charts.toml keeps the shipped words; one with only locale.toml keeps the shipped chart text."""
    mine = tmp_path / "mine"
    (mine / "locales" / "en").mkdir(parents=True)
    charts = (REPO / "templates" / "locales" / "en" / "charts.toml").read_text(encoding="utf-8")
    (mine / "locales" / "en" / "charts.toml").write_text(
        charts.replace('title = "Federal budget deficit by fiscal year"', 'title = "Deficits"')
    )
    cfg = ReportConfig(langs=("en",), formats=(), snapshots_root=SHIPPED, out_dir=Path("unused"), templates_dir=mine, figures=("deficits",))
    assert pipeline.figure_list(cfg) == [("deficits", "en", "Deficits")]
    (mine / "locales" / "en" / "charts.toml").unlink()
    (mine / "locales" / "en" / "locale.toml").write_bytes((REPO / "templates" / "locales" / "en" / "locale.toml").read_bytes())
    loc = locale.load("en", locale.search_path(mine))
    assert loc.root == mine / "locales" / "en" and loc.charts_path == REPO / "templates" / "locales" / "en" / "charts.toml"
    assert pipeline.figure_list(cfg) == [("deficits", "en", "Federal budget deficit by fiscal year")]


def test_missing_and_misnamed_override_files_are_errors(tmp_path: Path) -> None:
    args = ["report", "--lang", "en", "--format", "md", "--snapshots", str(SHIPPED), "--out", str(tmp_path / "o")]
    result = invoke(*args, "--templates", str(tmp_path / "nowhere"))
    assert result.exit_code == 1
    assert result.stderr == f"Error: {tmp_path}/nowhere: no such templates directory\n"
    result = invoke(*args, "--figures", str(tmp_path / "nowhere"))
    assert result.stderr == f"Error: {tmp_path}/nowhere: no such figures directory\n"
    mine = tmp_path / "mine"
    (mine / "locales" / "en").mkdir(parents=True)
    (mine / "brief.md").write_text("typo\n")
    (mine / "locales" / "en" / "brief.j2").write_text("typo\n")
    (mine / ".git").mkdir()
    (mine / ".git" / "config").write_text("hidden names are skipped\n")
    known = (
        "brief.css, brief.md.j2, extra.css, macros.md.j2, page.html.j2, locales/<code>/{brief.md.j2,charts.toml,claims.toml,locale.toml}, "
        "figures/{basis.toml,deficits.toml,funding.toml,holders.toml,scenario_grid.toml,scorecard.toml}"
    )
    result = invoke(*args, "--templates", str(mine))
    assert result.exit_code == 1
    assert result.stderr == f"Error: {mine}/brief.md, {mine}/locales/en/brief.j2: match no file ustglass uses (known: {known})\n"
    assert not (tmp_path / "o").exists()
    result = invoke(*args, "--templates", str(mine), "--no-strict")
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        f"Warning: {mine}/brief.md: matches no file ustglass uses; ignored\n"
        f"Warning: {mine}/locales/en/brief.j2: matches no file ustglass uses; ignored\n"
    )
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "deficit.toml").write_text("")
    result = invoke(*args, "--figures", str(specs))
    assert (
        result.stderr
        == f"Error: {specs}/deficit.toml: matches no file ustglass uses (known: basis.toml, deficits.toml, funding.toml, holders.toml, scenario_grid.toml, scorecard.toml)\n"
    )


def test_extra_css_cannot_end_the_stylesheet(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "extra.css").write_text("p { color: red }</STYLE><script>alert(1)</script>\n")
    result = invoke(
        "report", "--lang", "en", "--format", "html", "--snapshots", str(SHIPPED), "--templates", str(mine), "--out", str(tmp_path / "o")
    )
    assert result.exit_code == 1
    assert result.stderr == f"Error: {mine}/extra.css: contains '</style', which would end the stylesheet early\n"
    assert not (tmp_path / "o").exists()


# ---------------------------------------------------------------- md-inline, and byte-identical builds


def test_md_inline_holds_its_figures_as_data_uris(tmp_path: Path) -> None:
    result = invoke("report", "--lang", "en", "--format", "md,md-inline", "--snapshots", str(SHIPPED), "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    inline = (tmp_path / "brief.en.inline.md").read_text(encoding="utf-8")
    plain = (tmp_path / "brief.en.md").read_text(encoding="utf-8")
    tokens = MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(inline)  # GitHub-flavoured, without linkify
    images = [c for t in tokens if t.children for c in t.children if c.type == "image"]
    cfg = ReportConfig(langs=("en",), formats=(), snapshots_root=SHIPPED, out_dir=Path("unused"))
    _, kf = pipeline.load_key_figures(cfg)
    assert [i.content for i in images] == [alttext.alt_text(f, kf, locale.load("en")) for f in figures.IDS]  # each with its alt text
    for image, fid in zip(images, figures.IDS):
        src = image.attrGet("src")
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.removeprefix("data:image/png;base64,")) == (tmp_path / "figures" / f"{fid}.en.png").read_bytes()
    assert "figures/" not in inline and "](figures/deficits.en.png)" in plain
    assert re.sub(r"\(data:image/png;base64,[^)]*\)", "(X)", inline) == re.sub(r"\(figures/[^)]*\)", "(X)", plain)


def test_two_builds_are_byte_identical(tmp_path: Path) -> None:
    for run in ("a", "b"):
        args = ["--snapshots", str(SHIPPED), "--lang", "all"]
        assert invoke("report", *args, "--format", "md,md-inline,html", "--out", str(tmp_path / run)).exit_code == 0
        assert invoke("figures", *args, "--only", "basis", "--out", str(tmp_path / run / "f")).exit_code == 0
    names = files_under(tmp_path / "a")
    assert names == files_under(tmp_path / "b") and "f/basis.zh.svg" in names and "f/basis.en.png" in names
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_publish_uses_the_editors_templates(tmp_path: Path) -> None:
    from ustglass.logs import Log
    from ustglass.publish import PublishOptions, publish
    from ustglass.sources import live

    mine = tmp_path / "mine"
    (mine / "locales" / "en").mkdir(parents=True)
    (mine / "locales" / "en" / "brief.md.j2").write_text("# Only this\n")
    (mine / "notes.txt").write_text("")
    snaps = tmp_path / "snaps"
    shutil.copytree(SHIPPED / NEWEST, snaps / NEWEST)
    opts = PublishOptions(
        out_dir=tmp_path / "pub", langs=("en",), snapshots_root=snaps, formats=(Format.md,), templates_dir=mine, strict=False
    )
    outcome = publish(
        opts,
        Log(stream=(log := (tmp_path / "log.txt").open("w"))),
        fetcher=lambda o, lg: live.FetchResult(path=snaps / NEWEST, created=False),
    )
    log.close()
    assert (outcome.edition / "brief.en.md").read_text() == "# Only this\n"
    assert f"WARNING {mine}/notes.txt: matches no file ustglass uses" in (tmp_path / "log.txt").read_text()
