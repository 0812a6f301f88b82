"""The PDF a reader gets, read back with pypdf: metadata, bookmarks, contents, numbering, fonts,
layout; and what the PDF renderer refuses (the network, files elsewhere, attachments).

Built once from the shipped 2025-12-31 snapshot in both languages; every expectation that is
a word comes from the language pack, so the tests say what the reader should see. That two
builds give the same bytes (PDF, HTML, Markdown, PNG) is tested in test_report.py.
"""

from __future__ import annotations

import io
import re
import statistics
from pathlib import Path

import pypdf
import pytest
from typer.testing import CliRunner

from ustglass import chartkit, charts, figures, fmt, locale, pipeline, render, snapshot
from ustglass.app import app
from ustglass.config import Format, ReportConfig
from ustglass.errors import BuildError

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "data_snapshots"
EDITION = "2025-12-31"
LANGS = ("zh", "en")
runner = CliRunner()


def config(tmp: Path, langs: tuple[str, ...] = LANGS, **kw) -> ReportConfig:
    return ReportConfig(langs=langs, formats=(Format.md, Format.pdf), snapshots_root=SHIPPED, out_dir=tmp, snapshot=EDITION, **kw)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    return pipeline.build(config(tmp_path_factory.mktemp("pdf"))).files


@pytest.fixture(scope="module")
def pdfs(files: dict[str, bytes], tmp_path_factory: pytest.TempPathFactory) -> dict[str, pypdf.PdfReader]:
    out = tmp_path_factory.mktemp("read")
    readers = {}
    for lang in LANGS:
        (out / f"brief.{lang}.pdf").write_bytes(files[f"brief.{lang}.pdf"])
        readers[lang] = pypdf.PdfReader(out / f"brief.{lang}.pdf")
    return readers


def pack(lang: str) -> locale.Locale:
    return locale.load(lang)


_TEXTS: dict[int, list[str]] = {}


def texts(reader: pypdf.PdfReader) -> list[str]:
    """Each page's text (extracted once per reader)."""
    if id(reader) not in _TEXTS:
        _TEXTS[id(reader)] = [page.extract_text() for page in reader.pages]
    return _TEXTS[id(reader)]


def flat(text: str) -> str:
    """Text with line breaks taken out (a caption or heading may wrap), and without the space
    pypdf adds after an ideographic space where the font changes."""
    return re.sub(r"\u3000 +", "\u3000", re.sub(r"\s*\n\s*", " ", text))


# ---------------------------------------------------------------- what the PDF says about itself


@pytest.mark.parametrize("lang", LANGS)
def test_metadata_title_author_subject_keywords_language_date(pdfs: dict[str, pypdf.PdfReader], lang: str) -> None:
    reader, loc = pdfs[lang], pack(lang)
    meta = reader.metadata
    assert meta.title == loc.text("title")
    assert meta.author == "ustglass"  # the organisation (ReportConfig's default)
    assert meta.subject == loc.text("description")
    assert meta["/Keywords"] == loc.text("keywords")
    assert meta["/CreationDate"] == "D:20251231"  # the snapshot's as-of date, no SOURCE_DATE_EPOCH set
    root = reader.trailer["/Root"]
    assert root["/Lang"] == {"zh": "zh-CN", "en": "en"}[lang]
    assert bool(root["/MarkInfo"]["/Marked"]) and "/StructTreeRoot" in root  # tagged
    assert b'pdfuaid:part="1"' in root["/Metadata"].get_object().get_data()  # PDF/UA-1
    assert all(round(float(p.mediabox.width)) == 595 and round(float(p.mediabox.height)) == 842 for p in reader.pages)  # A4


