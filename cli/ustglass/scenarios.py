"""Basis-unwind stress scenarios: how much of the Treasury basis trade a funding shock forces out.

The model (stated once here, with its defaults and sources in research/scenario_parameters.toml):

    B  = β × N                        basis position; N = leveraged funds' gross short notional
    C  = B × (h + m)                  capital posted: repo haircut h + futures initial margin m
    C′ = B × (h + Δh + k·m)           capital needed after the shock (haircuts up Δh, margins × k)
    available = C × (1 + b)           funds hold a buffer b above the requirement
    U  = B × max(0, 1 − C(1 + b)/C′)  forced unwind, also as U/B and in days of cash volume, U/V

Everything is pure (values in, values out) except the last two functions: ``shipped_table`` reads
the package's parameter file and ``run`` reads a snapshot, for the CLI.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ustglass import keyfigures
from ustglass.errors import InputError
from ustglass.keyfigures import Basis, KeyFigures

TABLE_FILE = "research/scenario_parameters.toml"
DEFAULTS = "defaults"
FIELDS = ("beta", "haircut", "margin", "buffer", "haircut_shock", "margin_mult", "daily_volume_usd_bn")
OPTION = {
    "beta": "--beta (β)",
    "haircut": "--haircut (h)",
    "margin": "--margin (m)",
    "buffer": "--buffer (b)",
    "haircut_shock": "--haircut-shock (Δh)",
    "margin_mult": "--margin-mult (k)",
    "daily_volume_usd_bn": "--daily-volume (V)",
}
# Plausible ranges, (low, high, low is allowed): outside them an input is a mistake, not a scenario.
BOUNDS = {
    "beta": (0.0, 1.0, True),
    "haircut": (0.0, 1.0, True),
    "margin": (0.0, 1.0, True),
    "buffer": (0.0, 10.0, True),
    "haircut_shock": (0.0, 1.0, True),
    "margin_mult": (0.0, 100.0, True),
    "daily_volume_usd_bn": (0.0, 100_000.0, False),
}
RATES = ("beta", "haircut", "margin", "buffer", "haircut_shock")
UNITS = ("fraction", "multiple", "USD billions")


class ParameterError(ValueError):
    """An input outside the model's domain; the message names the CLI option."""


def check(field: str, value: float) -> float:
    """``value`` if it is a valid input for ``field``, else ParameterError."""
    low, high, low_ok = BOUNDS[field]
    name = OPTION[field]
    if not math.isfinite(value):
        raise ParameterError(f"{name}: must be a finite number, got {value}")
    if value > high or value < low or (value == low and not low_ok):
        span = f"between {low:g} and {high:g}" if low_ok else f"greater than {low:g} and at most {high:g}"
        hint = " (a fraction: 0.02 = 2%)" if field in RATES else " (USD billions)" if field == "daily_volume_usd_bn" else ""
        raise ParameterError(f"{name}: must be {span}{hint}, got {value:g}")
    return value


@dataclass(frozen=True)
class ScenarioParams:
    """The inputs of one scenario; all rates are fractions (0.02 = 2%). Invalid values cannot be built."""

    beta: float
    haircut: float
    margin: float
    buffer: float
    haircut_shock: float
    margin_mult: float
    daily_volume_usd_bn: float

    def __post_init__(self) -> None:
        for field in FIELDS:
            check(field, getattr(self, field))
        if self.haircut + self.margin <= 0:
            raise ParameterError(
                f"{OPTION['haircut']} + {OPTION['margin']}: must be greater than 0; "
                "with no capital posted the leverage is infinite and the model is undefined"
            )
        if self.haircut + self.haircut_shock > 1:
            raise ParameterError(
                f"{OPTION['haircut']} + {OPTION['haircut_shock']}: must be at most 1, got {self.haircut + self.haircut_shock:g}"
            )

    def replace(self, **changes: float) -> ScenarioParams:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, float]:
        return {f: round(getattr(self, f), 6) for f in FIELDS}


