"""The agreement CLI's read of a project (issue 14): the group_concat column read
(store.agreement_queries.span_rows) and agreement_data_from_rows must build exactly the
AgreementData of the model-by-model path (data.build_agreement_data), and instants_of must
give instant()'s moment for every stamp; the JSON report must hold the same values whichever
writer wrote it."""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

import numpy as np
import pytest

from desk_annotator.agreement import compute_agreement
from desk_annotator.agreement.data import (
    build_agreement_data,
    instant,
    instants,
    instants_of,
    span_columns,
)
from desk_annotator.agreement.from_rows import agreement_data_from_rows
from desk_annotator.io.agreement_report import report_json_bytes, write_report
from desk_annotator.models import (
    Annotation,
    Codebook,
    Coder,
    Document,
    Label,
    ProjectSnapshot,
)
from desk_annotator.project import Project
from desk_annotator.store import agreement_queries
from desk_annotator.store.agreement_queries import Texts, span_rows
from desk_annotator.text import normalize_text, sha256_text

WORDS = ["policy", "chips", "治理", "开源", "café", "🇺🇸", "emoji 😀", "𝔘𝔫𝔦", "the", "\r\n", "—"]
# Stamps as other tools write them too: offsets, Z, naive, milliseconds, a space, junk.
STAMPS = ["2025-08-01T10:00:00+00:00", "2025-08-01T10:00:00.123456+00:00",
          "2025-08-01T12:00:00.123456+02:00", "2025-08-01T10:00:00Z", "2025-08-01T10:00:00",
          "2025-08-01 09:30:00.250-00:30", "2025-07-31T23:59:59.999+00:00", "not a time", "",
          "2024-02-29T00:00:00", "0001-01-01T00:00:00+00:00"]


def _random_project(path: Path, seed: int, n_docs: int = 14, n_coders: int = 6) -> Project:
    """Coders who coded nothing, a gold coder and two model coders; astral and CRLF text, an
    empty document, stance-less and theme-less spans, overlaps, same-extent spans of one
    coder with different stamps, several themes per span, statuses done and not done."""
    rng = random.Random(seed)
    stance = [Label(scheme="stance", name=n, order=i) for i, n in
              enumerate(["pro", "contra", "neutral 😐"])]
    themes = [Label(scheme="themes", name=n, order=i) for i, n in
              enumerate(["chips", "safety", "labour", "privacy", "𝔘nicode"])]
    names = [f"coder {i}" for i in range(n_coders)] + ["gold", "model:tfidf", "model:llm",
                                                       "idle"]
    coders = [Coder(name=n) for n in names]
    docs, anns = [], []
    for d in range(n_docs):
        text = "" if d == 3 else normalize_text("".join(rng.choice(WORDS) + " " for _ in range(60)))
        docs.append(Document(title=f"Doc {d} {rng.choice(WORDS)}", text=text,
                             sha256=sha256_text(text)))
        for coder in coders[:-1]:  # "idle" never annotates
            if not text or rng.random() < 0.25:
                continue
            for _ in range(rng.randrange(1, 9)):
                start = rng.randrange(0, len(text) - 20)
                end = min(len(text), start + rng.choice([5, 12, 12, 30, 80]))
                spans = [(start, end)] * (2 if rng.random() < 0.2 else 1)  # same extent twice
                for s, e in spans:
                    anns.append(Annotation.model_construct(
                        id=f"a{seed}-{len(anns)}", document_id=docs[-1].id, coder_id=coder.id,
                        start=s, end=e, quote=text[s:e],
                        stance_id=rng.choice([None] + [lb.id for lb in stance]),
                        theme_ids=[lb.id for lb in themes if rng.random() < 0.3], note=None,
                        created=rng.choice(STAMPS), updated="2025-08-01T00:00:00+00:00"))
    rng.shuffle(anns)  # table order is not document order
    project = Project(path)
    project.import_codebook(Codebook(name="t", labels=stance + themes))
    project.import_snapshot(ProjectSnapshot.model_construct(
        codebook=Codebook(labels=stance + themes), coders=coders, documents=docs,
        annotations=anns, statuses=[]), source="test", labels="strict")
    ids = {c.name: c.id for c in project.q.coders()}
    for info in project.q.document_infos():
        for name in rng.sample(names, 3):
            project.set_status(info.id, ids[name], rng.choice(["done", "done", "doing"]))
    return project


