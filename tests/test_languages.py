"""Language packs: a new language is one folder, the shipped packs are complete, and no code
or template outside the pack loader knows which languages exist.

The pseudo-language ``xx`` is the English pack copied into an editor's ``--templates`` folder
with a few words and number rules changed; it builds with no Python change.
"""

from __future__ import annotations

import ast
import shutil
import tomllib
from pathlib import Path

import jinja2
import pytest
from jinja2 import nodes
from typer.testing import CliRunner

from ustglass import datasets, fmt, locale, pipeline
from ustglass.app import app
from ustglass.config import Format, ReportConfig
from ustglass.errors import BuildError
from ustglass.figures import IDS as FIGURE_IDS

REPO = Path(__file__).resolve().parents[1]
TEMPLATES = REPO / "templates"
PACKS = TEMPLATES / "locales"
SHIPPED = REPO / "data_snapshots"
EDITION = "2025-12-31"
GOLDEN = REPO / "tests" / "golden" / EDITION
runner = CliRunner()

# (file in the pack, text in the English pack, text in the pseudo-language): each must match once.
XX_EDITS = [
    ("locale.toml", 'html_lang = "en"', 'html_lang = "xx"'),
    ("locale.toml", 'title = "Glass Houses: The Fragility of U.S. Treasury Market Liquidity"', 'title = "Glashäuser: Treasury <fragil>"'),
    ("locale.toml", 'decimal = "."', 'decimal = ","'),
    ("locale.toml", 'group = ","', 'group = "."'),
    ("locale.toml", 'percent = "{n}%"', 'percent = "{n} %"'),
    ("locale.toml", 'bp = "{n} bp"', 'bp = "{n} Bp."'),
    ("locale.toml", 'pattern = "${n} trillion"', 'pattern = "{n} Bio. US$"'),
    ("locale.toml", 'pattern = "${n} billion"', 'pattern = "{n} Mrd. US$"'),
    ("locale.toml", 'day = "{month_name} {day}, {year}"', 'day = "{day}. {month_name} {year}"'),
    ("locale.toml", 'fiscal_year = "FY{year}"', 'fiscal_year = "GJ{year}"'),
    ("locale.toml", '"November", "December"]', '"November", "Dezember"]'),
    ("locale.toml", 'default = "th"', 'default = "."'),
    ("locale.toml", 'by_last_digit = { 1 = "st", 2 = "nd", 3 = "rd" }', "by_last_digit = {}"),
    ("locale.toml", 'fell = "fell"', 'fell = "sank"'),
    ("locale.toml", 'summary = "Summary"', 'summary = "Zusammenfassung"'),
    ("locale.toml", 'deficit = "Federal deficit, {latest_fy}"', 'deficit = "Bundesdefizit, {latest_fy}"'),
    ("locale.toml", 'rank = "Rank"', 'rank = "Rang"'),
    ("locale.toml", 'title = "Major foreign holders of Treasury securities"', 'title = "Größte ausländische Halter"'),
    ("locale.toml", '"billions of USD" = "billions of USD"', '"billions of USD" = "Mrd. US-Dollar"'),
    ("locale.toml", '"Korea, South" = "South Korea"', '"Korea, South" = "Südkorea"\n"Japan" = "Nippon"'),
    ("brief.md.j2", "The Treasury market has to absorb large and persistent deficits", "Der Treasury-Markt muss große Defizite aufnehmen"),
]


def flat(output: str) -> str:
    """CLI output with the usage box's borders and line breaks taken out."""
    return " ".join(output.replace("│", " ").split())


@pytest.fixture
def xx(tmp_path: Path) -> Path:
    """An editor's templates folder holding the pseudo-language pack ``xx``."""
    pack = tmp_path / "templates" / "locales" / "xx"
    shutil.copytree(PACKS / "en", pack)
    for name, old, new in XX_EDITS:
        text = (pack / name).read_text(encoding="utf-8")
        assert text.count(old) == 1, f"the English pack's {name} no longer has {old!r} once"
        (pack / name).write_text(text.replace(old, new), encoding="utf-8")
    return tmp_path / "templates"


def build(templates: Path | None, langs: tuple[str, ...], figures: tuple[str, ...], formats=(Format.md, Format.html)) -> dict[str, bytes]:
    cfg = ReportConfig(
        langs=langs,
        formats=formats,
        snapshots_root=SHIPPED,
        out_dir=Path("unused"),
        snapshot=EDITION,
        templates_dir=templates,
        figures=figures,
    )
    return pipeline.build(cfg).files