@dataclass(frozen=True)
class ScenarioResult:
    """One scenario evaluated: every term of the model, USD billions unless named otherwise."""

    params: ScenarioParams
    lev_short_usd_bn: float  # N
    basis_usd_bn: float  # B
    capital_usd_bn: float  # C
    capital_needed_usd_bn: float  # C′
    available_usd_bn: float  # C × (1 + b)
    unwind_share: float  # U / B
    forced_unwind_usd_bn: float  # U
    volume_days: float  # U / V

    def to_dict(self) -> dict[str, Any]:
        return {
            "inputs": self.params.to_dict(),
            "lev_short_usd_bn": round(self.lev_short_usd_bn, 1),
            "basis_usd_bn": round(self.basis_usd_bn, 1),
            "capital_usd_bn": round(self.capital_usd_bn, 1),
            "capital_needed_usd_bn": round(self.capital_needed_usd_bn, 1),
            "available_capital_usd_bn": round(self.available_usd_bn, 1),
            "forced_unwind_usd_bn": round(self.forced_unwind_usd_bn, 1),
            "unwind_share": round(self.unwind_share, 4),
            "volume_days": round(self.volume_days, 3),
        }


def evaluate(lev_short_usd_bn: float, p: ScenarioParams) -> ScenarioResult:
    """The model for a gross short of ``lev_short_usd_bn`` (N, USD bn) and inputs ``p``."""
    if not math.isfinite(lev_short_usd_bn) or lev_short_usd_bn < 0:
        raise ParameterError(f"leveraged funds' short N: must be a finite number of at least 0, got {lev_short_usd_bn}")
    rate_before = p.haircut + p.margin  # > 0, checked by ScenarioParams
    rate_after = p.haircut + p.haircut_shock + p.margin_mult * p.margin
    if rate_after == 0:
        share = 0.0  # C′ = 0 (h = Δh = 0, k = 0): nothing is required after the shock, nothing is forced out
    else:
        share = max(0.0, 1.0 - rate_before * (1.0 + p.buffer) / rate_after)
    basis = p.beta * lev_short_usd_bn
    unwind = basis * share
    return ScenarioResult(
        p,
        lev_short_usd_bn,
        basis,
        basis * rate_before,
        basis * rate_after,
        basis * rate_before * (1.0 + p.buffer),
        share,
        unwind,
        unwind / p.daily_volume_usd_bn,
    )


@dataclass(frozen=True)
class SensitivityGrid:
    """U over haircut shocks (rows) and margin multiples (columns), every other input held at ``base``."""

    base: ScenarioParams
    haircut_shocks: tuple[float, ...]
    margin_mults: tuple[float, ...]
    cells: tuple[tuple[ScenarioResult, ...], ...]  # cells[i][j]: haircut_shocks[i], margin_mults[j]

    def to_dict(self) -> dict[str, Any]:
        def matrix(key: str) -> list[list[Any]]:
            return [[cell.to_dict()[key] for cell in row] for row in self.cells]

        return {
            "rows": "haircut_shock",
            "columns": "margin_mult",
            "haircut_shock": list(self.haircut_shocks),
            "margin_mult": list(self.margin_mults),
            "forced_unwind_usd_bn": matrix("forced_unwind_usd_bn"),
            "unwind_share": matrix("unwind_share"),
            "volume_days": matrix("volume_days"),
        }


def grid(
    lev_short_usd_bn: float, base: ScenarioParams, haircut_shocks: tuple[float, ...], margin_mults: tuple[float, ...]
) -> SensitivityGrid:
    cells = tuple(
        tuple(evaluate(lev_short_usd_bn, base.replace(haircut_shock=dh, margin_mult=k)) for k in margin_mults) for dh in haircut_shocks
    )
    return SensitivityGrid(base, tuple(haircut_shocks), tuple(margin_mults), cells)


# --- the curated parameter table -----------------------------------------------------------