def _selections(project: Project, seed: int) -> list[dict]:
    rng = random.Random(seed)
    ids = [d.id for d in project.q.document_infos()]
    subset = rng.sample(ids, 6)
    return [
        {},
        {"include_models": True},
        {"coder_names": ["coder 2", "gold", "coder 0", "idle"]},
        {"coder_names": ["model:llm", "coder 1"], "include_models": True},
        {"themes": ["privacy", "𝔘nicode"]},
        {"done_only": True},
        {"document_ids": subset + subset[:2]},  # a set's members in any order, one repeated
        {"document_ids": subset[:1], "done_only": True, "coder_names": ["coder 3", "coder 1"]},
    ]


def _assert_same_data(fast, slow) -> None:
    assert (fast.coders, fast.stance_labels, fast.theme_labels, fast.stance_ordered) == \
        (slow.coders, slow.stance_labels, slow.theme_labels, slow.stance_ordered)
    assert [(d.id, d.title, d.length, d.coded_by, d.done_by) for d in fast.documents] == \
        [(d.id, d.title, d.length, d.coded_by, d.done_by) for d in slow.documents]
    got, want = _by_document_and_coder(fast.columns), _by_document_and_coder(span_columns(slow))
    for name in want:  # the model path's columns: from the SpanUnit of each Annotation model
        assert got[name].dtype == want[name].dtype and np.array_equal(got[name], want[name]), \
            name


def _by_document_and_coder(columns) -> dict[str, np.ndarray]:
    """The columns with each (document, coder)'s spans together, in their given order (the
    order that counts: the engine never compares spans of two coders by position)."""
    order = np.lexsort((columns.coder, columns.doc))  # stable: keeps each coder's order
    moved = np.empty(order.size, dtype=np.int64)
    moved[order] = np.arange(order.size)
    out = {name: getattr(columns, name)[order]
           for name in ("doc", "coder", "start", "end", "stance", "created")}
    span, theme = moved[columns.theme_span], columns.theme_idx
    pairs = np.lexsort((theme, span))
    out["theme_span"], out["theme_idx"] = span[pairs], theme[pairs]
    return out


