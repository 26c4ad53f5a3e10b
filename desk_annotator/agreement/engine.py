"""`compute_agreement`: the DESIGN §5 report from `AgreementData` (pure, no I/O)."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from desk_annotator.agreement import coefficients as co
from desk_annotator.agreement import intervals as iv
from desk_annotator.agreement import measures, parallel, presence
from desk_annotator.agreement import multirater as mr
from desk_annotator.agreement import ordinal as od
from desk_annotator.agreement import unitizing as un
from desk_annotator.agreement.data import AgreementData
from desk_annotator.agreement.segments import (
    SchemeRuns,
    Segments,
    build_segments,
    included_documents,
    single_coder_documents,
    stance_runs,
    theme_runs,
)
from desk_annotator.agreement.spans import (
    F1Counts,
    LabelledSpans,
    pair_counts,
    span_index,
)
from desk_annotator.agreement.tables import (
    SchemeTables,
    coded_coincidence_doc,
    collapse_to_label,
    fleiss_counts,
    scheme_tables,
)
from desk_annotator.bulk_gc import collector_paused
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


# ---------------------------------------------------------------- intervals
# Below this many documents even the expanded percentile interval covers the true α less
# often than 95% (benchmarks/bench_ci_coverage.py: 90-93% at 5 documents, 93-95% at 10).
FEW_DOCUMENTS = 10
INTERVAL_METHOD = "expanded percentile over documents (Hesterberg 2015)"


def _interval(boot: np.ndarray | None, point: co.Measure, why_none: str | None,
              n_docs: int) -> tuple[list[float] | None, str | None]:
    """95% interval of a resampled measure (intervals.expanded_from_values: the percentile
    interval at levels widened by √(n/(n−1))·t_{n−1}, which the coverage simulation chose).
    Resamples where the measure is undefined are left out and counted by _put_interval."""
    if point.value is None:
        return None, point.reason or "alpha is undefined"
    if boot is None:
        return None, why_none or "bootstrap not run"
    bounds, reason = iv.expanded_from_values(boot, point.value, n_docs)
    return (None, reason) if bounds is None else (list(bounds), None)


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
        obj["q"] = ({key: float((finite < t).mean()) for key, t in iv.Q_THRESHOLDS.items()}
                    if finite.size else None)
    if bounds and n_documents is not None and n_documents < FEW_DOCUMENTS:
        obj.setdefault("warnings", []).append(
            f"only {n_documents} document(s) carry the interval: in simulation a 95% interval "
            "over documents covered the true alpha in only 90-93% of samples at 5 documents "
            "and 93-95% at 10, so read it as a rough range")


# ---------------------------------------------------------------- spans for F1
def _labelled(seg: Segments, data_coder: str) -> tuple[LabelledSpans, list[LabelledSpans]]:
    spans = seg.coder_spans[seg.coders.index(data_coder)]
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


def _f1_for_pairs(seg: Segments, spans: list[LabelledSpans], n_labels: int,
                  pairs: list[tuple[int, int]]) -> list[F1Counts]:
    """F1 counts of every coder pair; each coder's spans are indexed once for all its pairs."""
    stride = seg.total_length + 1
    index = [span_index(s, n_labels, len(seg.docs), stride) for s in spans]
    return [pair_counts(index[a], index[b], seg.doc_coded[:, a] & seg.doc_coded[:, b])
            for a, b in pairs]


# ---------------------------------------------------------------- per-scheme inputs
def _scheme_inputs(seg: Segments, single: Segments | None, runs: SchemeRuns,
                   single_runs: SchemeRuns | None, n_values: int, q: int, labels: list[str],
                   weights: dict[str, np.ndarray], f1: list[F1Counts],
                   coded_doc: np.ndarray | None,
                   counts: np.ndarray | None = None) -> measures.SchemeInputs:
    if counts is None:
        counts = mr.rating_counts(runs.values, n_values)
    tables = scheme_tables(seg, runs, n_values, counts)
    ratings = mr.rating_features(counts, runs.length, runs.doc, len(seg.docs), weights)
    single_pi, single_n1 = np.zeros(n_values), 0.0
    if single is not None and single_runs is not None and len(single.docs):
        once = mr.rating_features(mr.rating_counts(single_runs.values, n_values),
                                  single_runs.length, single_runs.doc, len(single.docs),
                                  {}).total()
        single_pi, single_n1 = once.pi_num[0], float(once.n1[0])
    return measures.SchemeInputs(tables, n_values, q, labels, ratings, single_pi, single_n1,
                                 weights, f1, coded_doc)


