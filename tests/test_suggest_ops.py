"""Suggestion ops: stored as a model coder's annotations, accepted/rejected undoably, excluded
from the "every coder" defaults, provenance in the JSONL export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from desk_annotator.cli import cli
from desk_annotator.errors import OperationError
from desk_annotator.models import is_model_coder
from desk_annotator.project import Project
from desk_annotator.project_io import agreement_report, export_path
from desk_annotator.store import suggestion_queries as sq
from desk_annotator.suggest.ops import (
    AcceptAbove,
    AcceptSuggestion,
    AddSuggestions,
    RecordDryRun,
    RejectSuggestion,
    SuggestionRow,
)
from tests.conftest import all_tables_dump


class _Art:
    def __init__(self, title: str, text: str) -> None:
        self.title, self.text, self.metadata = title, text, {}


TEXT = "Export rules tighten. Open weights help 中文 research. Safety matters."


def _project(path: Path) -> tuple[Project, dict[str, str]]:
    p = Project(path)
    me = p.ensure_coder("coder-1")
    p.ensure_coder("coder-2")
    crit = p.add_label("stance", "critical")
    exp = p.add_label("themes", "export controls")
    opn = p.add_label("themes", "open source")
    p.add_documents([_Art("A", TEXT), _Art("B", "Nothing here. Another sentence.")])
    a, b = (d.id for d in p.q.document_infos())
    return p, {"me": me.id, "crit": crit.id, "exp": exp.id, "open": opn.id, "a": a, "b": b}


def test_add_replaces_open_and_discards_bad_quotes(tmp_path: Path) -> None:
    p, ids = _project(tmp_path / "p.sqlite")
    rows = [SuggestionRow(ids["a"], 0, 21, ids["crit"], [ids["exp"]], 0.9),
            SuggestionRow(ids["a"], 22, 52, None, [ids["open"]], 0.4,
                          quote=TEXT[22:52]),
            SuggestionRow(ids["a"], 22, 30, None, [ids["open"]], 0.4, quote="hallucinated"),
            SuggestionRow(ids["a"], 60, 999, None, [ids["open"]], 0.4)]
    result = p.run(AddSuggestions("tfidf", rows))
    assert len(result.added) == 2 and len(result.discarded) == 2
    coder = p.coder_by_name("model:tfidf")
    assert coder is not None and is_model_coder(coder.name)
    for found in sq.suggestions(p.q, engine="tfidf"):
        assert found["quote"] == TEXT[found["start"]:found["end"]]
    # A second run replaces the open suggestions of the same document.
    safety = TEXT.index("Safety")
    again = p.run(AddSuggestions("tfidf", [SuggestionRow(ids["a"], safety, safety + 14,
                                                         ids["crit"])]))
    assert again.replaced == 2
    assert [s["quote"] for s in sq.suggestions(p.q)] == ["Safety matters"]
    p.close()


def test_accept_and_reject_undo_redo_restore_rows_exactly(tmp_path: Path) -> None:
    p, ids = _project(tmp_path / "p.sqlite")
    added = p.run(AddSuggestions("tfidf", [
        SuggestionRow(ids["a"], 0, 21, ids["crit"], [ids["exp"]], 0.9),
        SuggestionRow(ids["a"], 22, 52, None, [ids["open"]], 0.3)])).added
    before = all_tables_dump(p)
    ann = p.run(AcceptSuggestion(added[0], ids["me"]), ids["me"])
    assert (ann.start, ann.end, ann.quote, ann.stance_id, ann.theme_ids) == \
        (0, 21, TEXT[0:21], ids["crit"], [ids["exp"]])
    assert ann.coder_id == ids["me"]
    assert sq.provenance(p.q) == {ann.id: "accepted from model:tfidf"}
    assert sq.suggestion(p.q, added[0])["accepted_as"] == ann.id
    p.run(RejectSuggestion(added[1], ids["me"]), ids["me"])
    assert sq.counts(p.q) == {"suggested": 0, "accepted": 1, "rejected": 1}
    after = all_tables_dump(p)
    p.undo(ids["me"])
    p.undo(ids["me"])
    undone = all_tables_dump(p)
    assert {k: v for k, v in undone.items() if k != "history"} == \
        {k: v for k, v in before.items() if k != "history"}
    p.redo(ids["me"])
    p.redo(ids["me"])
    redone = all_tables_dump(p)
    assert {k: v for k, v in redone.items() if k != "history"} == \
        {k: v for k, v in after.items() if k != "history"}
    with pytest.raises(OperationError, match="already accepted"):
        p.run(AcceptSuggestion(added[0], ids["me"]))
    # A rejected proposal is not proposed again by the next run.
    rerun = p.run(AddSuggestions("tfidf", [SuggestionRow(ids["a"], 22, 52, None,
                                                         [ids["open"]], 0.3)]))
    assert rerun.skipped_rejected == 1 and not rerun.added
    p.close()


def test_accept_above_needs_a_dry_run(tmp_path: Path) -> None:
    p, ids = _project(tmp_path / "p.sqlite")
    p.run(AddSuggestions("tfidf", [
        SuggestionRow(ids["a"], 0, 21, ids["crit"], [], 0.9),
        SuggestionRow(ids["a"], 22, 52, None, [ids["open"]], 0.5),
        SuggestionRow(ids["b"], 0, 13, None, [ids["exp"]], 0.85)]))
    with pytest.raises(OperationError, match="dry run"):
        p.run(AcceptAbove("tfidf", 0.8, ids["me"]))
    p.run(RecordDryRun("tfidf", 0.85, 0.75, 8, "held-out documents of coder-1"))
    with pytest.raises(OperationError, match="dry run"):  # 0.8 is below the measured 0.85
        p.run(AcceptAbove("tfidf", 0.8, ids["me"]))
    accepted = p.run(AcceptAbove("tfidf", 0.85, ids["me"]), ids["me"])
    assert sorted((a.document_id, a.start) for a in accepted) == \
        sorted([(ids["a"], 0), (ids["b"], 0)])
    assert sq.counts(p.q)["suggested"] == 1
    p.undo(ids["me"])
    assert sq.counts(p.q)["suggested"] == 3
    p.close()


def test_model_coders_left_out_of_defaults(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite"
    p, ids = _project(path)
    c2 = p.coder_by_name("coder-2").id
    p.add_annotation(ids["a"], ids["me"], 0, 21, stance_id=ids["crit"])
    p.add_annotation(ids["a"], c2, 0, 21, stance_id=ids["crit"])
    added = p.run(AddSuggestions("tfidf", [
        SuggestionRow(ids["a"], 0, 21, ids["crit"], [], 0.9),
        SuggestionRow(ids["a"], 22, 52, ids["crit"], [], 0.9)])).added
    assert agreement_report(p, bootstrap=0)["coders"] == ["coder-1", "coder-2"]
    with_models = agreement_report(p, bootstrap=0, include_models=True)
    assert with_models["coders"] == ["coder-1", "coder-2", "model:tfidf"]
    assert with_models["model_coders"] == ["model:tfidf"]
    accepted = p.run(AcceptSuggestion(added[1], ids["me"]))
    out = tmp_path / "out.jsonl"
    export_path(p, out)
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    anns = [a for r in records for a in r["annotations"]]
    assert {a["coder"] for a in anns} == {"coder-1", "coder-2"}
    assert [a.get("provenance") for a in anns if a["id"] == accepted.id] == \
        ["accepted from model:tfidf"]
    p.close()
    # The exported file imports again (the provenance key is known).
    runner = CliRunner()
    result = runner.invoke(cli, ["--project", str(tmp_path / "q.sqlite"), "import",
                                 "--add-missing-labels", str(out)])
    assert result.exit_code == 0, result.output
    plain = runner.invoke(cli, ["--project", str(path), "agreement", "--bootstrap", "0"])
    assert json.loads(plain.output)["coders"] == ["coder-1", "coder-2"]
    models = runner.invoke(cli, ["--project", str(path), "agreement", "--bootstrap", "0",
                                 "--include-models"])
    assert "model:tfidf" in json.loads(models.output)["coders"]
