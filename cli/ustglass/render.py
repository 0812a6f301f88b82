"""Templates to text: the sandboxed Jinja environment, Markdown -> HTML, HTML -> PDF.

Rendering is pure (strings in, strings or bytes out); writing files is the pipeline's job.
Editors' templates run in a bounded sandbox (:mod:`ustglass.sandbox`), autoescaping HTML
templates only; all data reaches HTML through markdown-it with raw HTML disabled, so it is escaped.

Figures and tables are numbered in the order the brief places them: the brief is rendered
twice, the first pass learning that order (:class:`Numbering`), so the prose can refer to a
figure by number before it appears. The HTML body turns an image followed by an emphasised
line into ``<figure>`` with its chart inline as SVG and the line as ``<figcaption>``, and an
emphasised line followed by a table into the table's ``<caption>``.
"""

from __future__ import annotations

import html
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import jinja2
from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

from ustglass import fmt, fonts, sandbox
from ustglass.errors import BuildError
from ustglass.fmt import MdText, md_escape
from ustglass.locale import Locale

# ---------------------------------------------------------------- Markdown escaping
# Every value a Markdown template prints is escaped for Markdown unless it is already Markdown:
# the pack's words (``t``, captions, references), formatted numbers and dates. So a data string
# (a country name as TIC writes it, a file name, a URL from a manifest) can neither shift a table
# (``|``), add a link (``[x](…)``), emphasis or raw HTML (``<script>``) to the brief.

_URL = re.compile(r"https?://[^\s<>`\\]+")


def _md(value: Any) -> Any:
    return value if isinstance(value, (MdText, Markup)) or not isinstance(value, str) else md_escape(value)


@jinja2.pass_eval_context
def _finalize(eval_ctx: Any, value: Any) -> Any:
    """What ``{{ … }}`` prints: in a Markdown template, a plain string escaped (HTML templates autoescape)."""
    return value if eval_ctx.autoescape else _md(value)


def autolink(url: str) -> MdText:
    """A web address as a Markdown autolink; anything that is not a plain http(s) URL is printed as text."""
    return MdText(f"<{url}>") if _URL.fullmatch(url) else MdText(md_escape(url))


def code(text: str) -> MdText:
    """``text`` as a Markdown code span, fenced by more backticks than it holds."""
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return MdText(f"{fence}{pad}{text}{pad}{fence}")


def _words(fn: Callable[..., str]) -> Callable[..., MdText]:
    """A function returning the pack's words (or formatted numbers): its result is Markdown, its
    string arguments data, escaped before they are filled in."""

    def wrapped(*args: Any, **kwargs: Any) -> MdText:
        return MdText(fn(*args, **{k: _md(v) for k, v in kwargs.items()}))

    return wrapped


def filters(loc: Locale) -> dict[str, Callable[..., str]]:
    """The formatting filters templates may use, bound to the reader's language pack."""
    return {"autolink": autolink, "code": code, **{name: _words(f) for name, f in _filters(loc).items()}, **_list_filters(loc)}


def _list_filters(loc: Locale) -> dict[str, Callable[..., Any]]:
    """Filters whose result is not the pack's words: amounts shown together, as a list (of rows) in
    which amounts that differ read differently, and a country's name (data, escaped when printed)."""

    def each(values: Any, sign: bool = False) -> list[MdText]:
        return [MdText(text) for text in fmt.usd_each(list(values), loc, sign=sign)]

    def cells(rows: Any, *fields: str) -> list[list[MdText | None]]:
        table = fmt.usd_table([[_field(r, f) for f in fields] for r in rows], loc)
        return [[None if c is None else MdText(c) for c in row] for row in table]

    def country(name: Any) -> str:
        """A country as TIC writes it, named by the pack's [countries]: data, so escaped when printed."""
        return loc.name_of("countries", str(name))

    return {"usd_each": each, "usd_cells": cells, "country": country}


