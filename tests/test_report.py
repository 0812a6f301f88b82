"""`ustglass report`: a full build from official-layout files, checked on its content.

Numbers are checked against the inputs written in tests/official_dir.py and against the
key-figures JSON, formatted the way a reader sees them; PDF text is extracted with pypdf.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pypdf
import pytest
from typer.testing import CliRunner

from ustglass import figures, fmt, locale
from ustglass.app import app


def loc(code: str) -> locale.Locale:
    return locale.load(code)


runner = CliRunner()
# The title and every heading of the brief, by its key in the language pack.
HEADINGS = (
    "title",
    *(f"brief.sections.{k}" for k in ("summary", "deficits", "holders", "funding", "outlook", "methods", "datasets", "method_notes")),
    *(f"brief.{k}.heading" for k in ("scorecard", "scenarios", "changes", "claims", "analysis_methods")),
)


def pdf_text(path: Path, lang: str) -> str:
    """All text of a PDF with lines rejoined (a number may wrap): with a space in English, without in Chinese."""
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(path).pages)
    return re.sub(r" *\n *", " " if lang == "en" else "", text)


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import official_dir

    root = tmp_path_factory.mktemp("build")
    official = official_dir.write(root / "official")
    assert runner.invoke(app, ["fetch", "--from-dir", str(official), "--snapshots", str(root / "snaps")]).exit_code == 0
    result = runner.invoke(app, ["report", "--lang", "all", "--snapshots", str(root / "snaps"), "--out", str(root / "out")])
    assert result.exit_code == 0, result.output
    return root / "out"


@pytest.fixture(scope="module")
def kf(build: Path) -> dict:
    return json.loads((build / "key_figures.json").read_text(encoding="utf-8"))


def test_outputs(build: Path) -> None:
    names = sorted(p.relative_to(build).as_posix() for p in build.rglob("*") if p.is_file())
    expected = ["key_figures.json"] + [f"brief.{lang}.{ext}" for lang in ("en", "zh") for ext in ("html", "md", "pdf")]
    expected += [f"figures/{f}.{lang}.png" for f in sorted(figures.IDS) for lang in ("en", "zh")]
    assert names == sorted(expected)


def test_key_figures_from_the_official_inputs(kf: dict) -> None:
    assert kf["snapshot"] == kf["as_of"] == "2026-08-07"
    # FYFSD in millions, deficit negative -> positive USD bn
    assert kf["fiscal"]["deficit_usd_bn"] == {
        "2019": 983.6,
        "2020": 3132.5,
        "2021": 2775.3,
        "2022": 1375.9,
        "2023": 1693.7,
        "2024": 1815.4,
        "2025": 1774.7,
    }
    assert kf["fiscal"]["debt_to_gdp_pct"] == {"value": 122.6, "as_of": "2026Q1", "unit": "percent of GDP", "source": "FRED GFDEGDQ188S"}
    assert kf["holders"]["as_of"] == "2025-12"
    assert kf["holders"]["usd_bn"]["Cayman Islands"] == 421.2
    assert kf["holders"]["usd_bn"]["China, Mainland"] == 683.5
    est = kf["holders"]["cayman_estimate_usd_bn"]
    # our calculation: 423.0 official (Dec 2024) + "around $1.4 trillion" = 1,823.0, stated to the note's $100 billion
    assert est["value"] == 1800.0 and est["precision"] == 100.0 and est["as_of"] == "2024-12"
    assert "10.17016/2380-7172.3939" in est["source"] and "1,823.0 billion USD" in est["method"]
    assert kf["holders"]["largest_at_estimate_date"] == "Japan"  # compared with holders of December 2024
    assert kf["holders"]["largest_at_estimate_date_usd_bn"]["value"] == 1061.5
    press = kf["holders"]["cayman_press_total_usd_bn"]
    assert press["value"] == 1850.0 and press["doi"] == "" and press["url"].startswith("https://")
    assert kf["holders"]["cayman_press_consistent"] is True
    # 2Y: 200,000 face; the other five 100,000 (lev. funds' shorts of the 2026-08-04 report)
    latest = kf["basis"]["latest"]
    assert latest["as_of"] == "2026-08-04"
    assert kf["basis"]["lev_short_usd_bn"]["2026-08-04"] == latest["value"]
    assert kf["funding"]["sofr_iorb_bp"]["value"] == 7.0 and kf["funding"]["sofr_iorb_bp"]["as_of"] == "2026-06-23"
    assert kf["funding"]["rrp_usd_bn"] == {
        "value": 2.6,
        "as_of": "2026-06-23",
        "unit": "billions of USD",
        "source": "FRED RRPONTSYD",
    }  # 2.55, half-up
    assert kf["funding"]["reserves_usd_bn"]["value"] == 3033.4
    assert kf["funding"]["tga_usd_bn"]["value"] == 925.9
    assert kf["debt"]["bills_share_pct"]["as_of"] == "2026-05-31"


def test_basis_notional_is_contracts_times_face(kf: dict, build: Path) -> None:
    import csv

    snaps = build.parent / "snaps" / "2026-08-07"
    face = {"042601": 200_000, "044601": 100_000, "043602": 100_000, "043607": 100_000, "020601": 100_000, "020604": 100_000}
    rows = [r for r in csv.DictReader(open(snaps / "cftc_tff_ust.csv")) if r["report_date"] == "2026-08-04"]
    assert sorted(r["contract_code"] for r in rows) == sorted(face)
    expected = round(sum(int(r["lev_short"]) * face[r["contract_code"]] for r in rows) / 1e9, 1)
    assert kf["basis"]["latest"]["value"] == expected


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pdf_text_has_headings_and_numbers(build: Path, kf: dict, lang: str) -> None:
    text = pdf_text(build / f"brief.{lang}.pdf", lang)
    for heading in (loc(lang).text(key) for key in HEADINGS):
        assert heading in text, heading
    fy = kf["fiscal"]["latest_fy"]
    for expected in (
        fmt.usd_bn(kf["fiscal"]["deficit_usd_bn"][fy], loc(lang)),
        fmt.fiscal_year(fy, loc(lang)),
        fmt.usd_bn(kf["holders"]["usd_bn"]["Cayman Islands"], loc(lang)),
        fmt.usd_bn(kf["holders"]["cayman_estimate_usd_bn"]["value"], loc(lang), step=kf["holders"]["cayman_estimate_usd_bn"]["precision"]),
        fmt.usd_bn(kf["basis"]["latest"]["value"], loc(lang)),
        fmt.day(kf["basis"]["latest"]["as_of"], loc(lang)),
        fmt.pct(kf["fiscal"]["debt_to_gdp_pct"]["value"], loc(lang)),
        fmt.pct(kf["debt"]["bills_share_pct"]["value"], loc(lang)),
        fmt.usd_bn(kf["funding"]["reserves_usd_bn"]["value"], loc(lang)),
        fmt.month(kf["holders"]["as_of"], loc(lang)),
    ):
        assert expected in text, expected


def test_prose_follows_the_data(build: Path) -> None:
    md_en = (build / "brief.en.md").read_text(encoding="utf-8")
    md_zh = (build / "brief.zh.md").read_text(encoding="utf-8")
    # FY2025 deficit 1,774.7 < FY2024 1,815.4: 40.7 less; the two years read differently ($1.77 and $1.82 trillion)
    assert "The federal government ran a deficit of $1.77 trillion in FY2025: $41 billion less than the $1.82 trillion of FY2024." in md_en
    assert "2025财年联邦政府赤字为1.77万亿美元；比2024财年的1.82万亿美元减少410亿美元。" in md_zh
    assert (
        "| Deficit | $984 billion | $3.13 trillion | $2.78 trillion | $1.38 trillion | $1.69 trillion | $1.82 trillion | $1.77 trillion |"
        in md_en
    )
    # SOFR 3.72 vs IORB 3.65 on 2026-06-23
    assert "SOFR was 3.72%, 7 bp above the interest rate the Fed pays on reserve balances (IORB, 3.65%)" in md_en
    assert "高于美联储准备金余额利率（IORB，3.65%）7个基点" in md_zh
    assert "The Cayman Islands ranked 4th" in md_en
    # the latest day is above IORB, the recent median (-2, -3, -4, +7 bp: -2.5 bp) below: the state of funding is the median's
    assert "Over the 30 days to that date the spread's median was −3 bp" in md_en  # −2.5, half-up
    assert (
        "Repo trading at or below IORB on a typical recent day suggests that reserves are still ample at the margin; that the "
        "spread rose above zero within the last 90 days shows how quickly that can change."
    ) in md_en
    assert "近期大多数交易日回购利率不高于IORB，说明边际上准备金仍算充裕；但过去90天内利差曾升至零以上" in md_zh
    # the fixture holds no report of 2020-03-24 and no 2019 week: no comparison with them is written
    assert "the article compares with" not in md_en and "原文用作比较基准" not in md_zh and "它比2020年3月24日" not in md_zh
    assert "before the pandemic (" not in md_en
    # ON RRP of $2.5 billion: too little to absorb drains
    assert "With only $2.6 billion in ON RRP on June 23, 2026, little is left to absorb drains" in md_en
    assert "Policy that relies on TIC alone misses much of this exposure." in md_en


def test_prose_turns_with_the_data(build: Path, tmp_path: Path) -> None:
    """SOFR below IORB in another snapshot: the same template says the opposite."""
    import official_dir

    official = official_dir.write(tmp_path / "official")
    sofr = official / "fred" / "SOFR.csv"
    sofr.write_text(sofr.read_text().replace("2026-06-23,3.72", "2026-06-23,3.60"))
    assert runner.invoke(app, ["fetch", "--from-dir", str(official), "--snapshots", str(tmp_path / "s")]).exit_code == 0
    result = runner.invoke(
        app, ["report", "--lang", "all", "--format", "md", "--snapshots", str(tmp_path / "s"), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 0, result.output
    md_en = (tmp_path / "o" / "brief.en.md").read_text(encoding="utf-8")
    md_zh = (tmp_path / "o" / "brief.zh.md").read_text(encoding="utf-8")
    assert "SOFR was 3.60%, 5 bp below the interest rate the Fed pays on reserve balances" in md_en
    assert "Repo trading at or below IORB on a typical recent day suggests that reserves are still ample at the margin." in md_en
    assert "that the spread rose above zero" not in md_en  # it never did in the 90 days of these data
    assert "低于美联储准备金余额利率（IORB，3.65%）5个基点" in md_zh
    assert "近期大多数交易日回购利率不高于IORB，说明边际上准备金仍算充裕。" in md_zh


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pdf_embeds_fonts(build: Path, lang: str) -> None:
    reader = pypdf.PdfReader(build / f"brief.{lang}.pdf")
    fonts = {}
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant["/FontDescriptor"].get_object()
            fonts[str(font["/BaseFont"])] = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    assert fonts and all(fonts.values()), fonts
    assert any("Noto-Sans-CJK-SC" in name for name in fonts), fonts


def test_html_is_self_contained(build: Path) -> None:
    page = (build / "brief.zh.html").read_text(encoding="utf-8")
    assert len(re.findall(r'<svg class="chart"', page)) == len(figures.IDS) and "<img" not in page  # charts inline as SVG
    fonts = re.findall(r'src: url\("([^"]+)"\)', page)
    assert len(fonts) == 6 and all(src.startswith("data:font/woff2;base64,") for src in fonts)
    assert re.findall(r"<link [^>]*>", page) == ['<link rel="alternate" hreflang="en" href="brief.en.html">']
    assert "<script" not in page and "url(http" not in page
    assert '<html lang="zh-Hans">' in page


def test_markdown_links_figures_relative(build: Path) -> None:
    md = (build / "brief.zh.md").read_text(encoding="utf-8")
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)
    assert links == [f"figures/{f}.zh.png" for f in figures.IDS]
    assert all((build / link).is_file() for link in links)


def test_same_snapshot_same_bytes(build: Path, tmp_path: Path) -> None:
    snaps = build.parent / "snaps"
    result = runner.invoke(app, ["report", "--lang", "all", "--snapshots", str(snaps), "--out", str(tmp_path)])
    assert result.exit_code == 0
    for path in build.rglob("*"):
        if path.is_file():
            assert (tmp_path / path.relative_to(build)).read_bytes() == path.read_bytes(), path.name


def test_data_is_escaped_in_html(tmp_path: Path) -> None:
    import official_dir

    official = official_dir.write(tmp_path / "official")
    tic = official / "tic" / "mfhhis01.txt"
    tic.write_bytes(tic.read_bytes().replace(b"\nJapan\t", b"\n<script>alert(1)</script>\t"))
    assert runner.invoke(app, ["fetch", "--from-dir", str(official), "--snapshots", str(tmp_path / "s")]).exit_code == 0
    result = runner.invoke(
        app, ["report", "--lang", "en", "--format", "html", "--snapshots", str(tmp_path / "s"), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 0, result.output
    page = (tmp_path / "o" / "brief.en.html").read_text(encoding="utf-8")
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_tampered_snapshot_is_refused(build: Path, tmp_path: Path) -> None:
    import shutil

    snaps = tmp_path / "snaps"
    shutil.copytree(build.parent / "snaps", snaps)
    csv = snaps / "2026-08-07" / "fred_sofr.csv"
    csv.write_text(csv.read_text().replace("3.72", "9.72"))
    result = runner.invoke(app, ["report", "--lang", "en", "--snapshots", str(snaps), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert (
        result.stderr.strip() == f"Error: {csv}: sha256 does not match manifest.json; the file was changed after the snapshot was written"
    )
    assert not (tmp_path / "o").exists()


def test_unknown_snapshot_and_format(tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", "--snapshot", "1999-01-01", "--snapshots", str(tmp_path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"Error: 1999-01-01: no such snapshot (looked in {tmp_path})"
    result = runner.invoke(app, ["report", "--format", "md,docx", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "unknown format(s): docx" in result.output


def test_editor_template_override_and_sandbox(build: Path, tmp_path: Path) -> None:
    snaps = build.parent / "snaps"
    overrides = tmp_path / "templates"
    (overrides / "locales" / "en").mkdir(parents=True)
    prose = overrides / "locales" / "en" / "brief.md.j2"
    prose.write_text("# Note\n\nDeficit {{ kf.fiscal.latest_deficit.value | usd }} in {{ kf.fiscal.latest_fy | fy }}.\n")
    args = ["report", "--lang", "en", "--format", "md", "--snapshots", str(snaps), "--templates", str(overrides)]
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "o" / "brief.en.md").read_text() == "# Note\n\nDeficit $1.8 trillion in FY2025.\n"
    prose.write_text("{{ kf.__class__.__init__.__globals__ }}\n")
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "o2")])
    assert result.exit_code == 1
    assert result.stderr == f"Error: {prose}, line 1: access to attribute '__class__' of 'KeyFigures' object is unsafe.\n"
    assert not (tmp_path / "o2").exists()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://example.com/style.css", "the PDF renderer fetches nothing from the network"),
        ("file:///etc/hostname", "outside the build directory"),
    ],
)
def test_pdf_renderer_loads_nothing_outside_the_build(build: Path, tmp_path: Path, url: str, reason: str) -> None:
    shipped = Path(__file__).resolve().parents[1] / "templates" / "page.html.j2"
    overrides = tmp_path / "templates"
    overrides.mkdir()
    page = shipped.read_text(encoding="utf-8").replace("</head>", f'<link rel="stylesheet" href="{url}">\n</head>')
    (overrides / "page.html.j2").write_text(page, encoding="utf-8")
    result = runner.invoke(
        app,
        [
            "report",
            "--lang",
            "en",
            "--format",
            "pdf",
            "--snapshots",
            str(build.parent / "snaps"),
            "--templates",
            str(overrides),
            "--out",
            str(tmp_path / "o"),
        ],
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: PDF: ")
    assert reason in result.stderr
    assert not (tmp_path / "o").exists()