def test_organisation_author_and_source_date_epoch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01T00:00:00Z
    cfg = config(tmp_path, ("en",), figures=(), organisation="Treasury Desk", author="A. Analyst")
    (tmp_path / "b.pdf").write_bytes(pipeline.build(cfg).files["brief.en.pdf"])
    reader = pypdf.PdfReader(tmp_path / "b.pdf")
    assert reader.metadata.author == "Treasury Desk, A. Analyst"
    assert reader.metadata["/CreationDate"] == "D:20260101000000Z"
    cover = reader.pages[0].extract_text()
    assert "Treasury Desk" in cover and "A. Analyst" in cover and "Edition of December 31, 2025" in cover


def test_a_bad_source_date_epoch_is_one_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(BuildError) as err:
        pipeline.build(config(tmp_path, ("en",), figures=()))
    assert str(err.value) == "SOURCE_DATE_EPOCH='yesterday': not a number of seconds since 1970"


def figure_alts(reader: pypdf.PdfReader) -> list[str | None]:
    """The alternative text of each Figure in the PDF's structure tree, in reading order."""
    found: list[str | None] = []

    def walk(node: object) -> None:
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, list):
            for kid in node:
                walk(kid)
        elif isinstance(node, dict):
            if node.get("/S") == "/Figure":
                found.append(str(node["/Alt"]) if "/Alt" in node else None)
            if "/K" in node:
                walk(node["/K"])

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return found


@pytest.mark.parametrize("lang", LANGS)
def test_each_chart_is_a_tagged_figure_with_its_alternative_text(
    pdfs: dict[str, pypdf.PdfReader], files: dict[str, bytes], lang: str
) -> None:
    """PDF/UA: every chart is a Figure whose /Alt is the chart's alternative text, the one the
    Markdown gives its image (a screen reader reads it instead of the picture)."""
    markdown = files[f"brief.{lang}.md"].decode("utf-8")
    alts = [re.sub(r"\\(.)", r"\1", alt) for alt in re.findall(r"^!\[(.+)\]\(figures/[^)]+\)$", markdown, flags=re.M)]
    assert len(alts) == len(figures.IDS) and all(alts)
    assert figure_alts(pdfs[lang]) == alts