def _filters(loc: Locale) -> dict[str, Callable[..., str]]:
    return {
        "usd": lambda v, digits=None, sign=False, step=None: fmt.usd_bn(v, loc, digits, sign=sign, step=step),
        "usd_abs": lambda v, digits=None, step=None: fmt.usd_bn(abs(v), loc, digits, step=step),
        "pct": lambda v, digits=1, sign=False: fmt.pct(v, loc, digits, sign=sign),
        "pct_abs": lambda v, digits=1: fmt.pct(abs(v), loc, digits),
        "bp": lambda v, digits=0, sign=False: fmt.bp(v, loc, digits, sign=sign),
        "bp_abs": lambda v, digits=0: fmt.bp(abs(v), loc, digits),
        "ordinal": lambda v: fmt.ordinal(int(v), loc),
        "num": lambda v, digits=0, sign=False: fmt.number(v, loc, digits, sign=sign),
        "period": lambda v: fmt.period(str(v), loc),
        "fy": lambda v: fmt.fiscal_year(v, loc),
        "word": lambda v: str(loc.get(f"words.{v}")),
        "updown": lambda v: str(loc.get(f"updown.{v}")),
    }


def _field(row: Any, name: str) -> Any:
    return row[name] if isinstance(row, Mapping) else getattr(row, name)


class Numbering:
    """Figure and table numbers, in the order the brief places them (see :func:`render_brief`).

    ``caption(kind, id)`` places a figure or table and returns its caption from the pack
    (``brief.captions.<kind>`` filled with ``{n}`` and the title ``brief.<kind>s.<id>``);
    ``ref(kind, id)`` is how the prose refers to it (``brief.captions.<kind>_ref``), or ""
    for one the build leaves out. Numbers come from the first pass, so references may come first.
    """

    KINDS = ("figure", "table")

    def __init__(self, loc: Locale) -> None:
        self.loc = loc
        self.numbers: dict[str, dict[str, int]] | None = None
        self.placed: dict[str, list[str]] = {kind: [] for kind in self.KINDS}

    def start(self, order: Mapping[str, list[str]] | None) -> None:
        """Begin a pass; with the order a first pass placed, references know their numbers."""
        self.numbers = None if order is None else {k: {i: n for n, i in enumerate(ids, 1)} for k, ids in order.items()}
        self.placed = {kind: [] for kind in self.KINDS}

    def _title(self, kind: str, item: str) -> str:
        if kind not in self.KINDS:
            raise BuildError(f"caption({kind!r}, {item!r}): the kind is one of {', '.join(self.KINDS)}")
        return self.loc.text(f"brief.{kind}s", item)

    def caption(self, kind: str, item: str) -> str:
        title = self._title(kind, item)
        if item in self.placed[kind]:
            raise BuildError(f"{self.loc.brief_template}: {kind} {item!r} is placed twice")
        self.placed[kind].append(item)
        return self.loc.text(f"brief.captions.{kind}", n=len(self.placed[kind]), title=title)

    def ref(self, kind: str, item: str) -> str:
        self._title(kind, item)
        number = None if self.numbers is None else self.numbers[kind].get(item)
        return "" if number is None else self.loc.text(f"brief.captions.{kind}_ref", n=number)