def _ordinal_inputs(seg: Segments, single: Segments | None) -> measures.OrdinalInputs:
    """Ratings on the ordered stance scale: label k is value k−1; `none` and uncoded are
    missing (a character without a stance has no position on the scale)."""
    k = len(seg.stance_labels)
    weights = {kind: od.ordinal_weights(k, kind) for kind in ("linear", "quadratic")}
    ratings = mr.rating_features(mr.rating_counts(seg.stance.astype(np.int64) - 1, k),
                                 seg.length, seg.doc, len(seg.docs), weights)
    single_pi, single_n1 = np.zeros(k), 0.0
    if single is not None and len(single.docs):
        once = mr.rating_features(mr.rating_counts(single.stance.astype(np.int64) - 1, k),
                                  single.length, single.doc, len(single.docs), {}).total()
        single_pi, single_n1 = once.pi_num[0], float(once.n1[0])
    return measures.OrdinalInputs(ratings, single_pi, single_n1, weights)


def _ordinal_point(block: dict[str, Any], inputs: measures.SchemeInputs,
                   override: str | None) -> None:
    coded = inputs.coded_doc.sum(axis=0)
    _put(block, "alpha_ordinal", od.krippendorff_alpha_ordinal(coded), override)
    _put(block, "alpha_interval", od.krippendorff_alpha_interval(coded), override)
    o = inputs.ordinal
    total = mr.add_prevalence(o.ratings.total(), o.single_pi, o.single_n1)
    for key, measure in mr.point(total, o.weights, len(o.single_pi)).items():
        if key.startswith("gwet_ac2_"):
            _put(block, key, measure, override)
    block["scale"] = {"ordered": True, "labels": list(inputs.labels)}


def stance_categories(seg: Segments) -> int:
    """q for AC1 / Brennan–Prediger on stance: the labels, plus `none` when the coders used it.

    Where coders leave text without a stance, "no stance" is a value they choose at every such
    character; where every compared character carries a stance (whole units coded, as in the
    published multi-rater tables), the scale is the labels alone (Gwet 2014: q = number of
    categories of the scale)."""
    n_labels = len(seg.stance_labels)
    if not seg.stance.size:
        return n_labels + 1
    used_none = bool(((seg.stance == 0) & (seg.length[None, :] > 0)).any())
    return n_labels + (1 if used_none or n_labels < 2 else 0)


# ---------------------------------------------------------------- one scheme block
def _complete_case(block: dict[str, Any], seg: Segments, tables: SchemeTables, q: int,
                   override: str | None) -> None:
    """The v1 figures over documents every selected coder coded, kept under `*_complete`."""
    all_coded = seg.doc_coded.all(axis=1) if len(seg.coders) else np.zeros(0, bool)
    counts = fleiss_counts(seg, tables, all_coded)
    _put(block, "fleiss_kappa_complete", co.fleiss_kappa(counts), override)
    _put(block, "gwet_ac1_complete", co.gwet_ac1_multi(counts, q), override)
    pairs = counts.units * counts.raters * (counts.raters - 1)
    pa = co.Measure(counts.agreeing_ordered_pairs / pairs) if pairs > 0 else \
        co.undefined("no unit was coded by every selected coder")
    _put(block, "percent_agreement_complete", pa, override)
    bp = co._chance_corrected(pa.value, 1.0 / q) if pa.value is not None and q >= 2 else pa
    _put(block, "brennan_prediger_complete", bp, override)
    block["n_units"]["complete_characters"] = int(counts.units)


def _multirater_point(block: dict[str, Any], inputs: measures.SchemeInputs,
                      override: str | None) -> None:
    total = mr.add_prevalence(inputs.ratings.total(), inputs.single_pi, inputs.single_n1)
    for key, measure in mr.point(total, inputs.weights, inputs.q).items():
        _put(block, key, measure, override)
    block["n_units"]["rated_characters"] = int(total.n2[0])
    block["n_units"]["prevalence_characters"] = int(total.n1[0])
    block["categories_q"] = inputs.q


