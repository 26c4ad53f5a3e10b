"""Agreement reports: every format written by extension, self-contained HTML, tidy CSV."""

from __future__ import annotations

import csv
import json

import pytest

from desk_annotator.agreement import (
    AgreementData,
    DocUnits,
    SpanUnit,
    compute_agreement,
)
from desk_annotator.errors import FormatError
from desk_annotator.io.agreement_report import CSV_COLUMNS, report_to_json, write_report

TEXT = "<script>alert(1)</script> Export controls work. Open models matter to everyone."


@pytest.fixture()
def data() -> AgreementData:
    a = [SpanUnit(0, 25, "pro", ("chips",), "1"), SpanUnit(26, 47, "con", (), "1")]
    b = [SpanUnit(0, 25, "con", ("chips",), "1"), SpanUnit(26, 47, "con", ("open",), "1")]
    docs = [DocUnits("d1", "First & <b>", len(TEXT), {"a", "b"}, set(), {"a": a, "b": b}),
            DocUnits("d2", "Second", 10, {"a", "b"}, set(), {"a": [], "b": []})]
    return AgreementData(["a", "b"], ["pro", "con"], ["chips", "open"], docs)


def test_json_is_the_contract_and_has_no_nan(data, tmp_path):
    report = compute_agreement(data, bootstrap=100)
    write_report(report, tmp_path / "r.json")
    loaded = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert loaded == json.loads(report_to_json(report))
    assert set(loaded) >= {"coders", "documents", "stance", "themes"}
    assert set(loaded["stance"]) >= {"alpha", "ci95", "alpha_coded", "alpha_u", "per_label",
                                     "fleiss_kappa", "percent_agreement", "pairs", "documents"}
    assert "NaN" not in report_to_json(report)
    # every null carries a reason
    for name, block in [("stance", loaded["stance"])] + list(loaded["themes"].items()):
        for key, value in block.items():
            if value is None:
                assert block["reasons"][key], (name, key)


def test_csv_is_tidy(data, tmp_path):
    write_report(compute_agreement(data, bootstrap=0), tmp_path / "r.csv")
    with open(tmp_path / "r.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == CSV_COLUMNS
    pair_rows = [r for r in rows if r["coder_a"] == "a" and r["measure"] == "cohen_kappa"]
    assert {r["scheme"] for r in pair_rows} == {"stance", "themes"}
    doc_rows = [r for r in rows if r["document_id"] == "d2" and r["measure"] == "alpha"]
    assert doc_rows and all(r["value"] == "" and r["reason"] for r in doc_rows)
    ci = [r for r in rows if r["measure"] == "ci95_low" and r["scheme"] == "stance"]
    assert ci[0]["reason"] == "bootstrap disabled (0 resamples)"


def test_markdown_has_tables(data, tmp_path):
    write_report(compute_agreement(data, bootstrap=0), tmp_path / "r.md")
    text = (tmp_path / "r.md").read_text(encoding="utf-8")
    assert "| scheme / theme | α |" in text and "a × b" in text


def test_html_is_self_contained_and_escaped(data, tmp_path):
    report = compute_agreement(data, bootstrap=200)
    write_report(report, tmp_path / "r.html", text_for=lambda doc_id: TEXT, data=data)
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert page.count("<svg") >= 3  # per-label chart, heat map, per-document chart
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "First &amp; &lt;b&gt;" in page
    for forbidden in ("http://", "https://", "<link", "src="):
        assert forbidden not in page
    assert "Export controls work." in page  # largest disagreement quoted with its text
    assert "Largest disagreements" in page and "unreliable" in page


def test_unknown_extension_is_a_format_error(data, tmp_path):
    with pytest.raises(FormatError, match="unknown report format"):
        write_report(compute_agreement(data, bootstrap=0), tmp_path / "r.xlsx")
