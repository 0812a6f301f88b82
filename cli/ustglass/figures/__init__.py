"""The registry of the brief's figures: one :class:`~ustglass.chartspec.FigureDef` per figure.

Each module here defines one figure completely: the key figures it reads, its colours,
labels and fields, how the fields are filled and how it is drawn (with
:mod:`ustglass.chartkit`). Its layout is in ``figures/<id>.toml``, its words in each
language pack. To add a figure, write its module, list it below, and add its spec and text.
"""

from __future__ import annotations

from ustglass.chartspec import FigureDef
from ustglass.errors import BuildError
from ustglass.figures import basis, deficits, funding, holders, scenario_grid, scorecard

REGISTRY: dict[str, FigureDef] = {
    f.id: f for f in (deficits.FIGURE, holders.FIGURE, basis.FIGURE, funding.FIGURE, scorecard.FIGURE, scenario_grid.FIGURE)
}
IDS: tuple[str, ...] = tuple(REGISTRY)  # in the brief's order


def get(figure_id: str) -> FigureDef:
    """The figure ``figure_id``; BuildError naming the known ones when there is none."""
    if figure_id not in REGISTRY:
        raise BuildError(f"unknown figure {figure_id!r} (known: {', '.join(IDS)})")
    return REGISTRY[figure_id]
