"""The web page a reader gets: its structure (contents and anchors, figures, accessible tables,
the other language's edition, meta tags, embedded fonts), and how it lays out in a real browser.

The browser test opens both pages in headless Chromium (Debian's ``chromium``, installed by
``scripts/setup.sh --test``) at phone and desktop widths; it is skipped, visibly, only where no
such browser is installed.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from ustglass import alttext, figures, locale, pipeline
from ustglass.config import Format, ReportConfig

REPO = Path(__file__).resolve().parents[1]
EDITION = "2025-12-31"
LANGS = ("zh", "en")
WIDTHS = (360, 390, 1280, 1440)  # a small phone, a common phone, a laptop, a wide desktop


def config(out: Path) -> ReportConfig:
    return ReportConfig(langs=LANGS, formats=(Format.html,), snapshots_root=REPO / "data_snapshots", out_dir=out, snapshot=EDITION)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    pipeline.build_report(config(out))
    return out


def page(site: Path, lang: str) -> str:
    return (site / f"brief.{lang}.html").read_text(encoding="utf-8")


class Elements(HTMLParser):
    """Every start tag of a page with its attributes, in order, and the text inside each tag named."""

    def __init__(self, text_of: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text_of, self.open, self.texts = text_of, [], {t: [] for t in text_of}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        if tag in self.text_of:
            self.open.append([tag, ""])

    def handle_endtag(self, tag: str) -> None:
        if self.open and self.open[-1][0] == tag:
            name, text = self.open.pop()
            self.texts[name].append(" ".join(text.split()))

    def handle_data(self, data: str) -> None:
        for entry in self.open:
            entry[1] += data


def parse(text: str, text_of: tuple[str, ...] = ()) -> Elements:
    parser = Elements(text_of)
    parser.feed(text)
    return parser


# ---------------------------------------------------------------- structure


@pytest.mark.parametrize("lang", LANGS)
def test_contents_link_to_stable_ascii_heading_anchors(site: Path, lang: str) -> None:
    loc, doc = locale.load(lang), parse(page(site, lang), ("h2", "h3"))
    ids = [a["id"] for tag, a in doc.tags if "id" in a]
    assert len(ids) == len(set(ids)) and all(i.isascii() for i in ids)  # the charts' own ids are prefixed, so none repeats
    anchors = [a["id"] for tag, a in doc.tags if "id" in a and tag in ("h1", "h2", "h3", "figure")]
    assert all(re.fullmatch(r"[a-z][a-z0-9-]*", i) for i in anchors), anchors
    headings = [a.get("id") for tag, a in doc.tags if tag in ("h2", "h3") and a.get("id") not in ("contents",)]
    assert headings == [
        "summary",
        "deficits",
        "holders",
        "funding",
        "scorecard",
        "scenarios",
        "outlook",
        "changes",
        "methods",
        "datasets",
        "method-notes",
        "claims",
        "analysis-methods",
        "indicator-methods",
        "scenario-parameters",
    ]
    links = [a["href"] for tag, a in doc.tags if tag == "a" and a.get("href", "").startswith("#")]
    assert links == [f"#{h}" for h in headings]  # the contents, in order, each to a heading that exists
    assert loc.text("brief.sections.summary") in doc.texts["h2"] and loc.text("brief.sections.datasets") in doc.texts["h3"]
    # every heading's id comes from its key in the pack, the same in every language: none is numbered by its position
    assert not [i for i in anchors if i.startswith("section-")]
    assert f'<h4 id="futures-margins">{loc.text("brief.analysis_methods.margins")}</h4>' in page(site, lang)  # not in the contents


@pytest.mark.parametrize("lang", LANGS)
def test_figures_have_inline_charts_and_captions(site: Path, lang: str) -> None:
    """Every figure of the registry, in its order: the chart inline, labelled with the figure's alt
    text (the pack's [brief.alt] sentence), and its numbered caption."""
    loc, text = locale.load(lang), page(site, lang)
    found = re.findall(
        r'<figure class="chart" id="figure-([a-z-]+)">\n<svg class="chart" role="img" aria-label="([^"]*)".*?</svg>\n'
        r"<figcaption>([^<]*)</figcaption>\n</figure>",
        text,
        flags=re.S,
    )
    _, kf = pipeline.load_key_figures(config(site))
    assert [(f, html.unescape(label), html.unescape(caption)) for f, label, caption in found] == [
        (
            fid.replace("_", "-"),
            alttext.alt_text(fid, kf, loc),
            loc.text("brief.captions.figure", n=n, title=loc.text("brief.figures", fid)),
        )
        for n, fid in enumerate(figures.IDS, start=1)
    ]
    charts = "".join(re.findall(r'<svg class="chart".*?</svg>', text, flags=re.S))
    assert "<?xml" not in text and "<metadata>" not in charts and ' style="' not in charts and "<style" not in charts
    # the charts' text is set in the page's own CJK face (the one its @font-face embeds), not a machine's copy
    assert set(re.findall(r'font-family="([^"]*)"', charts)) == {"'Brief Noto Sans CJK SC'"}


@pytest.mark.parametrize("lang", LANGS)
def test_tables_are_captioned_and_scoped(site: Path, lang: str) -> None:
    loc, text = locale.load(lang), page(site, lang)
    captions = re.findall(r'<div class="table-wrap">\n<table>\n<caption>([^<]*)</caption>', text)
    placed = [t for t in loc.get("brief.tables") if t not in ("changes", "signals")]  # "what changed" has no previous edition here
    assert captions == [loc.text("brief.captions.table", n=n, title=loc.text("brief.tables", t)) for n, t in enumerate(placed, 1)]
    assert len(captions) == text.count("<table>")  # every table is captioned
    for table in re.findall(r"<table>.*?</table>", text, flags=re.S):
        head, body = table.split("<tbody>")
        cells = re.findall(r"<th(?: [^>]*)?>", head)
        assert cells and all('scope="col"' in th for th in cells)
        rows = re.findall(r"<tr>\n(<t[hd][^>]*>)", body)
        assert rows and all(cell.startswith("<th") and 'scope="row"' in cell for cell in rows)  # each row's first cell heads it


def test_the_editions_link_to_each_other(site: Path) -> None:
    for lang, other in (("zh", "en"), ("en", "zh")):
        theirs = locale.load(other)
        link = f'<a href="brief.{other}.html" hreflang="{theirs.html_lang}" lang="{theirs.html_lang}">{theirs.text("language_name")}</a>'
        assert link in page(site, lang)
        assert f'<link rel="alternate" hreflang="{theirs.html_lang}" href="brief.{other}.html">' in page(site, lang)
        assert (site / f"brief.{other}.html").is_file()


def test_one_language_built_links_to_none(tmp_path: Path) -> None:
    cfg = ReportConfig(
        langs=("en",), formats=(Format.html,), snapshots_root=REPO / "data_snapshots", out_dir=tmp_path, snapshot=EDITION, figures=()
    )
    text = pipeline.build(cfg).files["brief.en.html"].decode("utf-8")
    assert 'class="editions"' not in text and "<link" not in text


@pytest.mark.parametrize("lang", LANGS)
def test_meta_tags_language_and_print_stylesheet(site: Path, lang: str) -> None:
    loc, text = locale.load(lang), page(site, lang)
    assert text.startswith(f'<!DOCTYPE html>\n<html lang="{loc.html_lang}">\n')
    description = loc.text("description")
    for tag in (
        f'<meta name="description" content="{description}">',
        f'<meta property="og:description" content="{description}">',
        f'<meta property="og:title" content="{loc.text("title")}">',
        '<meta property="og:type" content="article">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="author" content="ustglass">',
    ):
        assert tag in text
    assert "@media print {" in text and "@media screen and (max-width: 40rem) {" in text


@pytest.mark.parametrize("lang", LANGS)
def test_fonts_are_embedded_subsets(site: Path, lang: str) -> None:
    text = page(site, lang)
    faces = re.findall(
        r'@font-face \{ font-family: "([^"]+)"; src: url\("data:font/woff2;base64,([^"]+)"\); font-weight: (\d+); font-style: (\w+);', text
    )
    assert [(f, w, s) for f, _, w, s in faces] == [
        ("Brief Noto Sans", "400", "normal"),
        ("Brief Noto Sans", "700", "normal"),
        ("Brief Noto Sans", "400", "italic"),
        ("Brief Noto Sans", "700", "italic"),
        ("Brief Noto Sans CJK SC", "400", "normal"),
        ("Brief Noto Sans CJK SC", "700", "normal"),
    ]
    # subsets: the whole page, charts and fonts, stays under 1 MB (one whole CJK face is over 15 MB)
    assert len(text.encode("utf-8")) < 1_000_000


# ---------------------------------------------------------------- in a browser


def browser() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    pytest.skip("no headless browser installed (the Debian package chromium; scripts/setup.sh --test installs it)")


PROBE = """<script>
document.fonts.ready.then(function () {
  var root = document.documentElement, width = root.clientWidth, wide = [];
  document.querySelectorAll("body *").forEach(function (el) {
    for (var p = el.parentElement; p; p = p.parentElement) { if (getComputedStyle(p).overflowX !== "visible") return; }
    var r = el.getBoundingClientRect();
    if (r.width > 0 && (r.right > width + 0.5 || r.left < -0.5)) wide.push(el.tagName.toLowerCase() + "." + el.className);
  });
  var fonts = [];
  document.fonts.forEach(function (f) { fonts.push([f.family, f.weight, f.style, f.status]); });
  parent.postMessage(JSON.stringify({
    width: width, scroll: root.scrollWidth, wide: wide,
    images: Array.prototype.map.call(document.images, function (i) { return i.complete && i.naturalWidth > 0; }),
    charts: Array.prototype.map.call(document.querySelectorAll("svg.chart"), function (s) {
      var r = s.getBoundingClientRect(); return [r.left, r.right, r.height]; }),
    fonts: fonts
  }), "*");
});
</script>"""

HARNESS = """<!DOCTYPE html><html><body style="margin:0"><pre id="result">no answer</pre>
<iframe src="{src}" style="width:{width}px;height:2400px;border:0"></iframe>
<script>window.addEventListener("message", function (e) {{ document.getElementById("result").textContent = e.data; }});</script>
</body></html>"""


def measure(html: str, width: int, tmp: Path) -> dict:
    """Open ``html`` in headless Chromium in a frame ``width`` CSS pixels wide; what the probe saw."""
    (tmp / "probed.html").write_text(html.replace("</body>", PROBE + "\n</body>"), encoding="utf-8")
    (tmp / "harness.html").write_text(HARNESS.format(src="probed.html", width=width), encoding="utf-8")
    args = [
        browser(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp / 'profile'}",
        "--window-size=1400,2000",
        "--virtual-time-budget=15000",
        "--dump-dom",
        (tmp / "harness.html").as_uri(),
    ]
    done = subprocess.run(args, capture_output=True, text=True, timeout=180)
    found = re.search(r'<pre id="result">(.*?)</pre>', done.stdout, flags=re.S)
    assert found and found[1] != "no answer", f"Chromium gave no measurement (exit {done.returncode}): {done.stderr[-800:]}"
    return json.loads(found[1].replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))


def test_the_probe_sees_an_overflow(tmp_path: Path) -> None:
    seen = measure('<!DOCTYPE html><html><body><div class="too-wide" style="width:900px">x</div></body></html>', 390, tmp_path)
    assert seen["width"] <= 390 and seen["scroll"] > seen["width"] and "div.too-wide" in seen["wide"]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang", LANGS)
def test_pages_fit_the_screen_and_everything_loads(site: Path, lang: str, width: int, tmp_path: Path) -> None:
    seen = measure(page(site, lang), width, tmp_path)
    assert width - 20 <= seen["width"] <= width
    assert seen["scroll"] <= seen["width"] and seen["wide"] == []  # nothing overflows horizontally (wide tables scroll in their box)
    assert all(seen["images"])
    assert len(seen["charts"]) == len(figures.IDS)
    assert all(left >= 0 and right <= seen["width"] and height > 100 for left, right, height in seen["charts"])  # charts scale
    status = {(family, weight, style): state for family, weight, style, state in seen["fonts"]}
    assert "error" not in status.values(), status
    assert status[("Brief Noto Sans", "400", "normal")] == status[("Brief Noto Sans CJK SC", "400", "normal")] == "loaded"
