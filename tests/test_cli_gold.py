"""``desk-annotator gold agreed|take|progress|done``: the gold layer built from the command
line, each command one undoable action. Expected passages are worked out by hand below."""

from __future__ import annotations

import pytest

from desk_annotator.cli import main
from desk_annotator.project import Project

TEXT_A = "aaaa bbbb cccc dddd eeee"
TEXT_B = "ffff gggg"


class _Article:
    def __init__(self, title: str, text: str) -> None:
        self.title, self.text, self.metadata = title, text, {}


@pytest.fixture
def coded(project_path):
    with Project(project_path) as project:
        c1, c2 = project.ensure_coder("coder-1"), project.ensure_coder("coder-2")
        crit = project.add_label("stance", "critical")
        sup = project.add_label("stance", "supportive")
        exp = project.add_label("themes", "export")
        project.add_documents([_Article("A", TEXT_A), _Article("B", TEXT_B)])
        a, b = (d.id for d in project.q.document_infos())
        add = project.add_annotation
        add(a, c1.id, 0, 4, stance_id=crit.id, theme_ids=[exp.id])   # same as coder-2's
        add(a, c1.id, 5, 9, stance_id=sup.id)                        # coder-2: other stance
        add(a, c1.id, 10, 14, stance_id=crit.id)                     # coder-1 only
        add(a, c2.id, 0, 4, stance_id=crit.id, theme_ids=[exp.id])
        add(a, c2.id, 5, 9, stance_id=crit.id)
        add(a, c2.id, 15, 19, stance_id=sup.id)                      # coder-2 only
        add(b, c1.id, 0, 4, stance_id=sup.id)                        # B: coder-1 only
    return project_path, a, b


def run(capsys, path, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as stop:
        main(["--project", str(path), *args])
    out, err = capsys.readouterr()
    return stop.value.code, out, err


def gold_spans(path) -> list[tuple[str, int, int]]:
    with Project(path) as project:
        gold = project.q.coder_by_name("gold")
        if gold is None:
            return []
        infos = {d.id: d.title for d in project.q.document_infos()}
        return sorted((infos[a.document_id], a.start, a.end)
                      for a in project.q.annotations(coder_ids=[gold.id]))


def test_agreed_takes_only_identical_passages_and_undoes(capsys, coded):
    path, _a, _b = coded
    code, out, _ = run(capsys, path, "gold", "agreed", "coder-1", "coder-2")
    assert code == 0 and out.startswith("1 passage both coders agree on")
    assert gold_spans(path) == [("A", 0, 4)]
    # Running it again adds nothing (the passage is already in gold).
    assert run(capsys, path, "gold", "agreed", "coder-1", "coder-2")[1].startswith("0 passages")
    assert run(capsys, path, "undo")[0] == 0  # the no-op was not recorded: undoes the first
    assert gold_spans(path) == []


def test_take_fills_only_where_gold_has_nothing(capsys, coded):
    path, a, _b = coded
    run(capsys, path, "gold", "agreed", "coder-1", "coder-2")
    code, out, _ = run(capsys, path, "gold", "take", "coder-2", "--documents", a[:8])
    # coder-2's 0-4 is covered by gold's 0-4; 5-9 and 15-19 are not; B is not named.
    assert code == 0 and out.startswith("2 passages of coder-2")
    assert gold_spans(path) == [("A", 0, 4), ("A", 5, 9), ("A", 15, 19)]
    run(capsys, path, "undo")
    assert gold_spans(path) == [("A", 0, 4)]
    # Without --documents coder-1 fills A's 10-14 (5-9 is free again after the undo) and B.
    assert run(capsys, path, "gold", "take", "coder-1")[1].startswith("3 passages")
    assert gold_spans(path) == [("A", 0, 4), ("A", 5, 9), ("A", 10, 14), ("B", 0, 4)]


def test_progress_and_done(capsys, coded):
    path, a, b = coded
    # Both coders coded A only; nothing adjudicated yet.
    assert run(capsys, path, "gold", "progress", "coder-1", "coder-2")[1] == (
        "0 of 1 documents coded by both adjudicated; gold holds 0 passages\n")
    code, out, _ = run(capsys, path, "gold", "done", a, b)
    assert code == 0 and out == f"{a}\tdone\n{b}\tdone\n"
    assert run(capsys, path, "gold", "progress", "coder-1", "coder-2")[1].startswith("1 of 1")
    run(capsys, path, "undo")  # one action for both documents
    assert run(capsys, path, "gold", "progress", "coder-1", "coder-2")[1].startswith("0 of 1")


def test_bad_names_are_one_line_and_change_nothing(capsys, coded):
    path, _a, _b = coded
    code, _out, err = run(capsys, path, "gold", "agreed", "coder-1", "nobody")
    assert code == 1 and err.count("\n") == 1 and "nobody" in err
    code, _out, err = run(capsys, path, "gold", "take", "gold")
    assert code == 1 and err.startswith("error:")
    code, _out, err = run(capsys, path, "gold", "done", "no-such-doc")
    assert code == 1 and err.count("\n") == 1
    assert gold_spans(path) == []
