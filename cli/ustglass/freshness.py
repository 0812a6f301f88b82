"""How recent the brief's data are, in the reader's words: the header's list of newest
observations, the notes that flag a stale series where its figure is stated, and the release
rules of the methods section.

The key figures carry each dataset's freshness (``KeyFigures.freshness``, computed by
``ustglass.releases.freshness`` for the edition's as-of date on the data the edition uses);
``context`` turns it into finished values for the templates: each period written at its
dataset's frequency (a day, a month, a quarter, a fiscal year), names as the language pack's
``[brief.freshness.names]`` gives them. The words of the sentences are the pack's
(``[brief.freshness]``); the macros of ``templates/macros.md.j2`` place them.
"""

from __future__ import annotations

from typing import Any

from ustglass import fmt, releases
from ustglass.datasets import ALL, Frequency
from ustglass.keyfigures import Freshness, KeyFigures
from ustglass.locale import Locale

NAMES = "brief.freshness.names"


def newest(dataset_id: str, f: Freshness, loc: Locale) -> str:
    """The newest observation of a dataset, written at its own frequency: ``December 30, 2025``,
    ``October 2025``, ``Q3 2025``, ``FY2025``."""
    spec = ALL[dataset_id]
    label = releases.period_label(spec, f.last_observation)
    return fmt.fiscal_year(label, loc) if spec.frequency is Frequency.FISCAL_YEAR else fmt.period(label, loc)


def _order(kf: KeyFigures) -> list[str]:
    """The datasets of the edition, newest period end first; on a tie, in the registry's order."""
    registry = list(ALL)
    ends = {d: releases.end_of_period(ALL[d], f.last_observation) for d, f in kf.freshness.items() if d in ALL}
    return sorted(ends, key=lambda d: (-ends[d].toordinal(), registry.index(d)))


def header_groups(kf: KeyFigures, loc: Locale) -> list[dict[str, Any]]:
    """The header's list: datasets whose newest observation reads the same (and are alike in
    being stale or not) grouped, newest first, each group with its names joined by the pack."""
    groups: list[dict[str, Any]] = []
    for dataset_id in _order(kf):
        f = kf.freshness[dataset_id]
        date, name = newest(dataset_id, f, loc), loc.text(NAMES, dataset_id)
        group = next((g for g in groups if g["date"] == date and g["stale"] == f.stale), None)
        if group is None:
            groups.append({"date": date, "stale": f.stale, "ids": [dataset_id], "names": [name]})
        else:
            group["ids"].append(dataset_id)
            group["names"].append(name)
    sep = loc.text("brief.freshness.name_sep")
    return [{**g, "names": sep.join(g["names"])} for g in groups]


def stale_items(kf: KeyFigures, loc: Locale) -> dict[str, dict[str, str]]:
    """Every stale dataset of the edition: its name, the date of its newest observation and how
    many days that is before the edition's date."""
    return {
        d: {"name": loc.text(NAMES, d), "date": newest(d, f, loc), "days": fmt.number(f.age_days, loc)}
        for d, f in kf.freshness.items()
        if f.stale
    }


def release_rows(kf: KeyFigures, loc: Locale) -> list[dict[str, str]]:
    """The release rule of every dataset the edition holds, in the registry's order, for the
    methods section: the dataset's title, when an observation becomes known, its usual lag."""
    return [
        {
            "id": row.dataset,
            "dataset": loc.text("datasets", row.dataset, "title"),
            "rule": loc.text("release", row.key),
            "lag": fmt.number(row.lag_days, loc),
        }
        for row in releases.methods_rows()
        if row.dataset in kf.freshness
    ]


def context(kf: KeyFigures, loc: Locale) -> dict[str, Any]:
    """Everything the templates show about how recent the data are, finished."""
    return {
        "groups": header_groups(kf, loc),
        "stale": stale_items(kf, loc),
        "releases": release_rows(kf, loc),
        "stale_rule": loc.text("release.stale", **{k: fmt.number(v, loc) for k, v in releases.stale_margins().items()}),
    }
