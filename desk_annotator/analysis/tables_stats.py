"""Pearson's chi-square test of independence for a contingency table, without scipy.

The p-value is the chi-square survival function, the regularized upper incomplete gamma
Q(df/2, x/2), computed by its power series for x < a + 1 and by Lentz's continued fraction
otherwise (Numerical Recipes §6.2). Tests cross-check it against scipy.stats.chi2.sf.
"""

from __future__ import annotations

import math
from typing import Any

_EPS = 1e-15
_TINY = 1e-300
_MAX_ITER = 10_000


def _lower_series(a: float, x: float) -> float:
    """P(a, x) by the series x^a e^-x / Gamma(a+1) * sum x^n / ((a+1)...(a+n))."""
    term = total = 1.0 / a
    denom = a
    for _ in range(_MAX_ITER):
        denom += 1.0
        term *= x / denom
        total += term
        if abs(term) < abs(total) * _EPS:
            break
    return total * math.exp(-x + a * math.log(x) - math.lgamma(a))


def _upper_fraction(a: float, x: float) -> float:
    """Q(a, x) by the continued fraction (modified Lentz)."""
    b = x + 1.0 - a
    c = 1.0 / _TINY
    d = 1.0 / b
    h = d
    for i in range(1, _MAX_ITER):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = _TINY if abs(d) < _TINY else d
        c = b + an / c
        c = _TINY if abs(c) < _TINY else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return math.exp(-x + a * math.log(x) - math.lgamma(a)) * h


def gammaincc(a: float, x: float) -> float:
    """Regularized upper incomplete gamma Q(a, x) for a > 0, x >= 0."""
    if a <= 0:
        raise ValueError("a must be positive")
    if x <= 0:
        return 1.0
    if x < a + 1.0:
        return max(0.0, 1.0 - _lower_series(a, x))
    return min(1.0, _upper_fraction(a, x))


def chi2_sf(x: float, df: int) -> float:
    """P(X >= x) for X chi-square distributed with ``df`` degrees of freedom."""
    return gammaincc(df / 2.0, x / 2.0)


def chi_square_test(counts: list[list[int]]) -> dict[str, Any]:
    """Pearson chi-square over the rows and columns that are not all zero.

    Returns chi2, df, p, cramers_v (None when the test is undefined: fewer than two non-empty
    rows or columns), n, expected (for the table as given; None for the dropped rows/columns'
    cells) and warnings (small expected counts: < 5 in more than 20% of cells, or any < 1).
    """
    rows = [i for i, r in enumerate(counts) if sum(r) > 0]
    ncols = len(counts[0]) if counts else 0
    cols = [j for j in range(ncols) if sum(counts[i][j] for i in rows) > 0]
    n = sum(counts[i][j] for i in rows for j in cols)
    result: dict[str, Any] = {"chi2": None, "df": None, "p": None, "cramers_v": None, "n": n,
                              "expected": None, "warnings": []}
    if len(rows) < 2 or len(cols) < 2:
        result["warnings"].append("chi-square undefined: fewer than two non-empty rows or "
                                  "columns")
        return result
    row_tot = {i: sum(counts[i][j] for j in cols) for i in rows}
    col_tot = {j: sum(counts[i][j] for i in rows) for j in cols}
    expected: list[list[float | None]] = [[None] * ncols for _ in counts]
    chi2 = 0.0
    small = tiny = 0
    for i in rows:
        for j in cols:
            e = row_tot[i] * col_tot[j] / n
            expected[i][j] = e
            chi2 += (counts[i][j] - e) ** 2 / e
            small += e < 5
            tiny += e < 1
    cells = len(rows) * len(cols)
    df = (len(rows) - 1) * (len(cols) - 1)
    result.update(chi2=chi2, df=df, p=chi2_sf(chi2, df), expected=expected,
                  cramers_v=math.sqrt(chi2 / (n * (min(len(rows), len(cols)) - 1))))
    if small / cells > 0.2:
        result["warnings"].append(f"{small} of {cells} cells ({100 * small / cells:.0f}%) have "
                                  "an expected count below 5: the p-value is unreliable")
    if tiny:
        result["warnings"].append(f"{tiny} cell(s) have an expected count below 1: the p-value "
                                  "is unreliable")
    dropped = (len(counts) - len(rows)) + (ncols - len(cols))
    if dropped:
        result["warnings"].append(f"{dropped} empty row(s)/column(s) left out of the test")
    return result
