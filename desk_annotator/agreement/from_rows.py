"""`AgreementData` straight from the store's columns (store.agreement_queries.SpanRows).

The same selection and the same rules as `data.build_agreement_data` — a coder has coded a
document when it has an annotation there or marked it done (only done with `done_only`),
spans are clipped to the text, label ids become names — but done on arrays: the annotations
never become Python objects, and `AgreementData.columns` carries them to the engine.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from desk_annotator.agreement.data import (
    AgreementData,
    DocUnits,
    SpanColumns,
    check_document_ids,
    instants_of,
    select,
)
from desk_annotator.arrays import distinct  # not np.unique: see arrays.py
from desk_annotator.models import Codebook, Coder


def _lookup(size: int, pairs: dict[int, int]) -> np.ndarray:
    """A code -> index table for np.take: -1 for codes not in `pairs` (and for code -1)."""
    table = np.full(size + 1, -1, dtype=np.int64)  # the last entry answers code -1
    for code, index in pairs.items():
        table[code] = index
    return table


def _names(selected: list[str], flags: list[bool]) -> set[str]:
    return {name for name, on in zip(selected, flags) if on}


def agreement_data_from_rows(codebook: Codebook, coders: list[Coder], rows: Any, *,
                             coder_names: list[str] | None = None,
                             document_ids: list[str] | None = None,
                             themes: list[str] | None = None, done_only: bool = False,
                             include_models: bool = False) -> AgreementData:
    """`rows`: a SpanRows of the chosen documents (all of them when document_ids is None)."""
    selected, name_of, theme_names = select(codebook, coders, coder_names, themes,
                                            include_models)
    check_document_ids(document_ids, rows.doc_ids)
    position = {name: m for m, name in enumerate(selected)}
    coder_of = _lookup(len(rows.coder_ids), {
        code: position[name_of[cid]] for code, cid in enumerate(rows.coder_ids) if cid in name_of})
    stance_pos = {lb.id: k + 1 for k, lb in enumerate(codebook.stance)}
    stance_of = _lookup(len(rows.label_ids), {
        code: stance_pos[lid] for code, lid in enumerate(rows.label_ids) if lid in stance_pos})
    theme_pos = {lb.id: theme_names.index(lb.name) for lb in codebook.themes
                 if lb.name in theme_names}
    theme_of = _lookup(len(rows.label_ids), {
        code: theme_pos[lid] for code, lid in enumerate(rows.label_ids) if lid in theme_pos})

    n_docs, n_coders = len(rows.doc_ids), len(selected)
    coder = coder_of[rows.ann_coder]
    annotated = np.zeros((n_docs, n_coders), dtype=bool)
    mine = coder >= 0
    annotated[rows.ann_doc[mine], coder[mine]] = True
    done = np.zeros((n_docs, n_coders), dtype=bool)
    done_coder = coder_of[rows.done_coder]
    ok = (done_coder >= 0) & (rows.done_doc >= 0)
    done[rows.done_doc[ok], done_coder[ok]] = True
    coded = done if done_only else annotated | done
    docs = [DocUnits(doc_id, title, length, _names(selected, coded_row),
                     _names(selected, done_row), {})
            for doc_id, title, length, coded_row, done_row in zip(
                rows.doc_ids, rows.doc_titles, rows.doc_lengths.tolist(), coded.tolist(),
                done.tolist())]

    start = np.maximum(rows.ann_start, 0)
    end = np.minimum(rows.ann_end, rows.doc_lengths[rows.ann_doc]) if rows.ann_doc.size \
        else rows.ann_end
    keep = mine & (end > start)
    kept = np.flatnonzero(keep)
    new_row = np.full(keep.size, -1, dtype=np.int64)
    new_row[kept] = np.arange(kept.size)
    theme_idx = theme_of[rows.theme_label]
    pair_row = new_row[rows.theme_row] if rows.theme_row.size else rows.theme_row
    good = (theme_idx >= 0) & (pair_row >= 0)
    # One pair per (span, theme name), as the model path's dict.fromkeys of names: unique
    # (span, theme) keys as one integer (a row-wise unique sorts far more slowly).
    width = max(len(theme_names), 1)
    key = distinct(pair_row[good] * width + theme_idx[good])
    stamps = rows.ann_created  # store.agreement_queries.Texts: one buffer, byte ranges
    created = instants_of(stamps.data, stamps.start[kept], stamps.end[kept])
    columns = SpanColumns(
        rows.ann_doc[kept], coder[kept], start[kept], end[kept],
        stance_of[rows.ann_stance[kept]].clip(min=0).astype(np.int16), created,
        (key // width).astype(np.int64), (key % width).astype(np.int64))
    return AgreementData(coders=selected, stance_labels=[lb.name for lb in codebook.stance],
                         theme_labels=theme_names, documents=docs,
                         stance_ordered=codebook.ordered_stance, columns=columns)
