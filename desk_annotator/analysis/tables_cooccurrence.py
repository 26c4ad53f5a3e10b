"""Units for theme co-occurrence beyond a single passage (analysis/tables.py).

Input rows: (document, coder, start, end, annotation id, theme id), ordered by document,
coder, start. A unit is a set of theme ids.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import groupby


def cluster_units(rows: Iterable[tuple]) -> list[set[str]]:
    """One unit per cluster of overlapping passages (sharing at least one character) of one
    coder in one document; chains join (a overlaps b, b overlaps c: one cluster)."""
    units: list[set[str]] = []
    for _, group in groupby(rows, key=lambda r: (r[0], r[1])):
        current: set[str] | None = None
        reach = -1
        for _, _, start, end, _, theme in group:
            if current is None or start >= reach:
                current = set()
                units.append(current)
                reach = end
            else:
                reach = max(reach, end)
            current.add(theme)
    return units


def document_units(rows: Iterable[tuple]) -> list[set[str]]:
    """One unit per (document, coder): every theme that coder gave in that document."""
    return [{r[5] for r in group} for _, group in groupby(rows, key=lambda r: (r[0], r[1]))]


def unit_matrix(units: list[set[str]], ids: list[str]) -> list[list[int]]:
    """Counts of units with both themes (diagonal: units with the theme)."""
    index = {label_id: i for i, label_id in enumerate(ids)}
    matrix = [[0] * len(ids) for _ in ids]
    for unit in units:
        present = [index[t] for t in unit if t in index]
        for i in present:
            for j in present:
                matrix[i][j] += 1
    return matrix