def _scheme_block(seg: Segments, inputs: measures.SchemeInputs, value_names: list[str],
                  unitizing: un.UnitizingScheme, resample: np.ndarray | None, why_no_boot: str | None) -> dict[str, Any]:
    coders = seg.coders
    tables = inputs.tables
    override = NEED_TWO if len(coders) < 2 else None
    block: dict[str, Any] = {"reasons": {}}
    coincidence = tables.coincidence_doc.sum(axis=0)
    features = measures.scheme_features(inputs, per_label=inputs.coded_doc is not None)
    per_doc = features.per_doc()
    boot = None if resample is None else features.evaluate(resample @ per_doc)
    n_documents = int(seg.doc_coded.shape[0])

    alpha = co.krippendorff_alpha(coincidence)
    _put(block, "alpha", alpha, override)
    boot_alpha = None if boot is None else boot["alpha"]
    _put_interval(block, _interval(boot_alpha, alpha, why_no_boot, n_documents), boot_alpha,
                  n_documents)
    if inputs.coded_doc is not None:
        _put(block, "alpha_coded", co.krippendorff_alpha(inputs.coded_doc.sum(axis=0)), override)

    # The 2016 coincidences before αU's tables: each is a big transient (at 1 M annotations
    # the report's memory peak), so neither is built while the other's arrays are held.
    family = unitizing.point_2016()
    alpha_u, alpha_u_label = unitizing.point_alpha_u()
    _put(block, "alpha_u", alpha_u, override)
    for key in FAMILY_2016:
        _put(block, key, family[key], override)
    if unitizing.notes:
        block["notes"] = list(unitizing.notes)
    block["n_units"] = {"characters": int(seg.doc_length.sum()),
                        "pairable_values": _round(coincidence.sum())}
    _multirater_point(block, inputs, override)
    _put(block, "percent_agreement_pairs", co.Measure(tables.agree_doc.sum() / tables.compared_doc.sum())
         if tables.compared_doc.sum() > 0 else co.undefined(co.NO_PAIRS), override)
    _complete_case(block, seg, tables, inputs.q, override)
    if inputs.ordinal is not None:
        _ordinal_point(block, inputs, override)
    sizes = sum((c.size_a.sum() + c.size_b.sum() for c in inputs.f1), 0.0)
    _put(block, "f1_exact", co.f1_score(sum(c.exact.sum() for c in inputs.f1), sizes, 0.0), override)
    _put(block, "f1_overlap", co.f1_score(sum(c.overlap.sum() for c in inputs.f1), sizes, 0.0), override)
    if boot is not None:
        boot["alpha_u"], _ = unitizing.alpha_u(resample)
        family_boot = unitizing.family_2016(resample)
        boot.update({key: family_boot[key] for key in FAMILY_2016})
        for key in INTERVAL_MEASURES:
            if key in boot and key in block:
                _put_measure_interval(block, key, boot[key], why_no_boot, n_documents)

    # Per label: αU per category, and the character α of "this label vs anything else".
    labels = value_names[1:] if inputs.coded_doc is not None else value_names[1:2]
    block["per_label"] = {}
    for i, name in enumerate(labels):
        entry: dict[str, Any] = {"reasons": {}}
        _put(entry, "alpha_u", alpha_u_label[i], override)
        _put(entry, "u_alpha", family["per_category"][i], override)
        label_alpha = co.krippendorff_alpha(collapse_to_label(coincidence, 1 + i))
        _put(entry, "alpha", label_alpha, override)
        label_boot = None if boot is None else boot[f"label:{name}"]
        _put_interval(entry, _interval(label_boot, label_alpha, why_no_boot, n_documents),
                      label_boot, n_documents)
        total = coincidence.sum()
        entry["share"] = _round(coincidence[1 + i].sum() / total) if total else None
        if entry["share"] is None:
            entry["reasons"]["share"] = co.NO_PAIRS
        block["per_label"][name] = entry

    themes = inputs.coded_doc is None
    block["pairs"] = [_pair_entry(coders, tables, p, inputs.q, value_names, inputs.f1[p], True)
                      for p in range(len(tables.pairs))]
    if inputs.ordinal is not None:
        for p, entry in enumerate(block["pairs"]):
            on_scale = tables.pair_total[p][1:, 1:]  # characters both coders gave a stance
            for kind in ("linear", "quadratic"):
                _put(entry, f"cohen_kappa_{kind}", od.weighted_cohen_kappa(on_scale, kind))
    if themes:
        presence.binary_indices(block, tables.pair_total.sum(axis=0))
        for p, entry in enumerate(block["pairs"]):
            presence.binary_indices(entry, tables.pair_total[p], pair=True)
    doc_values = measures.scheme_features(inputs._replace(single_pi=np.zeros(inputs.n_values),
                                                          single_n1=0.0, ordinal=None),
                                          per_label=False).evaluate(per_doc)
    doc_values["alpha_u"] = unitizing.per_document()
    block["documents"] = _document_entries(seg, doc_values, inputs.coded_doc)
    return block


