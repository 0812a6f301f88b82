"""The config file ustglass.toml: found in the working directory or named by --config, checked
as a whole, overridden by flags, and shown by `ustglass config show`."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ustglass import settings
from ustglass.app import app
from ustglass.config import Format
from ustglass.errors import UstglassError

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "data_snapshots"
runner = CliRunner()


@pytest.fixture
def cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("USTGLASS_CONFIG")  # the tests' isolation off: ./ustglass.toml is read
    return tmp_path


def flat(output: str) -> str:
    return " ".join(output.replace("│", " ").split())


def test_defaults_without_a_config_file(cwd: Path) -> None:
    s = settings.load({})
    assert s.file is None and set(s.sources.values()) == {"default"}
    cfg = s.report_config()
    assert (cfg.langs, cfg.formats, cfg.out_dir, cfg.templates_dir, cfg.strict, cfg.organisation, cfg.author) == (
        ("zh",),
        (Format.md, Format.html, Format.pdf),
        Path("out"),
        None,
        True,
        "ustglass",
        None,
    )
    result = runner.invoke(app, ["config", "show"])
    assert result.exit_code == 0, result.output
    rows = [
        ("organisation", "ustglass"),
        ("author", ""),
        ("languages", "zh"),
        ("formats", "md, html, pdf"),
        ("figure_formats", "png, svg"),
        ("out", "out"),
        ("snapshots", str(SHIPPED)),
        ("templates", "(the shipped ones)"),
        ("figures", "(the shipped ones)"),
        ("strict", "true"),
    ]
    width = max(len(v) for _, v in rows)
    assert result.stdout.splitlines() == [
        "config file: none (ustglass.toml not found)",
        *(f"{k:<14}  {v:<{width}}  (default)" for k, v in rows),
    ]


def test_config_file_then_flags(cwd: Path) -> None:
    (cwd / "tpl").mkdir()
    (cwd / "ustglass.toml").write_text(
        'organisation = "Example Research Desk"\nauthor = "A. Editor"\nlanguages = ["en", "zh"]\n'
        'formats = "md,md-inline"\nout = "build"\ntemplates = "tpl"\nstrict = false\n',
        encoding="utf-8",
    )
    s = settings.load({"formats": "html", "out": Path("elsewhere")})
    cfg = s.report_config(snapshot="2025-12-31")
    assert (cfg.organisation, cfg.author, cfg.langs, cfg.formats, cfg.out_dir, cfg.templates_dir, cfg.strict, cfg.snapshot) == (
        "Example Research Desk",
        "A. Editor",
        ("en", "zh"),
        (Format.html,),
        Path("elsewhere"),
        Path("tpl"),
        False,
        "2025-12-31",
    )
    assert {k: v for k, v in s.sources.items() if v != "default"} == {
        "organisation": "config",
        "author": "config",
        "languages": "config",
        "formats": "flag",
        "out": "flag",
        "templates": "config",
        "strict": "config",
    }
    result = runner.invoke(app, ["config", "show", "--format", "html", "--strict"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "config file: ustglass.toml"
    assert [(line.split()[0], line.split()[-1]) for line in lines[1:]] == [
        ("organisation", "(config)"),
        ("author", "(config)"),
        ("languages", "(config)"),
        ("formats", "(flag)"),
        ("figure_formats", "(default)"),
        ("out", "(config)"),
        ("snapshots", "(default)"),
        ("templates", "(config)"),
        ("figures", "(default)"),
        ("strict", "(flag)"),
    ]
    assert "Example Research Desk" in lines[1] and "en, zh" in lines[3] and " html " in lines[4] and " true " in lines[10]


def test_paths_in_a_named_config_file_are_relative_to_it(tmp_path: Path, cwd: Path) -> None:
    conf = tmp_path / "etc" / "brief.toml"
    (tmp_path / "etc" / "tpl").mkdir(parents=True)
    conf.write_text('templates = "tpl"\nout = "/srv/brief"\n', encoding="utf-8")
    s = settings.load({}, conf)
    assert s.file == conf and s["templates"] == tmp_path / "etc" / "tpl" and s["out"] == Path("/srv/brief")


def test_every_problem_of_the_file_at_once(cwd: Path) -> None:
    (cwd / "ustglass.toml").write_text('colour = "red"\nstrict = "yes"\nlanguages = []\n[report]\nout = "x"\n', encoding="utf-8")
    result = runner.invoke(app, ["report"])
    assert result.exit_code == 1
    known = ", ".join(k.name for k in settings.KEYS)
    assert result.stderr == (
        f"Error: ustglass.toml: unknown key 'colour' (known: {known}); unknown key 'report' (known: {known}); "
        "'strict' must be true or false; 'languages' must be a string or a list of strings\n"
    )
    (cwd / "ustglass.toml").write_text('languages = "fr"\nformats = ["md", "docx"]\ntemplates = "nowhere"\n', encoding="utf-8")
    result = runner.invoke(app, ["figures", "--list"])
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: ustglass.toml: key 'templates': nowhere: no such templates directory; "
        "key 'languages': no language pack 'fr'; choose from en, zh or all; "
        "key 'formats': unknown format(s): docx; choose from md, md-inline, html, pdf\n"
    )
    (cwd / "ustglass.toml").write_text('out = "x"\nlanguages = ["en",\nformats = 3\n', encoding="utf-8")
    result = runner.invoke(app, ["config", "show"])
    assert (result.exit_code, result.stderr) == (1, "Error: ustglass.toml: Invalid value (at line 3, column 1)\n")


def test_a_flag_over_a_wrong_config_value_still_reports_the_file(cwd: Path) -> None:
    """A flag fixes the value it gives; the file's other problems are still problems."""
    (cwd / "ustglass.toml").write_text('languages = "fr"\n', encoding="utf-8")
    assert settings.load({"languages": "en"}).langs == ("en",)
    with pytest.raises(UstglassError) as err:
        settings.load({"formats": "md"})
    assert str(err.value) == "ustglass.toml: key 'languages': no language pack 'fr'; choose from en, zh or all"


