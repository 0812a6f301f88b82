"""The brief's fonts: Noto Sans CJK SC (Debian's ``fonts-noto-cjk``, or any system's copy) and Noto Sans
(``fonts-noto-core``).

Pages set Latin text in Noto Sans and Chinese in Noto Sans CJK SC (whose Latin glyphs also serve
the charts), so the output does not depend on which other fonts a machine has. The CJK face is
found, in this order, at the paths of Debian's package, through fontconfig (``fc-list``: other
Linux distributions, Homebrew) and through matplotlib's list of the system's fonts (macOS,
Windows). Packages often ship it as a TrueType Collection (``.ttc``) whose first face is the
Japanese one; :func:`cjk_face` finds the face whose family is "Noto Sans CJK SC" by reading the
file's name tables.

- Charts load that face straight from the collection (matplotlib >= 3.11 accepts a
  ``FontPath(path, face_index)``), so drawing a chart needs no copy of the font.
- Writers that can only take a font file (the PDF writer) call :func:`cjk_font_path`,
  which extracts the SC face once into the user cache directory, keyed by the
  collection's path, size and mtime, written atomically.

``USTGLASS_CJK_FONT`` (and ``USTGLASS_CJK_FONT_BOLD``, defaulting to the former) name a
font file (``.otf``, ``.ttf`` or ``.ttc``) to use instead.

Noto Sans is found through fontconfig (:func:`latin_font_path`). :func:`missing_glyphs`
finds the characters of a text that neither face has; :func:`subset_font` cuts a face
down to the characters a page uses (WOFF2 for embedding in the HTML).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import hashlib
import io
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from ustglass import lru
from ustglass.errors import BuildError

FAMILY = "Noto Sans CJK SC"
ENV_REGULAR = "USTGLASS_CJK_FONT"
ENV_BOLD = "USTGLASS_CJK_FONT_BOLD"
Weight = Literal["regular", "bold"]

_FILES: dict[str, str] = {"regular": "NotoSansCJK-Regular.ttc", "bold": "NotoSansCJK-Bold.ttc"}
_DIRS = (
    Path("/usr/share/fonts/opentype/noto"),  # Debian / Ubuntu fonts-noto-cjk
    Path("/usr/local/share/fonts/opentype/noto"),
)
_INSTALL_HINT = (
    "install the Debian package fonts-noto-cjk (sudo apt-get install fonts-noto-cjk) or your system's Noto Sans CJK "
    "(Fedora: google-noto-sans-cjk-fonts, Arch: noto-fonts-cjk, macOS: brew install --cask font-noto-sans-cjk-sc), "
    f"or set {ENV_REGULAR} to a Noto Sans CJK SC font file"
)
_STYLE: dict[str, str] = {"regular": "Regular", "bold": "Bold"}
FONT_SUFFIXES = (".otf", ".ttf", ".ttc", ".otc")


@dataclass(frozen=True)
class CjkFace:
    """One face of a font file: the file, the face's index in it, and its family name."""

    path: Path
    index: int  # 0 unless the file is a collection
    family: str
    postscript_name: str
    is_collection: bool


def _override(weight: Weight) -> Path | None:
    """The font file named by the environment for ``weight``, if any."""
    var = ENV_BOLD if weight == "bold" and os.environ.get(ENV_BOLD) else ENV_REGULAR
    value = os.environ.get(var)
    if not value:
        return None
    path = Path(value).expanduser()
    if not path.is_file():
        raise BuildError(f"{var}={value}: no such font file")
    return path