# Measures whose bootstrap interval is reported as ci95_<key> beside α's own ci95.
INTERVAL_MEASURES = ["alpha_u", "u_alpha", "binary_u_alpha", "cu_alpha", "alpha_coded",
                     "alpha_ordinal", "alpha_interval", "gwet_ac2_linear", "gwet_ac2_quadratic", "fleiss_kappa", "gwet_ac1", "brennan_prediger",
                     "percent_agreement", "f1_exact", "f1_overlap"]


def _put_measure_interval(block: dict[str, Any], key: str, boot: np.ndarray,
                          why_no_boot: str | None, n_docs: int) -> None:
    point = co.Measure(block[key]) if block[key] is not None else co.undefined("undefined")
    bounds, reason = _interval(boot, point, why_no_boot, n_docs)
    block[f"ci95_{key}"] = None if bounds is None else [_round(b) for b in bounds]
    finite = boot[np.isfinite(boot)]
    block.setdefault("resamples_undefined_by_measure", {})[key] = int(boot.size - finite.size)
    if bounds is None:
        block["reasons"][f"ci95_{key}"] = reason


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
    _put(entry, "f1_exact", co.f1_score(f1.exact.sum(), size_a, size_b))
    _put(entry, "f1_overlap", co.f1_score(f1.overlap.sum(), size_a, size_b))
    if confusion:
        entry["confusion"] = {"labels": value_names, "rows": coders[a], "columns": coders[b],
                              "matrix": np.rint(t).astype(int).tolist()}
    return entry


def _document_entries(seg: Segments, values: dict[str, np.ndarray],
                      coded_doc: np.ndarray | None) -> list[dict[str, Any]]:
    """Per document: the same functions as the totals, evaluated on that document's row."""
    keys = [k for k in DOCUMENT_KEYS if k != "alpha_coded" or coded_doc is not None]
    nothing = [float("nan")] * len(seg.docs)  # e.g. F1 when fewer than two coders
    # (key, values, reason when undefined in a document with text)
    columns = [(k, values[k].tolist() if k in values else nothing,
                DOCUMENT_REASONS.get(k, "no variation in this document")) for k in keys]
    coders = _document_coders(seg)
    out = []
    for d, doc in enumerate(seg.docs):
        reasons: dict[str, str] = {}
        entry: dict[str, Any] = {"id": doc.id, "title": doc.title, "length": doc.length,
                                 "coders": list(coders[d]), "reasons": reasons}
        for key, column, why in columns:
            value = column[d]
            if value == value:  # noqa: PLR0124 - not NaN (no function call per value)
                entry[key] = value
            else:
                entry[key] = None
                reasons[key] = "the document is empty" if doc.length == 0 else why
        out.append(entry)
    return out


def _document_coders(seg: Segments) -> list[tuple[str, ...]]:
    """The selected coders who coded each document, in coder order; made once per Segments
    (every scheme's document list repeats them) from its few distinct coded-by patterns."""
    cached = getattr(seg, "_document_coders", None)
    if cached is None:
        if seg.doc_coded.size:
            patterns, which = np.unique(seg.doc_coded, axis=0, return_inverse=True)
            names = [tuple(c for c, on in zip(seg.coders, row) if on)
                     for row in patterns.tolist()]
            cached = [names[i] for i in which.reshape(-1).tolist()]
        else:
            cached = [()] * len(seg.docs)
        seg._document_coders = cached  # type: ignore[attr-defined]
    return cached


