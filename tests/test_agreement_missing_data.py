"""Multi-rater coefficients with missing ratings (Gwet 2014 / irrCAC), through the public path:
a dataset file imported with the CLI, then `agreement` to JSON, as a user would do it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from desk_annotator.agreement import multirater as mr

_ = None
# Krippendorff (2011) "Computing Krippendorff's Alpha-Reliability", section C: 4 observers ×
# 12 units, values 1-5, missing ratings. Gwet (2014) / irrCAC on the same table: Fleiss' κ
# .761, AC1 .775, percent agreement .818; Krippendorff's α .743.
KRIPPENDORFF_2011 = [
    [1, 1, _, 1], [2, 2, 3, 2], [3, 3, 3, 3], [3, 3, 3, 3], [2, 2, 2, 2], [1, 2, 3, 4],
    [4, 4, 4, 4], [1, 1, 2, 1], [2, 2, 2, 2], [_, 5, 5, 5], [_, _, 1, 1], [_, 3, _, _],
]
CODERS = ["A", "B", "C", "D"]


def write_dataset(path: Path, rows: list[list[object]]) -> None:
    """One one-character document per unit (α's small-sample factor (n − 1) counts
    characters, so a unit must be one character to give the published unit-level figures);
    each coder who rated the unit marks it."""
    lines = []
    for u, row in enumerate(rows):
        text = "ABCDEFGHIJKL"[u]
        annotations = [{"start": 0, "end": len(text), "quote": text, "coder": c,
                        "stance": str(v), "themes": []}
                       for c, v in zip(CODERS, row) if v is not None]
        lines.append(json.dumps({"id": f"unit-{u + 1}", "title": f"unit {u + 1}", "text": text,
                                 "annotations": annotations}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_krippendorff_table_through_import_and_agreement(tmp_path: Path, run_cli) -> None:
    project = tmp_path / "p.sqlite"
    data = tmp_path / "table.jsonl"
    write_dataset(data, KRIPPENDORFF_2011)
    book = tmp_path / "scale.json"  # the table's five values are the whole stance scale
    book.write_text(json.dumps({"name": "Krippendorff 2011", "stance": {"labels": [
        {"name": str(v)} for v in range(1, 6)]}, "themes": {"labels": []}}), encoding="utf-8")
    code, _out, err = run_cli("--project", project, "codebook", "import", book)
    assert code == 0, err
    code, _out, err = run_cli("--project", project, "import", data)
    assert code == 0, err
    code, out, err = run_cli("--project", project, "agreement", "--coders", ",".join(CODERS))
    assert code == 0, err
    report = json.loads(out)
    stance = report["stance"]
    assert stance["alpha"] == pytest.approx(0.743, abs=5e-4)
    assert stance["fleiss_kappa"] == pytest.approx(0.761, abs=5e-4)
    assert stance["gwet_ac1"] == pytest.approx(0.775, abs=5e-4)
    assert stance["percent_agreement"] == pytest.approx(0.818, abs=5e-4)
    # Every unit is coded whole, so `none` never occurs: q is the five values of the scale.
    assert stance["categories_q"] == 5
    # Unit 12 has one rating: no agreement, but it counts for the values' prevalence.
    assert report["documents"] == 11 and report["documents_single_coder"] == 1
    # The complete-case figures of v1 stay available under their own keys (7 complete units).
    assert stance["n_units"]["complete_characters"] < stance["n_units"]["rated_characters"]
    assert stance["fleiss_kappa_complete"] != pytest.approx(stance["fleiss_kappa"], abs=1e-3)


def _irr_table(rows: list[list[object]]) -> np.ndarray:
    values = np.array([[(-1 if v is None else int(v) - 1) for v in row] for row in rows]).T
    return mr.rating_counts(values, 5)


def test_multirater_functions_on_the_table() -> None:
    counts = _irr_table(KRIPPENDORFF_2011)
    f = mr.rating_features(counts, np.ones(len(counts)), np.arange(len(counts)), len(counts),
                           {"identity": np.eye(5)})
    point = mr.point(f.total(), {"identity": np.eye(5)}, 5)
    assert point["fleiss_kappa"].value == pytest.approx(0.76117, abs=5e-5)
    assert point["gwet_ac1"].value == pytest.approx(0.77544, abs=5e-5)
    assert point["percent_agreement"].value == pytest.approx(9 / 11, abs=1e-12)
    # The batch over per-document rows gives each unit alone: unit 6 (1,2,3,4) has p_a = 0.
    per_unit = mr.batch(f, {"identity": np.eye(5)}, 5)
    assert per_unit["percent_agreement"][5] == 0.0
    assert np.isnan(per_unit["percent_agreement"][11])  # one rating: nothing to agree on


@pytest.mark.parametrize("seed", range(20))
def test_against_irrcac_on_random_tables(seed: int) -> None:
    irrcac = pytest.importorskip("irrCAC.raw")
    import pandas as pd

    rng = np.random.default_rng(seed)
    n_units, n_raters, k = int(rng.integers(5, 40)), int(rng.integers(2, 6)), int(rng.integers(2, 5))
    ratings = rng.integers(1, k + 1, size=(n_units, n_raters)).astype(object)
    ratings[rng.random(ratings.shape) < 0.25] = None
    ratings[0, :] = 1  # at least one fully rated unit with every category present somewhere
    ratings[1, :] = list(range(1, k + 1)) * (n_raters // k) + list(range(1, n_raters % k + 1))
    frame = pd.DataFrame(ratings).astype(float)
    cac = irrcac.CAC(frame, categories=list(range(1, k + 1)))
    values = np.array([[(-1 if v is None else int(v) - 1) for v in row] for row in ratings]).T
    counts = mr.rating_counts(values, k)
    f = mr.rating_features(counts, np.ones(n_units), np.arange(n_units), n_units,
                           {"identity": np.eye(k)})
    point = mr.point(f.total(), {"identity": np.eye(k)}, k)
    expected = {"fleiss_kappa": cac.fleiss()["est"]["coefficient_value"],
                "gwet_ac1": cac.gwet()["est"]["coefficient_value"],
                "brennan_prediger": cac.bp()["est"]["coefficient_value"]}
    for key, value in expected.items():
        assert point[key].value == pytest.approx(value, abs=1e-4), key


def test_ordered_scale_through_import_and_agreement(tmp_path: Path, run_cli) -> None:
    """The same table with the stance marked as an ordered scale: Krippendorff (2011) ordinal
    α .815 and interval α .849; irrCAC's AC2 with linear / quadratic weights .8587 / .9140."""
    project = tmp_path / "p.sqlite"
    data = tmp_path / "table.jsonl"
    write_dataset(data, KRIPPENDORFF_2011)
    book = tmp_path / "scale.json"
    book.write_text(json.dumps({"name": "Krippendorff 2011", "stance": {"ordered": True, "labels": [
        {"name": str(v)} for v in range(1, 6)]}, "themes": {"labels": []}}), encoding="utf-8")
    assert run_cli("--project", project, "codebook", "import", book)[0] == 0
    assert run_cli("--project", project, "import", data)[0] == 0
    code, out, err = run_cli("--project", project, "agreement", "--coders", ",".join(CODERS))
    assert code == 0, err
    stance = json.loads(out)["stance"]
    assert stance["alpha_ordinal"] == pytest.approx(0.815, abs=5e-4)
    assert stance["alpha_interval"] == pytest.approx(0.849, abs=5e-4)
    assert stance["gwet_ac2_linear"] == pytest.approx(0.858739, abs=5e-6)
    assert stance["gwet_ac2_quadratic"] == pytest.approx(0.914001, abs=5e-6)
    assert stance["ci95_alpha_ordinal"][0] <= stance["alpha_ordinal"] <= stance["ci95_alpha_ordinal"][1]
    assert "cohen_kappa_quadratic" in stance["pairs"][0]
    # Switched off, the ordinal figures leave the report.
    assert run_cli("--project", project, "codebook", "ordered", "off")[0] == 0
    stance = json.loads(run_cli("--project", project, "agreement")[1])["stance"]
    assert "alpha_ordinal" not in stance and "gwet_ac2_linear" not in stance


