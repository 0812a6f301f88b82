"""The Markdown's PNG charts: compressed at the brief's zlib level, the same bytes every time,
and the same pixels as at zlib's default level (the level changes only the file, not the picture)."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from kf_factory import make_key_figures
from ustglass import charts, locale

FIGURES = Path(__file__).resolve().parents[1] / "figures"


def idat(png: bytes) -> bytes:
    """The PNG's image data: its IDAT chunks joined (one zlib stream)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, data = 8, b""
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind = png[pos + 4 : pos + 8]
        if kind == b"IDAT":
            data += png[pos + 8 : pos + 8 + length]
        pos += 12 + length
    return data


@pytest.fixture(scope="module")
def figure():
    spec = charts.load_spec(FIGURES / "deficits.toml")
    return charts.build_figure("deficits", make_key_figures(), locale.load("en"), spec)


def test_png_is_compressed_at_the_briefs_level_and_byte_identical(figure) -> None:
    first, second = charts.png_bytes(figure, dpi=60), charts.png_bytes(figure, dpi=60)
    assert first == second
    header = idat(first)[:2]
    assert header[0] == 0x78  # deflate, 32 KiB window
    # zlib's FLEVEL bits: 0 for levels 0-1, 1 for 2-5, 2 for the default 6, 3 for 7-9
    assert header[1] >> 6 == 1 and charts.PNG_COMPRESS_LEVEL == 3


def test_png_pixels_are_those_of_the_default_level(figure, monkeypatch: pytest.MonkeyPatch) -> None:
    ours = charts.png_bytes(figure, dpi=60)
    monkeypatch.setattr(charts, "PNG_COMPRESS_LEVEL", 6)
    default = charts.png_bytes(figure, dpi=60)
    assert ours != default
    assert zlib.decompress(idat(ours)) == zlib.decompress(idat(default))
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(ours))), np.asarray(Image.open(io.BytesIO(default))))