@dataclass(frozen=True)
class Citation:
    authors: str
    title: str
    publisher: str
    published: str
    url: str
    doi: str
    locator: str
    quote: str
    quote_kind: str  # "quote" (word for word) | "paraphrase" (our summary)


@dataclass(frozen=True)
class ParameterSpec:
    """A parameter's default and sources; its name and the reason for the default are in the
    language packs (``scenarios.parameters.<id>``)."""

    id: str  # a ScenarioParams field
    symbol: str
    option: str
    value: float | None  # None: derived from the snapshot (the margin, weighted by contract)
    unit: str
    citations: tuple[Citation, ...]


@dataclass(frozen=True)
class ContractMargin:
    """A futures contract's initial margin; the contract's name and a note are in the packs (``scenarios.margins.<code>``)."""

    code: str  # CFTC contract code
    value: float  # initial margin as a fraction of face value
    as_of: str
    approximate: bool
    citations: tuple[Citation, ...]


@dataclass(frozen=True)
class NamedScenario:
    """A named scenario's overrides of the defaults; its description is in the packs (``scenarios.named.<name>``)."""

    name: str
    overrides: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class ParameterTable:
    parameters: tuple[ParameterSpec, ...]
    margins: tuple[ContractMargin, ...]
    scenarios: tuple[NamedScenario, ...]
    grid_haircut_shocks: tuple[float, ...]
    grid_margin_mults: tuple[float, ...]

    def scenario(self, name: str) -> NamedScenario:
        for s in self.scenarios:
            if s.name == name:
                return s
        raise ParameterError(f"--name: unknown scenario {name!r}; choose from {', '.join(s.name for s in self.scenarios)}")


@dataclass(frozen=True)
class MethodRow:
    """One row of the methods appendix: a parameter (``kind`` "parameter", ``id`` its field) or a
    contract margin (``kind`` "margin", ``id`` "margin.<code>"), with its value and sources; the
    language pack gives its name and the reason for its value."""

    kind: str
    id: str
    key: str  # the pack's key: the parameter's field or the contract code
    symbol: str
    value: float | None  # None: derived from the snapshot
    unit: str
    citations: tuple[Citation, ...]
    as_of: str = ""
    approximate: bool = False


def _need(entry: Mapping[str, Any], key: str, where: str, kind: type | tuple[type, ...] = str) -> Any:
    if key not in entry:
        raise InputError(TABLE_FILE, "missing", field=f"{where}.{key}")
    value = entry[key]
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise InputError(TABLE_FILE, f"wrong type {type(value).__name__}", field=f"{where}.{key}")
    return value


def _citations(entry: Mapping[str, Any], where: str) -> tuple[Citation, ...]:
    rows = _need(entry, "citations", where, list)
    if not rows:
        raise InputError(TABLE_FILE, "at least one citation is required", field=f"{where}.citations")
    out = []
    for i, row in enumerate(rows):
        at = f"{where}.citations[{i}]"
        cite = Citation(**{f.name: _need(row, f.name, at) for f in dataclasses.fields(Citation)})
        if cite.quote_kind not in ("quote", "paraphrase"):
            raise InputError(TABLE_FILE, "must be 'quote' or 'paraphrase'", field=f"{at}.quote_kind")
        out.append(cite)
    return tuple(out)


def _number(entry: Mapping[str, Any], key: str, where: str) -> float:
    return float(_need(entry, key, where, (int, float)))


def _parameter(raw: Mapping[str, Any], pid: str) -> ParameterSpec:
    where = f"parameters.{pid}"
    entry = _need(raw, pid, "parameters", dict)
    unit = _need(entry, "unit", where)
    if unit not in UNITS:
        raise InputError(TABLE_FILE, f"unknown unit {unit!r}; choose from {', '.join(UNITS)}", field=f"{where}.unit")
    spec = ParameterSpec(
        pid,
        _need(entry, "symbol", where),
        _need(entry, "option", where),
        _number(entry, "value", where) if pid != "margin" else None,
        unit,
        _citations(entry, where),
    )
    if f"{spec.option} ({spec.symbol})" != OPTION[pid]:
        raise InputError(TABLE_FILE, f"option and symbol must be those of the command: {OPTION[pid]}", field=f"{where}.option")
    if spec.value is not None:
        _in_table(pid, spec.value, f"{where}.value")
    return spec