def _fontconfig(weight: Weight) -> list[Path]:
    """Files fontconfig knows for the family in ``weight`` (none without ``fc-list``)."""
    exe = shutil.which("fc-list")
    if exe is None:
        return []
    query = f":family={FAMILY}:style={_STYLE[weight]}"
    try:
        done = subprocess.run([exe, "--format", "%{file}\\n", query], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return []
    return sorted({Path(line) for line in done.stdout.splitlines() if line.lower().endswith(FONT_SUFFIXES)})


def _matplotlib(weight: Weight) -> list[Path]:
    """Noto CJK files among the system fonts matplotlib lists, the weight judged by the file name."""
    from matplotlib import font_manager

    found = []
    otf: Any = "otf"  # matplotlib finds OpenType files too; its stubs list only "ttf" and "afm"
    for name in font_manager.findSystemFonts(fontext=otf) + font_manager.findSystemFonts(fontext="ttf"):
        base = Path(name).name.lower().replace("-", "").replace("_", "")
        if "notosans" in base and ("cjk" in base or "sc" in base) and _STYLE[weight].lower() in base:
            found.append(Path(name))
    return sorted(set(found))


def _system_fonts(weight: Weight) -> Iterator[Path]:
    """Candidate files for ``weight``: Debian's paths, then fontconfig's, then matplotlib's (each asked only if needed)."""
    yield from (p for p in (folder / _FILES[weight] for folder in _DIRS) if p.is_file())
    yield from _fontconfig(weight)
    yield from _matplotlib(weight)


@lru_cache(maxsize=2)
def _discover(weight: Weight) -> Path | None:
    """The first system font file holding the family (its name tables say so), or None."""
    for candidate in _system_fonts(weight):
        try:
            face = _read_face(*_stamp(candidate))
        except (BuildError, OSError):
            continue
        if face.family == FAMILY:
            return candidate
    return None


def _locate(weight: Weight) -> Path:
    """The font file for ``weight``: the override, else the first copy found on the system."""
    override = _override(weight)
    if override is not None:
        return override
    found = _discover(weight)
    if found is None:
        raise BuildError(f"font {FAMILY} ({weight}) not found: {_INSTALL_HINT}")
    return found


def _stamp(path: Path) -> tuple[str, int, int]:
    """What identifies a font file's content cheaply: resolved path, size, mtime."""
    st = path.stat()
    return str(path.resolve()), st.st_size, st.st_mtime_ns


@lru_cache(maxsize=8)
def _read_face(path: str, size: int, mtime_ns: int) -> CjkFace:
    """Find the SC face in ``path`` (face 0 of a single-face file or of a foreign collection)."""
    from fontTools.ttLib import TTCollection, TTFont, TTLibError

    try:
        with open(path, "rb") as fh:
            is_collection = fh.read(4) == b"ttcf"
        fonts = list(TTCollection(path, lazy=True).fonts) if is_collection else [TTFont(path, lazy=True)]
        names = [(f["name"].getBestFamilyName() or "", f["name"].getDebugName(6) or "") for f in fonts]
        for font in fonts:
            font.close()
    except (OSError, TTLibError) as exc:
        raise BuildError(f"{path}: not a readable font file ({exc})") from exc
    families = [family for family, _ps in names]
    index = families.index(FAMILY) if FAMILY in families else 0
    ps_name = names[index][1] or Path(path).stem
    return CjkFace(Path(path), index, families[index], ps_name, is_collection)


def cjk_face(weight: Weight = "regular") -> CjkFace:
    """The Noto Sans CJK SC face to draw with, as a file and a face index."""
    return _read_face(*_stamp(_locate(weight)))


def cache_dir() -> Path:
    """Where extracted faces are kept: ``$USTGLASS_CACHE_DIR/fonts``, else ``<user cache dir>/ustglass/fonts``."""
    from platformdirs import user_cache_path

    root = os.environ.get("USTGLASS_CACHE_DIR")
    return (Path(root) if root else user_cache_path("ustglass", appauthor=False)) / "fonts"


EXTRACTED_FORMAT = 2  # how _extract writes a face: part of the extracted file's name, so another way is never mixed with this one


def _checksum(data: bytes) -> int:
    """The OpenType checksum: the sum of ``data``'s big-endian 32-bit words (zero-padded), modulo 2**32."""
    import array
    import sys

    words = array.array("I", data + b"\0" * (-len(data) % 4))
    if words.itemsize != 4:  # pragma: no cover - "I" is 32 bits on every platform ustglass runs on
        raise BuildError("this platform has no 32-bit unsigned array type")
    if sys.byteorder == "little":
        words.byteswap()
    return sum(words) & 0xFFFFFFFF


def _single_face(collection: bytes, index: int) -> list[bytes | memoryview | bytearray]:
    """Face ``index`` of a TrueType/OpenType collection as a single-face font file: its table
    directory and tables copied as they are, in the directory's order, each padded to four bytes.
    Only ``head``'s checkSumAdjustment is set anew, from the directory's checksum and the tables'
    own (the file's checksum is their sum, each table starting on a four-byte boundary). The file
    comes back as its pieces, in order (the tables as views of ``collection``, not copies)."""
    import struct

    if collection[:4] != b"ttcf":
        raise BuildError("not a font collection")
    try:
        (count,) = struct.unpack_from(">I", collection, 8)
        if not 0 <= index < count:
            raise BuildError(f"the collection has no face {index}")
        (start,) = struct.unpack_from(">I", collection, 12 + 4 * index)
        (tables,) = struct.unpack_from(">H", collection, start + 4)
        records = [struct.unpack_from(">4sIII", collection, start + 12 + 16 * i) for i in range(tables)]
    except struct.error:
        raise BuildError("the collection's header or table directory is cut short") from None
    for tag, _, at, length in records:
        if at + length > len(collection) or (tag == b"head" and length < 54):
            raise BuildError(f"table {tag.decode('latin-1')!r} of face {index} is cut short")
    view, offset, directory, checksums = memoryview(collection), 12 + 16 * tables, [], []
    body: list[bytes | memoryview | bytearray] = []
    head: bytearray | None = None
    for tag, checksum, at, length in records:
        data: bytes | memoryview | bytearray = view[at : at + length]
        if tag == b"head":
            head = bytearray(data)
            head[8:12] = b"\0\0\0\0"  # checkSumAdjustment is 0 while checksums are computed
            checksum, data = _checksum(bytes(head)), head
        directory.append(struct.pack(">4sIII", tag, checksum, offset, length))
        body += [data, b"\0" * (-length % 4)]
        checksums.append(checksum)
        offset += length + (-length % 4)
    top = collection[start : start + 12] + b"".join(directory)
    if head is not None:
        struct.pack_into(">I", head, 8, (0xB1B0AFBA - _checksum(top) - sum(checksums)) & 0xFFFFFFFF)
    return [top, *body]


def _extract(face: CjkFace, target: Path) -> None:
    """Write ``face`` as a single-face font file at ``target``, atomically."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        pieces = _single_face(face.path.read_bytes(), face.index)
    except BuildError as exc:
        raise BuildError(f"{face.path}: not a readable font file ({exc})") from None
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=target.suffix, dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.writelines(pieces)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def cjk_font_path(weight: Weight = "regular") -> Path:
    """A single-face font file holding Noto Sans CJK SC, for writers that need a file.

    A single-face file (an override) is returned as it is; a face of a collection is
    extracted once into :func:`cache_dir` and reused while the collection is unchanged.
    Raises :class:`BuildError` with an install hint when the font is missing.
    """
    face = cjk_face(weight)
    if not face.is_collection:
        return face.path
    path, size, mtime_ns = _stamp(face.path)
    key = hashlib.sha256(f"{path}|{size}|{mtime_ns}|{face.index}|{EXTRACTED_FORMAT}".encode()).hexdigest()[:12]
    target = cache_dir() / f"{face.postscript_name}-{key}.otf"
    if not target.is_file():
        try:
            _extract(face, target)
        except OSError as exc:
            raise BuildError(f"cannot write the font cache {target}: {exc}") from exc
    return target


# ---------------------------------------------------------------- the Latin face

LATIN_FAMILY = "Noto Sans"
LatinStyle = Literal["regular", "bold", "italic", "bold-italic"]
LATIN_STYLES: dict[str, str] = {"regular": "Regular", "bold": "Bold", "italic": "Italic", "bold-italic": "Bold Italic"}
_LATIN_HINT = "install the Debian package fonts-noto-core (sudo apt-get install fonts-noto-core)"


@lru_cache(maxsize=8)
def latin_font_path(style: LatinStyle = "regular") -> Path:
    """The Noto Sans font file of ``style``, as fontconfig finds it."""
    wanted = LATIN_STYLES[style]
    try:
        out = subprocess.run(
            ["fc-match", "--format=%{file}\n%{family}\n%{style}", f"{LATIN_FAMILY}:style={wanted}"],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise BuildError(
            f"font {LATIN_FAMILY} ({wanted}): fontconfig's fc-match failed ({exc}); install fontconfig and fonts-noto-core"
        ) from None
    file, family, found = ([*out.split("\n"), "", ""])[:3]
    if LATIN_FAMILY not in family.split(",") or wanted not in found.split(",") or not Path(file).is_file():
        raise BuildError(f"font {LATIN_FAMILY} ({wanted}) not found (fontconfig offers {family or 'nothing'} {found}): {_LATIN_HINT}")
    return Path(file)


# ---------------------------------------------------------------- coverage


@lru_cache(maxsize=16)
def _cmap(path: str, size: int, mtime_ns: int) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    font = TTFont(path, lazy=True)
    try:
        return frozenset(font.getBestCmap() or {})
    finally:
        font.close()


def codepoints(path: Path) -> frozenset[int]:
    """The characters a single-face font file has glyphs for."""
    return _cmap(*_stamp(path))


def brief_faces() -> dict[str, Path]:
    """The regular faces every text of the brief is set in, by family: Latin first, then CJK."""
    return {LATIN_FAMILY: latin_font_path("regular"), FAMILY: cjk_font_path("regular")}


def missing_glyphs(text: str, faces: Iterable[Path]) -> list[str]:
    """The characters of ``text`` (in order of first appearance) that none of ``faces`` covers."""
    covered = frozenset().union(*(codepoints(f) for f in faces))
    return uncovered(text, covered.__contains__)


def uncovered(text: str, has_glyph: Callable[[int], bool]) -> list[str]:
    """The characters of ``text`` (in order of first appearance) whose code point ``has_glyph``
    refuses; spaces and control characters are not drawn and need no glyph."""
    return [c for c in dict.fromkeys(text) if not c.isspace() and ord(c) >= 32 and not has_glyph(ord(c))]


# ---------------------------------------------------------------- subsets for the web


def subset_font(path: Path, chars: Iterable[str], *, woff2: bool = False) -> bytes:
    """The face in ``path`` cut down to ``chars`` (as WOFF2 when asked); the same bytes for the same input.

    Subsetting uses HarfBuzz (libharfbuzz-subset) when present, else fontTools; WOFF2's Brotli
    compression takes about a second for a Chinese face, so results are kept in
    :func:`cache_dir`, keyed by the font file, the characters and the format.
    """
    text = "".join(sorted(set(chars)))
    file, size, mtime_ns = _stamp(path)
    suffix = ".woff2" if woff2 else path.suffix
    quality = WOFF2_QUALITY if woff2 else None
    key = hashlib.sha256(f"{file}|{size}|{mtime_ns}|{suffix}|{quality}|{text}".encode()).hexdigest()[:24]
    target = cache_dir() / "subsets" / f"{path.stem}-{key}{suffix}"
    if target.is_file():
        data = target.read_bytes()
        with contextlib.suppress(OSError):
            os.utime(target)  # used now: trimmed last
        return data
    data = _hb_subset(path, text) or _fonttools_subset(path, text)
    data = _woff2(data) if woff2 else data
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=suffix, dir=target.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
        lru.trim((p for p in target.parent.iterdir() if not p.name.startswith(".tmp-")), SUBSETS_MAX_BYTES, keep=target)
    except OSError:
        pass  # a cache that cannot be written only costs time
    return data


# The subsets kept (each edition's pages add about 1.3 MB: the web page's and the PDF's cut faces
# for both languages); the ones used longest ago go first.
SUBSETS_MAX_BYTES = 64 * 2**20


# Brotli quality of the web page's WOFF2 fonts. fontTools compresses at 11, Brotli's slowest: for
# the Chinese brief's subset (230 kB) 11 takes 0.8 s and gives 160 kB, 10 takes 0.26 s (+1 %),
# 9 takes 0.04 s (+9 %, about 14 kB a face). Nine keeps a cold build about two seconds shorter.
WOFF2_QUALITY = 9


class _BrotliAt:
    """The ``brotli`` module as fontTools' WOFF2 writer calls it, compressing at ``quality``."""

    def __init__(self, module: Any, quality: int) -> None:
        self._module, self._quality = module, quality

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)

    def compress(self, data: bytes, **options: Any) -> bytes:
        return bytes(self._module.compress(data, **{**options, "quality": self._quality}))


