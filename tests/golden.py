"""Golden outputs: the brief built from the shipped 2025-12-31 snapshot, kept byte for byte.

``tests/golden/2025-12-31/`` holds the Markdown of both languages, ``key_figures.json`` and
the text of each HTML page (the page with the content of every inline chart and every embedded
font left out, since SVG coordinates and font subsets depend on the machine's FreeType and
HarfBuzz builds). ``test_golden.py`` rebuilds them and
compares byte for byte. After an intended change to the brief, regenerate them with

    .venv/bin/python tests/golden.py

and commit the regenerated files together with the change, naming it in the commit message.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SNAPSHOT = "2025-12-31"
GOLDEN = REPO / "tests" / "golden" / SNAPSHOT
LANGS = ("zh", "en")
_DATA_URI = re.compile(r'<img src="data:[^"]*"')
_FONT_URI = re.compile(r'url\("data:font/[^"]*"\)')
_CHART = re.compile(r'(<svg class="chart"[^>]*>).*?</svg>', re.S)


def html_text(page: str) -> str:
    """The HTML page with each embedded image, font and inline chart replaced by a stable marker."""
    page = _CHART.sub(r"\1…</svg>", page)
    page = _FONT_URI.sub('url("data:font/…")', page)
    return _DATA_URI.sub('<img src="data:…"', page)


def build() -> dict[str, bytes]:
    """The golden files, freshly built from the shipped snapshot."""
    from ustglass import pipeline
    from ustglass.config import Format, ReportConfig

    with tempfile.TemporaryDirectory() as tmp:
        cfg = ReportConfig(
            langs=LANGS, formats=(Format.md, Format.html), snapshots_root=REPO / "data_snapshots", out_dir=Path(tmp), snapshot=SNAPSHOT
        )
        built = pipeline.build(cfg)
    files = {"key_figures.json": built.files["key_figures.json"]}
    for lang in LANGS:
        files[f"brief.{lang}.md"] = built.files[f"brief.{lang}.md"]
        page = built.files[f"brief.{lang}.html"].decode("utf-8")
        files[f"brief.{lang}.html.txt"] = html_text(page).encode("utf-8")
    return files


def main() -> int:
    GOLDEN.mkdir(parents=True, exist_ok=True)
    files = build()
    for old in GOLDEN.iterdir():
        if old.name not in files:
            old.unlink()
    for name, data in sorted(files.items()):
        (GOLDEN / name).write_bytes(data)
        print(f"wrote {(GOLDEN / name).relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO / "tests"))
    sys.exit(main())
