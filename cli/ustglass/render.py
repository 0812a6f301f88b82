"""Templates to text: the sandboxed Jinja environment, Markdown -> HTML, HTML -> PDF.

Rendering is pure (strings in, strings or bytes out); writing files is the pipeline's job.
Editors' templates run in Jinja's immutable sandbox with autoescaping off for Markdown;
all data reaches HTML through markdown-it with raw HTML disabled, so it is escaped.
"""

from __future__ import annotations

import base64
import html
import mimetypes
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markdown_it import MarkdownIt

from ustglass import fmt
from ustglass.errors import BuildError
from ustglass.locale import Locale


def filters(loc: Locale) -> dict[str, Callable[..., str]]:
    """The formatting filters templates may use, bound to the reader's language pack."""
    return {
        "usd": lambda v, digits=None, sign=False, step=None: fmt.usd_bn(v, loc, digits, sign=sign, step=step),
        "usd_abs": lambda v, digits=None, step=None: fmt.usd_bn(abs(v), loc, digits, step=step),
        "usd_each": lambda vs, sign=False: fmt.usd_each(list(vs), loc, sign=sign),  # a list: differing amounts read differently
        "usd_cells": lambda rows, *fields: fmt.usd_table([[_field(r, f) for f in fields] for r in rows], loc),  # a table's rows
        "pct": lambda v, digits=1, sign=False: fmt.pct(v, loc, digits, sign=sign),
        "pct_abs": lambda v, digits=1: fmt.pct(abs(v), loc, digits),
        "bp": lambda v, digits=0, sign=False: fmt.bp(v, loc, digits, sign=sign),
        "bp_abs": lambda v, digits=0: fmt.bp(abs(v), loc, digits),
        "ordinal": lambda v: fmt.ordinal(int(v), loc),
        "num": lambda v, digits=0, sign=False: fmt.number(v, loc, digits, sign=sign),
        "period": lambda v: fmt.period(str(v), loc),
        "fy": lambda v: fmt.fiscal_year(v, loc),
        "word": lambda v: str(loc.get(f"words.{v}")),
        "country": lambda v: loc.name_of("countries", str(v)),  # a country as TIC writes it, as the pack names it
        "updown": lambda v: str(loc.get(f"updown.{v}")),
    }


def _field(row: Any, name: str) -> Any:
    return row[name] if isinstance(row, Mapping) else getattr(row, name)