@pytest.mark.parametrize("seed", range(15))
def test_ac2_against_irrcac_with_weights(seed: int) -> None:
    irrcac = pytest.importorskip("irrCAC.raw")
    import pandas as pd

    from desk_annotator.agreement.ordinal import ordinal_weights

    rng = np.random.default_rng(100 + seed)
    n_units, n_raters, k = int(rng.integers(6, 40)), int(rng.integers(2, 6)), int(rng.integers(3, 6))
    ratings = rng.integers(1, k + 1, size=(n_units, n_raters)).astype(object)
    ratings[rng.random(ratings.shape) < 0.25] = None
    ratings[0, :] = 1
    frame = pd.DataFrame(ratings).astype(float)
    values = np.array([[(-1 if v is None else int(v) - 1) for v in row] for row in ratings]).T
    counts = mr.rating_counts(values, k)
    for kind in ("linear", "quadratic"):
        weights = {kind: ordinal_weights(k, kind)}
        f = mr.rating_features(counts, np.ones(n_units), np.arange(n_units), n_units, weights)
        ours = mr.point(f.total(), weights, k)[f"gwet_ac2_{kind}"].value
        cac = irrcac.CAC(frame, weights=kind, categories=list(range(1, k + 1)), digits=15)
        assert ours == pytest.approx(cac.gwet()["est"]["coefficient_value"], abs=1e-9), kind


def test_ordered_scale_appears_in_the_html_and_markdown_reports(tmp_path: Path, run_cli) -> None:
    project = tmp_path / "p.sqlite"
    data = tmp_path / "table.jsonl"
    write_dataset(data, KRIPPENDORFF_2011)
    book = tmp_path / "scale.json"
    book.write_text(json.dumps({"name": "K", "stance": {"ordered": True, "labels": [
        {"name": str(v)} for v in range(1, 6)]}, "themes": {"labels": []}}), encoding="utf-8")
    assert run_cli("--project", project, "codebook", "import", book)[0] == 0
    assert run_cli("--project", project, "import", data)[0] == 0
    for suffix in (".html", ".md"):
        out = tmp_path / f"report{suffix}"
        assert run_cli("--project", project, "agreement", "--output", out)[0] == 0
        text = out.read_text(encoding="utf-8")
        # '<' is escaped in both (user text never becomes markup); viewers show "1 < 2 < …".
        assert "Ordered stance scale" in text and "1 &lt; 2 &lt; 3 &lt; 4 &lt; 5" in text
        assert "0.815" in text and "0.849" in text
