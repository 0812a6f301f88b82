"""The brief's analysis sections: the fragility scorecard, the stress scenarios, what changed
since the previous edition, the claim check, and the methods appendix generated from the
scorecard's and the scenarios' tables; with them, how recent the data are (the header's newest
observations, the stale notes and the release rules, from ``ustglass.freshness``).

``gather`` computes them into the key figures (language-neutral codes and numbers, the
pipeline's gather phase); ``context`` turns them into finished values for the templates, in
the words and number rules of one language pack. The templates only place these values: no
arithmetic, sorting or thresholds happen there.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from ustglass import changes, claims, fmt, freshness, scenarios, scorecard, snapshot
from ustglass.errors import BuildError
from ustglass.figures.amounts import change_unit, exact_digits, fraction, indicator_value, multiple, share
from ustglass.keyfigures import Changes, ClaimReading, Claims, IndicatorReading, KeyFigures, ScenarioOutcome, Scenarios
from ustglass.keyfigures import Scorecard as ScorecardFigures
from ustglass.locale import Locale

REVISIONS_SHOWN = 5  # revisions listed per dataset; the rest are counted


def gather(kf: KeyFigures, snap: snapshot.Snapshot, previous: snapshot.Snapshot | None) -> KeyFigures:
    """The key figures with the analysis sections added; ``changes`` only when there is a previous snapshot."""
    card = scorecard.evaluate(snap.tables, snapshot=snap.id)
    found = claims.check_claims(snap.tables, snap.id)
    moved = None if previous is None else changes.compare(previous.id, previous.tables, snap.id, snap.tables, card)
    return dataclasses.replace(
        kf,
        scorecard=scorecard.key_figures(card),
        claims=claims.key_figures(found),
        scenarios=scenarios.brief_scenarios(kf, scenarios.shipped_table()),
        changes=moved,
    )


def cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def _number(x: Any, loc: Locale) -> str:
    """A value as a dataset holds it (a revision's old or new value): numbers with the decimals they have."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return "–" if x is None else str(x)
    return fmt.number(float(x), loc, exact_digits(float(x), 6))


def dataset_title(loc: Locale, dataset_id: str) -> str:
    """A dataset's title as the pack gives it, or its id when the pack does not list it."""
    entry = loc.strings.get("datasets", {}).get(dataset_id)
    return str(entry["title"]) if isinstance(entry, Mapping) and "title" in entry else dataset_id


def dataset_names(loc: Locale, dataset_ids: Any) -> str:
    """Datasets as a sentence names them (the pack's ``[dataset_names]``), never by their ids."""
    return loc.text("brief.scorecard.list_sep").join(loc.name_of("dataset_names", d) for d in dataset_ids)


# ---------------------------------------------------------------- scorecard


def indicator_name(loc: Locale, indicator_id: str) -> str:
    """An indicator's name in the pack's words, its numbers (the 5 of "5-day average", the 4 of
    "4-week high") filled from the scorecard's table, where they are defined."""
    fields = scorecard.BY_ID[indicator_id].method_fields if indicator_id in scorecard.BY_ID else {}
    return loc.text("scorecard.indicators", indicator_id, "name", **{k: _field(k, v, loc) for k, v in fields.items()})


def indicator_date(indicator_id: str, iso: str, loc: Locale) -> str:
    """The date of an indicator's observation at its own frequency, as Table 1 writes it: a quarter
    ("Q1 2026"), a fiscal year ("FY2025"), a month ("December 2025") or a day."""
    frequency = scorecard.BY_ID[indicator_id].frequency if indicator_id in scorecard.BY_ID else "day"
    return fmt.at_frequency(iso, frequency, loc)


def _change(r: IndicatorReading, loc: Locale) -> str:
    """An indicator's signed change in its change unit; a yield's in basis points, as the text gives it."""
    if r.change is not None and r.id in scorecard.BY_ID and scorecard.BY_ID[r.id].change_in_bp:
        return fmt.bp(r.change * 100, loc, 0, sign=True)
    return indicator_value(r.change or 0.0, change_unit(r.unit), r.digits, loc, sign=True)


def _reading_row(r: IndicatorReading, loc: Locale) -> dict[str, str]:
    none = loc.text("brief.scorecard.none")
    name = indicator_name(loc, r.id)
    if r.status != "ok" or r.value is None or r.as_of is None:
        reason = loc.text("scorecard.reasons", r.reason_code or "no_data", datasets=dataset_names(loc, r.needs or r.datasets))
        signal = loc.text("brief.scorecard.unavailable", signal=loc.text("scorecard.signals", "not_available"), reason=reason)
        return {
            "id": r.id,
            "name": name,
            "value": none,
            "as_of": none,
            "change": none,
            "percentile": none,
            "signal": signal,
            "signal_code": "not_available",
        }
    change = (
        none
        if r.change is None
        else loc.text(
            "brief.scorecard.change_text",
            change=_change(r, loc),
            period=loc.text("scorecard.periods", r.change_period),
        )
    )
    return {
        "id": r.id,
        "name": name,
        "value": indicator_value(r.value, r.unit, r.digits, loc),
        "as_of": indicator_date(r.id, r.as_of, loc),
        "change": change,
        "percentile": none if r.percentile is None else fmt.number(r.percentile, loc, 0),
        "signal": loc.text("scorecard.signals", r.signal or "not_available"),
        "signal_code": r.signal or "not_available",
    }


def scorecard_context(card: ScorecardFigures, loc: Locale) -> dict[str, Any]:
    rows = [_reading_row(r, loc) for r in card.indicators]
    sep = loc.text("brief.scorecard.list_sep")
    counts = {k: fmt.number(v, loc) for k, v in card.signal_counts.items()}
    available = len(card.indicators) - card.signal_counts.get("not_available", 0)
    short = {r.id: loc.text("scorecard.indicators", r.id, "short") for r in card.indicators}
    names = {s: sep.join(short[r["id"]] for r in rows if r["signal_code"] == s) for s in ("calm", "watch", "stressed", "not_available")}
    c = card.crowding
    crowding = (
        None
        if c is None
        else {
            "flag": c.flag,
            "threshold": fmt.ordinal(int(c.threshold_pct), loc),
            "years": fmt.number(c.years, loc),
            "net_short": fmt.usd_bn(c.net_short_usd_bn, loc, 2),
            "net_short_percentile": fmt.number(c.net_short_percentile, loc, 0),
            "net_short_as_of": fmt.day(c.net_short_as_of, loc),
            "funding": fmt.bp(c.funding_bp, loc, 1, sign=True),
            "funding_percentile": fmt.number(c.funding_percentile, loc, 0),
            "funding_as_of": fmt.day(c.funding_as_of, loc),
            "min_spread": fmt.bp(scorecard.CROWDING_MIN_SPREAD_BP, loc),
            "net_short_above": scorecard.positions_crowded(c.net_short_percentile),
            "funding_above": scorecard.funding_strained(c.funding_percentile, c.funding_bp),
            # high in its own history, yet repo below the level that marks strain: not strain
            "funding_high_below_level": c.funding_percentile > c.threshold_pct
            and not scorecard.funding_strained(c.funding_percentile, c.funding_bp),
        }
    )
    return {
        "rows": [{k: cell(v) for k, v in r.items()} for r in rows],
        "counts": counts,
        "names": names,
        "available": fmt.number(available, loc),
        "total": fmt.number(len(card.indicators), loc),
        "history_start": fmt.day(card.history_start, loc),
        "crowding": crowding,
    }


# ---------------------------------------------------------------- scenarios


def _outcome(o: ScenarioOutcome, loc: Locale) -> dict[str, str]:
    p = o.inputs
    fields = {
        "haircut_shock": fraction(p.haircut_shock, loc),
        "margin_mult": loc.text("brief.scenarios.times", n=_k(p.margin_mult, loc)),
        "share": share(o.unwind_share, loc),
    }
    return {
        "name": loc.text("scenarios.named", o.name, "name"),
        "description": loc.text("scenarios.named", o.name, "description", **fields),
        "haircut_shock": fields["haircut_shock"],
        "margin_mult": multiple(p.margin_mult, loc),
        "basis": fmt.usd_bn(o.basis_usd_bn, loc, 2),
        "capital": fmt.usd_bn(o.capital_usd_bn, loc, 2),
        "capital_needed": fmt.usd_bn(o.capital_needed_usd_bn, loc, 2),
        "available": fmt.usd_bn(o.available_capital_usd_bn, loc, 2),
        "unwind": fmt.usd_bn(o.forced_unwind_usd_bn, loc, 2),
        "share": fields["share"],
        "days": loc.text("brief.scenarios.days_value", n=fmt.number(o.volume_days, loc, 2)),
    }


def _k(k: float, loc: Locale) -> str:
    return fmt.number(k, loc, exact_digits(k, 2))


def scenarios_context(s: Scenarios, loc: Locale) -> dict[str, Any]:
    p = s.defaults.inputs
    inputs = {
        "beta": fraction(p.beta, loc),
        "haircut": fraction(p.haircut, loc),
        "margin": fraction(p.margin, loc),
        "buffer": fraction(p.buffer, loc),
        "haircut_shock": fraction(p.haircut_shock, loc),
        "margin_mult": multiple(p.margin_mult, loc),
        "daily_volume": fmt.usd_bn(p.daily_volume_usd_bn, loc),
        "lev_short": fmt.usd_bn(s.lev_short.value, loc, 2),
        "lev_short_as_of": fmt.day(s.lev_short.as_of, loc),
    }
    return {
        "inputs": inputs,
        "defaults": _outcome(s.defaults, loc),
        "rows": [{k: cell(v) for k, v in _outcome(o, loc).items()} for o in s.named],
    }


# ---------------------------------------------------------------- what changed


def _side(signal: str | None, value: float | None, as_of: str | None, unit: str, digits: int, loc: Locale, indicator_id: str = "") -> str:
    if signal is None or value is None or as_of is None:
        return loc.text("brief.changes.unavailable")
    return loc.text(
        "brief.changes.side",
        signal=loc.text("scorecard.signals", signal),
        value=indicator_value(value, unit, digits, loc),
        date=indicator_date(indicator_id, as_of, loc),
    )


def changes_context(c: Changes, card: ScorecardFigures, loc: Locale) -> dict[str, Any]:
    moved = [d for d in c.datasets if d.status != "unchanged"]
    rows = [
        {
            "dataset": dataset_title(loc, d.dataset),
            "status": loc.text("brief.changes.statuses", d.status),
            "new": fmt.number(d.new_observations, loc),
            "range": loc.text("brief.changes.new_range", first=fmt.period(d.new_first, loc), last=fmt.period(d.new_last, loc))
            if d.new_first and d.new_last
            else loc.text("brief.scorecard.none"),
            "revised": fmt.number(d.revised, loc),
            "removed": fmt.number(d.removed, loc),
        }
        for d in moved
    ]
    revisions = []
    for d in c.datasets:
        title = dataset_title(loc, d.dataset)
        revisions += [
            loc.text(
                "brief.changes.revision",
                dataset=title,
                observation=fmt.md_escape(str(r.key)),
                column=fmt.md_escape(loc.name_of("columns", str(r.column))),
                old=fmt.md_escape(_number(r.old, loc)),
                new=fmt.md_escape(_number(r.new, loc)),
            )
            for r in d.revisions[:REVISIONS_SHOWN]
        ]
        if len(d.revisions) > REVISIONS_SHOWN:
            revisions.append(loc.text("brief.changes.more", dataset=title, n=fmt.number(len(d.revisions) - REVISIONS_SHOWN, loc)))
    by_id = {r.id: r for r in card.indicators}
    signals = [
        {
            "name": indicator_name(loc, s.id),
            "before": _side(s.before, s.value_before, s.as_of_before, by_id[s.id].unit, by_id[s.id].digits, loc, s.id),
            "after": _side(s.after, s.value_after, s.as_of_after, by_id[s.id].unit, by_id[s.id].digits, loc, s.id),
        }
        for s in c.signals_changed
    ]
    unchanged = loc.text("brief.scorecard.list_sep").join(dataset_title(loc, d.dataset) for d in c.datasets if d.status == "unchanged")
    return {
        "previous": c.previous,
        "current": c.current,
        "rows": [{k: cell(v) for k, v in r.items()} for r in rows],
        "unchanged": unchanged,
        "revisions": revisions,
        "signals": [{k: cell(v) for k, v in r.items()} for r in signals],
        "counts": {
            "datasets": fmt.number(len(moved), loc),
            "revised": fmt.number(sum(d.revised for d in c.datasets), loc),
            "signals": fmt.number(len(c.signals_changed), loc),
        },
    }


# ---------------------------------------------------------------- methods appendix


def _field(name: str, value: Any, loc: Locale) -> str:
    """A number a method text states: a percentile as an ordinal, others with the decimals they have."""
    if name == "percentile":
        return fmt.ordinal(int(value), loc)
    return fmt.number(float(value), loc, exact_digits(float(value)))


def _threshold(x: float, row: scorecard.MethodRow, loc: Locale) -> str:
    if row.thresholds.basis == "level":
        return indicator_value(x, row.unit, exact_digits(x), loc)
    return fmt.ordinal(int(x), loc) if float(x).is_integer() else fmt.number(x, loc, 1)


def thresholds_text(row: scorecard.MethodRow, loc: Locale) -> str:
    t = row.thresholds
    return loc.text(
        "scorecard.thresholds",
        f"{t.basis}_{row.risk_direction}",
        watch=_threshold(t.watch, row, loc),
        stressed=_threshold(t.stressed, row, loc),
        years=fmt.number(row.window_years, loc),
        min_spread=fmt.bp(scorecard.CROWDING_MIN_SPREAD_BP, loc),
    ) + gate_text(row.stressed_only_if, loc)


def gate_text(gate: scorecard.StressGate | None, loc: Locale) -> str:
    """What a stressed signal needs besides its threshold (``scorecard.StressGate``), in the pack's words."""
    if gate is None:
        return ""
    unit = scorecard.BY_ID[gate.on].unit  # a level as the text states it ($3.5 trillion), not a reading's two decimals
    below = fmt.usd_bn(gate.below, loc) if unit == "USD bn" else indicator_value(gate.below, unit, exact_digits(gate.below), loc)
    return loc.text("scorecard.gates", gate.on, below=below, days=fmt.number(gate.max_lag.days, loc))


def indicator_method(row: scorecard.MethodRow, loc: Locale) -> str:
    """One indicator's entry in the methods appendix, every number from the scorecard's table."""
    window = loc.text("scorecard.windows", row.window_rule, start=fmt.day(row.window_start, loc), years=fmt.number(row.window_years, loc))
    method = loc.text("scorecard.indicators", row.id, "method", **{k: _field(k, v, loc) for k, v in row.method_fields.items()})
    return loc.text(
        "brief.analysis_methods.indicator",
        name=indicator_name(loc, row.id),
        datasets=loc.text("brief.scorecard.list_sep").join(f"`{d}`" for d in row.datasets),
        unit=loc.text("scorecard.unit_names", row.unit),
        method=method,
        period=loc.text("scorecard.periods", row.change_period),
        risk=loc.text("scorecard.risk", row.risk_direction),
        thresholds=thresholds_text(row, loc),
        window=window,
        source=loc.text("scorecard.indicators", row.id, "source"),
    )


def citation(c: scenarios.Citation, loc: Locale) -> str:
    where = loc.text("brief.analysis_methods.doi", doi=c.doi) if c.doi else c.url
    quote = loc.text("brief.analysis_methods", c.quote_kind, text=c.quote)
    return loc.text(
        "brief.analysis_methods.citation",
        authors=c.authors,
        title=c.title,
        publisher=c.publisher,
        published=c.published,
        where=where,
        locator=c.locator,
        quote=quote,
    )


def _parameter_value(value: float, unit: str, loc: Locale) -> str:
    if unit == "fraction":
        return fraction(value, loc)
    if unit == "multiple":
        return multiple(value, loc)
    return fmt.usd_bn(value, loc)


def parameter_method(row: scenarios.MethodRow, table: scenarios.ParameterTable, s: Scenarios, loc: Locale) -> str:
    """One scenario parameter's or contract margin's entry, with its value and every citation."""
    cites = loc.text("brief.analysis_methods.citation_sep").join(citation(c, loc) for c in row.citations)
    if row.kind == "margin":
        approx = loc.text("brief.analysis_methods.approximate") if row.approximate else ""
        return loc.text(
            "brief.analysis_methods.margin",
            symbol=row.symbol,
            contract=loc.text("scenarios.margins", row.key, "contract"),
            value=fraction(row.value or 0.0, loc),
            as_of=row.as_of,
            approximate=approx,
            why=loc.text("scenarios.margins", row.key, "why"),
            citations=cites,
        )
    spec = next(p for p in table.parameters if p.id == row.id)
    words = {
        "symbol": row.symbol,
        "name": loc.text("scenarios.parameters", row.id, "name"),
        "option": spec.option,
        "why": loc.text("scenarios.parameters", row.id, "why"),
        "citations": cites,
    }
    if row.value is None:
        derived = loc.text("scenarios.parameters", row.id, "derived", value=fraction(getattr(s.defaults.inputs, row.id), loc))
        return loc.text("brief.analysis_methods.derived", derived=derived, **words)
    return loc.text("brief.analysis_methods.parameter", value=_parameter_value(row.value, row.unit, loc), **words)


def methods_context(s: Scenarios, loc: Locale) -> dict[str, Any]:
    table = scenarios.shipped_table()
    rows = scenarios.methods_rows(table)
    tolerances = loc.text("brief.scorecard.list_sep").join(
        loc.text("brief.analysis_methods.tolerance", period=loc.text("scorecard.periods", p.value), days=fmt.number(p.tolerance.days, loc))
        for p in scorecard.Period
    )
    return {
        "tolerances": tolerances,
        "scorecard": [indicator_method(r, loc) for r in scorecard.methods_rows()],
        "parameters": [parameter_method(r, table, s, loc) for r in rows if r.kind == "parameter"],
        "margins": [parameter_method(r, table, s, loc) for r in rows if r.kind == "margin"],
    }


# ---------------------------------------------------------------- claim check


def _would_settle(claim: ClaimReading, loc: Locale) -> list[str]:
    """The data that would settle a claim this snapshot cannot check, as the reader names them: the
    datasets it lacks, else the entries it lacks in a dataset it has (CBO's estimate of the FY2025 deficit)."""
    if claim.needs:
        return [loc.name_of("dataset_names", d) for d in claim.needs]
    found: list[str] = []
    for c in claim.checks:
        if c.reason is not None and c.reason.code == "missing_row" and c.comparison != "none":
            name = loc.name_of("research_names", c.reason.row)
            found += [name] if name not in found else []
    return found


def claim_rows(found: Claims, w: claims.Wording) -> list[dict[str, str]]:
    """One finished row per claim for the brief's claim-check table: the claim in our words with
    its period, what the data say (each check, with its date, and what a check lacked) and the verdict."""
    rows = []
    for claim in found.claims:
        cid, parts = claim.id, []
        for c in claim.checks:
            if c.reason is not None:
                data = w.reason(c.reason)
            else:
                data = w.get("labels.brief_data").format(data=claims.data_cell(c, c, w), date=w.when(c.date or ""))
                if c.difference is not None:
                    unit = "pp" if c.unit == "%" else c.unit  # a difference of percentages is in percentage points
                    data += w.get("labels.brief_difference").format(difference=w.amount(c.difference, unit, sign=True))
            parts.append(w.get("labels.brief_check").format(check=w.get(f"{cid}.checks.{c.id}"), data=data))
        verdict = w.get(f"verdicts.{claim.verdict}")
        settle = _would_settle(claim, w.loc)
        if claim.verdict == claims.CANNOT_CHECK and settle:
            verdict = w.get("labels.cannot_check_needs").format(
                verdict=verdict, datasets=w.loc.text("brief.scorecard.list_sep").join(settle)
            )
        rows.append(
            {
                "id": cid,
                "text": w.get(f"{cid}.text"),
                "period": w.get(f"{cid}.period"),
                "data": w.get("labels.separator").join(parts),
                "verdict": verdict,
                "verdict_code": claim.verdict,
                "note": w.get(f"{cid}.note") if w.has(f"{cid}.note") else "",
            }
        )
    return rows


# ---------------------------------------------------------------- how recent the data are


def freshness_context(kf: KeyFigures, loc: Locale) -> dict[str, Any]:
    """The header's newest observations, the stale notes and the release rules (``ustglass.freshness``),
    the rules' rows safe in a table."""
    found = freshness.context(kf, loc)
    return {**found, "releases": [{k: cell(v) for k, v in r.items()} for r in found["releases"]]}


# ---------------------------------------------------------------- all of it


def _markdown(value: Any) -> Any:
    """Every string of the sections as Markdown text: they are the pack's words and formatted
    numbers (the data strings among them were escaped where they were filled in)."""
    if isinstance(value, str):
        return fmt.MdText(value)
    if isinstance(value, dict):
        return {k: _markdown(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_markdown(v) for v in value]
    return value


def context(kf: KeyFigures, loc: Locale, words: claims.Wording) -> dict[str, Any]:
    """Everything the analysis sections of the brief show, finished, in the pack's words."""
    if kf.scorecard is None or kf.claims is None or kf.scenarios is None:
        raise BuildError("the key figures carry no analysis sections: build them with analysis.gather")
    return _markdown(
        {
            "scorecard": scorecard_context(kf.scorecard, loc),
            "scenarios": scenarios_context(kf.scenarios, loc),
            "changes": None if kf.changes is None else changes_context(kf.changes, kf.scorecard, loc),
            "claims": {
                "rows": [{k: cell(v) for k, v in r.items()} for r in claim_rows(kf.claims, words)],
                "counts": {k: fmt.number(v, loc) for k, v in kf.claims.verdict_counts.items()},
                "total": fmt.number(len(kf.claims.claims), loc),
            },
            "methods": methods_context(kf.scenarios, loc),
            "freshness": freshness_context(kf, loc),
        }
    )