def _margin(code: str, e: Mapping[str, Any]) -> ContractMargin:
    where = f"margins.{code}"
    found = ContractMargin(
        code, _number(e, "value", where), _need(e, "as_of", where), bool(e.get("approximate", False)), _citations(e, where)
    )
    _in_table("margin", found.value, f"{where}.value")
    return found


def _scenario(name: str, e: Mapping[str, Any]) -> NamedScenario:
    unknown = sorted(set(e) - set(FIELDS))
    if unknown:
        raise InputError(TABLE_FILE, "not a parameter", field=f"scenarios.{name}.{unknown[0]}")
    overrides = tuple((f, _number(e, f, f"scenarios.{name}")) for f in FIELDS if f in e)
    for field, value in overrides:
        _in_table(field, value, f"scenarios.{name}.{field}")
    return NamedScenario(name, overrides)


def _axis(axes: Mapping[str, Any], field: str) -> tuple[float, ...]:
    values = _need(axes, field, "grid", list)
    if not values:
        raise InputError(TABLE_FILE, "empty", field=f"grid.{field}")
    for i, value in enumerate(values):
        where = f"grid.{field}[{i}]"
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise InputError(TABLE_FILE, f"wrong type {type(value).__name__}", field=where)
        _in_table(field, float(value), where)
    return tuple(float(v) for v in values)


