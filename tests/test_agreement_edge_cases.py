"""Agreement edge cases from issue 10, item 3 and 4: full precision in JSON, no coder, unknown
document ids."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desk_annotator.errors import OperationError
from desk_annotator.project import Project
from desk_annotator.project_io import agreement_report


def test_json_report_carries_full_double_precision(seeded) -> None:
    project, _ = seeded
    report = agreement_report(project, bootstrap=0)
    values = [v for v in json.loads(json.dumps(report))["stance"].values()
              if isinstance(v, float)]
    assert values, "no figures in the stance block"
    # A rounded report has at most 6 decimals everywhere; real doubles almost never do.
    assert any(len(repr(v).split(".")[-1]) > 6 for v in values if v not in (0.0, 1.0))


def test_agreement_without_coders_reports_undefined_values(tmp_path: Path, run_cli,
                                                           seed) -> None:
    path = tmp_path / "p.sqlite"
    with Project(path) as p:
        p.add_label("stance", "supportive")
        p.add_label("themes", "open source")
    code, out, err = run_cli("--project", path, "agreement")
    assert code == 0, err
    report = json.loads(out)
    assert report["coders"] == [] and report["stance"]["alpha"] is None
    assert report["stance"]["reasons"]["alpha"]


def test_unknown_document_id_names_it_without_claiming_there_are_none(seeded) -> None:
    project, ids = seeded
    with pytest.raises(OperationError) as info:
        agreement_report(project, document_ids=["no-such-id"], bootstrap=0)
    message = str(info.value)
    assert "no-such-id" in message and "known: none" not in message


def test_stance_tie_break_compares_moments_not_strings() -> None:
    """Two spans of one coder with the same length: the later *moment* wins, also when the
    stamps carry different UTC offsets (as text the older one sorts last here)."""
    from desk_annotator.agreement.data import AgreementData, DocUnits, SpanUnit
    from desk_annotator.agreement.segments import build_segments

    # As text the +02:00 stamp sorts last; as moments the -02:00 one is the most recent.
    older = "2025-07-26T10:30:00+00:00"        # 10:30 UTC
    newer = "2025-07-26T11:00:00+02:00"        # 09:00 UTC: the oldest, though last as text
    newest = "2025-07-26T09:45:00-02:00"       # 11:45 UTC: the most recent
    doc = DocUnits("d", "t", 10, {"a", "b"}, set(), {
        "a": [SpanUnit(0, 5, "pro", (), older), SpanUnit(0, 5, "contra", (), newer),
              SpanUnit(0, 5, "neutral", (), newest)],
        "b": [SpanUnit(0, 5, "pro", (), older)],
    })
    data = AgreementData(coders=["a", "b"], stance_labels=["pro", "contra", "neutral"],
                         theme_labels=[], documents=[doc])
    seg = build_segments(data)
    values = seg.stance[0]  # coder a's stance per segment
    assert seg.stance_labels[int(values[0]) - 1] == "neutral"


def _units(rows, coders):
    from desk_annotator.agreement import AgreementData, DocUnits, SpanUnit
    labels = sorted({str(v) for row in rows for v in row if v is not None})
    docs = []
    for u, row in enumerate(rows):
        spans = {c: [SpanUnit(0, 1, str(v), (), "t")] for c, v in zip(coders, row)
                 if v is not None}
        docs.append(DocUnits(f"u{u}", f"unit {u}", 1, set(spans), set(), spans))
    return AgreementData(coders, labels, [], docs)


def test_interval_reading_q_and_undefined_resamples() -> None:
    from desk_annotator.agreement import compute_agreement

    _ = None
    rows = [  # Krippendorff (2011) section C: alpha = .743
        [1, 1, _, 1], [2, 2, 3, 2], [3, 3, 3, 3], [3, 3, 3, 3], [2, 2, 2, 2], [1, 2, 3, 4],
        [4, 4, 4, 4], [1, 1, 2, 1], [2, 2, 2, 2], [_, 5, 5, 5], [_, _, 1, 1], [_, 3, _, _],
    ]
    stance = compute_agreement(_units(rows, list("ABCD")), bootstrap=2000)["stance"]
    low, high = stance["ci95"]
    assert low < stance["alpha"] < high
    # The reading comes from the lower bound; the point reading stands beside it.
    assert stance["interpretation_point"] == "tentative"
    assert stance["interpretation"] == ("unreliable" if low < 0.667 else "tentative")
    assert stance["interpretation_basis"] == "ci95 lower bound"
    # q: the share of resamples below each threshold, monotone in the threshold.
    q = stance["q"]
    assert 0.0 <= q["0.667"] <= q["0.8"] <= 1.0 and q["0.8"] > 0.5  # alpha .743 < .8
    assert stance["resamples_undefined"] >= 0
    assert "warnings" not in stance  # 11 documents carry it


def test_few_documents_warn_and_undefined_resamples_are_counted() -> None:
    from desk_annotator.agreement import compute_agreement

    rows = [[1, 1], [2, 2], [1, 2], [2, 2], [1, 1]]  # 5 units: many resamples lack variation
    stance = compute_agreement(_units(rows, ["A", "B"]), bootstrap=500)["stance"]
    assert any("only 5 document" in w for w in stance.get("warnings", []))
    assert stance["resamples_undefined"] > 0  # e.g. a resample of five copies of one unit
