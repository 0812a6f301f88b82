"""The claim check: the article's quantitative claims evaluated against a snapshot.

What is checked, and how, is data (``research/claims.toml``); the wording of each claim,
verdict and reason is in the language packs (``templates/locales/<code>/claims.toml``); the
metrics are in ``claimmetrics``. This module reads the definitions, holds the comparisons and
the rule that combines a claim's checks into one verdict, and writes the results (JSON, an
aligned text table) in the words of a language pack. No language string lives here.

Each check is evaluated at the claim's own date or period, never with later data. A check
whose data the snapshot lacks is "cannot be checked", naming the dataset that would settle it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ustglass import fmt, keyfigures, locale, scorecard
from ustglass.claimmetrics import METRICS, Measured
from ustglass.errors import BuildError
from ustglass.resources import read_toml
from ustglass.scorecard import Tables, Unavailable

CLAIMS_FILE = Path(__file__).resolve().parent / "research" / "claims.toml"
SUPPORTED, NOT_SUPPORTED, PARTLY, CANNOT_CHECK, CONTEXT = "supported", "not_supported", "partly", "cannot_check", "context"
COMPARISONS = ("approx", "greater", "less", "equal", "range", "direction", "signal_in", "none")


# --- definitions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    id: str
    metric: str
    args: Mapping[str, Any]
    comparison: str
    claimed: Any  # a number, [low, high], "rising" / "falling", a list of signals, or None (context)
    tolerance: float
    unit: str


@dataclass(frozen=True)
class Claim:
    id: str
    refers_to: str
    date: str
    settled_by: tuple[str, ...]
    combine: str
    max_verdict: str | None
    checks: tuple[Check, ...]


def _check(path: Path, cid: str, raw: Mapping[str, Any]) -> Check:
    where = f"{path}, claim {cid!r}, check {raw.get('id', '?')!r}"

    def bad(name: str, what: str) -> BuildError:
        return BuildError(f"{where}, field {name!r}: {what}")

    for name in ("id", "metric", "comparison", "unit"):
        if not isinstance(raw.get(name), str):
            raise bad(name, "missing")
    if raw["metric"] not in METRICS:
        raise bad("metric", f"unknown metric {raw['metric']!r}")
    comparison, claimed = raw["comparison"], raw.get("claimed")
    if comparison not in COMPARISONS:
        raise bad("comparison", f"unknown comparison {comparison!r}; choose from {', '.join(COMPARISONS)}")
    if comparison == "range" and not (isinstance(claimed, list) and len(claimed) == 2 and claimed[0] <= claimed[1]):
        raise bad("claimed", "a range is [low, high]")
    if comparison == "direction" and claimed not in ("rising", "falling"):
        raise bad("claimed", "a direction is 'rising' or 'falling'")
    if comparison in ("approx", "greater", "less", "equal") and not isinstance(claimed, (int, float)):
        raise bad("claimed", "a number is needed")
    if comparison == "approx" and not isinstance(raw.get("tolerance"), (int, float)):
        raise bad("tolerance", "an approximate claim needs a tolerance")
    return Check(raw["id"], raw["metric"], dict(raw.get("args", {})), comparison, claimed, float(raw.get("tolerance", 0)), raw["unit"])


def load_claims(path: Path = CLAIMS_FILE) -> tuple[Claim, ...]:
    """The claim definitions, validated as a whole: a bad field names the file, claim and field."""
    claims = []
    for cid, body in read_toml(path).items():
        for name in ("refers_to", "date"):
            if not isinstance(body.get(name), str):
                raise BuildError(f"{path}, claim {cid!r}, field {name!r}: missing")
        if not body.get("checks"):
            raise BuildError(f"{path}, claim {cid!r}, field 'checks': a claim needs at least one check")
        combine, cap = body.get("combine", "all"), body.get("max_verdict")
        if combine not in ("all", "any"):
            raise BuildError(f"{path}, claim {cid!r}, field 'combine': choose 'all' or 'any'")
        if cap not in (None, PARTLY):
            raise BuildError(f"{path}, claim {cid!r}, field 'max_verdict': only {PARTLY!r} is allowed")
        checks = tuple(_check(path, cid, c) for c in body["checks"])
        claims.append(Claim(cid, body["refers_to"], body["date"], tuple(body.get("settled_by", ())), combine, cap, checks))
    return tuple(claims)


# --- judging -------------------------------------------------------------------------------


def judge(check: Check, m: Measured) -> tuple[str, float | None]:
    """The verdict of one check on what was measured, and the difference from the claimed value."""
    c, v, claimed, tol = check.comparison, m.value, check.claimed, check.tolerance
    if c == "none":
        return CONTEXT, None
    if c == "approx":
        diff = v - claimed
        return (SUPPORTED if abs(diff) <= tol else PARTLY if abs(diff) <= 2 * tol else NOT_SUPPORTED), diff
    if c == "equal":
        return (SUPPORTED if v == claimed else NOT_SUPPORTED), None
    if c in ("greater", "less"):
        holds = v > claimed if c == "greater" else v < claimed
        return (SUPPORTED if holds else NOT_SUPPORTED), v - claimed
    if c == "range":
        low, high = claimed
        if m.values:
            inside = [low <= x <= high for x in m.values.values()]
            return (SUPPORTED if all(inside) else PARTLY if any(inside) else NOT_SUPPORTED), None
        return (SUPPORTED, None) if low <= v <= high else (NOT_SUPPORTED, v - (low if v < low else high))
    if c == "direction":
        move = v if claimed == "rising" else -v
        return (SUPPORTED if move > tol else NOT_SUPPORTED if move < -tol else PARTLY), None
    return (SUPPORTED if m.signal in claimed else NOT_SUPPORTED), None  # signal_in


def combine(verdicts: list[str], rule: str) -> str:
    """One verdict from a claim's checks ("all": parts of one claim; "any": alternative readings)."""
    judged = [v for v in verdicts if v not in (CANNOT_CHECK, CONTEXT)]
    missing = CANNOT_CHECK in verdicts
    if not judged:
        return CANNOT_CHECK
    all_supported = all(v == SUPPORTED for v in judged)
    if rule == "any":
        if SUPPORTED in judged:
            return SUPPORTED if all_supported else PARTLY
        if missing:
            return CANNOT_CHECK
        return PARTLY if PARTLY in judged else NOT_SUPPORTED
    if all_supported:
        return PARTLY if missing else SUPPORTED
    return NOT_SUPPORTED if all(v == NOT_SUPPORTED for v in judged) else PARTLY


