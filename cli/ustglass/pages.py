"""The brief's pages: its Markdown as a self-contained web page and as a PDF, for one language.

Both are ``page.html.j2`` around the same body (:func:`render.markdown_to_html`): on the web
page the charts are inline SVG, on the printed page each is an ``<img>`` of the same SVG. The web page embeds its fonts as WOFF2 subsets of the characters it uses and
links to the other languages' editions; the PDF page has a cover, a contents page with page
numbers and running headers, and is set in font files staged into the build. Before either is
made, every character the page shows is checked against the brief's fonts.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from markupsafe import Markup

from ustglass import locale, memory, overrides, render
from ustglass.config import Format, ReportConfig
from ustglass.errors import BuildError
from ustglass.keyfigures import KeyFigures
from ustglass.resources import bundled


@dataclass(frozen=True)
class Entry:
    """A line of the contents: a section's id and heading, and its subsections."""

    id: str
    text: str
    children: tuple[Entry, ...] = ()


def contents(headings: Sequence[render.Heading]) -> list[Entry]:
    """The sections (level 2) with their subsections (level 3); the title is not listed."""
    entries: list[Entry] = []
    for heading in headings:
        if heading.level == 2:
            entries.append(Entry(heading.id, heading.text))
        elif heading.level == 3 and entries:
            last = entries[-1]
            entries[-1] = Entry(last.id, last.text, (*last.children, Entry(heading.id, heading.text)))
    return entries


# The headings of the analysis sections (templates/brief.md.j2), by their key in the pack, and their ids.
ANALYSIS_HEADINGS = {
    "brief.scorecard.heading": "scorecard",
    "brief.scenarios.heading": "scenarios",
    "brief.changes.heading": "changes",
    "brief.claims.heading": "claims",
    "brief.analysis_methods.heading": "analysis-methods",
    "brief.analysis_methods.scorecard": "indicator-methods",
    "brief.analysis_methods.scenarios": "scenario-parameters",
    "brief.analysis_methods.margins": "futures-margins",
}


def anchors(loc: locale.Locale) -> dict[str, str]:
    """Heading text -> id, stable and ASCII: the title, each section of the pack's ``brief.sections``
    by its key, and the analysis sections' headings (:data:`ANALYSIS_HEADINGS`)."""
    sections = loc.get("brief.sections")
    return {
        loc.text("title"): "title",
        **{loc.text("brief.sections", key): key.replace("_", "-") for key in sections},
        **{loc.text(key): anchor for key, anchor in ANALYSIS_HEADINGS.items()},
    }


def created(kf: KeyFigures) -> str:
    """The date the PDF's metadata gives: ``SOURCE_DATE_EPOCH``'s when set, else the edition's as-of date."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return kf.as_of
    try:
        return datetime.fromtimestamp(int(epoch), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (ValueError, OverflowError, OSError):
        raise BuildError(f"SOURCE_DATE_EPOCH={epoch!r}: not a number of seconds since 1970") from None


def editions(others: Sequence[locale.Locale]) -> list[dict[str, str]]:
    """The other languages built, for the links between editions: name, file and language tag."""
    return [{"name": o.text("language_name"), "href": f"brief.{o.code}.html", "lang": o.html_lang} for o in others]


def build(
    cfg: ReportConfig,
    kf: KeyFigures,
    env: render.BriefEnvironment,
    loc: locale.Locale,
    markdown: str,
    figures: Mapping[str, render.InlineFigure],
    others: Sequence[locale.Locale],
    memo: Memo | None = None,
) -> dict[str, bytes]:
    """``brief.<code>.html`` and ``brief.<code>.pdf``, as ``cfg.formats`` asks. ``memo(kind, parts, make)``
    may return a page made earlier from the same ``parts`` instead of calling ``make`` (the cache)."""
    memo = memo or _make
    script = loc.text("typography.script")
    page: dict[str, Any] = {
        "kf": kf,
        "css": Markup(render.render_template(env, "brief.css", {})),
        "organisation": cfg.organisation,
        "author": cfg.author,
        "created": created(kf),
        "extra_css": Markup(overrides.extra_css(cfg.templates_dir)),
    }

    def with_body(charts: Callable[[bytes, str, str], str]) -> dict[str, Any]:
        """The page's fields with the body, its charts set by ``charts``."""
        body = render.markdown_to_html(markdown, figures, anchors(loc), charts=charts)
        return {**page, "lead": Markup(body.lead), "body": Markup(body.html), "contents": contents(body.headings)}

    out: dict[str, bytes] = {}
    if Format.html in cfg.formats:
        screen = {**with_body(render.inline_svg), "medium": "screen", "html_lang": loc.html_lang, "editions": editions(others)}
        draft = render.render_template(env, "page.html.j2", {**screen, "fonts_css": Markup("")})

        def web_page() -> bytes:
            render.check_glyphs(markdown, draft, f"brief.{loc.code}")
            fonts_css = render.font_faces_css(render.web_font_urls(render.page_text(draft), script), script)
            return render.render_template(env, "page.html.j2", {**screen, "fonts_css": Markup(fonts_css)}).encode("utf-8")

        out[f"brief.{loc.code}.html"] = memo("html", (loc.code, script, draft), web_page)
    if Format.pdf in cfg.formats:
        memory.release()  # what subsetting the web page's fonts took, before the PDF is laid out
        fonts_css = render.font_faces_css(render.pdf_font_urls(), script)
        printed = render.render_template(
            env,
            "page.html.j2",
            {
                **with_body(render.image_svg),
                "medium": "print",
                "html_lang": loc.text("pdf_lang"),
                "editions": [],
                "fonts_css": Markup(fonts_css),
            },
        )

        def printed_page() -> bytes:
            render.check_glyphs(markdown, printed, f"brief.{loc.code}")
            with tempfile.TemporaryDirectory(prefix="ustglass-pdf-") as tmp:
                return render.pdf_bytes(printed, base_dir=Path(tmp), script=script, assets=(bundled("templates"),))

        out[f"brief.{loc.code}.pdf"] = memo("pdf", (loc.code, script, printed), printed_page)
    return out


Memo = Callable[[str, Sequence[Any], Callable[[], bytes]], bytes]


def _make(kind: str, parts: Sequence[Any], make: Callable[[], bytes]) -> bytes:
    """No cache: make the page."""
    return make()