def test_the_renderer_loads_every_chart_and_ignores_only_the_browsers_rules(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """WeasyPrint logs an error for a resource it cannot use (an image it would replace by its
    alternative text) and a warning for CSS it ignores: a PDF build logs no error, and ignores
    only the shared stylesheet's rules for browsers (CJK line breaking, scrolling tables, the
    narrow-screen layout), so every chart's ``data:`` SVG is drawn and no print rule is lost."""
    import logging

    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pipeline.build(config(tmp_path, ("en",), cache=False))
    said = [(r.levelname, r.getMessage()) for r in caplog.records if r.name.startswith("weasyprint")]
    assert [m for level, m in said if level != "WARNING"] == []
    ignored = {re.sub(r" at \d+:\d+", "", m) for _, m in said}
    assert ignored == {
        "Ignored `line-break: strict`, unknown property.",
        "Ignored `overflow-x: auto`, unknown property.",
        "Expected a media type, got 'screen/**/and/**/(max-width: 40rem)'",
        "Invalid media type ' screen and (max-width: 40rem) ' the whole @media rule was ignored.",
    }


# ---------------------------------------------------------------- cover, contents, bookmarks


@pytest.mark.parametrize("lang", LANGS)
def test_an_edition_from_before_iorb_prints_a_cover_without_the_spread(tmp_path: Path, lang: str) -> None:
    """An edition of 2020-06-30 (cut from the newest shipped snapshot as fetch --as-of cuts it)
    has no SOFR − IORB: its PDF is built, and its cover's figures at a glance leave the spread
    out, as Table 1 does, rather than failing on the missing value."""
    import editions

    newest = snapshot.list_snapshots(SHIPPED)[-1]
    path = editions.cut(newest, "2020-06-30", tmp_path / "snaps")
    cfg = ReportConfig(langs=(lang,), formats=(Format.md, Format.pdf), snapshots_root=path.parent, out_dir=tmp_path, snapshot=str(path))
    files = pipeline.build(cfg).files
    (tmp_path / "b.pdf").write_bytes(files[f"brief.{lang}.pdf"])
    cover, loc = pypdf.PdfReader(tmp_path / "b.pdf").pages[0].extract_text(), pack(lang)
    assert loc.text("brief.key_table.bills") in cover and loc.text("brief.key_table.debt_gdp") in cover
    assert loc.text("brief.key_table.spread") not in cover
    assert f"| {loc.text('brief.key_table.spread')} |" not in files[f"brief.{lang}.md"].decode("utf-8")  # nor has Table 1 a row


def outline(reader: pypdf.PdfReader) -> list[tuple[str, int, list[str]]]:
    """(title, page, [child titles]) of each top-level bookmark; a bookmark nested deeper than
    a child is listed among the children as "(deeper) <title>", so a test comparing them fails."""
    out: list[tuple[str, int, list[str]]] = []
    for item in reader.outline:
        if isinstance(item, list):
            out[-1][2].extend(f"(deeper) {c[0].title}" if isinstance(c, list) else c.title for c in item)
        else:
            out.append((item.title, reader.get_destination_page_number(item) + 1, []))
    return out


def sections(markdown: str) -> list[tuple[str, list[str]]]:
    """The Markdown's sections (level 2) with their subsections (level 3), in order."""
    out: list[tuple[str, list[str]]] = []
    for line in markdown.splitlines():
        if line.startswith("## "):
            out.append((line[3:], []))
        elif line.startswith("### "):
            out[-1][1].append(line[4:])
    return out


@pytest.mark.parametrize("lang", LANGS)
def test_bookmarks_are_the_section_headings(pdfs: dict[str, pypdf.PdfReader], files: dict[str, bytes], lang: str) -> None:
    """Bookmarks go two levels deep: every section and subsection of the Markdown, and nothing below."""
    loc, markdown = pack(lang), files[f"brief.{lang}.md"].decode("utf-8")
    marks = outline(pdfs[lang])
    assert [(title, children) for title, _, children in marks] == sections(markdown)
    assert marks[0][0] == loc.text("brief.sections.summary")
    assert (loc.text("brief.sections.methods"), [loc.text("brief.sections.datasets"), loc.text("brief.sections.method_notes")]) in sections(
        markdown
    )
    assert f"#### {loc.text('brief.analysis_methods.margins')}" in markdown.splitlines()  # a level-4 heading, not a bookmark
    pages = [page for _, page, _ in marks]
    assert pages[0] == 3 and pages == sorted(pages)  # after the cover and the contents


def edition(loc: locale.Locale) -> str:
    return loc.text("brief.page.edition", date=fmt.period(EDITION, loc))


@pytest.mark.parametrize("lang", LANGS)
def test_cover_and_contents_page(pdfs: dict[str, pypdf.PdfReader], lang: str) -> None:
    loc, reader = pack(lang), pdfs[lang]
    cover = flat(texts(reader)[0])
    assert cover.startswith(f"ustglass {loc.text('title')} {edition(loc)} {loc.text('brief.page.at_a_glance')} ")
    for key in ("debt_gdp", "bills", "basis", "cayman_est", "spread"):
        assert loc.text("brief.key_table", key) in cover
    # the contents list every section, and its subsections, with the page its bookmark points to
    lines = [ln.strip() for ln in texts(reader)[1].splitlines()]
    assert lines[0] == loc.text("brief.page.contents")
    header = f"{loc.text('title')} {edition(loc)}"
    listed = [(m[1], int(m[2])) for ln in lines[1:] if ln != header and (m := re.fullmatch(r"(.+?) (\d+)", ln))]
    marks = outline(reader)
    assert [t for t, _ in listed] == [t for title, _, children in marks for t in (title, *children)]
    assert all(dict(listed)[title] == page for title, page, _ in marks)


@pytest.mark.parametrize("lang", LANGS)
def test_running_header_and_page_numbers(pdfs: dict[str, pypdf.PdfReader], lang: str) -> None:
    loc, pages = pack(lang), texts(pdfs[lang])
    header = f"{loc.text('title')} {edition(loc)}"
    assert header not in pages[0]  # the cover has neither header nor number
    assert pages[0].rstrip().splitlines()[-1].strip() != "1"
    for number, text in enumerate(pages[1:], start=2):
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        assert header in lines, number  # title and edition date on every page after the cover
        assert lines[-1] == str(number)  # the page number at its foot


# ---------------------------------------------------------------- numbering and references


# The tables of the 2025-12-31 edition, in the order the packs list their titles: every table but
# those of "what changed", which has no previous edition to compare with.
WITHOUT_PREVIOUS = ("changes", "signals")


def tables(loc: locale.Locale) -> list[str]:
    return [t for t in loc.get("brief.tables") if t not in WITHOUT_PREVIOUS]


@pytest.mark.parametrize("lang", LANGS)
def test_figures_and_tables_are_numbered_in_order_and_referred_to(pdfs: dict[str, pypdf.PdfReader], lang: str) -> None:
    loc, reader = pack(lang), pdfs[lang]
    body = flat("\n".join(texts(reader)[2:]))
    for kind, ids in (("figure", figures.IDS), ("table", tables(loc))):
        captions = [loc.text(f"brief.captions.{kind}", n=n, title=loc.text(f"brief.{kind}s", i)) for n, i in enumerate(ids, start=1)]
        assert [body.count(c) for c in captions] == [1] * len(ids), kind
        assert [body.index(c) for c in captions] == sorted(body.index(c) for c in captions)  # numbered in the order they stand
        beyond = loc.text(f"brief.captions.{kind}", n=len(ids) + 1, title="")
        assert beyond not in body
    for n in (1, 2, 3, 4):  # the prose of sections 1–3 refers to each of its figures by number
        assert loc.text("brief.captions.figure_ref", n=n).strip() in body
    assert loc.text("brief.captions.table_ref", n=1).strip() in body


def without_headings(text: str, markdown: str) -> str:
    """A page's text without the brief's headings (a chart's title may be a section's name too)."""
    heads = sorted((ln.lstrip("#").strip() for ln in markdown.splitlines() if ln.startswith("#")), key=len, reverse=True)
    for head in heads:
        text = text.replace(head, "")
    return text


@pytest.mark.parametrize("lang", LANGS)
def test_each_caption_is_on_its_figures_page(pdfs: dict[str, pypdf.PdfReader], files: dict[str, bytes], lang: str, tmp_path: Path) -> None:
    loc, markdown = pack(lang), files[f"brief.{lang}.md"].decode("utf-8")
    pages = [without_headings(flat(t), markdown) for t in texts(pdfs[lang])]
    _, kf = pipeline.load_key_figures(config(tmp_path))
    for n, fid in enumerate(figures.IDS, start=1):
        caption = loc.text("brief.captions.figure", n=n, title=loc.text("brief.figures", fid))
        chart_title = chartkit.fill(str(loc.charts[fid]["title"]), figures.get(fid).context(kf, loc))  # drawn as text in the SVG
        assert [i for i, t in enumerate(pages) if caption in t] == [i for i, t in enumerate(pages) if chart_title in t], fid


# ---------------------------------------------------------------- fonts and typography


def text_by_font(reader: pypdf.PdfReader, pages: range) -> dict[str, str]:
    """All text drawn in each font (by its base name without the subset tag), and the text matrices' skews."""
    drawn: dict[str, list[str]] = {}

    def visit(text: str, cm: list[float], tm: list[float], font: dict | None, size: float) -> None:
        if text.strip() and font is not None:
            name = str(font["/BaseFont"]).split("+", 1)[-1]
            drawn.setdefault(name, []).append(text)
            assert tm[1] == 0 and tm[2] == 0, (name, text)  # no slanted (synthetic italic) or rotated text

    for i in pages:
        reader.pages[i].extract_text(visitor_text=visit)
    return {name: "".join(parts) for name, parts in drawn.items()}


def embedded_families(reader: pypdf.PdfReader) -> dict[str, str]:
    """Each font's base name (without the subset tag) -> the family named in its embedded font program."""
    from fontTools.ttLib import TTFont

    out = {}
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            program = next(descriptor[k] for k in ("/FontFile2", "/FontFile3", "/FontFile") if k in descriptor).get_object()
            name = str(font["/BaseFont"]).split("+", 1)[-1]
            try:
                out[name] = TTFont(io.BytesIO(program.get_data()))["name"].getBestFamilyName()
            except Exception:  # a bare CFF program has no name table
                out[name] = "(CFF)"
    return out


def test_english_text_is_set_in_the_latin_face(pdfs: dict[str, pypdf.PdfReader]) -> None:
    reader = pdfs["en"]
    fonts = text_by_font(reader, range(2, 4))
    assert {"Brief-Noto-Sans", "Brief-Noto-Sans-Bold", "Brief-Noto-Sans-Italic"} <= set(fonts)
    assert embedded_families(reader)["Brief-Noto-Sans"] == "Noto Sans"
    assert "The federal government ran a deficit of" in fonts["Brief-Noto-Sans"]
    assert "Snapshot 2025-12-31" in fonts["Brief-Noto-Sans-Italic"]  # emphasis in a true italic face
    assert "Summary" in fonts["Brief-Noto-Sans-Bold"]
    # the CJK face only draws the charts' text and the minus sign Noto Sans lacks
    assert "ran a deficit" not in fonts.get("Brief-Noto-Sans-CJK-SC", "")


def test_chinese_text_is_set_in_the_cjk_face_with_latin_digits_and_no_italics(pdfs: dict[str, pypdf.PdfReader]) -> None:
    reader = pdfs["zh"]
    fonts = text_by_font(reader, range(len(reader.pages)))
    assert "联邦政府赤字为" in fonts["Brief-Noto-Sans-CJK-SC"]
    assert "，" in fonts["Brief-Noto-Sans-CJK-SC"] and "“" in fonts["Brief-Noto-Sans-CJK-SC"]  # punctuation full width, from the CJK face
    assert set(fonts["Brief-Noto-Sans"]) <= {chr(c) for c in range(0x20, 0x7F)}  # only ASCII from the Latin face here
    assert "2025" in fonts["Brief-Noto-Sans"] and "SOFR" in fonts["Brief-Noto-Sans"]  # digits and Latin letters
    assert "数据快照" in fonts["Brief-Noto-Sans-CJK-SC"]  # the emphasised byline stays upright (never slanted)
    assert not [name for name in fonts if "Italic" in name]


BRIEF_FACES = {"Brief-Noto-Sans", "Brief-Noto-Sans-Bold", "Brief-Noto-Sans-Italic", "Brief-Noto-Sans-Bold-Italic",
               "Brief-Noto-Sans-CJK-SC", "Brief-Noto-Sans-CJK-SC-Bold"}  # fmt: skip


@pytest.mark.parametrize("lang", LANGS)
def test_the_pdf_is_set_only_in_the_faces_the_build_staged(pdfs: dict[str, pypdf.PdfReader], lang: str) -> None:
    """Page and charts alike: no font is a machine's copy of a family (which WeasyPrint would
    take under the family's own name, the whole 20 MB Noto Sans CJK collection among them)."""
    reader = pdfs[lang]
    names = {str(font.get_object()["/BaseFont"]).split("+", 1)[-1] for page in reader.pages
             for font in (page["/Resources"].get("/Font") or {}).values()}  # fmt: skip
    assert {"Brief-Noto-Sans", "Brief-Noto-Sans-CJK-SC"} <= names <= BRIEF_FACES


def test_the_cjk_faces_are_staged_cut_to_what_the_page_and_its_charts_draw(tmp_path: Path) -> None:
    import base64

    from fontTools.ttLib import TTFont

    chart = base64.b64encode('<svg><text font-family="x">国债 &#x5229;</text></svg>'.encode()).decode()
    page = (f'<p>赤字&amp;<img src="data:image/svg+xml;base64,{chart}"><img src="data:text/plain,龙"></p>'
            '<style>li::before { content: "注\\2192" } h2 { text-transform: uppercase }</style><h2>ß é</h2>')  # fmt: skip
    chars = render.pdf_chars(page)
    assert {"赤", "字", "&", "国", "债", "利", "注", "→", "A", "~", "É"} | render.GENERATED_CHARS <= chars
    assert "龙" not in chars  # a data: URI is read only as an SVG picture
    for script in ("cjk", "latin"):
        build = tmp_path / script
        render.stage_pdf_fonts(build, script, chars)
        for key, path in render.face_paths().items():
            staged = build / render.pdf_font_urls()[key]
            if key.startswith("cjk-"):
                whole = set(map(chr, TTFont(path, lazy=True).getBestCmap()))
                assert set(map(chr, TTFont(staged).getBestCmap())) == chars & whole
                assert staged.stat().st_size < 200_000 < path.stat().st_size
            elif script == "latin":
                assert staged.read_bytes() == path.read_bytes()


def _page(extra_css: str, body: str) -> str:
    faces = render.font_faces_css(render.pdf_font_urls(), "cjk")
    return f'<html><head><style>{faces}\nhtml {{ font-family: "Brief Noto Sans", "Brief Noto Sans CJK SC" }}\n{extra_css}</style></head><body>{body}</body></html>'


def test_generated_content_is_set_in_the_staged_faces(tmp_path: Path) -> None:
    data = render.pdf_bytes(_page("p::before { content: '\\2192 ' }", "<p>国债</p>"), base_dir=tmp_path, script="cjk")
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert "→" in reader.pages[0].extract_text() and set(text_by_font(reader, range(1))) <= BRIEF_FACES


@pytest.mark.parametrize(
    ("css", "error"),
    [
        ("p { font-family: serif }", r"^PDF: text is set in '[^']+', not in the brief's faces \('Brief Noto Sans', 'Brief Noto Sans CJK SC'\): "
                                     r"a stylesheet names another font-family, or the page draws a character that is not in its text$"),
        ("p { text-transform: full-width }", r"^PDF: text is set in '[^']+', not in the brief's faces"),  # Ａ is in no text of the page
        ("p::before { content: '\\E000' }", r"^PDF: character '\\ue000' \(U\+E000\) has no glyph in 'Brief Noto Sans': the page draws "
                                             r"a character that none of the brief's faces has, or that its text does not hold \(CSS generated content\)$"),
    ],
)  # fmt: skip
def test_text_the_renderer_sets_outside_the_staged_faces_stops_the_build(tmp_path: Path, css: str, error: str) -> None:
    with pytest.raises(BuildError, match=error):
        render.pdf_bytes(_page(css, "<p>国债 Abc</p>"), base_dir=tmp_path, script="cjk")


@pytest.mark.parametrize("lang", LANGS)
def test_every_font_is_embedded(pdfs: dict[str, pypdf.PdfReader], lang: str) -> None:
    for page in pdfs[lang].pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descriptor = (font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font)["/FontDescriptor"].get_object()
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font["/BaseFont"]


CLOSING = "，。、；：？！）》」』”’"


def test_chinese_lines_do_not_begin_with_closing_punctuation(pdfs: dict[str, pypdf.PdfReader]) -> None:
    lines = [ln for text in texts(pdfs["zh"]) for ln in text.splitlines() if ln.strip()]
    assert len(lines) > 200
    assert [ln for ln in lines if ln.lstrip()[0] in CLOSING] == []


# ---------------------------------------------------------------- layout


@pytest.mark.parametrize("lang", LANGS)
def test_no_page_is_almost_empty_and_the_length_is_reasonable(pdfs: dict[str, pypdf.PdfReader], lang: str) -> None:
    lengths = [len(re.sub(r"\s", "", t)) for t in texts(pdfs[lang])]
    # the cover, the contents, and at most two pages a section (2025-12-31: 19–20 pages for 11 sections;
    # the claim check and the methods appendix take two and four pages)
    assert 6 <= len(lengths) <= 2 + 2 * len(outline(pdfs[lang])), lengths
    body = lengths[2:]  # after the cover and the contents
    assert all(n >= statistics.median(body) / 4 for n in body), lengths


@pytest.mark.parametrize("lang", LANGS)
def test_charts_are_vector_graphics_and_links_work(pdfs: dict[str, pypdf.PdfReader], lang: str) -> None:
    reader = pdfs[lang]
    for page in reader.pages:
        xobjects = (page["/Resources"].get("/XObject") or {}).values()
        assert all(x.get_object().get("/Subtype") != "/Image" for x in xobjects)  # no raster image anywhere
    annots = [a.get_object() for p in reader.pages for a in (p.get("/Annots") or [])]
    uris = [a["/A"]["/URI"] for a in annots if "/A" in a and "/URI" in a["/A"]]
    assert "https://fred.stlouisfed.org/graph/fredgraph.csv?id=SOFR" in uris  # the sources' links
    internal = [a for a in annots if "/Dest" in a or ("/A" in a and a["/A"].get("/S") == "/GoTo")]
    assert len(internal) >= 8  # the contents link to their sections


def test_svg_charts_are_byte_identical(tmp_path: Path) -> None:
    cfg = config(tmp_path, ("en",))
    _, kf = pipeline.load_key_figures(cfg)
    spec = pipeline.load_specs(cfg)["basis"]
    first, second = (charts.svg_bytes(charts.build_figure("basis", kf, pack("en"), spec)) for _ in range(2))
    assert first == second and b"<dc:date>" not in first and b"Matplotlib" not in first


# ---------------------------------------------------------------- what the renderer refuses


def hostile_page(tmp_path: Path, before_head_end: str = "", before_body_end: str = "") -> Path:
    overrides = tmp_path / "templates"
    overrides.mkdir()
    page = (REPO / "templates" / "page.html.j2").read_text(encoding="utf-8")
    page = page.replace("</head>", f"{before_head_end}\n</head>").replace("</body>", f"{before_body_end}\n</body>")
    (overrides / "page.html.j2").write_text(page, encoding="utf-8")
    return overrides


HOSTILE = [
    (
        "network",
        '<link rel="stylesheet" href="https://example.com/style.css">',
        "",
        "Error: PDF: https://example.com/style.css: the PDF renderer fetches nothing from the network",
    ),
    (
        "system file",
        "",
        '<img src="file:///etc/passwd" alt="">',
        "Error: PDF: file:///etc/passwd: outside the build directory and ustglass's own files",
    ),
    (
        "relative escape",
        "",
        '<img src="../../../../../../etc/passwd" alt="">',
        "Error: PDF: file:///etc/passwd: outside the build directory and ustglass's own files",
    ),
    (
        "attachment link",
        '<link rel="attachment" href="fonts/latin-regular.ttf" title="font">',
        "",
        f"Error: PDF: {render.REFUSED_ATTACHMENT}",
    ),
    ("attachment anchor", "", '<a rel="attachment" href="fonts/latin-regular.ttf">font</a>', f"Error: PDF: {render.REFUSED_ATTACHMENT}"),
]


@pytest.mark.parametrize(("what", "head", "body", "error"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_templates_stop_the_pdf_with_one_line(tmp_path: Path, what: str, head: str, body: str, error: str) -> None:
    overrides = hostile_page(tmp_path, head, body)
    result = runner.invoke(
        app,
        [
            "report",
            "--lang",
            "en",
            "--format",
            "pdf",
            "--snapshot",
            EDITION,
            "--snapshots",
            str(SHIPPED),
            "--templates",
            str(overrides),
            "--out",
            str(tmp_path / "o"),
        ],
    )
    assert result.exit_code == 1
    assert result.stderr == error + "\n"
    assert not (tmp_path / "o").exists()


def test_a_symlink_out_of_the_build_is_refused(tmp_path: Path) -> None:
    build = tmp_path / "build"
    build.mkdir()
    (build / "innocent.css").symlink_to("/etc/passwd")
    page = '<html><head><link rel="stylesheet" href="innocent.css"></head><body><p>x</p></body></html>'
    with pytest.raises(BuildError) as err:
        render.pdf_bytes(page, base_dir=build)
    assert str(err.value) == f"PDF: {(build / 'innocent.css').as_uri()}: outside the build directory and ustglass's own files"


def test_files_of_the_build_and_data_uris_are_loaded(tmp_path: Path) -> None:
    build = tmp_path / "build"
    build.mkdir()
    (build / "extra.css").write_text("p { color: red }")
    page = _page(
        "", '<p>x</p><img src="data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22 width=%221%22 height=%221%22/%3E" alt="">'
    )
    page = page.replace("</head>", '<link rel="stylesheet" href="extra.css"></head>')
    assert render.pdf_bytes(page, base_dir=build).startswith(b"%PDF-")


@pytest.mark.parametrize("command", [["report", "--format", "pdf"], ["report", "--format", "html"], ["figures"]])
def test_a_character_no_font_has_in_a_chart_s_words_stops_the_build_naming_it(tmp_path: Path, command: list[str]) -> None:
    """A chart's words come from the pack's charts.toml: a character no font has is named there,
    before any chart is drawn (drawn, it fails inside the chart library), and nothing is written."""
    overrides = tmp_path / "templates" / "locales" / "en"
    overrides.mkdir(parents=True)
    words = (REPO / "templates" / "locales" / "en" / "charts.toml").read_text(encoding="utf-8")
    title = 'title = "Federal budget deficit by fiscal year"'
    assert title in words
    (overrides / "charts.toml").write_text(words.replace(title, title.replace("budget", "budget \U0001f984"), 1), encoding="utf-8")
    argv = [*command, "--lang", "en", "--snapshot", EDITION, "--snapshots", str(SHIPPED), "--templates", str(tmp_path / "templates")]
    result = runner.invoke(app, [*argv, "--no-cache", "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {overrides / 'charts.toml'}, figure 'deficits', title: character '\U0001f984' (U+1F984) is in none of the "
        "brief's fonts (Noto Sans, Noto Sans CJK SC)\n"
    )
    assert not (tmp_path / "o").exists()


def test_a_character_no_font_has_stops_the_build_naming_it(tmp_path: Path) -> None:
    overrides = tmp_path / "templates" / "locales" / "en"
    overrides.mkdir(parents=True)
    prose = (REPO / "templates" / "locales" / "en" / "brief.md.j2").read_text(encoding="utf-8")
    (overrides / "brief.md.j2").write_text(
        prose.replace("What the latest data say", "What the latest data \U0001f984 say"), encoding="utf-8"
    )
    for output in ("pdf", "html"):
        result = runner.invoke(
            app,
            [
                "report",
                "--lang",
                "en",
                "--format",
                output,
                "--snapshot",
                EDITION,
                "--snapshots",
                str(SHIPPED),
                "--templates",
                str(tmp_path / "templates"),
                "--out",
                str(tmp_path / "o"),
            ],
        )
        assert result.exit_code == 1
        assert result.stderr == (
            "Error: brief.en.md, line 9: character '\U0001f984' (U+1F984) is in none of the brief's fonts (Noto Sans, Noto Sans CJK SC)\n"
        )
        assert not (tmp_path / "o").exists()
