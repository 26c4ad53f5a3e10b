"""Where coders part most: passages ranked by how much they disagree on stance and themes."""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np

from desk_annotator.agreement.data import AgreementData
from desk_annotator.agreement.segments import MISSING, Segments, build_segments


def _segment_disagreement(seg: Segments) -> np.ndarray:
    """Per segment: share of coder pairs (both coded) that disagree, summed over stance and each
    theme — 0 where everyone agrees, up to 1 + number of themes."""
    n_coders = len(seg.coders)
    score = np.zeros(seg.start.size)
    pair_count = np.zeros(seg.start.size)
    for a, b in combinations(range(n_coders), 2):
        both = (seg.stance[a] != MISSING) & (seg.stance[b] != MISSING)
        pair_count += both
        differ = (seg.stance[a] != seg.stance[b]).astype(float)
        if seg.themes.size:
            differ += (seg.themes[:, a] != seg.themes[:, b]).sum(axis=0)
        score += both * differ
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(pair_count > 0, score / np.maximum(pair_count, 1), 0.0)


def _coder_view(seg: Segments, first: int, last: int, m: int) -> dict[str, Any]:
    """One coder's labels over segments first..last: stances by share of characters, themes."""
    rows = slice(first, last + 1)
    stance = seg.stance[m, rows]
    if (stance == MISSING).all():
        return {"coded": False, "stance": [], "themes": []}
    length = seg.length[rows]
    names = ["none"] + seg.stance_labels
    shares = np.bincount(stance.astype(np.int64), length, len(names))
    stances = [names[i] for i in np.argsort(-shares, kind="stable") if shares[i] > 0]
    themes = [seg.theme_labels[t] for t in range(len(seg.theme_labels))
              if (seg.themes[t, m, rows] == 1).any()]
    return {"coded": True, "stance": stances, "themes": themes}


def largest_disagreements(data: AgreementData, limit: int = 20) -> list[dict[str, Any]]:
    """The `limit` passages with the most disagreement (characters × share of disagreeing pairs).

    A passage is a maximal stretch of one document where at least one coder pair disagrees.
    Each item: document_id, document_title, start, end (code points in the document), score,
    and per coder {"coded", "stance": labels by share of the passage, "themes"}.
    """
    seg = build_segments(data)
    if seg.start.size == 0 or limit <= 0:
        return []
    weight = _segment_disagreement(seg)
    hot = weight > 0
    same_doc_prev = np.concatenate(([False], seg.doc[1:] == seg.doc[:-1]))
    same_doc_next = np.concatenate((seg.doc[1:] == seg.doc[:-1], [False]))
    first = np.flatnonzero(hot & ~(np.concatenate(([False], hot[:-1])) & same_doc_prev))
    last = np.flatnonzero(hot & ~(np.concatenate((hot[1:], [False])) & same_doc_next))
    if first.size == 0:
        return []
    csum = np.concatenate(([0.0], np.cumsum(weight * seg.length)))
    scores = csum[last + 1] - csum[first]
    top = np.argsort(-scores, kind="stable")[:limit]
    out = []
    for i in top.tolist():
        d = int(seg.doc[first[i]])
        offset = int(seg.doc_offset[d])
        doc = seg.docs[d]
        out.append({
            "document_id": doc.id,
            "document_title": doc.title,
            "start": int(seg.start[first[i]]) - offset,
            "end": int(seg.start[last[i]] + seg.length[last[i]]) - offset,
            "score": round(float(scores[i]), 3),
            "coders": {c: _coder_view(seg, int(first[i]), int(last[i]), m)
                       for m, c in enumerate(seg.coders)},
        })
    return out
