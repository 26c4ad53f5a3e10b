"""Document variables as groups for the tables (analysis/tables.py): one group per document.

- Built-in metadata (outlet, author, language, date, and month/year from an ISO date): the
  values as they are, sorted as text.
- Custom variables (desk_annotator/variables.py): text as it is, sorted; a category in the
  order of its definition; a date by month (YYYY-MM); a number by its values when it has at
  most ``MAX_NUMBER_VALUES`` of them (in numeric order), otherwise in ``NUMBER_BINS``
  equal-width bins from the smallest to the largest value, written ``[a, b)`` (the last one
  ``[a, b]``).

A document with no value is in no group (``-1``); the tables count those as missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import variables as vars_
from ..document_sets import find_set, set_members
from ..errors import OperationError
from ..store import variable_queries as vq
from ..store.table_queries import VARIABLES
from .table_facts import Facts

MAX_NUMBER_VALUES = 10
NUMBER_BINS = 5


@dataclass
class Grouping:
    name: str
    labels: list[Any]  # group values in column order
    of_document: np.ndarray  # per document code: index into labels, -1 when missing

    @property
    def size(self) -> int:
        return len(self.labels)


def _from_values(name: str, values: list[Any], order: list[Any] | None = None) -> Grouping:
    present = {v for v in values if v is not None}
    labels = [v for v in order if v in present] if order is not None else sorted(present, key=str)
    index = {v: i for i, v in enumerate(labels)}
    codes = np.array([index.get(v, -1) if v is not None else -1 for v in values],
                     dtype=np.int64)
    return Grouping(name, labels, codes)


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def _number_grouping(name: str, values: list[float | None]) -> Grouping:
    present = sorted({v for v in values if v is not None})
    if len(present) <= MAX_NUMBER_VALUES:
        return _from_values(name, values, present)
    low, high = present[0], present[-1]
    edges = np.linspace(low, high, NUMBER_BINS + 1)
    labels = [f"[{_fmt(edges[i])}, {_fmt(edges[i + 1])}" + ("]" if i == NUMBER_BINS - 1 else ")")
              for i in range(NUMBER_BINS)]
    codes = np.full(len(values), -1, dtype=np.int64)
    for k, v in enumerate(values):
        if v is not None:
            # the bin whose lower edge is the last one <= v; the largest value in the last bin
            at = int(np.searchsorted(edges, float(v), side="right")) - 1
            codes[k] = min(at, NUMBER_BINS - 1)
    return Grouping(name, labels, codes)


def grouping(project: Any, facts: Facts, name: str) -> Grouping:
    """The groups of documents by the variable ``name`` (built-in or custom)."""
    if name in VARIABLES:
        return _from_values(name, facts.variable_values(name))
    try:
        var = vars_.find_variable(project, name, builtin=False)
    except OperationError:
        known = ", ".join([*VARIABLES, *(v.name for v in vars_.custom_variables(project))])
        raise OperationError(f"unknown variable {name!r} (choose from {known})") from None
    stored = {doc_id: value for doc_id, _, value in vq.value_rows(project.q, var.id)}
    raw = [stored.get(doc_id) for doc_id in facts.doc_ids]
    if var.type == "number":
        return _number_grouping(var.name, [vars_.typed(var, v) for v in raw])
    if var.type == "date":
        return _from_values(var.name, [None if v is None else v[:7] for v in raw])
    if var.type == "category":
        return _from_values(var.name, raw, list(var.categories))
    return _from_values(var.name, raw)


def variable_choices(project: Any) -> list[str]:
    """Every name :func:`grouping` takes: the built-ins, then the custom variables."""
    return [*VARIABLES, *(v.name for v in vars_.custom_variables(project))]


def set_mask(project: Any, facts: Facts, set_name: str | None) -> np.ndarray | None:
    """Per document code: whether it is in the set (None: no set given, every document)."""
    if set_name is None:
        return None
    members = set(set_members(project, set_name))
    if not members:
        raise OperationError(f"document set {find_set(project, set_name).name!r} has no "
                             "documents")
    return np.array([d in members for d in facts.doc_ids], dtype=bool)