def test_pseudo_language_builds_from_its_pack_alone(xx: Path) -> None:
    files = build(xx, ("xx",), FIGURE_IDS)
    md = files["brief.xx.md"].decode("utf-8")
    # words from the pack: heading, title, table labels, dataset, unit and country names, prose
    assert md.startswith("# Glashäuser: Treasury <fragil>\n\n*Snapshot 2025-12-31 · data to 31. Dezember 2025 ·")
    assert "\n## Zusammenfassung\n\nDer Treasury-Markt muss große Defizite aufnehmen" in md
    assert "| Bundesdefizit, GJ2025 | 1,8 Bio. US$ | GJ2025 |" in md
    assert "| Rang | Holder | October 2025 | October 2024 |" in md  # the newest TIC month published by 2025-12-31
    assert "| 1 | Nippon | 1,20 Bio. US$ | 1,10 Bio. US$ |" in md
    assert "The largest holder was Nippon (1,2 Bio. US$)." in md
    assert "- **Größte ausländische Halter** — U.S. Department of the Treasury" in md
    assert "Unit: Mrd. US-Dollar; observations " in md
    # numbers and dates by the pack's rules: decimal comma, tiers, percent, bp, ordinal, fiscal year
    assert "41 Mrd. US$ less than the 1,82 Bio. US$ of GJ2024" in md
    assert "the share sank from 22,6 % a year earlier" in md
    assert "Bills were 22,3 % of marketable debt on 30. November 2025" in md
    assert "| SOFR − IORB | +6 Bp. | 30. Dezember 2025 |" in md
    assert "The Cayman Islands ranked 6. with 419 Mrd. US$" in md
    loc = locale.load("xx", locale.search_path(xx))
    assert fmt.usd_bn(1850.0, loc, 2) == "1,85 Bio. US$" and f"holdings at about {fmt.usd_bn(1800.0, loc)}, above" in md
    # the claim check restates the article's claims in the words of the pack's claims.toml (copied
    # from English here); its data follow the pack's rules
    claims_start, claims_end = md.index("\n## Appendix A. Claim check\n"), md.index("\n## Appendix B.")
    assert "| FY2025 deficit: 1,77 Bio. US$ (GJ2025), −25 Mrd. US$ against the claim | supported |" in md[claims_start:claims_end]
    rest = md[:claims_start] + md[claims_end:]
    for english in ("## Summary", "$1.8 trillion", "December 2025", "FY2025", "7th", "Japan", "21.6%"):
        assert english not in rest, english
    page = files["brief.xx.html"].decode("utf-8")
    assert '<html lang="xx">' in page and "<title>Glashäuser: Treasury &lt;fragil&gt;</title>" in page
    assert '<h2 id="summary">Zusammenfassung</h2>' in page


def test_pseudo_language_from_the_command_line(xx: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "report",
            "--lang",
            "xx",
            "--format",
            "md,html",
            "--snapshot",
            str(SHIPPED / EDITION),
            "--templates",
            str(xx),
            "--out",
            str(tmp_path / "o"),
        ],
    )
    assert result.exit_code == 0, result.output
    md = (tmp_path / "o" / "brief.xx.md").read_text(encoding="utf-8")
    assert "| 1 | Nippon | 1,20 Bio. US$ | 1,10 Bio. US$ |" in md
    assert sorted(p.name for p in (tmp_path / "o" / "figures").iterdir()) == sorted(f"{f}.xx.png" for f in FIGURE_IDS)