@dataclass(frozen=True)
class CheckResult:
    check: Check
    verdict: str
    measured: Measured | None = None
    difference: float | None = None
    reason: Unavailable | None = None


@dataclass(frozen=True)
class ClaimResult:
    claim: Claim
    verdict: str
    checks: tuple[CheckResult, ...]

    @property
    def headline(self) -> CheckResult:
        """The check that gives the claim's data value: the first judged one, else the first."""
        judged = [c for c in self.checks if c.measured is not None and c.check.comparison != "none"]
        return (judged or list(self.checks))[0]

    @property
    def needs(self) -> tuple[str, ...]:
        """The datasets whose absence left a check unchecked, in order."""
        found: list[str] = []
        for c in self.checks:
            if c.reason is not None and c.reason.code == "missing_dataset" and c.check.comparison != "none":
                found.extend(d for d in c.reason.datasets if d not in found)
        return tuple(found)


def run_check(check: Check, claim: Claim, tables: Tables) -> CheckResult:
    try:
        measured = METRICS[check.metric](tables, **{"date": claim.date, **check.args})
    except Unavailable as exc:
        return CheckResult(check, CANNOT_CHECK, reason=exc)
    verdict, diff = judge(check, measured)
    return CheckResult(check, verdict, measured, scorecard.rounded(diff, 2))  # half-up, as every figure of the brief


def check_claim(claim: Claim, tables: Tables) -> ClaimResult:
    results = tuple(run_check(c, claim, tables) for c in claim.checks)
    verdict = combine([r.verdict for r in results if r.check.comparison != "none"], claim.combine)  # context is not judged
    if claim.max_verdict == PARTLY and verdict == SUPPORTED:
        verdict = PARTLY
    return ClaimResult(claim, verdict, results)


@dataclass(frozen=True)
class ClaimCheck:
    """Every claim evaluated against one snapshot."""

    snapshot: str
    results: tuple[ClaimResult, ...]

    def get(self, claim_id: str) -> ClaimResult:
        return next(r for r in self.results if r.claim.id == claim_id)

    def verdicts(self) -> dict[str, str]:
        return {r.claim.id: r.verdict for r in self.results}


