"""The brief's font is found on any system: Debian's paths, fontconfig, or matplotlib's font list."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from ustglass import fonts
from ustglass.errors import BuildError


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    fonts._discover.cache_clear()
    monkeypatch.delenv(fonts.ENV_REGULAR, raising=False)
    monkeypatch.delenv(fonts.ENV_BOLD, raising=False)
    yield
    fonts._discover.cache_clear()


def test_found_through_fontconfig_without_debian_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    if shutil.which("fc-list") is None:
        pytest.skip("fontconfig's fc-list is not installed here")
    monkeypatch.setattr(fonts, "_DIRS", (Path("/nonexistent"),))
    monkeypatch.setattr(fonts, "_matplotlib", lambda weight: [])
    for weight in ("regular", "bold"):
        face = fonts.cjk_face(weight)  # type: ignore[arg-type]
        assert face.family == "Noto Sans CJK SC"
        assert face.path in fonts._fontconfig(weight)  # type: ignore[arg-type]


def test_found_through_matplotlib_without_fontconfig(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts, "_DIRS", ())
    monkeypatch.setattr(fonts.shutil, "which", lambda name: None)
    face = fonts.cjk_face("bold")
    assert face.family == "Noto Sans CJK SC" and "bold" in face.path.name.lower()


def test_a_file_of_another_family_is_not_taken(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from matplotlib import font_manager

    other = Path(font_manager.findfont("DejaVu Sans"))
    monkeypatch.setattr(fonts, "_system_fonts", lambda weight: [other])
    with pytest.raises(fonts.BuildError, match=r"^font Noto Sans CJK SC \(regular\) not found: install the Debian package"):
        fonts.cjk_face("regular")


def test_web_font_is_a_woff2_at_the_declared_brotli_quality() -> None:
    """The page's WOFF2 reads back with every character asked for, its Brotli stream is the one
    WOFF2_QUALITY gives (not fontTools' slowest default), and the brotli module is left as it was."""
    import io

    import brotli
    from fontTools.ttLib import TTFont, woff2

    chars = "国债市场流动性 Treasury 2025"
    sfnt = fonts._hb_subset(fonts.cjk_font_path("regular"), "".join(sorted(set(chars)))) or pytest.skip("HarfBuzz subsetting missing")
    before = woff2.brotli
    data = fonts._woff2(sfnt)
    assert woff2.brotli is before
    font = TTFont(io.BytesIO(data))
    assert font.flavor == "woff2"
    assert {ord(c) for c in chars if not c.isspace()} <= set(font.getBestCmap())
    reader = woff2.WOFF2Reader(io.BytesIO(data))
    stream = reader.transformBuffer.getvalue()
    compressed_size = int.from_bytes(data[20:24], "big")  # WOFF2 header: totalCompressedSize
    assert compressed_size == len(brotli.compress(stream, mode=brotli.MODE_FONT, quality=fonts.WOFF2_QUALITY))
    assert compressed_size != len(brotli.compress(stream, mode=brotli.MODE_FONT))


def test_a_web_font_subset_is_kept_per_font_characters_and_quality(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The subset cache gives back what it stored for the same font, characters and WOFF2 quality,
    and makes a new subset when any of them changes (a stale subset would drop characters)."""
    monkeypatch.setenv("USTGLASS_CACHE_DIR", str(tmp_path))
    made: list[str] = []
    real = fonts._woff2
    monkeypatch.setattr(fonts, "_woff2", lambda sfnt: made.append("woff2") or real(sfnt))
    face = fonts.latin_font_path("regular")
    first = fonts.subset_font(face, "Treasury", woff2=True)
    assert fonts.subset_font(face, "yrusaerT", woff2=True) == first and made == ["woff2"]  # same characters: from the cache
    assert fonts.subset_font(face, "Treasury bills", woff2=True) != first and len(made) == 2  # more characters: made again
    monkeypatch.setattr(fonts, "WOFF2_QUALITY", 5)
    assert fonts.subset_font(face, "Treasury", woff2=True) != first and len(made) == 3  # another quality: made again
    assert len(list((tmp_path / "fonts" / "subsets").glob("*.woff2"))) == 3


def test_the_subset_cache_keeps_the_ones_used_last_within_its_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USTGLASS_CACHE_DIR", str(tmp_path))
    face = fonts.latin_font_path("regular")
    folder = tmp_path / "fonts" / "subsets"
    first, second = fonts.subset_font(face, "abc"), fonts.subset_font(face, "abcd")
    by_content = {p.read_bytes(): p for p in folder.iterdir()}
    os.utime(by_content[first], ns=(1, 1))  # both used long ago, "abc" first
    os.utime(by_content[second], ns=(2, 2))
    assert fonts.subset_font(face, "abc") == first  # a hit: now the one used last
    with monkeypatch.context() as m:  # the next subset's size, made without the cache
        m.setenv("USTGLASS_CACHE_DIR", str(tmp_path / "elsewhere"))
        size = len(fonts.subset_font(face, "abcde"))
    monkeypatch.setattr(fonts, "SUBSETS_MAX_BYTES", len(first) + size)  # room for two of the three
    third = fonts.subset_font(face, "abcde")
    kept = {p.read_bytes() for p in folder.iterdir()}
    assert kept == {first, third}  # "abcd", used longest ago, went; the limit holds
    monkeypatch.setattr(fonts, "SUBSETS_MAX_BYTES", 0)
    assert fonts.subset_font(face, "xyz") and [p.read_bytes() for p in folder.iterdir()] == [
        fonts.subset_font(face, "xyz")
    ]  # never the new one


@pytest.mark.parametrize("weight", ["regular", "bold"])
def test_the_extracted_face_is_the_collection_s_face_table_for_table(weight: str, tmp_path: Path) -> None:
    """The single-face file holds every table of the collection's SC face byte for byte, but
    ``head``'s checkSumAdjustment, which makes the whole file's checksum the OpenType constant;
    every table's checksum in its directory is right (fontTools checks each)."""
    from fontTools.ttLib import TTCollection, TTFont

    face = fonts.cjk_face(weight)
    if not face.is_collection:
        pytest.skip(f"{face.path} is a single-face file: nothing to extract")
    target = tmp_path / "face.otf"
    fonts._extract(face, target)
    data = target.read_bytes()
    assert fonts._checksum(data) == 0xB1B0AFBA
    single, source = TTFont(target, checkChecksums=2), TTCollection(str(face.path)).fonts[face.index]
    assert sorted(single.reader.keys()) == sorted(source.reader.keys())
    assert [t for t in source.reader.keys() if single.reader[t] != source.reader[t]] == ["head"]
    assert single.reader["head"][:8] + single.reader["head"][12:] == source.reader["head"][:8] + source.reader["head"][12:]
    assert single["name"].getBestFamilyName() == fonts.FAMILY


def test_a_single_face_file_is_not_taken_for_a_collection() -> None:
    with pytest.raises(BuildError, match="^not a font collection$"):
        fonts._single_face(b"OTTO" + b"\0" * 60, 0)
    one_face = b"ttcf" + b"\0\1\0\0" + (1).to_bytes(4, "big") + (16).to_bytes(4, "big")
    with pytest.raises(BuildError, match="^the collection has no face 3$"):
        fonts._single_face(one_face, 3)
    with pytest.raises(BuildError, match="^the collection's header or table directory is cut short$"):
        fonts._single_face(one_face + b"OTTO\0\2", 0)  # two tables announced, none listed
    head = b"head" + bytes(4) + (40).to_bytes(4, "big") + (54).to_bytes(4, "big")  # 54 bytes at 40, past the end
    with pytest.raises(BuildError, match="^table 'head' of face 0 is cut short$"):
        fonts._single_face(one_face + b"OTTO\0\1" + bytes(6) + head, 0)