class BriefEnvironment(sandbox.BoundedSandbox):
    """The sandboxed environment of one language, with the numbering of its figures and tables.
    What a macro returns is Markdown the templates wrote (its data already escaped), printed as it is."""

    numbering: Numbering

    def call(__self, __context: jinja2.runtime.Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        result = super().call(__context, __obj, *args, **kwargs)
        if isinstance(__obj, jinja2.runtime.Macro) and isinstance(result, str) and not isinstance(result, Markup):
            return MdText(result)
        return result


def environment(search_path: list[Path], loc: Locale) -> BriefEnvironment:
    """A sandboxed environment looking in ``search_path`` in order (editor overrides first);
    see :mod:`ustglass.sandbox` for what a template may and may not do.

    Every word a template prints that is not data comes from the language pack: the global
    ``t(key, *names, **fields)`` is :meth:`Locale.text`, a missing key is a build error.
    ``caption(kind, id)``, ``figref(id)`` and ``tabref(id)`` number figures and tables.
    """
    env = sandbox.environment(search_path, BriefEnvironment)
    assert isinstance(env, BriefEnvironment)
    env.filters.update(filters(loc))
    env.finalize = _finalize
    env.numbering = numbering = Numbering(loc)
    env.globals["t"] = _words(loc.text)  # t("brief.sections.summary"), t("units", ds.units), t("key", field=value)
    env.globals["unfilled"] = lambda block: _unfilled(loc, block)
    env.globals["caption"] = _words(numbering.caption)  # caption("figure", "deficits") -> "Figure 1. Federal deficit ..."
    env.globals["figref"] = _words(lambda item: numbering.ref("figure", item))  # figref("basis") -> " (Figure 3)"
    env.globals["tabref"] = _words(lambda item: numbering.ref("table", item))
    return env


def _unfilled(loc: Locale, block: str) -> str:
    """The default of every prose block of brief.md.j2: a pack that does not fill one stops the build."""
    raise BuildError(
        f"{loc.brief_template}: block {block!r} is not filled; every block of the shared "
        "brief.md.j2 needs this language's prose (an empty block leaves a passage out)"
    )


def render_template(env: jinja2.Environment, name: str, context: Mapping[str, Any]) -> str:
    """Template ``name`` rendered, bounded; a failure is one BuildError naming the template and line."""
    return sandbox.render(env, name, context)


def render_brief(env: BriefEnvironment, name: str, context: Mapping[str, Any]) -> str:
    """The brief's Markdown: a first pass learns where figures and tables are placed, the second numbers them."""
    env.numbering.start(None)
    render_template(env, name, context)
    order = {kind: list(ids) for kind, ids in env.numbering.placed.items()}
    env.numbering.start(order)
    text = render_template(env, name, context)
    if env.numbering.placed != order:
        raise BuildError(f"{name}: figures and tables were placed in a different order on the second pass")
    return text


# ---------------------------------------------------------------- Markdown -> HTML


@dataclass(frozen=True)
class InlineFigure:
    """A chart to set inline: its figure id (for its anchor and SVG ids) and its SVG."""

    id: str
    svg: bytes


@dataclass(frozen=True)
class Heading:
    level: int
    id: str
    text: str


@dataclass(frozen=True)
class Body:
    """The HTML of a brief: its lead (the title and what stands before the first section), the
    rest, and its headings (for the contents)."""

    lead: str
    html: str
    headings: tuple[Heading, ...]


def _attributes(declarations: str) -> str:
    """CSS declarations (``fill: #fff; stroke-width: 0.6``) as SVG presentation attributes."""
    pairs = (d.split(":", 1) for d in declarations.split(";") if ":" in d)
    return " ".join(f'{name.strip()}="{value.strip().replace(chr(34), "&quot;")}"' for name, value in pairs)


def inline_svg(data: bytes, prefix: str, label: str) -> str:
    """An SVG file as markup to set inside a page: no XML prolog or metadata, its ids prefixed
    (several charts share one document), labelled for assistive technology. Styles become
    presentation attributes (the page's stylesheet engine would read every ``style`` as page CSS),
    and the file's own ``* {...}`` defaults become the root's (inherited) attributes."""
    svg = data.decode("utf-8")
    svg = svg[svg.index("<svg") :].strip()
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, flags=re.S)
    defaults = re.search(r'<style type="text/css">\*\{([^}]*)\}</style>', svg)
    if defaults:
        svg = svg.replace(defaults[0], "").replace("<svg ", f"<svg {_attributes(defaults[1])} ", 1)
    svg = re.sub(r'\sstyle="([^"]*)"', lambda m: " " + _attributes(m[1]), svg)
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}-{m[1]}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}-{m[1]})", svg)
    svg = re.sub(r'\b((?:xlink:)?href)="#([^"]+)"', lambda m: f'{m[1]}="#{prefix}-{m[2]}"', svg)
    # every text of a chart is set in the CJK face (chartkit.apply_fonts): on the page, the page's own copy of it (FACES)
    svg = re.sub(r'\bfont-family="[^"]*"', f"font-family=\"'{CJK_CSS_FAMILY}'\"", svg)
    return svg.replace("<svg ", f'<svg class="chart" role="img" aria-label="{html.escape(label)}" ', 1)


SVG_NS = "http://www.w3.org/2000/svg"


def image_svg(data: bytes, prefix: str, label: str) -> str:
    """A chart as an ``<img>`` of its SVG (a ``data:`` URI), for the printed page: WeasyPrint then
    parses the chart as a picture rather than as elements of the page (no page styles computed
    for its hundreds of nodes), and tags it in the PDF as a Figure with ``label`` as its
    alternative text, which an inline SVG's ``aria-label`` does not give it."""
    import base64

    svg = inline_svg(data, prefix, label).replace(' class="chart" role="img"', "", 1)
    svg = svg if 'xmlns="' in svg[: svg.index(">")] else svg.replace("<svg ", f'<svg xmlns="{SVG_NS}" ', 1)
    uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return f'<img class="chart" src="{uri}" alt="{html.escape(label)}">'