def check_claims(tables: Tables, snapshot_id: str = "", claims: tuple[Claim, ...] | None = None) -> ClaimCheck:
    """Evaluate every claim (default: research/claims.toml) against a snapshot's tables."""
    return ClaimCheck(snapshot_id, tuple(check_claim(c, tables) for c in (claims if claims is not None else load_claims())))


# --- key figures ---------------------------------------------------------------------------


def _frozen(value: Any) -> Any:
    return tuple(_frozen(v) for v in value) if isinstance(value, list) else value


def _reason(exc: Unavailable | None) -> keyfigures.UnavailableReason | None:
    if exc is None:
        return None
    return keyfigures.UnavailableReason(exc.code, exc.datasets, exc.period, exc.row, exc.key, exc.detail)


def _check_reading(c: CheckResult) -> keyfigures.ClaimCheckReading:
    m, chk = c.measured, c.check
    return keyfigures.ClaimCheckReading(
        id=chk.id,
        metric=chk.metric,
        comparison=chk.comparison,
        claimed=_frozen(chk.claimed),
        tolerance=chk.tolerance,
        unit=chk.unit,
        verdict=c.verdict,
        value=None if m is None else m.value,
        values=None if m is None or m.values is None else dict(m.values),
        date=None if m is None else m.date,
        signal=None if m is None else m.signal,
        difference=c.difference,
        reason=_reason(c.reason),
        context={} if m is None else dict(m.context),
    )


def key_figures(result: ClaimCheck) -> keyfigures.Claims:
    """The claim check as the key figures hold it: codes and numbers, no words."""
    found = []
    for r in result.results:
        head, reasons = r.headline, [c.reason for c in r.checks if c.reason is not None and c.check.comparison != "none"]
        found.append(
            keyfigures.ClaimReading(
                id=r.claim.id,
                date=r.claim.date,
                verdict=r.verdict,
                metric=head.check.metric,
                value=None if head.measured is None else head.measured.value,
                unit=head.check.unit,
                value_date=None if head.measured is None else head.measured.date,
                claimed=_frozen(head.check.claimed),
                difference=head.difference,
                reason_code=reasons[0].code if reasons else None,
                needs=r.needs,
                settled_by=r.claim.settled_by,
                checks=tuple(_check_reading(c) for c in r.checks),
            )
        )
    counts = {v: sum(1 for c in found if c.verdict == v) for v in (SUPPORTED, PARTLY, NOT_SUPPORTED, CANNOT_CHECK)}
    return keyfigures.Claims(tuple(found), counts)


# --- wording -------------------------------------------------------------------------------

WORDING_FILE = "claims.toml"
UNIT_DIGITS = {"%": 1, "pp": 2, "bp": 1, "rank": 0, "ratio": 2, "pctile": 0}
TEXT_SKIP = ("doi",)  # context kept in JSON, left out of the text table


