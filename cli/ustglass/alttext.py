"""A sentence per figure for readers who cannot see it: the image's alt text, in each language.

The sentence is ``[brief.alt] <figure>`` of the language pack, with fields filled from the key
figures, formatted by the pack's rules: the figure's own fields (those its chart text may use,
see the pack's ``charts.toml``) and the brief's key numbers (:func:`key_numbers`). A figure
whose edition lacks part of what it shows has a sentence of its own for that case
(``<figure>_<variant>``, chosen by :data:`VARIANTS`), so that the sentence stays true rather than
reading "not available on not available". The HTML and PDF writers put it in ``<img alt>``;
templates receive it as ``alt[<figure>]``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ustglass import figures, fmt
from ustglass.keyfigures import KeyFigures
from ustglass.locale import Locale

ALT_KEY = "brief.alt"

# Figure id -> the variant of its sentence an edition needs (None: the figure's own sentence).
VARIANTS: dict[str, Callable[[KeyFigures], str | None]] = {
    "funding": lambda kf: "without_spread" if kf.funding.sofr_iorb_bp is None else None,  # no SOFR - IORB line to describe
    "deficits": lambda kf: "one_year" if kf.fiscal.prior_fy is None else None,  # never "from FY2019 to FY2019"
}


def alt_key(figure_id: str, kf: KeyFigures) -> str:
    """The key of the figure's sentence in ``[brief.alt]`` for this edition."""
    variant = VARIANTS[figure_id](kf) if figure_id in VARIANTS else None
    return f"{ALT_KEY}.{figure_id}" if variant is None else f"{ALT_KEY}.{figure_id}_{variant}"


# The funding chart's lower panel: its series in the order the sentence names them, by their
# words in the pack's [brief.alt_lists.funding] and the key figure that holds the latest value.
FUNDING_BALANCES = (("reserves", "reserves_usd_bn"), ("tga", "tga_usd_bn"), ("rrp", "rrp_usd_bn"))


def listed(parts: list[str], loc: Locale) -> str:
    """``a, b and c`` by the pack's ``[brief.alt_lists]`` separators."""
    if len(parts) < 2:
        return "".join(parts)
    return loc.text("brief.alt_lists.sep").join(parts[:-1]) + loc.text("brief.alt_lists.last_sep") + parts[-1]


def funding_balances(kf: KeyFigures, loc: Locale) -> str:
    """The balances the funding chart's lower panel shows, each with its latest value; a series
    the edition lacks is left out of the sentence, as it is out of the chart."""
    points = [(key, getattr(kf.funding, attr)) for key, attr in FUNDING_BALANCES]
    return listed([loc.text("brief.alt_lists.funding", key, value=fmt.usd_bn(p.value, loc)) for key, p in points if p is not None], loc)


def key_numbers(kf: KeyFigures, loc: Locale) -> dict[str, str]:
    """The brief's key numbers, formatted for the reader, by the names alt texts use."""
    f, h, b, fu = kf.fiscal, kf.holders, kf.basis, kf.funding
    largest = h.ranking[0]
    na = str(loc.get("brief.key_table.not_available"))
    return {
        "latest_deficit": fmt.usd_bn(f.latest_deficit.value, loc),
        "average_deficit": fmt.usd_bn(f.average_deficit_usd_bn, loc),
        "first_fy": fmt.fiscal_year(f.first_fy, loc),
        "latest_fy": fmt.fiscal_year(f.latest_fy, loc),
        "largest_holder": loc.name_of("countries", largest),
        "largest_holder_usd": fmt.usd_bn(h.usd_bn[largest], loc),
        "foreign_total_usd": fmt.usd_bn(h.grand_total.value, loc),
        "cayman_usd": fmt.usd_bn(h.cayman_official.value, loc) if h.cayman_official else na,
        "cayman_rank": fmt.ordinal(h.cayman_rank, loc) if h.cayman_rank else na,
        "basis_latest_usd": fmt.usd_bn(b.latest.value, loc),
        "basis_latest_date": fmt.period(b.latest.as_of, loc),
        "basis_peak_usd": fmt.usd_bn(b.peak.value, loc),
        "basis_peak_date": fmt.period(b.peak.date, loc),
        "spread_bp": fmt.bp(fu.sofr_iorb_bp.value, loc, sign=True) if fu.sofr_iorb_bp else na,
        "spread_date": fmt.period(fu.sofr_iorb_bp.as_of, loc) if fu.sofr_iorb_bp else na,
        "reserves_usd": fmt.usd_bn(fu.reserves_usd_bn.value, loc) if fu.reserves_usd_bn else na,
        "tga_usd": fmt.usd_bn(fu.tga_usd_bn.value, loc) if fu.tga_usd_bn else na,
        "rrp_usd": fmt.usd_bn(fu.rrp_usd_bn.value, loc),
        "funding_balances": funding_balances(kf, loc),
    }


def alt_text(figure_id: str, kf: KeyFigures, loc: Locale) -> str:
    """The alt text of figure ``figure_id`` in the language of ``loc``; a BuildError names the
    pack and key when the sentence is missing or uses a field there is none of."""
    return alt_texts(kf, loc, [figure_id])[figure_id]


def alt_texts(kf: KeyFigures, loc: Locale, figure_ids: Iterable[str]) -> dict[str, str]:
    """The alt text of each figure, by id."""
    numbers = key_numbers(kf, loc)
    return {fid: loc.text(alt_key(fid, kf), **{**numbers, **figures.get(fid).context(kf, loc)}) for fid in figure_ids}