DOCUMENT_KEYS = ["alpha", "alpha_coded", "alpha_u", "percent_agreement", "fleiss_kappa",
                 "gwet_ac1", "f1_exact", "f1_overlap"]
DOCUMENT_REASONS = {"f1_exact": "neither coder marked a span with this label",
                    "f1_overlap": "neither coder marked a span with this label",
                    "alpha_u": "no coder marked a unit here, or no variation"}
# Krippendorff, Mathet, Bouvry & Widlöcher (2016): where and what together, where only, what
# given where (unitizing_2016.py).
FAMILY_2016 = ["u_alpha", "binary_u_alpha", "cu_alpha"]


def compute_agreement(data: AgreementData, *, bootstrap: int = 1000,
                      seed: int = 20250726, workers: int | None = None) -> dict[str, Any]:
    """The agreement report of DESIGN §5 as plain JSON-able data (see module docs).

    `workers`: 1 computes everything here; 2 lets a forked process compute some theme blocks
    (parallel.py; identical figures); None (default) uses 2 for inputs of 100,000 spans or
    more when forking is safe (single-threaded process, two or more cores)."""
    if bootstrap < 0:
        raise OperationError(f"bootstrap resamples must be 0 or more, not {bootstrap}")
    # The report is plain dicts and lists without cycles (tens of thousands per scheme, one per
    # document): the cyclic collector's passes over them found nothing and took 60% of the
    # document lists' time on the 1 M-annotation project.
    with collector_paused(), parallel.one_blas_thread():
        return _compute(data, bootstrap, seed, workers)


class _DrawnMeanwhile:
    """The resample weights drawn in a thread while the segments are built: numpy's
    multinomial sampler runs without the GIL (1,000 × 10,000 draws: ~0.75 s that the report
    otherwise waits for before either process starts). The same generator and seed, so the
    same weights."""

    def __init__(self, n_docs: int, resamples: int, seed: int) -> None:
        self.args = (n_docs, resamples, seed)
        self.weights: np.ndarray | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._draw, name="agreement-resamples",
                                       daemon=True)
        self.thread.start()

    def _draw(self) -> None:
        try:
            self.weights = iv.document_resamples(*self.args)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            self.error = exc

    def result(self, n_docs: int) -> np.ndarray:
        self.thread.join()  # before any fork: the second process needs one thread only
        if self.error is not None:
            raise self.error
        if self.weights is None or self.args[0] != n_docs:  # pragma: no cover - defensive
            return iv.document_resamples(n_docs, self.args[1], self.args[2])
        return self.weights