def environment(search_path: list[Path], loc: Locale) -> jinja2.Environment:
    """A sandboxed environment looking in ``search_path`` in order (editor overrides first).

    Every word a template prints that is not data comes from the language pack: the global
    ``t(key, *names, **fields)`` is :meth:`Locale.text`, a missing key is a build error.
    """
    env = ImmutableSandboxedEnvironment(
        loader=jinja2.FileSystemLoader([str(p) for p in search_path]),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(filters(loc))
    env.globals["t"] = loc.text  # t("brief.sections.summary"), t("units", ds.units), t("key", field=value)
    env.globals["unfilled"] = lambda block: _unfilled(loc, block)
    return env


def _unfilled(loc: Locale, block: str) -> str:
    """The default of every prose block of brief.md.j2: a pack that does not fill one stops the build."""
    raise BuildError(f"{loc.brief_template}: block {block!r} is not filled; every block of the shared "
                     "brief.md.j2 needs this language's prose (an empty block leaves a passage out)")


# What a template or a filter may raise while rendering: reported as the template's file and line.
RENDER_ERRORS = (jinja2.TemplateError, LookupError, TypeError, ValueError, ArithmeticError, AttributeError)


def render_template(env: jinja2.Environment, name: str, context: Mapping[str, Any]) -> str:
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateNotFound as exc:
        raise BuildError(f"template {exc.name!r} not found") from None
    except RENDER_ERRORS as exc:
        where, line = getattr(exc, "filename", None) or name, getattr(exc, "lineno", None)
        tb = exc.__traceback__
        while tb is not None:  # Jinja points its traceback at template lines: keep the innermost
            if "__jinja_exception__" in tb.tb_frame.f_globals:
                where, line = tb.tb_frame.f_code.co_filename, tb.tb_lineno
            tb = tb.tb_next
        dirs = [Path(d) for d in getattr(env.loader, "searchpath", [])]  # named as the loader knows it
        where = next((Path(where).relative_to(d).as_posix() for d in dirs if Path(where).is_relative_to(d)), where)
        what = str(exc) if isinstance(exc, jinja2.TemplateError) else f"{type(exc).__name__}: {exc}"
        raise BuildError(f"{where}{f', line {line}' if line else ''}: {what}") from None


def markdown_to_html(text: str, images: Mapping[str, bytes]) -> str:
    """The body HTML of a Markdown brief; images referenced by file name become data URIs."""
    md = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table")

    def image(renderer: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        token = tokens[idx]
        src = str(token.attrGet("src") or "")
        alt = html.escape(token.content or "")
        data = images.get(src)
        if data is None:
            raise BuildError(f"figure {src!r} referenced by the brief was not built")
        mime = mimetypes.guess_type(src)[0] or "application/octet-stream"
        uri = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
        return f'<img src="{uri}" alt="{alt}">'

    md.add_render_rule("image", image)
    return md.render(text)


def subsetting_warning() -> str | None:
    """A warning when HarfBuzz's subsetting library is missing (WeasyPrint then uses slow fontTools)."""
    import ctypes.util

    if ctypes.util.find_library("harfbuzz-subset"):
        return None
    return ("libharfbuzz-subset0 is not installed: PDF fonts are subset with fontTools instead, "
            "several seconds per Chinese PDF (install it: apt-get install libharfbuzz-subset0)")


PDF_FONTS = {"regular": "fonts/brief-cjk-regular.otf", "bold": "fonts/brief-cjk-bold.otf"}


def stage_pdf_fonts(base_dir: Path) -> None:
    """Copy the brief's font files into the build, where the print stylesheet loads them."""
    import shutil

    from ustglass import fonts

    for weight, rel in PDF_FONTS.items():
        target = base_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(fonts.cjk_font_path(weight), target)  # type: ignore[arg-type]


def pdf_bytes(page_html: str, *, base_dir: Path) -> bytes:
    """Render HTML to PDF with WeasyPrint, loading only data: URIs and files inside ``base_dir``.

    The brief's fonts are staged into ``base_dir`` first, so the PDF is set in exactly the
    font the charts use, whatever else the machine has. Any other URL (network, or a file
    elsewhere on disk) stops the build with an error.
    """
    stage_pdf_fonts(base_dir)
    try:
        import weasyprint
        from weasyprint.urls import FatalURLFetchingError, URLFetcher
    except ImportError as exc:  # pragma: no cover - depends on the machine
        raise BuildError(f"WeasyPrint is not importable ({exc}); install ustglass with its dependencies") from None
    root = base_dir.resolve()

    class BuildOnlyFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("file://"):
                path = Path(url.removeprefix("file://").split("?")[0]).resolve()
                if not (path.is_relative_to(root) and path.is_file()):
                    raise ValueError(f"{url}: outside the build directory")
            elif not url.startswith("data:"):
                raise ValueError(f"{url}: the PDF renderer fetches nothing from the network")
            return super().fetch(url, headers)

    fetcher = BuildOnlyFetcher(allowed_protocols=("data", "file"), fail_on_errors=True)
    try:
        document = weasyprint.HTML(string=page_html, base_url=root.as_uri() + "/", url_fetcher=fetcher)
        return bytes(document.write_pdf(pdf_identifier=b"ustglass"))
    except FatalURLFetchingError as exc:
        raise BuildError(f"PDF: {exc.__cause__ or exc}") from None