@dataclass(frozen=True)
class Wording:
    """The claim check's words in one language: ``templates/locales/<code>/claims.toml`` and the pack's number rules."""

    path: Path
    strings: Mapping[str, Any]
    loc: locale.Locale

    def get(self, key: str) -> str:
        node: Any = self.strings
        for part in key.split("."):
            if not isinstance(node, Mapping) or part not in node:
                raise BuildError(f"{self.path}: missing key {key!r}")
            node = node[part]
        return str(node)

    def has(self, key: str) -> bool:
        try:
            self.get(key)
        except BuildError:
            return False
        return True

    def amount(self, x: Any, unit: str, *, sign: bool = False) -> str:
        if unit == "signal":
            return self.signal(str(x))
        if not isinstance(x, (int, float)):
            return str(x)
        if unit == "USD bn":
            return fmt.usd_bn(x, self.loc, digits=2, sign=sign)
        return self.get(f"units.{unit}").format(n=fmt.number(x, self.loc, UNIT_DIGITS.get(unit, 1), sign=sign))

    def signal(self, code: str) -> str:
        """A scorecard signal in the pack's words (``scorecard.signals`` of its locale.toml)."""
        return self.loc.text("scorecard.signals", code)

    def when(self, text: str) -> str:
        """A date, month, fiscal year ("FY2025") or range of them ("a…b") in the reader's words."""
        if "…" in text:
            return self.get("labels.range").format(*(self.when(p) for p in text.split("…", 1)))
        if text.startswith("FY"):
            return fmt.fiscal_year(text[2:], self.loc)
        try:
            return fmt.day_short(text, self.loc) if text.count("-") == 2 else fmt.period(text, self.loc)
        except ValueError:
            return text

    def reason(self, exc: Unavailable | keyfigures.UnavailableReason) -> str:
        if exc.code == "not_measurable":
            return self.get(f"reasons.{exc.key}")
        detail = self.loc.name_of("countries", exc.detail) if exc.detail else ""
        return (
            self.get(f"reasons.{exc.code}")
            .format(
                datasets=self.loc.text("brief.scorecard.list_sep").join(self.loc.name_of("dataset_names", d) for d in exc.datasets),
                row=self.loc.name_of("research_names", exc.row) if exc.row else "",
                detail=detail,
                period=self.when(exc.period) if exc.period else "",
            )
            .strip()
        )

    def claimed(self, check: Check | keyfigures.ClaimCheckReading) -> str:
        c, u = check.comparison, check.unit
        if c == "none":
            return ""
        if c == "range":
            return self.get("labels.range").format(self.amount(check.claimed[0], u), self.amount(check.claimed[1], u))
        if c == "direction":
            return self.get(f"comparisons.{check.claimed}")
        if c == "signal_in":
            return self.get("comparisons.signal_in").format(signals=self.get("labels.or").join(self.signal(s) for s in check.claimed))
        return self.get(f"comparisons.{c}").format(claimed=self.amount(check.claimed, u), tolerance=self.amount(check.tolerance, u))


def wording(code: str, templates_dir: Path | None = None) -> Wording:
    """The claim check's words in language ``code`` (an editor's templates first, then the shipped packs)."""
    dirs = locale.search_path(templates_dir)
    for d in dirs:
        path = d / code / WORDING_FILE
        if path.is_file():
            return Wording(path, read_toml(path), locale.load(code, dirs))
    found = sorted({p.parent.name for d in dirs if d.is_dir() for p in d.glob(f"*/{WORDING_FILE}")})
    raise BuildError(
        f"no claim wording for language {code!r} (templates/locales/{code}/{WORDING_FILE}); available: {', '.join(found) or 'none'}"
    )


def _check_dict(claim: Claim, c: CheckResult, w: Wording | None) -> dict[str, Any]:
    m, chk = c.measured, c.check
    out: dict[str, Any] = {
        "id": chk.id,
        "metric": chk.metric,
        "args": dict(chk.args),
        "comparison": chk.comparison,
        "claimed": chk.claimed,
        "tolerance": chk.tolerance,
        "unit": chk.unit,
        "value": None if m is None else m.value,
        "values": None if m is None or m.values is None else dict(m.values),
        "date": None if m is None else m.date,
        "signal": None if m is None else m.signal,
        "difference": c.difference,
        "verdict": c.verdict,
        "reason_code": None if c.reason is None else c.reason.code,
        "needs": [] if c.reason is None or c.reason.code != "missing_dataset" else list(c.reason.datasets),
        "context": {} if m is None else dict(m.context),
    }
    if w is not None:
        out |= {
            "text": w.get(f"{claim.id}.checks.{chk.id}"),
            "verdict_text": w.get(f"verdicts.{c.verdict}"),
            "reason": None if c.reason is None else w.reason(c.reason),
        }
    return out


def claim_dict(r: ClaimResult, w: Wording | None = None) -> dict[str, Any]:
    head, claim = r.headline, r.claim
    reasons = [c.reason for c in r.checks if c.reason is not None]
    out: dict[str, Any] = {
        "id": claim.id,
        "refers_to": claim.refers_to,
        "date": claim.date,
        "settled_by": list(claim.settled_by),
        "verdict": r.verdict,
        "value": None if head.measured is None else head.measured.value,
        "unit": head.check.unit,
        "value_date": None if head.measured is None else head.measured.date,
        "claimed": head.check.claimed,
        "difference": head.difference,
        "needs": list(r.needs),
        "checks": [_check_dict(claim, c, w) for c in r.checks],
    }
    if w is not None:
        out |= {
            "text": w.get(f"{claim.id}.text"),
            "period_text": w.get(f"{claim.id}.period"),
            "verdict_text": w.get(f"verdicts.{r.verdict}"),
            "reason": w.reason(reasons[0]) if reasons else None,
            "note": w.get(f"{claim.id}.note") if w.has(f"{claim.id}.note") else None,
        }
    return out


