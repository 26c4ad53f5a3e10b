"""`compute_agreement`: the DESIGN §5 report from `AgreementData` (pure, no I/O)."""

from __future__ import annotations

from typing import Any

import numpy as np

from desk_annotator.agreement import coefficients as co
from desk_annotator.agreement import unitizing as un
from desk_annotator.agreement.data import AgreementData
from desk_annotator.agreement.segments import Segments, _collect, build_segments
from desk_annotator.agreement.spans import F1Counts, LabelledSpans, f1_counts
from desk_annotator.agreement.tables import (
    SchemeTables,
    coded_coincidence_doc,
    collapse_to_label,
    fleiss_counts,
    scheme_tables,
)
from desk_annotator.errors import OperationError

NEED_TWO = "at least two coders must be selected"


def _round(value: float | None) -> float | None:
    """A figure for the JSON report: full double precision (DESIGN §5 v2); the Markdown, HTML
    and CSV writers round for display."""
    return None if value is None else float(value)


def _put(obj: dict[str, Any], key: str, measure: co.Measure, override: str | None = None) -> None:
    obj[key] = _round(measure.value)
    if measure.value is None:
        obj.setdefault("reasons", {})[key] = override or measure.reason


# ---------------------------------------------------------------- bootstrap over documents
def _bootstrap(per_doc: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    """Resampled sums (B, F) of per-document feature rows (D, F): documents drawn with
    replacement, so a resample is a count vector times the per-document matrix."""
    n_docs = per_doc.shape[0]
    rng = np.random.default_rng(seed)
    out = np.empty((resamples, per_doc.shape[1]))
    chunk = max(1, 4_000_000 // max(n_docs, 1))
    probs = np.full(n_docs, 1.0 / n_docs)
    for first in range(0, resamples, chunk):
        size = min(chunk, resamples - first)
        counts = rng.multinomial(n_docs, probs, size=size).astype(float)
        out[first:first + size] = counts @ per_doc
    return out


# Krippendorff's q: the share of resamples with α below each threshold (2004: 242).
Q_THRESHOLDS = {"0.667": 0.667, "0.8": 0.800}
# Below this many documents a percentile bootstrap over documents covers the true α clearly
# less often than its nominal 95% (issue 10 reports ~80% at 5 and ~89% at 10 documents).
FEW_DOCUMENTS = 10


def _interval(boot_alpha: np.ndarray | None, point: co.Measure,
              why_none: str | None) -> tuple[list[float] | None, str | None]:
    """Percentile 95% interval of the resampled α; resamples where α is undefined are left
    out (and counted by :func:`_put_interval`)."""
    if point.value is None:
        return None, point.reason or "alpha is undefined"
    if boot_alpha is None:
        return None, why_none or "bootstrap not run"
    valid = boot_alpha[np.isfinite(boot_alpha)]
    if valid.size < max(10, 0.5 * boot_alpha.size):
        return None, "alpha is undefined in most bootstrap resamples"
    return np.percentile(valid, [2.5, 97.5]).tolist(), None


def _put_interval(obj: dict[str, Any], interval: tuple[list[float] | None, str | None],
                  boot_alpha: np.ndarray | None = None, n_documents: int | None = None) -> None:
    """ci95 plus what makes it honest (DESIGN §5 v2): how many resamples had no α, q, the
    reading from the interval's lower bound beside the point reading, and a warning when
    too few documents carry the interval."""
    bounds, reason = interval
    obj["ci95"] = None if bounds is None else [_round(b) for b in bounds]
    if bounds is None:
        obj.setdefault("reasons", {})["ci95"] = reason
    point = obj.get("alpha")
    obj["interpretation_point"] = co.interpret_alpha(point)
    obj["interpretation"] = co.interpret_alpha(bounds[0] if bounds else point)
    obj["interpretation_basis"] = "ci95 lower bound" if bounds else "point estimate"
    if boot_alpha is not None:
        finite = boot_alpha[np.isfinite(boot_alpha)]
        obj["resamples_undefined"] = int(boot_alpha.size - finite.size)
        obj["q"] = ({key: float((finite < t).mean()) for key, t in Q_THRESHOLDS.items()}
                    if finite.size else None)
    if bounds and n_documents is not None and n_documents < FEW_DOCUMENTS:
        obj.setdefault("warnings", []).append(
            f"only {n_documents} document(s) carry the interval: a bootstrap over fewer than "
            f"{FEW_DOCUMENTS} documents covers the true alpha less often than 95%")


# ---------------------------------------------------------------- unitizing (αU)
def _runs(seg: Segments, values: np.ndarray, category: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each coder's units of `category`: maximal runs of segments, never across documents."""
    units = []
    same_doc_prev = np.concatenate(([False], seg.doc[1:] == seg.doc[:-1]))
    same_doc_next = np.concatenate((seg.doc[1:] == seg.doc[:-1], [False]))
    for row in values:
        mask = row == category
        prev = np.concatenate(([False], mask[:-1])) & same_doc_prev
        nxt = np.concatenate((mask[1:], [False])) & same_doc_next
        first = np.flatnonzero(mask & ~prev)
        last = np.flatnonzero(mask & ~nxt)
        units.append((seg.start[first], seg.start[last] + seg.length[last]))
    return units


def _unitizing(seg: Segments, values: np.ndarray, categories: list[int]) -> tuple[
        un.UnitizingParts, un.UnitizingParts | None]:
    """Per-document parts (blocks = documents) and whole-corpus parts (documents every coder
    coded, laid end to end so gaps run across document boundaries)."""
    runs = [_runs(seg, values, c) for c in categories]
    nonempty = seg.doc_length > 0
    blocks = np.flatnonzero(nonempty)
    per_doc = un.unitizing_parts(runs, seg.doc_offset[blocks],
                                 seg.doc_offset[blocks] + seg.doc_length[blocks],
                                 seg.doc_coded[blocks])
    full = nonempty & seg.doc_coded.all(axis=1)
    if not full.any():
        return per_doc, None
    new_offset = np.cumsum(np.where(full, seg.doc_length, 0)) - seg.doc_length
    shift = new_offset - seg.doc_offset
    remapped = []
    for per_coder in runs:
        coder_units = []
        for starts, ends in per_coder:
            doc = np.searchsorted(seg.doc_offset, starts, side="right") - 1
            keep = full[doc]
            coder_units.append((starts[keep] + shift[doc[keep]], ends[keep] + shift[doc[keep]]))
        remapped.append(coder_units)
    length = int(seg.doc_length[full].sum())
    whole = un.unitizing_parts(remapped, np.array([0]), np.array([length]),
                               np.ones((1, seg.doc_coded.shape[1]), dtype=bool))
    return per_doc, whole


# ---------------------------------------------------------------- spans for F1
def _labelled(seg: Segments, data_coder: str) -> tuple[LabelledSpans, list[LabelledSpans]]:
    stance_index = {n: i + 1 for i, n in enumerate(seg.stance_labels)}
    theme_index = {n: i for i, n in enumerate(seg.theme_labels)}
    spans = _collect(seg.docs, seg.doc_offset, data_coder, stance_index, theme_index)
    doc = np.searchsorted(seg.doc_offset, spans.start, side="right") - 1
    has = spans.stance > 0
    stance = LabelledSpans(spans.stance[has].astype(np.int64) - 1, spans.start[has],
                           spans.end[has], doc[has])
    themes = []
    for t in range(len(seg.theme_labels)):
        idx = spans.theme_span[spans.theme_idx == t]
        themes.append(LabelledSpans(np.zeros(idx.size, np.int64), spans.start[idx],
                                    spans.end[idx], doc[idx]))
    return stance, themes


def _restrict(s: LabelledSpans, docs: np.ndarray) -> LabelledSpans:
    keep = docs[s.doc]
    return LabelledSpans(s.label[keep], s.start[keep], s.end[keep], s.doc[keep])


def _f1_for_pairs(seg: Segments, spans: list[LabelledSpans], n_labels: int,
                  pairs: list[tuple[int, int]]) -> list[F1Counts]:
    stride = seg.total_length + 1
    out = []
    for a, b in pairs:
        both = seg.doc_coded[:, a] & seg.doc_coded[:, b]
        out.append(f1_counts(_restrict(spans[a], both), _restrict(spans[b], both), n_labels,
                             len(seg.docs), stride))
    return out


# ---------------------------------------------------------------- one scheme block
def _scheme_block(seg: Segments, tables: SchemeTables, q: int, value_names: list[str],
                  unitizing: tuple[un.UnitizingParts, un.UnitizingParts | None],
                  f1: list[F1Counts], boot: np.ndarray | None, why_no_boot: str | None,
                  coded_doc: np.ndarray | None) -> dict[str, Any]:
    coders = seg.coders
    override = NEED_TWO if len(coders) < 2 else None
    block: dict[str, Any] = {"reasons": {}}
    coincidence = tables.coincidence_doc.sum(axis=0)
    alpha = co.krippendorff_alpha(coincidence)
    _put(block, "alpha", alpha, override)
    boot_alpha = None
    if boot is not None:
        boot_alpha = co.krippendorff_alpha_batch(boot.reshape(-1, tables.values, tables.values))
    n_documents = int(seg.doc_coded.shape[0])
    _put_interval(block, _interval(boot_alpha, alpha, why_no_boot), boot_alpha, n_documents)
    if coded_doc is not None:
        _put(block, "alpha_coded", co.krippendorff_alpha(coded_doc.sum(axis=0)), override)

    per_doc_u, whole_u = unitizing
    if whole_u is None:
        _put(block, "alpha_u", co.undefined(override or "no document was coded by every selected coder"))
    else:
        _put(block, "alpha_u", un.overall_alpha(whole_u.observed[:, 0], whole_u.expected[:, 0],
                                                whole_u.units[:, 0]), override)
    all_coded = seg.doc_coded.all(axis=1) if len(coders) else np.zeros(0, bool)
    counts = fleiss_counts(seg, tables, all_coded)
    _put(block, "fleiss_kappa", co.fleiss_kappa(counts), override)
    _put(block, "gwet_ac1", co.gwet_ac1_multi(counts, q), override)
    compared = tables.compared_doc.sum()
    _put(block, "percent_agreement", co.Measure(tables.agree_doc.sum() / compared)
         if compared > 0 else co.undefined(co.NO_PAIRS), override)
    block["n_units"] = {"characters": int(seg.doc_length.sum()),
                        "pairable_values": _round(coincidence.sum()),
                        "fleiss_characters": int(counts.units)}

    # Per label: αU per category, and the character α of "this label vs anything else".
    labels = value_names[1:] if coded_doc is not None else value_names[1:2]
    first_value = 1
    block["per_label"] = {}
    for i, name in enumerate(labels):
        entry: dict[str, Any] = {"reasons": {}}
        if whole_u is None:
            _put(entry, "alpha_u", co.undefined(block["reasons"]["alpha_u"]))
        else:
            _put(entry, "alpha_u", un.category_alpha(whole_u.observed[i, 0], whole_u.expected[i, 0],
                                                     whole_u.units[i, 0]), override)
        binary = collapse_to_label(coincidence, first_value + i)
        label_alpha = co.krippendorff_alpha(binary)
        _put(entry, "alpha", label_alpha, override)
        label_boot = None
        if boot_alpha is not None:
            stacked = boot.reshape(-1, tables.values, tables.values)
            label_boot = co.krippendorff_alpha_batch(collapse_to_label(stacked, first_value + i))
        _put_interval(entry, _interval(label_boot, label_alpha, why_no_boot), label_boot,
                      n_documents)
        total = coincidence.sum()
        entry["share"] = _round(coincidence[first_value + i].sum() / total) if total else None
        if entry["share"] is None:
            entry["reasons"]["share"] = co.NO_PAIRS
        block["per_label"][name] = entry

    block["pairs"] = [_pair_entry(coders, tables, p, q, value_names, f1[p], coded_doc is not None)
                      for p in range(len(tables.pairs))]
    block["documents"] = _document_entries(seg, tables, q, per_doc_u, f1, coded_doc)
    return block


def _f1(matched: float, a: float, b: float) -> co.Measure:
    return co.f1_score(matched, a, b)


def _pair_entry(coders: list[str], tables: SchemeTables, p: int, q: int, value_names: list[str],
                f1: F1Counts, confusion: bool) -> dict[str, Any]:
    a, b = tables.pairs[p]
    t = tables.pair_total[p]
    entry: dict[str, Any] = {"coders": [coders[a], coders[b]], "reasons": {},
                             "n_units": round(float(t.sum()))}
    _put(entry, "cohen_kappa", co.cohen_kappa(t))
    _put(entry, "scott_pi", co.scott_pi(t))
    _put(entry, "gwet_ac1", co.gwet_ac1(t, q))
    _put(entry, "brennan_prediger", co.brennan_prediger(t, q))
    _put(entry, "percent_agreement", co.percent_agreement(t))
    size_a, size_b = f1.size_a.sum(), f1.size_b.sum()
    _put(entry, "f1_exact", _f1(f1.exact.sum(), size_a, size_b))
    _put(entry, "f1_overlap", _f1(f1.overlap.sum(), size_a, size_b))
    if confusion:
        entry["confusion"] = {"labels": value_names, "rows": coders[a], "columns": coders[b],
                              "matrix": np.rint(t).astype(int).tolist()}
    return entry


def _document_entries(seg: Segments, tables: SchemeTables, q: int, per_doc_u: un.UnitizingParts,
                      f1: list[F1Counts], coded_doc: np.ndarray | None) -> list[dict[str, Any]]:
    n_coders = len(seg.coders)
    block_of_doc = np.cumsum(seg.doc_length > 0) - 1
    matched_exact = sum((c.exact.sum(axis=0) for c in f1), np.zeros(len(seg.docs)))
    matched_overlap = sum((c.overlap.sum(axis=0) for c in f1), np.zeros(len(seg.docs)))
    sizes = sum((c.size_a.sum(axis=0) + c.size_b.sum(axis=0) for c in f1), np.zeros(len(seg.docs)))
    out = []
    for d, doc in enumerate(seg.docs):
        coded = seg.doc_coded[d]
        entry: dict[str, Any] = {"id": doc.id, "title": doc.title, "length": doc.length,
                                 "coders": [c for c, on in zip(seg.coders, coded) if on],
                                 "reasons": {}}
        _put(entry, "alpha", co.krippendorff_alpha(tables.coincidence_doc[d]))
        if coded_doc is not None:
            _put(entry, "alpha_coded", co.krippendorff_alpha(coded_doc[d]))
        if doc.length == 0:
            _put(entry, "alpha_u", co.undefined("the document is empty"))
        else:
            blk = block_of_doc[d]
            _put(entry, "alpha_u", un.overall_alpha(per_doc_u.observed[:, blk],
                                                    per_doc_u.expected[:, blk],
                                                    per_doc_u.units[:, blk]))
        compared = tables.compared_doc[d]
        _put(entry, "percent_agreement", co.Measure(tables.agree_doc[d] / compared)
             if compared > 0 else co.undefined("the document is empty"))
        if coded.sum() == n_coders:
            counts = co.MultiRaterCounts(float(doc.length), n_coders, 2.0 * tables.agree_doc[d],
                                         tables.value_totals_doc[d])
            _put(entry, "fleiss_kappa", co.fleiss_kappa(counts))
        else:
            _put(entry, "fleiss_kappa", co.undefined("not every selected coder coded this document"))
        _put(entry, "f1_exact", _f1(matched_exact[d], sizes[d], 0.0))
        _put(entry, "f1_overlap", _f1(matched_overlap[d], sizes[d], 0.0))
        out.append(entry)
    return out


def _theme_presence(seg: Segments) -> dict[str, Any]:
    """Does each coder use theme t anywhere in a document? Units = documents, values 0/1."""
    out: dict[str, Any] = {}
    n_docs = len(seg.docs)
    raters = seg.doc_coded.sum(axis=1).astype(float)
    for t, name in enumerate(seg.theme_labels):
        used = np.stack([np.bincount(seg.doc, (seg.themes[t, m] == 1) * 1.0, n_docs) > 0
                         for m in range(len(seg.coders))], axis=1) & seg.doc_coded \
            if n_docs and seg.coders else np.zeros((n_docs, len(seg.coders)), bool)
        ones = used.sum(axis=1).astype(float)
        zeros = raters - ones
        ok = raters >= 2
        scale = np.where(ok, 1.0 / np.maximum(raters - 1.0, 1.0), 0.0)
        o = np.array([[(zeros * (zeros - 1) * scale).sum(), (zeros * ones * scale).sum()],
                      [(zeros * ones * scale).sum(), (ones * (ones - 1) * scale).sum()]])
        entry: dict[str, Any] = {"reasons": {}, "n_documents": int(ok.sum())}
        _put(entry, "alpha", co.krippendorff_alpha(o))
        pairs = (raters * (raters - 1) / 2)[ok].sum()
        agree = ((zeros * (zeros - 1) + ones * (ones - 1)) / 2)[ok].sum()
        _put(entry, "percent_agreement", co.Measure(agree / pairs) if pairs else
             co.undefined("no document was coded by two or more coders"))
        out[name] = entry
    return out


def compute_agreement(data: AgreementData, *, bootstrap: int = 1000,
                      seed: int = 20250726) -> dict[str, Any]:
    """The agreement report of DESIGN §5 as plain JSON-able data (see module docs)."""
    if bootstrap < 0:
        raise OperationError(f"bootstrap resamples must be 0 or more, not {bootstrap}")
    seg = build_segments(data)
    n_stance = len(seg.stance_labels)
    stance_tables = scheme_tables(seg, seg.stance, n_stance + 1)
    theme_tables = [scheme_tables(seg, seg.themes[t], 2) for t in range(len(seg.theme_labels))]
    coded_doc = coded_coincidence_doc(seg, n_stance)

    n_docs = len(seg.docs)
    boot_cols = None
    why_no_boot = None
    if bootstrap == 0:
        why_no_boot = "bootstrap disabled (0 resamples)"
    elif n_docs < 2:
        why_no_boot = "the bootstrap resamples documents and needs at least two"
    else:
        per_doc = np.concatenate([stance_tables.coincidence_doc.reshape(n_docs, -1)]
                                 + [t.coincidence_doc.reshape(n_docs, -1) for t in theme_tables],
                                 axis=1)
        boot_cols = _bootstrap(per_doc, bootstrap, seed)

    stance_spans, theme_spans = [], []
    for coder in seg.coders:
        s, t = _labelled(seg, coder)
        stance_spans.append(s)
        theme_spans.append(t)
    pairs = stance_tables.pairs
    v = (n_stance + 1) ** 2
    report: dict[str, Any] = {
        "coders": list(seg.coders),
        "documents": n_docs,
        "documents_excluded": len(data.documents) - n_docs,
        "bootstrap": {"resamples": bootstrap, "seed": seed, "unit": "document"},
        "thresholds": {"reliable": 0.800, "tentative": 0.667},
    }
    report["stance"] = _scheme_block(
        seg, stance_tables, n_stance + 1, ["none"] + seg.stance_labels,
        _unitizing(seg, seg.stance, list(range(1, n_stance + 1))),
        _f1_for_pairs(seg, stance_spans, n_stance, pairs),
        None if boot_cols is None else boot_cols[:, :v], why_no_boot, coded_doc)
    report["themes"] = {}
    for t, name in enumerate(seg.theme_labels):
        cols = None if boot_cols is None else boot_cols[:, v + 4 * t: v + 4 * t + 4]
        report["themes"][name] = _scheme_block(
            seg, theme_tables[t], 2, ["absent", name], _unitizing(seg, seg.themes[t], [1]),
            _f1_for_pairs(seg, [spans[t] for spans in theme_spans], 1, pairs),
            cols, why_no_boot, None)
    report["theme_presence"] = _theme_presence(seg)
    return report