@pytest.mark.parametrize("block", [agreement_queries.BLOCK, 7])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_column_read_builds_the_model_paths_data(tmp_path: Path, seed: int, block: int,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Every selection, in one block of rows or in blocks of 7 rowids."""
    monkeypatch.setattr(agreement_queries, "BLOCK", block)
    project = _random_project(tmp_path / "p.sqlite", seed)
    q = project.q
    for options in _selections(project, seed):
        ids = options.get("document_ids")
        slow = build_agreement_data(q.codebook(), q.coders(),
                                    q.document_infos(list(dict.fromkeys(ids)) if ids else None),
                                    q.annotations(), q.statuses(), **options)
        fast = agreement_data_from_rows(q.codebook(), q.coders(), span_rows(q, ids), **options)
        _assert_same_data(fast, slow)
    project.close()


def test_rows_that_do_not_read_back_are_fetched_one_by_one(tmp_path: Path) -> None:
    """A stamp holding the separator the aggregated read uses (another program wrote it) makes
    its block read row by row; the data stays the model path's."""
    project = _random_project(tmp_path / "p.sqlite", 5)
    with project.store.db.conn:
        project.store.db.conn.execute(
            "UPDATE annotations SET created = '2025-08-01T10:00:00' || char(31) || 'x' "
            "WHERE rowid % 3 = 0")
    q = project.q
    assert q.db.execute("SELECT count(*) FROM annotations WHERE instr(created, char(31))"
                        ).fetchone()[0] > 0
    slow = build_agreement_data(q.codebook(), q.coders(), q.document_infos(), q.annotations(),
                                q.statuses())
    _assert_same_data(agreement_data_from_rows(q.codebook(), q.coders(), span_rows(q)), slow)
    project.close()


def test_reports_from_both_reads_are_equal(tmp_path: Path) -> None:
    project = _random_project(tmp_path / "p.sqlite", 8, n_docs=20, n_coders=8)
    q = project.q
    slow = build_agreement_data(q.codebook(), q.coders(), q.document_infos(), q.annotations(),
                                q.statuses(), include_models=True)
    fast = agreement_data_from_rows(q.codebook(), q.coders(), span_rows(q), include_models=True)
    assert report_json_bytes(compute_agreement(fast, bootstrap=30)) == \
        report_json_bytes(compute_agreement(slow, bootstrap=30))
    project.close()


def _random_stamps(rng: random.Random, n: int) -> list[str]:
    out = []
    for _ in range(n):
        year = rng.choice([1, 4, 100, 1600, 1900, 1969, 1970, 2000, 2024, 2100, 2400, 9999,
                           rng.randint(1, 9999)])
        month = rng.choice([0, 1, 2, 12, 13, rng.randint(1, 12)])
        day = rng.choice([0, 1, 28, 29, 30, 31, 32, rng.randint(1, 28)])
        hour, minute, second = (rng.choice([0, top - 1, top, rng.randint(0, top - 1)])
                                for top in (24, 60, 60))
        stamp = f"{year:04d}-{month:02d}-{day:02d}{rng.choice('TT t')}" \
                f"{hour:02d}:{minute:02d}:{second:02d}"
        digits = rng.choice([0, 3, 6, 6, 2])
        if digits:
            stamp += "." + "".join(rng.choice("0123456789") for _ in range(digits))
        stamp += rng.choice(["", "Z", "+00:00", "-00:00", "+02:00", "-05:30", "+23:59",
                             "+24:00", "+05:60", "z", "+0200"])
        if rng.random() < 0.03:
            stamp = stamp.replace("-", "٠", 1)  # a non-ASCII character in a stamp's shape
        if rng.random() < 0.03:
            stamp = stamp[:-1]
        out.append(stamp)
    return out


def test_instants_equal_instant_of_each_stamp() -> None:
    stamps = _random_stamps(random.Random(4), 20_000) + STAMPS
    got = instants(stamps)
    want = np.array([instant(s) for s in stamps])
    assert np.array_equal(got, want)
    assert np.isfinite(got).sum() > 2000  # the array path met many valid stamps


@pytest.mark.parametrize("seed", [1, 2])
def test_instants_of_separated_stamps_in_any_order(seed: int) -> None:
    """Stamps as the agreement read hands them over: one buffer, each stamp followed by the
    separator, taken in a shuffled order (the row view of equal-length stamps), with stamps of
    several lengths and junk mixed in (those take the column gather or instant())."""
    rng = random.Random(seed)
    ours = [f"2025-0{rng.randint(1, 9)}-{rng.randint(10, 28)}T{rng.randint(10, 23)}:"
            f"{rng.randint(10, 59)}:{rng.randint(10, 59)}.{rng.randint(0, 999999):06d}+00:00"
            for _ in range(3000)]
    for stamps, blocks in ((ours, 1), (ours, 3), (ours + _random_stamps(rng, 3000) + STAMPS, 2)):
        # Blocks joined end to end as Texts.joined does (no separator between two blocks).
        cut = np.linspace(0, len(stamps), blocks + 1).astype(int)
        parts = [Texts.of(["\x1f".join(stamps[a:b])]) for a, b in itertools.pairwise(cut)]
        data = Texts.joined(parts).data
        lengths = np.array([len(s.encode("utf-8")) for s in stamps])
        start = np.concatenate(([0], np.cumsum(lengths + 1)[:-1]))
        start -= np.searchsorted(cut[1:], np.arange(len(stamps)), side="right")
        order = np.array(rng.sample(range(len(stamps)), len(stamps)))
        got = instants_of(data, start[order], start[order] + lengths[order])
        assert np.array_equal(got, np.array([instant(stamps[i]) for i in order]))


def test_json_report_has_the_json_modules_values(tmp_path: Path) -> None:
    """orjson writes numpy scalars as their numbers; the values and key order are those the
    json module writes (only a small float's spelling may differ)."""
    report = {"alpha": np.float64(0.125), "n": np.int64(7), "tiny": 1e-05, "label 😀": [
        {"x": np.float64(1) / 3, "none": None}], "ok": True}
    path = tmp_path / "r.json"
    write_report(report, path)
    text = path.read_text(encoding="utf-8")
    plain = {"alpha": 0.125, "n": 7, "tiny": 1e-05, "label 😀": [{"x": 1 / 3, "none": None}],
             "ok": True}
    assert json.loads(text) == plain
    assert list(json.loads(text)) == list(plain)
    assert text.endswith("}\n") and "\n  \"alpha\": 0.125," in text


def _span_rows_fields(rows) -> dict:
    out = {}
    for name, value in vars(rows).items():
        if isinstance(value, agreement_queries.Texts):
            value = [value.text(i) for i in range(value.start.size)]
        out[name] = value.tolist() if isinstance(value, np.ndarray) else value
    return out


@pytest.mark.parametrize("seed", [4, 6])
def test_plain_column_read_equals_the_joined_read(tmp_path: Path, seed: int,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole-file read that finds ids in numpy gives the joined read's rows, also with
    references the joins drop or leave empty (an unknown document, coder, stance or theme
    label, a theme pair of no annotation), ids of several widths, a uuid-width id table and
    an id holding the separator (that file is read with the joins)."""
    project = _random_project(tmp_path / "p.sqlite", seed)
    conn = project.store.db.conn
    conn.execute("PRAGMA foreign_keys = OFF")  # references another program left dangling
    with conn:
        conn.execute("UPDATE annotations SET coder_id = 'nobody' WHERE rowid % 11 = 0")
        conn.execute("UPDATE annotations SET stance_id = 'no label' WHERE rowid % 13 = 0")
        conn.execute("UPDATE annotations SET document_id = 'no document' WHERE rowid % 17 = 0")
        conn.execute("INSERT INTO annotation_themes (annotation_id, label_id) "
                     "SELECT annotation_id, 'gone' FROM annotation_themes WHERE rowid % 5 = 0")
        conn.execute("INSERT INTO annotation_themes (annotation_id, label_id) "
                     "SELECT DISTINCT 'no annotation', label_id FROM annotation_themes")
        conn.execute("UPDATE annotations SET id = id || 'x' WHERE rowid % 7 = 0")  # widths
    q = project.q
    calls = []
    real = agreement_queries._annotations_by_text_ids

    def counted(*args):
        calls.append(real(*args))
        return calls[-1]

    monkeypatch.setattr(agreement_queries, "_annotations_by_text_ids", counted)
    plain = _span_rows_fields(span_rows(q))
    assert calls and calls[-1] is not None  # the plain read was used
    monkeypatch.setattr(agreement_queries, "_annotations_by_text_ids", lambda *a: None)
    joined = _span_rows_fields(span_rows(q))
    assert plain == joined
    assert -1 in plain["ann_coder"] and -1 in plain["ann_stance"] and -1 in plain["theme_label"]
    # An id holding the separator: the plain read gives up and the joins read the file.
    with conn:
        conn.execute("UPDATE annotations SET id = id || char(31) WHERE rowid = 2")
    monkeypatch.setattr(agreement_queries, "_annotations_by_text_ids", counted)
    span_rows(q)
    assert calls[-1] is None
    monkeypatch.setattr(agreement_queries, "_annotations_by_text_ids", lambda *a: None)
    with_joins = _span_rows_fields(span_rows(q))
    monkeypatch.setattr(agreement_queries, "_annotations_by_text_ids", counted)
    assert _span_rows_fields(span_rows(q)) == with_joins
    project.close()