def to_dict(result: ClaimCheck, w: Wording | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"snapshot": result.snapshot}
    if w is not None:
        out["lang"] = w.loc.code
    return out | {"claims": [claim_dict(r, w) for r in result.results]}


# --- text ----------------------------------------------------------------------------------


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    fill = " " * (width - _width(text))
    return fill + text if right else text + fill


def _context_line(m: Measured, unit: str, w: Wording) -> str:
    parts = []
    for key, value in m.context.items():
        if key in TEXT_SKIP or value is None:
            continue
        label = w.when(key) if key.startswith("FY") else w.get(f"context.{key}")
        u = m.units.get(key, unit)
        if isinstance(value, Mapping):
            shown = w.get("labels.separator").join(f"{w.when(k)} {w.amount(v, u)}" for k, v in value.items())
        elif isinstance(value, str):
            shown = w.loc.name_of("countries", value) if key == "largest_other" else w.when(value) if value[:2].isdigit() else value
        elif isinstance(value, int) and not isinstance(value, bool):
            shown = str(value)
        else:
            shown = w.amount(value, u)
        parts.append(f"{label} {shown}")
    return w.get("labels.separator").join(parts)


def data_cell(chk: Check | keyfigures.ClaimCheckReading, m: Measured | keyfigures.ClaimCheckReading, w: Wording) -> str:
    """The measured value as the table shows it: a signal, a count of years in range, or an amount (signed if a change)."""
    if chk.unit == "signal":
        return w.amount(m.signal, "signal")
    if m.values and chk.comparison == "range":
        low, high = chk.claimed
        inside = sum(low <= x <= high for x in m.values.values())
        return w.get("labels.in_range").format(n=inside, total=len(m.values))
    return w.amount(m.value, chk.unit, sign="change" in chk.metric)


def format_text(result: ClaimCheck, w: Wording) -> str:
    """Each claim with its verdict and wording, then one aligned row per check, and what a check lacked or showed."""
    head = tuple(w.get(f"labels.{k}") for k in ("check", "value", "date", "claimed", "difference", "verdict"))
    lines: list[tuple[str, ...] | str] = []
    for r in result.results:
        cid = r.claim.id
        lines.append(
            w.get("labels.claim_line").format(
                id=cid, verdict=w.get(f"verdicts.{r.verdict}"), text=w.get(f"{cid}.text"), period=w.get(f"{cid}.period")
            )
        )
        for c in r.checks:
            m, chk = c.measured, c.check
            lines.append(
                (
                    "  " + w.get(f"{cid}.checks.{chk.id}"),
                    "" if m is None else data_cell(chk, m, w),
                    "" if m is None else w.when(m.date),
                    w.claimed(chk),
                    "" if c.difference is None else w.amount(c.difference, chk.unit, sign=True),
                    w.get(f"verdicts.{c.verdict}"),
                )
            )
            extra = (
                w.reason(c.reason)
                if c.reason is not None
                else ""
                if m is None
                else (
                    w.get("labels.separator").join(f"{w.when(k)} {w.amount(v, chk.unit)}" for k, v in m.values.items())
                    if m.values
                    else _context_line(m, chk.unit, w)
                )
            )
            if extra:
                lines.append(f"      {extra}")
        if w.has(f"{cid}.note"):
            lines.append(f"      {w.get(f'{cid}.note')}")
    rows = [head, *(x for x in lines if isinstance(x, tuple))]
    widths = [max(_width(row[i]) for row in rows) for i in range(len(head))]
    right = {1, 4}

    def table_row(row: tuple[str, ...]) -> str:
        return "  ".join(_pad(cell, wd, i in right) for i, (cell, wd) in enumerate(zip(row, widths))).rstrip()

    out = [w.get("labels.snapshot").format(id=result.snapshot), table_row(head)]
    out += [table_row(x) if isinstance(x, tuple) else x for x in lines]
    return "\n".join(out)