def test_the_environment_names_the_config_file(cwd: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (cwd / "ustglass.toml").write_text('author = "here"\n', encoding="utf-8")
    (cwd / "cron.toml").write_text('author = "cron"\n', encoding="utf-8")
    assert settings.load({})["author"] == "here"
    monkeypatch.setenv("USTGLASS_CONFIG", "cron.toml")
    assert settings.load({})["author"] == "cron" and settings.load({}, Path("ustglass.toml"))["author"] == "here"
    monkeypatch.setenv("USTGLASS_CONFIG", "")
    assert settings.load({})["author"] == "" and settings.load({}).file is None


def test_a_wrong_flag_is_a_usage_error_and_a_missing_config_file_an_error(cwd: Path) -> None:
    result = runner.invoke(app, ["config", "show", "--lang", "fr"])
    assert result.exit_code == 2
    assert "Invalid value for --lang: no language pack 'fr'; choose from en, zh or all" in flat(result.output)
    result = runner.invoke(app, ["report", "--config", "nowhere.toml"])
    assert result.exit_code == 1
    assert result.stderr == "Error: nowhere.toml: no such config file\n"


def test_report_uses_the_config_file(cwd: Path) -> None:
    (cwd / "ustglass.toml").write_text(f'languages = "en"\nformats = ["md"]\nout = "build"\nsnapshots = "{SHIPPED}"\n', encoding="utf-8")
    result = runner.invoke(app, ["report"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (cwd / "build").iterdir()) == ["brief.en.md", "figures", "key_figures.json"]
    result = runner.invoke(app, ["report", "--lang", "zh", "--out", "other"])
    assert result.exit_code == 0, result.output
    assert (cwd / "other" / "brief.zh.md").is_file() and not (cwd / "other" / "brief.en.md").exists()