def test_lang_option_takes_any_pack_and_names_them_when_wrong(xx: Path, tmp_path: Path) -> None:
    # xx exists only in the editor's folder: accepted there (the build then stops at the missing snapshot)
    result = runner.invoke(
        app,
        [
            "report",
            "--lang",
            "xx",
            "--templates",
            str(xx),
            "--snapshot",
            "1999-01-01",
            "--snapshots",
            str(tmp_path),
            "--out",
            str(tmp_path / "o"),
        ],
    )
    assert result.exit_code == 1
    assert result.stderr.strip() == f"Error: 1999-01-01: no such snapshot (looked in {tmp_path})"
    result = runner.invoke(app, ["report", "--lang", "xx", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "no language pack 'xx'; choose from en, zh or all" in flat(result.output)
    result = runner.invoke(app, ["report", "--lang", "yy", "--templates", str(xx), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "no language pack 'yy'; choose from en, xx, zh or all" in flat(result.output)
    assert not (tmp_path / "o").exists()
    assert locale.choose("all", locale.search_path(xx)) == (locale.DEFAULT, "en", "xx")


def test_a_missing_key_stops_the_build_naming_pack_and_key(xx: Path) -> None:
    toml = xx / "locales" / "xx" / "locale.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('summary = "Zusammenfassung"\n', ""), encoding="utf-8")
    with pytest.raises(BuildError) as err:
        build(xx, ("xx",), ())
    assert str(err.value) == f"{toml}: missing key 'brief.sections.summary'"
    toml.write_text(toml.read_text(encoding="utf-8").replace('"percent of GDP" = "percent of GDP"\n', ""), encoding="utf-8")
    with pytest.raises(BuildError) as err:
        locale.load("xx", locale.search_path(xx)).get("units", "percent of GDP")
    assert str(err.value) == f"{toml}: missing key 'units.\"percent of GDP\"'"


def test_a_field_the_template_does_not_fill_is_an_error(xx: Path) -> None:
    toml = xx / "locales" / "xx" / "locale.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("Bundesdefizit, {latest_fy}", "Bundesdefizit, {last_fy}"), encoding="utf-8")
    with pytest.raises(BuildError) as err:
        build(xx, ("xx",), ())
    assert str(err.value) == f"{toml}: key 'brief.key_table.deficit': unknown field {{last_fy}} (known here: {{latest_fy}})"


def test_an_unfilled_prose_block_stops_the_build(xx: Path) -> None:
    prose = xx / "locales" / "xx" / "brief.md.j2"
    text = prose.read_text(encoding="utf-8")
    start, end = text.index("{% block outlook %}"), text.index("{% block methods %}")
    prose.write_text(text[:start] + text[end:], encoding="utf-8")
    with pytest.raises(BuildError) as err:
        build(xx, ("xx",), ())
    assert str(err.value) == (
        "locales/xx/brief.md.j2: block 'outlook' is not filled; every block of the shared brief.md.j2 "
        "needs this language's prose (an empty block leaves a passage out)"
    )


def test_any_subset_of_figures_builds_and_omits_the_others() -> None:
    """figures=("deficits",) used to fail with KeyError 'holders': the holders table read the chart's names."""
    files = build(None, ("en", "zh"), ("deficits",), formats=(Format.md,))
    assert sorted(files) == ["brief.en.md", "brief.zh.md", "figures/deficits.en.png", "figures/deficits.zh.png", "key_figures.json"]
    for code in ("en", "zh"):
        golden = (GOLDEN / f"brief.{code}.md").read_text(encoding="utf-8")
        pack = locale.load(code)
        for n, fid in enumerate(FIGURE_IDS, start=1):  # the golden numbers every figure in the registry's order
            if fid == "deficits":
                continue
            lines = golden.splitlines()
            at = next(i for i, ln in enumerate(lines) if ln.endswith(f"(figures/{fid}.{code}.png)"))
            golden = golden.replace(f"{lines[at]}\n\n{lines[at + 2]}\n\n", "")  # the image and its caption
            golden = golden.replace(pack.text("brief.captions.figure_ref", n=n), "")
        assert files[f"brief.{code}.md"].decode("utf-8") == golden


# ---------------------------------------------------------------- the shipped packs are complete


def keys(table: dict, prefix: str = "") -> set[str]:
    """Every key path of a pack, with the free-form tables (countries, ordinal suffixes) as one key."""
    out = set()
    for key, value in table.items():
        if isinstance(value, dict) and key not in ("countries", "by_last_digit"):
            out |= keys(value, f"{prefix}{key}.")
        else:
            out.add(prefix + key)
    return out


def shipped_packs() -> dict[str, dict]:
    return {p.parent.name: tomllib.loads(p.read_text(encoding="utf-8")) for p in sorted(PACKS.glob(f"*/{locale.PACK_FILE}"))}


def test_shipped_packs_define_the_same_keys() -> None:
    packs = shipped_packs()
    assert set(packs) == set(locale.available()) and len(packs) >= 2
    reference = keys(packs[locale.DEFAULT])
    for code, pack in packs.items():
        assert keys(pack) == reference, f"{code}: {sorted(keys(pack) ^ reference)}"
        assert (PACKS / code / locale.BRIEF_TEMPLATE).is_file()


def test_every_dataset_unit_and_research_entry_is_named_in_every_pack() -> None:
    research = tomllib.loads((REPO / "cli" / "ustglass" / "research" / "estimates.toml").read_text(encoding="utf-8"))
    for code in locale.available():
        loc = locale.load(code)
        for spec in datasets.ALL.values():
            assert loc.text("datasets", spec.id, "title") and loc.text("datasets", spec.id, "source")
            assert loc.text("units", spec.units)
        for entry in research:
            assert loc.text("research", entry, "title")


def test_every_prose_template_fills_every_block_of_the_structure() -> None:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)))

    def blocks(name: str) -> list[str]:
        return [b.name for b in env.parse(env.loader.get_source(env, name)[0]).find_all(nodes.Block)]

    structure = blocks("brief.md.j2")
    assert "summary" in structure and "methods" in structure
    for code in locale.available():  # each block once; a pack may fill them in any order (docs/languages.md)
        assert sorted(blocks(f"locales/{code}/{locale.BRIEF_TEMPLATE}")) == sorted(structure), code


# ---------------------------------------------------------------- nobody else knows the languages


def test_no_module_but_the_pack_loader_names_a_language() -> None:
    codes = {str(locale.load(c).get("html_lang")) for c in locale.available()} | set(locale.available())
    for path in sorted((REPO / "cli" / "ustglass").rglob("*.py")):
        if path.name == "locale.py" and path.parent.name == "ustglass":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        named = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and n.value in codes}
        assert not named, f"{path.relative_to(REPO)} names language code(s) {sorted(named)}"


def test_no_template_tests_the_language() -> None:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)))
    for path in sorted(TEMPLATES.rglob("*.j2")):
        tree = env.parse(path.read_text(encoding="utf-8"))
        names = {n.name for n in tree.find_all(nodes.Name)}
        assert not names & {"lang", "loc", "code"}, path.relative_to(REPO)
        constants = {c.value for c in tree.find_all(nodes.Const) if isinstance(c.value, str)}
        assert not constants & set(locale.available()), path.relative_to(REPO)
