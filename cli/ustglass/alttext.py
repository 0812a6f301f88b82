"""A sentence per figure for readers who cannot see it: the image's alt text, in each language.

The sentence is ``[brief.alt] <figure>`` of the language pack, with fields filled from the key
figures, formatted by the pack's rules: the figure's own fields (those its chart text may use,
see the pack's ``charts.toml``) and the brief's key numbers (:func:`key_numbers`). The HTML and
PDF writers put it in ``<img alt>``; templates receive it as ``alt[<figure>]``.
"""

from __future__ import annotations

from collections.abc import Iterable

from ustglass import figures, fmt
from ustglass.keyfigures import KeyFigures
from ustglass.locale import Locale

ALT_KEY = "brief.alt"


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
    }


def alt_text(figure_id: str, kf: KeyFigures, loc: Locale) -> str:
    """The alt text of figure ``figure_id`` in the language of ``loc``; a BuildError names the
    pack and key when the sentence is missing or uses a field there is none of."""
    return alt_texts(kf, loc, [figure_id])[figure_id]


def alt_texts(kf: KeyFigures, loc: Locale, figure_ids: Iterable[str]) -> dict[str, str]:
    """The alt text of each figure, by id."""
    numbers = key_numbers(kf, loc)
    return {fid: loc.text(f"{ALT_KEY}.{_key(fid, kf)}", **{**numbers, **figures.get(fid).context(kf, loc)}) for fid in figure_ids}


def _key(figure_id: str, kf: KeyFigures) -> str:
    """The pack's sentence for a figure: the deficits chart of a single fiscal year has its own
    (never "from FY2019 to FY2019")."""
    return "deficits_one_year" if figure_id == "deficits" and kf.fiscal.prior_fy is None else figure_id
