"""The brief built from the shipped 2025-12-31 snapshot equals the committed golden files.

A failure shows the first differing line; if the change is intended, regenerate with
``.venv/bin/python tests/golden.py`` and commit the goldens with the change.
"""

from __future__ import annotations

import difflib

import pytest

import golden


@pytest.fixture(scope="module")
def built() -> dict[str, bytes]:
    return golden.build()


def test_golden_directory_is_complete(built: dict[str, bytes]) -> None:
    assert sorted(p.name for p in golden.GOLDEN.iterdir()) == sorted(built)


@pytest.mark.parametrize("name", ["key_figures.json", "brief.zh.md", "brief.en.md", "brief.zh.html.txt", "brief.en.html.txt"])
def test_output_equals_golden(built: dict[str, bytes], name: str) -> None:
    expected = (golden.GOLDEN / name).read_bytes()
    if built[name] != expected:
        diff = difflib.unified_diff(
            expected.decode("utf-8").splitlines(),
            built[name].decode("utf-8").splitlines(),
            f"golden/{name}",
            f"built/{name}",
            lineterm="",
            n=1,
        )
        pytest.fail(f"{name} differs from its golden file (regenerate: .venv/bin/python tests/golden.py):\n" + "\n".join(list(diff)[:40]))
