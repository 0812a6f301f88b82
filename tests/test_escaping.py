"""Data strings are escaped for the format they land in: a country name as TIC writes it can
neither shift a Markdown table, nor add a link, emphasis or raw HTML to the brief (issue: hostile
files). The names here are written into the official TIC file, the way a tampered download would."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ustglass.app import app
from ustglass.fmt import md_escape
from ustglass.render import autolink, code

runner = CliRunner()
HOSTILE = {
    "United Kingdom": "Belg | 999 | x",
    "Korea, South": "[Canada](https://evil.example/c)",
    "Japan": "<script>alert(1)</script> *big* _x_",
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import official_dir

    root = tmp_path_factory.mktemp("hostile")
    official = official_dir.write(root / "official")
    tic = official / "tic" / "mfhhis01.txt"
    text = tic.read_text(encoding="utf-8")
    for name, hostile in HOSTILE.items():
        quoted = f'"{name}"' if "," in name else name
        text = re.sub(rf"(?m)^{re.escape(quoted)}\t", lambda _m, h=hostile: f"{h}\t", text)
    tic.write_text(text, encoding="utf-8")
    assert runner.invoke(app, ["fetch", "--from-dir", str(official), "--snapshots", str(root / "snaps")]).exit_code == 0
    result = runner.invoke(
        app, ["report", "--lang", "all", "--format", "md,html", "--snapshots", str(root / "snaps"), "--out", str(root / "out")]
    )
    assert result.exit_code == 0, result.output
    return root / "out"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_hostile_names_stay_text_in_the_markdown(built: Path, lang: str) -> None:
    md = (built / f"brief.{lang}.md").read_text(encoding="utf-8")
    assert "<script>" not in md and not re.search(r"(?<!\\)\]\(https://evil", md)
    assert r"\[Canada\](https://evil.example/c)" in md
    assert r"\<script\>alert(1)\</script\> \*big\* \_x\_" in md
    # the holders table keeps its four columns in every row
    rows = [ln for ln in md.splitlines() if ln.startswith("| ") and ("Belg" in ln or "Canada" in ln or "script" in ln)]
    assert rows and all(len(re.findall(r"(?<!\\)\|", ln)) == 5 for ln in rows)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_hostile_names_stay_text_in_the_html(built: Path, lang: str) -> None:
    page = (built / f"brief.{lang}.html").read_text(encoding="utf-8")
    assert "<script" not in page and 'href="https://evil.example' not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; *big* _x_" in page
    assert "Belg | 999 | x" in page and "[Canada](https://evil.example/c)" in page


def test_markdown_helpers() -> None:
    assert md_escape("nyfed_srf R&D") == "nyfed_srf R&D"  # intraword underscores and plain ampersands stay
    assert md_escape("&amp; `x` ~~y~~ #1") == r"\&amp; \`x\` \~\~y\~\~ \#1"
    assert code("a`b") == "``a`b``" and code("`a") == "`` `a ``"
    assert (
        autolink("https://fred.stlouisfed.org/graph/fredgraph.csv?id=SOFR") == "<https://fred.stlouisfed.org/graph/fredgraph.csv?id=SOFR>"
    )
    assert autolink("javascript:alert(1)") == "javascript:alert(1)"
    assert autolink("https://x.example/a> [y](z") == r"https://x.example/a\> \[y\](z"
