"""The engine on the sample corpus (the default project): evaluate prints a row per theme
with its F1 and the alpha table against the other coders; every stored suggestion quotes
its text exactly; model coders stay out of the default agreement."""

from __future__ import annotations

from click.testing import CliRunner

from desk_annotator.cli import cli
from desk_annotator.project_io import agreement_report
from desk_annotator.sample import open_project
from desk_annotator.store import suggestion_queries as sq
from desk_annotator.suggest import engine


def test_evaluate_on_the_sample_corpus_prints_per_theme_f1() -> None:
    result = CliRunner().invoke(cli, ["suggest", "evaluate", "--teacher", "coder-1",
                                      "--folds", "2"])
    assert result.exit_code == 0, result.output
    with open_project(None) as project:
        themes = [lb.name for lb in project.q.codebook().themes]
    lines = result.output.splitlines()
    for theme in themes:
        row = next(line for line in lines if line.startswith("theme") and f" {theme} " in line)
        f1 = float(row.split()[-2])
        assert 0.0 <= f1 <= 1.0
    alpha_rows = [line.split()[0] for line in lines if line.startswith("coder-")]
    assert alpha_rows == ["coder-2", "coder-3"]


def test_sample_suggestions_quote_their_text_and_stay_out_of_agreement() -> None:
    with open_project(None) as project:
        result = engine.suggest(project, "coder-1", threshold=0.2)
        assert result.added and not result.discarded
        rows = sq.suggestions(project.q)
        assert len(rows) == len(result.added)
        for row in rows:
            doc = project.q.document(row["document_id"])
            assert row["quote"] == doc.text[row["start"]:row["end"]]
            assert row["quote"] == row["quote"].strip()
        assert "model:tfidf" not in agreement_report(project, bootstrap=0)["coders"]
        assert "model:tfidf" in agreement_report(project, bootstrap=0,
                                                 include_models=True)["coders"]
