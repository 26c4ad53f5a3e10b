"""Agreement on the article-level coding: the document is the unit.

Each coder's article coding gives one value per document: its stance (a label, or ``none``
when the coder coded the article with themes only) and, per theme, presence 1/0. The units are
the documents that at least two of the selected coders coded at article level; a selected coder
who did not code a unit is missing there (never "none").

Figures, per scheme (stance) and per theme, each with its 95% interval by resampling documents
(the engine's seeded document resamples and its expanded percentile interval):

- ``alpha``: Krippendorff's nominal α from the coincidences, Σ over coder pairs of the pair
  table (T + Tᵀ)/(m_u − 1) per document (coefficients.coincidence_from_pair_table);
- ``fleiss_kappa``, ``gwet_ac1``, ``percent_agreement``: Gwet's multi-rater estimators with
  missing ratings (multirater.py), q = the stance labels (+ ``none`` when a coder used it),
  2 for a theme;
- ``pairs``: per coder pair Cohen's κ (with its interval), Scott's π, two-rater AC1 and
  percent agreement over the documents both coded.

Nothing here re-derives a coefficient: the functions of coefficients.py and multirater.py do
the arithmetic on tables built from the codings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np

from desk_annotator.agreement import coefficients as co
from desk_annotator.agreement import intervals as iv
from desk_annotator.agreement import multirater as mr
from desk_annotator.agreement.parallel import one_blas_thread

DEFAULT_SEED = 20250726  # the engine's seed: the same resamples for the same documents
FEW_DOCUMENTS = 10
MISSING = -1


@dataclass(frozen=True)
class ArticleUnits:
    """What the computation needs, plain: the selection and each coder's article coding."""

    coders: list[str]
    stance_labels: list[str]
    theme_labels: list[str]
    documents: list[tuple[str, str]]  # (id, title) of every selected document, in order
    # (document id, coder name) -> (stance name or None, theme names)
    codings: dict[tuple[str, str], tuple[str | None, frozenset[str]]] = field(
        default_factory=dict)


def _put(block: dict[str, Any], key: str, measure: co.Measure) -> None:
    block[key] = measure.value
    if measure.value is None:
        block["reasons"][key] = measure.reason


def _put_interval(block: dict[str, Any], key: str, boot: np.ndarray | None,
                  n_docs: int, why: str | None) -> None:
    name = "ci95" if key == "alpha" else f"ci95_{key}"
    if boot is None:
        block[name] = None
        block["reasons"][name] = why
        return
    bounds, reason = iv.expanded_from_values(boot, block[key], n_docs)
    block[name] = None if bounds is None else [float(b) for b in bounds]
    if bounds is None:
        block["reasons"][name] = reason
    block.setdefault("resamples_undefined_by_measure", {})[key] = int((~np.isfinite(boot)).sum())


def _pair_tables(values: np.ndarray, coded: np.ndarray, n_values: int
                 ) -> tuple[list[tuple[int, int]], np.ndarray]:
    """Per coder pair and document, the one-unit contingency table (P, D, V, V)."""
    n_coders, n_docs = values.shape
    pairs = list(combinations(range(n_coders), 2))
    tables = np.zeros((len(pairs), n_docs, n_values, n_values))
    for p, (a, b) in enumerate(pairs):
        docs = np.flatnonzero(coded[:, a] & coded[:, b])
        tables[p, docs, values[a, docs], values[b, docs]] = 1.0
    return pairs, tables


def _scheme(values: np.ndarray, coded: np.ndarray, value_names: list[str], q: int,
            coders: list[str], resample: np.ndarray | None, why: str | None) -> dict[str, Any]:
    n_values = len(value_names)
    n_docs = coded.shape[0]
    block: dict[str, Any] = {"values": value_names, "categories_q": q, "reasons": {},
                             "n_units": n_docs}
    pairs, tables = _pair_tables(values, coded, n_values)
    # Krippendorff's coincidences per document: Σ over pairs of (T + Tᵀ)/(m_u − 1), the rule of
    # coefficients.coincidence_from_pair_table (and tables.scheme_tables), for all documents
    # at once.
    summed = tables.sum(axis=0)
    raters = coded.sum(axis=1).astype(float)
    scale = np.where(raters > 1, 1.0 / np.maximum(raters - 1.0, 1.0), 0.0)
    coincidence = (summed + summed.transpose(0, 2, 1)) * scale[:, None, None]
    flat = coincidence.reshape(n_docs, n_values * n_values)
    _put(block, "alpha", co.krippendorff_alpha(coincidence.sum(axis=0)))
    weights = {"identity": np.eye(n_values)}
    counts = mr.rating_counts(values.astype(np.int64), n_values)
    features = mr.rating_features(counts, np.ones(n_docs), np.arange(n_docs), n_docs, weights)
    multi = mr.point(features.total(), weights, q)
    for key in ("fleiss_kappa", "gwet_ac1", "percent_agreement"):
        _put(block, key, multi[key])
    boots: dict[str, np.ndarray | None] = dict.fromkeys(
        ("alpha", "fleiss_kappa", "gwet_ac1", "percent_agreement"))
    if resample is not None:
        boots["alpha"] = co.krippendorff_alpha_batch(
            (resample @ flat).reshape(-1, n_values, n_values))
        resampled = mr.batch(features.unstack(resample @ features.stacked()), weights, q)
        for key in ("fleiss_kappa", "gwet_ac1", "percent_agreement"):
            boots[key] = resampled[key]
    for key, boot in boots.items():
        _put_interval(block, key, boot, n_docs, why)
    block["interpretation_point"] = co.interpret_alpha(block["alpha"])
    lower = block["ci95"][0] if block["ci95"] else block["alpha"]
    block["interpretation"] = co.interpret_alpha(lower)
    # Every pair's resampled tables in one matrix product: (B, D) @ (D, P·V²).
    pair_boot = None if resample is None or not pairs else (
        resample @ tables.transpose(1, 0, 2, 3).reshape(n_docs, -1)).reshape(
            len(resample), len(pairs), n_values, n_values)
    block["pairs"] = [_pair(coders, pairs, tables, p, q,
                            None if pair_boot is None else pair_boot[:, p], why)
                      for p in range(len(pairs))]
    return block


