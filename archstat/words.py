"""Numbers in words, once for the whole package: every command writes a count, a prefix, a share or
a ratio through these, so the same number reads the same everywhere it appears (the rules:
docs/output.md). Core layer: a result's own description (``table_data``) uses them too.

Decimal prefixes (k = 1e3, M = 1e6, G = 1e9, T = 1e12), three significant digits; from 1,000 T on,
the T figure whole and grouped (``1,550,000 TMACs``, never ``1.55e+06``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .tabular import ratio_text

_PREFIXES = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"))


def human(value: float, unit: str = "", *, compact: bool = False) -> str:
    """A value with a decimal prefix: 1_135_906_176 -> '1.14 G', with ``unit`` 'MACs' '1.14 GMACs'.

    ``compact`` is the spelling inside a sentence (``archstat claims``): no space, and the third digit
    kept when it is a zero, 60_965_224 -> '61.0M' where the tables write '61 M'.
    """
    for factor, prefix in _PREFIXES:
        if abs(value) >= factor:
            if abs(value) >= 1000 * factor:  # past the largest prefix: whole and grouped, never 1.55e+06
                digits = f"{value / factor:,.0f}"
            else:
                digits = f"{value / factor:#.3g}".rstrip(".") if compact else f"{value / factor:.3g}"
            return f"{digits}{prefix}{unit}" if compact else f"{digits} {prefix}{unit}"
    return f"{value:g}{unit}" if compact else f"{value:g} {unit}".rstrip()


def integer(value: Any) -> str:
    """A count in full with thousands separators, 175000 -> '175,000'; '' for a missing one (None, NaN)."""
    return "" if value is None or value != value else f"{int(value):,}"


def percent(fraction: float, *, digits_below_10: int = 1) -> str:
    """A fraction as a percentage, one decimal: 0.4906 -> '49.1%'. ``digits_below_10`` decimals under
    10%, where one decimal would hide the difference a claim turns on (0.0145 -> '1.45%' with 2)."""
    digits = digits_below_10 if abs(fraction) < 0.1 else 1
    return f"{100 * fraction:.{digits}f}%"


def share(part: float, whole: float) -> str:
    """``part`` as a percentage of ``whole``; '-' when the whole is zero (nothing to share)."""
    # 100 * part / whole, in this order: the digits every table has shown since the first release
    return f"{100 * part / whole:.1f}%" if whole else "-"


def times(value: float) -> str:
    """A ratio in words: 2.269 -> '2.27x', 0.0506 -> '1/19.8', 1e-4 -> '1/10,000'."""
    if value and abs(value) < 1:
        inverse = 1 / value
        return f"1/{inverse:,.0f}" if abs(inverse) >= 1000 else f"1/{inverse:#.3g}".rstrip(".")
    return f"{value:,.0f}x" if abs(value) >= 1000 else f"{value:#.3g}".rstrip(".") + "x"


def multiple(value: float | None) -> str:
    """A ratio as a multiple: 0.0506 -> '0.051x', 2.269 -> '2.27x', 1234.5 -> '1,234x'; None -> 'n/a'."""
    return "n/a" if value is None else ratio_text(value)


def signed(value: int) -> str:
    """A difference with its sign and thousands separators: 1234 -> '+1,234', -56 -> '-56', 0 -> '0'."""
    return f"{value:+,}" if value else "0"


def signed_percent(part: float, whole: float = 1.0) -> str:
    """A change as a signed percentage of ``whole`` (of 1: ``part`` is a fraction), one decimal: '+4.9%'."""
    return f"{100 * part / whole:+.1f}%"


def byte_text(value: float) -> str:
    """4_194_304 -> '4.0 MiB' (binary prefixes, as memory is sold and reported by tools)."""
    for factor, prefix in ((2**40, "TiB"), (2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB")):
        if abs(value) >= factor:
            return f"{value / factor:.1f} {prefix}"
    return f"{int(value)} B"


def pair_text(pair: Sequence[int | str] | None) -> str:
    """Height and width, (11, 11) -> '11x11' (a volume's depth first, '3x11x11'; a stride below one
    pixel as its fraction, '1/2x1/2'); '' for none."""
    return "" if pair is None else "x".join(str(v) for v in pair)