_WOFF2_LOCK = threading.Lock()  # the writer's brotli is swapped for the length of one save


def _woff2(sfnt: bytes) -> bytes:
    from fontTools.ttLib import TTFont, woff2

    module = getattr(woff2, "brotli", None)
    if module is None:
        raise BuildError("the web page's fonts need Brotli (install ustglass's dependencies: pip install brotli)")
    font = TTFont(io.BytesIO(sfnt), recalcTimestamp=False, recalcBBoxes=False)
    font.flavor = "woff2"
    out = io.BytesIO()
    with _WOFF2_LOCK:  # the writer takes no quality: it is given a brotli that compresses at ours
        woff2.brotli = _BrotliAt(module, WOFF2_QUALITY)
        try:
            font.save(out)
        finally:
            woff2.brotli = module
    return out.getvalue()


def _fonttools_subset(path: Path, text: str) -> bytes:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options(hinting=False, desubroutinize=True, name_IDs=["*"], layout_features=["*"])
    font = TTFont(path, recalcTimestamp=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


_HB_NO_HINTING, _HB_DESUBROUTINIZE = 0x1, 0x4


def subsetting_warning() -> str | None:
    """A warning when HarfBuzz's subsetting library is missing (WeasyPrint then uses slow fontTools)."""
    if ctypes.util.find_library("harfbuzz-subset"):
        return None
    return (
        "libharfbuzz-subset0 is not installed: PDF fonts are subset with fontTools instead, "
        "several seconds per Chinese PDF (install it: apt-get install libharfbuzz-subset0)"
    )


@lru_cache(maxsize=1)
def _harfbuzz() -> tuple[Any, Any] | None:
    """libharfbuzz and libharfbuzz-subset through ctypes, or None where either is missing."""
    names = ctypes.util.find_library("harfbuzz"), ctypes.util.find_library("harfbuzz-subset")
    if not all(names):
        return None
    hb, sub = (ctypes.CDLL(n) for n in names)  # both names were found
    ptr = ctypes.c_void_p
    signatures = [
        (hb, "hb_blob_create_from_file_or_fail", ptr, [ctypes.c_char_p]),
        (hb, "hb_face_create", ptr, [ptr, ctypes.c_uint]),
        (hb, "hb_blob_destroy", None, [ptr]),
        (hb, "hb_face_destroy", None, [ptr]),
        (hb, "hb_set_add", None, [ptr, ctypes.c_uint32]),
        (hb, "hb_face_reference_blob", ptr, [ptr]),
        (hb, "hb_blob_get_data", ctypes.c_void_p, [ptr, ctypes.POINTER(ctypes.c_uint)]),
        (sub, "hb_subset_input_create_or_fail", ptr, []),
        (sub, "hb_subset_input_destroy", None, [ptr]),
        (sub, "hb_subset_input_unicode_set", ptr, [ptr]),
        (sub, "hb_subset_input_set_flags", None, [ptr, ctypes.c_uint]),
        (sub, "hb_subset_or_fail", ptr, [ptr, ptr]),
    ]
    try:
        for lib, name, restype, argtypes in signatures:
            function = getattr(lib, name)
            function.restype, function.argtypes = restype, argtypes
    except AttributeError:  # a HarfBuzz older than 2.9
        return None
    return hb, sub


def _hb_subset(path: Path, text: str) -> bytes | None:
    """``path`` (a single-face file) subset to ``text`` by HarfBuzz, or None without it."""
    libs = _harfbuzz()
    if libs is None:
        return None
    hb, sub = libs
    blob = hb.hb_blob_create_from_file_or_fail(str(path).encode())
    if not blob:
        raise BuildError(f"{path}: cannot read the font file")
    face, request, result, out = hb.hb_face_create(blob, 0), sub.hb_subset_input_create_or_fail(), None, None
    try:
        unicodes = sub.hb_subset_input_unicode_set(request)
        for char in text:
            hb.hb_set_add(unicodes, ord(char))
        sub.hb_subset_input_set_flags(request, _HB_NO_HINTING | _HB_DESUBROUTINIZE)
        result = sub.hb_subset_or_fail(face, request)
        if not result:
            return None
        out = hb.hb_face_reference_blob(result)
        length = ctypes.c_uint()
        data = hb.hb_blob_get_data(out, ctypes.byref(length))
        return ctypes.string_at(data, length.value)
    finally:
        for destroy, handle in (
            (hb.hb_blob_destroy, out),
            (hb.hb_face_destroy, result),
            (sub.hb_subset_input_destroy, request),
            (hb.hb_face_destroy, face),
            (hb.hb_blob_destroy, blob),
        ):
            if handle:
                destroy(handle)