def _html(content: str) -> Token:
    return Token("html_block", "", 0, content=content)


def _only(tokens: list[Token], i: int, child_types: tuple[str, ...]) -> bool:
    """Whether tokens[i:i+3] is a paragraph whose inline content is exactly ``child_types`` at its ends."""
    if i + 2 >= len(tokens) or tokens[i].type != "paragraph_open" or tokens[i + 2].type != "paragraph_close":
        return False
    kids = [c.type for c in tokens[i + 1].children or []]
    if child_types == ("image",):
        return kids == ["image"]
    return len(kids) >= 3 and kids[0] == "em_open" and kids[-1] == "em_close" and "em_open" not in kids[1:-1]


def _unwrapped(inline: Token) -> Token:
    """An emphasised line's inline token without its emphasis (it becomes a caption)."""
    return Token("inline", "", 0, children=(inline.children or [])[1:-1], content=inline.content)


def _plain(inline: Token) -> str:
    return "".join(c.content for c in inline.children or [] if c.type in ("text", "code_inline"))


NOWRAP_WIDTH = 28  # a table cell at most this wide (a number, a date, a signal) stays on one line


def _width(text: str) -> int:
    """The columns ``text`` takes in a monospaced setting: a wide (CJK) character counts two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _mark_cells(tokens: list[Token]) -> None:
    """Mark the cells of every table: header cells get ``scope="col"``, each body row's first
    cell becomes its header (``scope="row"``), and a data cell of at most :data:`NOWRAP_WIDTH`
    columns gets ``class="nowrap"``, so numbers, dates and signal words stay on one line while
    headers and the sentences of a wide table (the claim check) wrap."""
    in_head, first = False, False
    for n, tok in enumerate(tokens):
        in_head = {"thead_open": True, "thead_close": False}.get(tok.type, in_head)
        if tok.type == "tr_open":
            first = True
        elif tok.type == "th_open":
            tok.attrSet("scope", "col")
        elif tok.type == "td_open" and first:
            tok.tag = "th"
            tok.attrSet("scope", "row")
        elif tok.type == "td_open" and _width(tokens[n + 1].content) <= NOWRAP_WIDTH:
            tok.attrSet("class", "nowrap")
        elif tok.type in ("th_close", "td_close"):
            tok.tag = "th" if first and not in_head else tok.tag
            first = False


def markdown_to_html(
    text: str, figures: Mapping[str, InlineFigure], anchors: Mapping[str, str], *, charts: Callable[[bytes, str, str], str] = inline_svg
) -> Body:
    """The body HTML of a Markdown brief.

    ``figures`` maps each image file the Markdown links to the chart set in its place, as
    ``charts`` sets it (:func:`inline_svg` for the web page, :func:`image_svg` for print);
    ``anchors`` maps heading texts to their ids (stable and ASCII; any other heading is
    ``section-<n>``). Table cells are marked as :func:`_mark_cells` says, and tables sit in a
    wrapper that scrolls on narrow screens.
    """
    md = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table")
    tokens = md.parse(text)
    _mark_cells(tokens)
    out: list[Token] = []
    headings: list[Heading] = []
    i, section = 0, 0
    while i < len(tokens):
        tok = tokens[i]
        if _only(tokens, i, ("image",)):
            image = (tokens[i + 1].children or [])[0]
            src = str(image.attrGet("src") or "")
            fig = figures.get(src)
            if fig is None:
                raise BuildError(f"figure {src!r} referenced by the brief was not built")
            label = _plain(image) or image.content
            slug = fig.id.replace("_", "-")  # anchors are lower-case letters, digits and hyphens
            out += [_html(f'<figure class="chart" id="figure-{slug}">\n{charts(fig.svg, slug, label)}\n')]
            i += 3
            if _only(tokens, i, ("em",)):
                out += [_html("<figcaption>"), _unwrapped(tokens[i + 1]), _html("</figcaption>\n")]
                i += 3
            out.append(_html("</figure>\n"))
            continue
        if _only(tokens, i, ("em",)) and i + 3 < len(tokens) and tokens[i + 3].type == "table_open":
            caption = tokens[i + 1]
            out += [_html('<div class="table-wrap">\n'), tokens[i + 3], _html("<caption>"), _unwrapped(caption), _html("</caption>\n")]
            i += 4
            continue
        if tok.type == "table_open":
            out += [_html('<div class="table-wrap">\n'), tok]
        elif tok.type == "table_close":
            out += [tok, _html("</div>\n")]
        elif tok.type == "heading_open":
            section += 1
            title = _plain(tokens[i + 1])
            tok.attrSet("id", anchors.get(title, f"section-{section}"))
            headings.append(Heading(int(tok.tag[1]), str(tok.attrGet("id")), title))
            out.append(tok)
        else:
            out.append(tok)
        i += 1
    cut = next((n for n, t in enumerate(out) if t.type == "heading_open" and t.tag != "h1"), len(out))
    lead, rest = (md.renderer.render(part, md.options, {}) for part in (out[:cut], out[cut:]))
    return Body(lead, rest, tuple(headings))


def page_text(page: str) -> str:
    """What a page shows as text: markup, styles and scripts taken out, entities decoded."""
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S | re.I)
    return html.unescape(re.sub(r"<[^>]*>", " ", page))


# ---------------------------------------------------------------- fonts


# Each face the pages use: its key (file stem), the CSS family, weight and style. Each face gets
# a family name of its own, so the page and its charts are set in the files the build gives them,
# never in a machine's copy of the same family: under the face's own name WeasyPrint would take the
# system's Noto Sans to fill what a cut-down Latin face lacks, and the system's Noto Sans CJK SC
# collection (all 20 MB of it read into memory a weight) instead of the face cut to the page.
LATIN_CSS_FAMILY = f"Brief {fonts.LATIN_FAMILY}"
CJK_CSS_FAMILY = f"Brief {fonts.FAMILY}"
FACES = (
    ("latin-regular", LATIN_CSS_FAMILY, 400, "normal"),
    ("latin-bold", LATIN_CSS_FAMILY, 700, "normal"),
    ("latin-italic", LATIN_CSS_FAMILY, 400, "italic"),
    ("latin-bold-italic", LATIN_CSS_FAMILY, 700, "italic"),
    ("cjk-regular", CJK_CSS_FAMILY, 400, "normal"),
    ("cjk-bold", CJK_CSS_FAMILY, 700, "normal"),
)
# Characters the PDF's renderer may draw that no page text holds: list bullets, the hyphen it adds
# where it breaks a word, an ellipsis, quotation marks, the no-break space.
GENERATED_CHARS = frozenset("\u2022\u25e6\u25aa\u2010\u2026\u201c\u201d\u2018\u2019\u00a0")
# What the Latin face sets on a page of a CJK script: letters, digits and the ASCII and Latin-1
# signs, but not the marks Chinese sets full width from the CJK face: · “ ” ‘ ’ — … and the rest
# of U+2000–206F, and the Latin-1 signs the CJK face draws (nearly) a full em wide, as GB 2312
# sets them: § ± ¶ · × ÷ and the fractions ¼ ½ ¾ (the methods' "+ ½ ×" stays in one face).
# On such a page the Latin face is cut down to these characters (a unicode-range alone does not
# hold in WeasyPrint, whose text layout picks fonts by their glyphs).
SCRIPT_LATIN_RANGES: dict[str, tuple[tuple[int, int], ...] | None] = {
    "latin": None,
    "cjk": ((0x0000, 0x00A6), (0x00A8, 0x00B0), (0x00B2, 0x00B5), (0x00B8, 0x00BB), (0x00BF, 0x00D6), (0x00D8, 0x00F6), (0x00F8, 0x036F)),
}


def _latin_ranges(script: str) -> tuple[tuple[int, int], ...] | None:
    if script not in SCRIPT_LATIN_RANGES:
        raise BuildError(f"typography.script {script!r}: choose one of {', '.join(SCRIPT_LATIN_RANGES)}")
    return SCRIPT_LATIN_RANGES[script]


def _latin_chars(script: str) -> set[str] | None:
    """The characters the Latin face may set on a page of ``script`` (None: all it has)."""
    ranges = _latin_ranges(script)
    return None if ranges is None else {chr(c) for lo, hi in ranges for c in range(lo, hi + 1)}


def prepare_fonts() -> None:
    """Locate the font files (extracting the CJK face once) and read the character maps the page's
    glyph check uses: done before the languages' processes fork, they share them rather than
    each reading the 16 MB CJK face's map (about 25 MB of a process's own memory)."""
    face_paths()
    for path in fonts.brief_faces().values():
        fonts.codepoints(path)


def face_paths() -> dict[str, Path]:
    """The font file of every face in :data:`FACES`."""
    latin = {f"latin-{style}": fonts.latin_font_path(style) for style in ("regular", "bold", "italic", "bold-italic")}
    return {**latin, "cjk-regular": fonts.cjk_font_path("regular"), "cjk-bold": fonts.cjk_font_path("bold")}


def font_faces_css(urls: Mapping[str, str], script: str) -> str:
    """``@font-face`` rules for the faces in ``urls`` (key -> URL), for a page in ``script``."""
    ranges = _latin_ranges(script)
    scope = ", ".join(f"U+{lo:04X}-{hi:04X}" for lo, hi in ranges) if ranges else ""
    rules = []
    for key, family, weight, style in FACES:
        if key in urls:
            extra = f" unicode-range: {scope};" if scope and key.startswith("latin-") else ""
            rules.append(
                f'@font-face {{ font-family: "{family}"; src: url("{urls[key]}"); font-weight: {weight}; font-style: {style};{extra} }}'
            )
    return "\n".join(rules)


def web_font_urls(chars: Iterable[str], script: str) -> dict[str, str]:
    """Each face subset to ``chars`` (and printable ASCII) as a WOFF2 data URI, for a self-contained page."""
    import base64

    wanted, latin = set(chars) | {chr(c) for c in range(32, 127)}, _latin_chars(script)
    urls = {}
    for key, path in face_paths().items():
        subset = wanted & latin if latin is not None and key.startswith("latin-") else wanted
        urls[key] = "data:font/woff2;base64," + base64.b64encode(fonts.subset_font(path, subset, woff2=True)).decode("ascii")
    return urls


def check_glyphs(markdown: str, page: str, where: str) -> None:
    """Stop the build naming a character of the page that none of the brief's fonts can draw,
    and where it is: the Markdown's line, else the page template."""
    missing = fonts.missing_glyphs(page_text(page), fonts.brief_faces().values())
    if not missing:
        return
    char = missing[0]
    line = next((n for n, text in enumerate(markdown.splitlines(), 1) if char in text), None)
    place = f"{where}.md, line {line}" if line else f"{where}.html (page.html.j2)"
    names = ", ".join(fonts.brief_faces())
    raise BuildError(f"{place}: character {char!r} (U+{ord(char):04X}) is in none of the brief's fonts ({names})")