def _pair(coders: list[str], pairs: list[tuple[int, int]], tables: np.ndarray, p: int, q: int,
          resampled: np.ndarray | None, why: str | None) -> dict[str, Any]:
    """One coder pair; ``resampled``: its contingency table in every resample (B, V, V)."""
    a, b = pairs[p]
    per_doc = tables[p]
    total = per_doc.sum(axis=0)
    entry: dict[str, Any] = {"coders": [coders[a], coders[b]], "reasons": {},
                             "n_units": int(total.sum())}
    _put(entry, "cohen_kappa", co.cohen_kappa(total))
    _put(entry, "scott_pi", co.scott_pi(total))
    _put(entry, "gwet_ac1", co.gwet_ac1(total, q))
    _put(entry, "percent_agreement", co.percent_agreement(total))
    if resampled is not None:
        n_both = int((per_doc.sum(axis=(1, 2)) > 0).sum())
        boot = np.array([co.cohen_kappa(t).value for t in resampled], dtype=float)
        _put_interval(entry, "cohen_kappa", boot if n_both >= 2 else None, n_both,
                      "the bootstrap resamples documents and needs at least two")
    else:
        _put_interval(entry, "cohen_kappa", None, 0, why)
    return entry


def document_level_agreement(units: ArticleUnits, *, bootstrap: int = 1000,
                             seed: int = DEFAULT_SEED) -> dict[str, Any]:
    """The ``document_level`` block of the agreement report (plain JSON-able data)."""
    with one_blas_thread():  # the same digits whatever the cores (parallel.py)
        return _document_level(units, bootstrap, seed)


def _document_level(units: ArticleUnits, bootstrap: int, seed: int) -> dict[str, Any]:
    coders = list(units.coders)
    coded_by = [[c for c in coders if (doc_id, c) in units.codings] for doc_id, _ in
                units.documents]
    kept = [i for i, who in enumerate(coded_by) if len(who) >= 2]
    docs = [units.documents[i] for i in kept]
    n_docs = len(docs)
    coded = np.array([[(doc_id, c) in units.codings for c in coders] for doc_id, _ in docs],
                     dtype=bool).reshape(n_docs, len(coders))
    out: dict[str, Any] = {
        "unit": "document", "coders": coders, "documents": n_docs,
        "documents_single_coder": sum(1 for who in coded_by if len(who) == 1),
        "bootstrap": {"resamples": bootstrap, "seed": seed, "unit": "document"},
        "warnings": [],
    }
    if len(coders) < 2:
        out["warnings"].append("at least two coders must be selected")
    if 0 < n_docs < FEW_DOCUMENTS:
        out["warnings"].append(f"only {n_docs} document(s) were coded at article level by two "
                               "or more coders: read the intervals as rough ranges")
    why = None
    resample = None
    if bootstrap == 0:
        why = "bootstrap disabled (0 resamples)"
    elif n_docs < 2:
        why = "the bootstrap resamples documents and needs at least two"
    else:
        resample = iv.document_resamples(n_docs, bootstrap, seed)
    stance_index = {name: k + 1 for k, name in enumerate(units.stance_labels)}
    stance = np.full((len(coders), n_docs), MISSING, dtype=np.int64)
    for d, (doc_id, _) in enumerate(docs):
        for m, coder in enumerate(coders):
            if coded[d, m]:
                found = units.codings[doc_id, coder][0]
                stance[m, d] = stance_index.get(found, 0) if found else 0
    n_labels = len(units.stance_labels)
    used_none = bool((stance == 0).any())
    q = n_labels + (1 if used_none or n_labels < 2 else 0)
    out["stance"] = _scheme(stance, coded, ["none"] + list(units.stance_labels), q, coders,
                            resample, why)
    out["stance"]["documents"] = [
        {"id": doc_id, "title": title,
         "values": {c: (["none"] + list(units.stance_labels))[stance[m, d]]
                    for m, c in enumerate(coders) if coded[d, m]}}
        for d, (doc_id, title) in enumerate(docs)]
    out["themes"] = {}
    for theme in units.theme_labels:
        present = np.full((len(coders), n_docs), MISSING, dtype=np.int64)
        for d, (doc_id, _) in enumerate(docs):
            for m, coder in enumerate(coders):
                if coded[d, m]:
                    present[m, d] = int(theme in units.codings[doc_id, coder][1])
        out["themes"][theme] = _scheme(present, coded, ["absent", theme], 2, coders,
                                       resample, why)
    return out