def parse_table(text: str) -> ParameterTable:
    """The parameter table from the TOML text; InputError names the field that is wrong. Every value
    in it must itself be a valid input."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(TABLE_FILE, str(exc)) from None
    parameters = _need(raw, "parameters", "table", dict)
    axes = _need(raw, "grid", "table", dict)
    return ParameterTable(
        tuple(_parameter(parameters, pid) for pid in FIELDS),
        tuple(_margin(code, e) for code, e in _need(raw, "margins", "table", dict).items()),
        tuple(_scenario(name, e) for name, e in _need(raw, "scenarios", "table", dict).items()),
        _axis(axes, "haircut_shock"),
        _axis(axes, "margin_mult"),
    )


def _in_table(field: str, value: float, where: str) -> None:
    try:
        check(field, value)
    except ParameterError as exc:
        raise InputError(TABLE_FILE, str(exc).split(": ", 1)[1], field=where) from None


def methods_rows(table: ParameterTable) -> list[MethodRow]:
    """The rows the methods appendix is generated from: each parameter, then each contract margin."""
    margin = next(p.symbol for p in table.parameters if p.id == "margin")
    rows = [MethodRow("parameter", p.id, p.id, p.symbol, p.value, p.unit, p.citations) for p in table.parameters]
    rows += [
        MethodRow("margin", f"margin.{m.code}", m.code, margin, m.value, "fraction", m.citations, m.as_of, m.approximate)
        for m in table.margins
    ]
    return rows


# --- from key figures to a scenario --------------------------------------------------------


def weighted_margin(by_contract_usd_bn: Mapping[str, float], margins: tuple[ContractMargin, ...]) -> float:
    """Σ N_c × m_c / Σ N_c over the contracts of the latest week."""
    by_code = {m.code: m.value for m in margins}
    missing = sorted(set(by_contract_usd_bn) - set(by_code))
    if missing:
        raise InputError(TABLE_FILE, f"no margin for contract {missing[0]}", field=f"margins.{missing[0]}")
    total = sum(by_contract_usd_bn.values())
    if total <= 0:
        raise ParameterError("leveraged funds' short by contract: the latest week holds no short notional to weight margins by")
    return sum(v * by_code[c] for c, v in sorted(by_contract_usd_bn.items())) / total


def resolve(
    table: ParameterTable, basis: Basis, name: str | None, options: Mapping[str, float | None]
) -> tuple[ScenarioParams, dict[str, str]]:
    """Inputs and where each came from: the table's default, a named scenario's override, or an option."""
    values: dict[str, float] = {p.id: p.value for p in table.parameters if p.value is not None}
    sources = {field: "default" for field in values}
    values["margin"], sources["margin"] = weighted_margin(basis.latest_by_contract_usd_bn, table.margins), "contract-weighted"
    if name is not None:
        for field, value in table.scenario(name).overrides:
            values[field], sources[field] = value, f"scenario {name}"
    for field, given in options.items():
        if given is not None:
            values[field], sources[field] = check(field, given), "option"
    return ScenarioParams(**values), {f: sources[f] for f in FIELDS}


@dataclass(frozen=True)
class ScenarioReport:
    """What ``ustglass scenario`` shows: the snapshot, N and its date, inputs with sources, the result."""

    snapshot: str
    as_of: str
    lev_short_date: str
    lev_short_source: str
    weeks_since_latest: int  # weekly reports missing after lev_short_date, up to the snapshot's date
    scenario: str  # DEFAULTS or a scenario name
    sources: dict[str, str]
    result: ScenarioResult
    symbols: dict[str, str]  # field -> the symbol the table gives it (β, h, ...)
    grid: SensitivityGrid | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {
            "snapshot": self.snapshot,
            "as_of": self.as_of,
            "lev_short_date": self.lev_short_date,
            "lev_short_weeks_since_latest": self.weeks_since_latest,
            "lev_short_source": self.lev_short_source,
            "scenario": self.scenario,
            **self.result.to_dict(),
            "input_sources": self.sources,
        }
        if self.grid is not None:
            out["grid"] = self.grid.to_dict()
        return out


def report(
    kf: KeyFigures,
    table: ParameterTable,
    name: str | None = None,
    options: Mapping[str, float | None] | None = None,
    with_grid: bool = False,
) -> ScenarioReport:
    params, sources = resolve(table, kf.basis, name, options or {})
    n = kf.basis.latest.value
    found = grid(n, params, table.grid_haircut_shocks, table.grid_margin_mults) if with_grid else None
    return ScenarioReport(
        kf.snapshot,
        kf.as_of,
        kf.basis.latest.as_of,
        kf.basis.latest.source,
        kf.basis.weeks_since_latest,
        name or DEFAULTS,
        sources,
        evaluate(n, params),
        {p.id: p.symbol for p in table.parameters},
        found,
    )


def outcome(name: str, result: ScenarioResult) -> keyfigures.ScenarioOutcome:
    """A scenario as the key figures hold it, rounded as ``ustglass scenario --json`` prints it."""
    d = result.to_dict()
    terms = {k: v for k, v in d.items() if k != "inputs"}
    return keyfigures.ScenarioOutcome(name=name, inputs=keyfigures.ScenarioInputs(**d["inputs"]), **terms)


def brief_scenarios(kf: KeyFigures, table: ParameterTable) -> keyfigures.Scenarios:
    """The defaults, the named scenarios and the grid around the defaults, for key_figures.json and the brief."""
    named = tuple(outcome(s.name, report(kf, table, s.name).result) for s in table.scenarios)
    base = report(kf, table, with_grid=True)
    g = base.grid.to_dict() if base.grid is not None else {}

    def matrix(key: str) -> tuple[tuple[float, ...], ...]:
        return tuple(tuple(row) for row in g[key])

    grid_kf = keyfigures.ScenarioGrid(
        tuple(g["haircut_shock"]), tuple(g["margin_mult"]), matrix("forced_unwind_usd_bn"), matrix("unwind_share"), matrix("volume_days")
    )
    return keyfigures.Scenarios(kf.basis.latest, outcome(DEFAULTS, base.result), named, grid_kf)


# --- text for the analyst --------------------------------------------------------------------

LABELS = {
    "beta": "basis share of N",
    "haircut": "repo haircut",
    "margin": "futures initial margin",
    "buffer": "buffer above requirement",
    "haircut_shock": "haircut shock",
    "margin_mult": "margin multiple",
    "daily_volume_usd_bn": "daily cash Treasury volume",
}


def format_text(rep: ScenarioReport) -> str:
    r, p = rep.result, rep.result.params
    stale = f"; the {rep.weeks_since_latest} weekly reports after it are missing" if rep.weeks_since_latest else ""
    lines = [
        f"Basis-unwind stress scenario: {rep.scenario}",
        f"Snapshot {rep.snapshot}; leveraged funds' gross short N = ${r.lev_short_usd_bn:,.1f} bn "
        f"({rep.lev_short_source}, week of {rep.lev_short_date}{stale})",
        "",
    ]
    for field in FIELDS:
        value = getattr(p, field)
        shown = f"${value:,.0f} bn" if field == "daily_volume_usd_bn" else f"{value:.2f}" if field == "margin_mult" else f"{value:.4f}"
        lines.append(f"  {rep.symbols[field]:<3} {LABELS[field]:<28} {shown:>10}   {rep.sources[field]}")
    lines += [
        "",
        f"  B  = β × N                        = {r.basis_usd_bn:>9,.1f} bn",
        f"  C  = B × (h + m)                  = {r.capital_usd_bn:>9,.1f} bn",
        f"  C′ = B × (h + Δh + k·m)           = {r.capital_needed_usd_bn:>9,.1f} bn",
        f"  available = C × (1 + b)           = {r.available_usd_bn:>9,.1f} bn",
        f"  U  = B × max(0, 1 − C(1+b)/C′)    = {r.forced_unwind_usd_bn:>9,.1f} bn",
        "",
        f"Forced unwind: ${r.forced_unwind_usd_bn:,.1f} bn, {r.unwind_share:.1%} of the basis position, "
        f"{r.volume_days:.2f} days of cash Treasury volume.",
    ]
    if rep.grid is not None:
        lines += ["", *format_grid(rep.grid)]
    return "\n".join(lines)


def format_grid(g: SensitivityGrid) -> list[str]:
    head = "  Δh \\ k " + "".join(f"{k:>9.2f}" for k in g.margin_mults)
    lines = [
        "Forced unwind U, USD bn (share of B), by haircut shock Δh (rows) and margin multiple k (columns);",
        "other inputs as above.",
        head,
    ]
    for dh, row in zip(g.haircut_shocks, g.cells):
        lines.append(f"  {dh:<6.3f} " + "".join(f"{c.forced_unwind_usd_bn:>9,.1f}" for c in row))
        lines.append("         " + "".join(f"{'(' + format(c.unwind_share, '.0%') + ')':>9}" for c in row))
    return lines


# --- I/O for the CLI -------------------------------------------------------------------------


def shipped_table() -> ParameterTable:
    """The parameter table shipped in the package."""
    from importlib import resources

    return parse_table((resources.files("ustglass") / TABLE_FILE).read_text(encoding="utf-8"))


def run(
    snapshots_root: Path,
    snapshot_ref: str | None,
    name: str | None = None,
    options: Mapping[str, float | None] | None = None,
    with_grid: bool = False,
) -> ScenarioReport:
    """``ustglass scenario``: check the options, then read the snapshot and evaluate."""
    from ustglass import metrics, snapshot

    table = shipped_table()
    for field, value in (options or {}).items():
        if value is not None:
            check(field, value)
    if name is not None:
        table.scenario(name)
    snap = snapshot.load(snapshot.resolve(snapshot_ref, snapshots_root))
    return report(metrics.key_figures(snap.tables, snap.manifest), table, name, options, with_grid)