def pdf_font_urls() -> dict[str, str]:
    """Where the PDF's faces are staged in the build (see :func:`stage_pdf_fonts`), by face key."""
    return {key: f"fonts/{key}{path.suffix}" for key, path in face_paths().items()}


_DATA_SVG = re.compile(r"(?<=[\"'(])data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)")
_DATA_URI = re.compile(r"(?<=[\"'(])data:[^\"')]*")
_CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})\s?")


def pdf_chars(page_html: str) -> set[str]:
    """Every character the printed page may draw: those of its markup and of the SVG pictures set
    in it as ``data:`` URIs (the charts), entities and CSS escapes (``content: "\\2192"``) decoded,
    in either case (``text-transform``), with printable ASCII and :data:`GENERATED_CHARS`. A
    character the renderer still draws from outside this set stops the build (:func:`check_pdf_fonts`)."""
    import base64

    texts = [page_html, *(base64.b64decode(m[1]).decode("utf-8", "replace") for m in _DATA_SVG.finditer(page_html))]
    chars: set[str] = set()
    for text in texts:
        text = html.unescape(_DATA_URI.sub(" ", text))
        chars.update(text, (chr(int(m[1], 16)) for m in _CSS_ESCAPE.finditer(text) if int(m[1], 16) <= sys.maxunicode))
    chars |= {chr(c) for c in range(32, 127)} | GENERATED_CHARS
    return chars | {v for c in chars for v in (c.upper(), c.lower()) if len(v) == 1}