def _compute(data: AgreementData, bootstrap: int, seed: int,
             workers: int | None) -> dict[str, Any]:
    expected_docs = len(included_documents(data))  # the documents build_segments keeps
    drawing = _DrawnMeanwhile(expected_docs, bootstrap, seed) \
        if bootstrap > 0 and expected_docs >= 2 else None
    seg = build_segments(data, themes=False)
    single_docs = single_coder_documents(data)
    single = build_segments(data, single_docs, themes=False) if single_docs else None
    n_stance = len(seg.stance_labels)

    n_docs = len(seg.docs)
    resample = None
    why_no_boot = None
    if bootstrap == 0:
        why_no_boot = "bootstrap disabled (0 resamples)"
    elif n_docs < 2:
        why_no_boot = "the bootstrap resamples documents and needs at least two"
    else:
        resample = drawing.result(n_docs) if drawing is not None else \
            iv.document_resamples(n_docs, bootstrap, seed)
    if drawing is not None:
        drawing.thread.join()
    if resample is not None:  # fixed from here on (unitizing.py then checks it only once)
        resample.flags.writeable = False

    stance_spans, theme_spans = [], []
    for coder in seg.coders:
        s, t = _labelled(seg, coder)
        stance_spans.append(s)
        theme_spans.append(t)
    pairs = [(a, b) for a in range(len(seg.coders)) for b in range(a + 1, len(seg.coders))]
    report: dict[str, Any] = {
        "coders": list(seg.coders),
        "documents": n_docs,
        "documents_excluded": len(data.documents) - n_docs,
        "documents_single_coder": len(single_docs),
        "bootstrap": {"resamples": bootstrap, "seed": seed, "unit": "document",
                      "interval": INTERVAL_METHOD},
        "thresholds": {"reliable": 0.800, "tentative": 0.667},
    }
    def theme_block(t: int) -> tuple[dict[str, Any], dict[str, Any]]:
        """Theme t's block and its presence entry (its runs made here, in whichever process
        computes it)."""
        name = seg.theme_labels[t]
        runs = theme_runs(seg, t)
        theme = _scheme_inputs(seg, single, runs,
                               None if single is None else theme_runs(single, t), 2, 2, [name],
                               {"identity": np.eye(2)},
                               _f1_for_pairs(seg, [spans[t] for spans in theme_spans], 1, pairs),
                               None)
        return (_scheme_block(seg, theme, ["absent", name], un.theme_unitizing(seg, t),
                              resample, why_no_boot), presence.theme_presence_entry(seg, runs))

    def stance_block() -> dict[str, Any]:
        # The stance's own counts are made here, after any fork: the helper process starts
        # on the themes without waiting for them (~0.6 s of the 1 M-annotation run).
        stance_counts = mr.rating_counts(seg.stance, n_stance + 1)
        coded_doc = coded_coincidence_doc(seg, n_stance, stance_counts)
        stance = _scheme_inputs(seg, single, stance_runs(seg),
                                None if single is None else stance_runs(single),
                                n_stance + 1, stance_categories(seg), seg.stance_labels,
                                identity, _f1_for_pairs(seg, stance_spans, n_stance, pairs),
                                coded_doc, stance_counts)
        if data.stance_ordered and n_stance >= 2:
            stance = stance._replace(ordinal=_ordinal_inputs(seg, single))
        return _scheme_block(seg, stance, ["none"] + seg.stance_labels,
                             un.stance_unitizing(seg), resample, why_no_boot)

    identity = {"identity": np.eye(n_stance + 1)}
    n_themes = len(seg.theme_labels)
    n_spans = sum(s.start.size for s in seg.coder_spans)
    if workers is None:
        workers = 2 if parallel.worth_it(len(seg.coders), n_spans) else 1
    blocks: dict[int, tuple[dict[str, Any], dict[str, Any]]] = {}
    if workers > 1 and n_themes and parallel.available():
        un.prepare_span_rows(seg)  # built once before the fork, shared by both processes
        # Both processes take the next theme from one shared counter, biggest first: the
        # child from the start, this process once the stance block is done, so the halves
        # end within about one theme of each other whatever the schemes cost (a split fixed
        # beforehand from span counts left the child 4-5 s of CPU behind or ahead).
        order = _themes_by_size(theme_spans, n_themes)
        counter = parallel.shared_counter()

        def themes_claimed() -> dict[int, tuple[dict[str, Any], dict[str, Any]]]:
            out = {}
            while (i := parallel.claim(counter)) < n_themes:
                out[order[i]] = theme_block(order[i])
            return out

        def here() -> tuple[dict[str, Any], dict[int, tuple[dict, dict]]]:
            return stance_block(), themes_claimed()

        there, (report["stance"], mine) = parallel.split(themes_claimed, here)
        blocks = {**mine, **there}
        # A child that failed after claiming themes leaves them to this process.
        blocks.update({t: theme_block(t) for t in range(n_themes) if t not in blocks})
    else:
        report["stance"] = stance_block()
        blocks = {t: theme_block(t) for t in range(n_themes)}
    report["themes"] = {name: blocks[t][0] for t, name in enumerate(seg.theme_labels)}
    report["theme_presence"] = {name: blocks[t][1] for t, name in enumerate(seg.theme_labels)}
    return report


def _themes_by_size(theme_spans: list[list[LabelledSpans]], n_themes: int) -> list[int]:
    """Theme indexes, most spans first (a scheme's cost follows its spans; the biggest taken
    first leaves the small ones to even out the two processes' ends)."""
    spans = [sum(per_coder[t].label.size for per_coder in theme_spans) for t in range(n_themes)]
    return sorted(range(n_themes), key=lambda t: (-spans[t], t))