def stage_pdf_fonts(base_dir: Path, script: str, chars: Iterable[str]) -> None:
    """Write the brief's font files into the build, where the print stylesheet loads them: the CJK
    faces cut to ``chars`` (see :func:`pdf_chars`), the Latin faces whole or, on a page of a CJK
    script, cut to what they set there. A cut face is a few hundred kilobytes where the whole
    CJK face is 16 MB, which WeasyPrint would read into memory and subset again for each weight."""
    import shutil

    latin, paths, wanted = _latin_chars(script), face_paths(), set(chars)
    for key, rel in pdf_font_urls().items():
        target = base_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if key.startswith("cjk-"):
            target.write_bytes(fonts.subset_font(paths[key], wanted))
        elif latin is not None:
            target.write_bytes(fonts.subset_font(paths[key], latin))
        else:
            shutil.copyfile(paths[key], target)


def check_pdf_fonts(used: Mapping[str, Iterable[int]]) -> None:
    """Stop the build unless every font the PDF renderer used (family -> the code points it had
    no glyph for) is one of the faces the build staged, each with every glyph it was asked for:
    otherwise a stylesheet names another family, or the page draws a character its text does not
    hold (generated content), and the PDF would show a machine's font or an empty box."""
    faces = tuple(dict.fromkeys(family for _, family, _, _ in FACES))
    for family, missing in sorted(used.items()):
        if family not in faces:
            raise BuildError(f"PDF: text is set in {family!r}, not in the brief's faces ({', '.join(map(repr, faces))}): "
                             "a stylesheet names another font-family, or the page draws a character that is not in its text")  # fmt: skip
        if (first := next(iter(missing), None)) is not None:
            raise BuildError(f"PDF: character {chr(first)!r} (U+{first:04X}) has no glyph in {family!r}: the page draws a character "
                             "that none of the brief's faces has, or that its text does not hold (CSS generated content)")  # fmt: skip


REFUSED_ATTACHMENT = 'a template asks to attach a file to the PDF (rel="attachment"); the brief\'s PDF carries no file attachments'


def _local_path(url: str, roots: tuple[Path, ...]) -> Path:
    """The file a ``file:`` URL names, if it lies inside one of ``roots``; else ValueError."""
    parts = urlsplit(url)
    path = Path(url2pathname(unquote(parts.path))).resolve()
    if parts.netloc not in ("", "localhost") or not any(path.is_relative_to(r) for r in roots) or not path.is_file():
        raise ValueError(f"{url}: outside the build directory and ustglass's own files")
    return path


def pdf_bytes(page_html: str, *, base_dir: Path, script: str = "latin", assets: Iterable[Path] = ()) -> bytes:
    """Render HTML to PDF (A4, tagged as PDF/UA-1) with WeasyPrint.

    It loads only ``data:`` URIs and files inside ``base_dir`` or ``assets`` (ustglass's own
    folders): anything else (the network, a file elsewhere on disk, a redirect) stops the build
    with an error, and so does a link asking to attach a file to the PDF. The brief's fonts
    are staged into ``base_dir`` first (for a page in ``script``, cut to what the page and its
    charts draw), so the PDF is set in exactly the fonts the charts use; text the renderer set in
    any other font, or could not set at all, stops the build (:func:`check_pdf_fonts`).
    """
    stage_pdf_fonts(base_dir, script, pdf_chars(page_html))
    try:
        import weasyprint
        from weasyprint.urls import FatalURLFetchingError, URLFetcher
    except ImportError as exc:  # pragma: no cover - depends on the machine
        raise BuildError(f"WeasyPrint is not importable ({exc}); install ustglass with its dependencies") from None
    roots = (base_dir.resolve(), *(a.resolve() for a in assets))

    class BuildOnlyFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("file:"):
                url = _local_path(url, roots).as_uri()
            elif not url.startswith("data:"):
                raise ValueError(f"{url}: the PDF renderer fetches nothing from the network")
            return super().fetch(url, headers)

    fetcher = BuildOnlyFetcher(allowed_protocols=("data", "file"), allow_redirects=False, fail_on_errors=True)
    try:
        document = weasyprint.HTML(string=page_html, base_url=roots[0].as_uri() + "/", url_fetcher=fetcher).render()
        links = (link for page in document.pages for link in page.links)
        if document.metadata.attachments or any(kind == "attachment" for kind, *_ in links):
            raise BuildError(f"PDF: {REFUSED_ATTACHMENT}")
        data = bytes(document.write_pdf(pdf_identifier=b"ustglass", pdf_variant="pdf/ua-1"))
        check_pdf_fonts({font.family: sorted(font.missing) for font in document.fonts.values()})
        return data
    except FatalURLFetchingError as exc:
        raise BuildError(f"PDF: {exc.__cause__ or exc}") from None
