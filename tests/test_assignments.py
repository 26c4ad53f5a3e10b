"""The lead's workflow, headless: assignment maths, storage and undo, coder packages that follow
the assignment, the lead and the blind-mode lock, the CLI commands, progress in stats."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from desk_annotator.assignments import (
    assign,
    current_plan,
    overlap_count,
    plan_assignments,
    progress,
)
from desk_annotator.blind import is_locked, lead, may_see_others, set_lead, set_locked
from desk_annotator.cli import cli
from desk_annotator.errors import OperationError
from desk_annotator.project import Project
from desk_annotator.project_io import export_coder_package, merge_projects

DOC_IDS = [f"doc-{i:03d}" for i in range(50)]


def test_overlap_share_is_exact_and_every_document_assigned() -> None:
    for n, share, expected in ((10, 0.2, 2), (15, 0.2, 3), (25, 0.1, 3), (7, 0.0, 0),
                               (7, 1.0, 7), (30, 0.3, 9), (10, 0.7, 7)):
        assert overlap_count(n, share) == expected
        plan = plan_assignments(DOC_IDS[:n], ["a", "b", "c"], share, seed=7)
        assert len(plan.overlap) == expected
        every = set.intersection(*(set(ids) for ids in plan.by_coder.values()))
        assert every == set(plan.overlap)
        assigned = set().union(*(set(ids) for ids in plan.by_coder.values()))
        assert assigned == set(DOC_IDS[:n])  # every document has a coder
        # the rest is split: each non-overlap document exactly once, shares differ by <= 1
        rest = [d for ids in plan.by_coder.values() for d in ids if d not in plan.overlap]
        assert sorted(rest) == sorted(set(DOC_IDS[:n]) - set(plan.overlap))
        sizes = [len(ids) - expected for ids in plan.by_coder.values()]
        assert max(sizes) - min(sizes) <= 1


def test_plan_is_reproducible_and_independent_of_input_order() -> None:
    one = plan_assignments(DOC_IDS, ["a", "b", "c"], 0.2, seed=7)
    again = plan_assignments(list(reversed(DOC_IDS)), ["c", "a", "b"], 0.2, seed=7)
    assert one.by_coder == again.by_coder and one.overlap == again.overlap
    other = plan_assignments(DOC_IDS, ["a", "b", "c"], 0.2, seed=8)
    assert other.by_coder != one.by_coder


def test_plan_refuses_bad_input() -> None:
    with pytest.raises(OperationError, match="between 0 and 1"):
        plan_assignments(DOC_IDS, ["a"], 1.5, 1)
    with pytest.raises(OperationError, match="at least one coder"):
        plan_assignments(DOC_IDS, [" "], 0.2, 1)
    with pytest.raises(OperationError, match="gold"):
        plan_assignments(DOC_IDS, ["a", "gold"], 0.2, 1)


def make_project(path, n: int = 10) -> Project:
    project = Project(path)
    project.add_documents([SimpleNamespace(title=f"Article {i}", text=f"Text of article {i}.",
                                           metadata={}) for i in range(n)])
    project.add_label("stance", "supportive", color="#1b9e77")
    return project


@pytest.fixture
def project(tmp_path):
    proj = make_project(tmp_path / "lead.sqlite")
    yield proj
    proj.close()


def test_assignments_are_stored_undoable_and_follow_document_ids(project) -> None:
    plan = assign(project, ["a", "b", "c"], 0.2, seed=7)
    assert current_plan(project).by_coder == plan.by_coder
    assert current_plan(project).overlap == plan.overlap
    ids = sorted(i.id for i in project.q.document_infos())
    assert plan == plan_assignments(ids, ["a", "b", "c"], 0.2, 7)
    assert {c.name for c in project.coders()} == {"a", "b", "c"}  # added in the same step
    assert project.undo() == "Assign 10 documents to 3 coders"
    assert current_plan(project).by_coder == {} and project.coders() == []
    project.redo()
    assert current_plan(project).by_coder == plan.by_coder


def test_reassigning_a_subset_keeps_the_rest(project) -> None:
    assign(project, ["a", "b"], 0.0, seed=1)
    before = current_plan(project)
    some = sorted(before.by_coder["a"])[:2]
    assign(project, ["c"], 0.0, seed=1, document_ids=some)
    after = current_plan(project)
    assert sorted(after.by_coder["c"]) == some
    assert set(after.by_coder["a"]) == set(before.by_coder["a"]) - set(some)
    assert after.by_coder["b"] == before.by_coder["b"]


def test_packages_follow_assignments_and_merge_back(project, tmp_path) -> None:
    plan = assign(project, ["a", "b", "c"], 0.2, seed=7)
    set_lead(project, "lead")
    set_locked(project, True, "lead")
    for name in ("a", "b", "c"):
        export_coder_package(project, tmp_path / f"{name}.sqlite", name)
        with Project(tmp_path / f"{name}.sqlite") as package:
            ids = {i.id for i in package.q.document_infos()}
            assert ids == set(plan.by_coder[name])  # incl. the overlap documents
            assert set(plan.overlap) <= ids
            assert is_locked(package.q) and lead(package.q) == "lead"
            me = package.require_coder(name)
            assert progress(package, me.id) == (0, len(ids))
            first = sorted(ids)[0]
            package.set_status(first, me.id, "done")
            package.add_annotation(first, me.id, 0, 4,
                                   stance_id=package.q.labels()[0].id)
    report = merge_projects(project, [tmp_path / f"{n}.sqlite" for n in ("a", "b", "c")])
    assert report.annotations_added == 3 and report.documents_added == 0
    assert is_locked(project.q) and lead(project.q) == "lead"  # kept on merge
    stats = {row["coder"]: row for row in project.stats()["per_coder"]}
    for name in ("a", "b", "c"):
        assert stats[name]["documents_assigned"] == len(plan.by_coder[name])
        assert stats[name]["assigned_done"] == 1


def test_package_without_assignments_holds_every_document(project, tmp_path) -> None:
    export_coder_package(project, tmp_path / "x.sqlite", "x")
    with Project(tmp_path / "x.sqlite") as package:
        assert package.q.document_count() == 10
        assert progress(package, package.require_coder("x").id) is None


def test_only_the_lead_locks_and_others_see_work_after_done(project) -> None:
    with pytest.raises(OperationError, match="no lead"):
        set_locked(project, True, "a")
    set_lead(project, "lead")
    with pytest.raises(OperationError, match=r"only the lead \(lead\)"):
        set_locked(project, True, "a")
    with pytest.raises(OperationError, match="only the lead"):
        set_lead(project, "a", acting="a")
    assert set_locked(project, True, "lead") is True
    a = project.ensure_coder("a")
    doc = project.q.document_infos()[0].id
    assert not may_see_others(project.q, a.id, doc)
    assert may_see_others(project.q, project.require_coder("lead").id, doc)
    project.set_status(doc, a.id, "done")
    assert may_see_others(project.q, a.id, doc)
    assert project.undo(project.require_coder("lead").id) == "Lock blind mode"
    assert not is_locked(project.q)


def test_cli_assign_show_lead_and_blind(tmp_path) -> None:
    path = tmp_path / "p.sqlite"
    make_project(path).close()
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(cli, ["--project", str(path), *args], catch_exceptions=False)

    out = run("assign", "--coders", "a,b,c", "--overlap", "0.2", "--seed", "7")
    assert out.exit_code == 0 and "2 to every coder" in out.output
    shown = json.loads(run("assign", "--show", "--json").output)
    with Project(path) as p:
        ids = sorted(i.id for i in p.q.document_infos())
    expected = plan_assignments(ids, ["a", "b", "c"], 0.2, 7)
    assert shown["coders"] == expected.by_coder and shown["overlap"] == expected.overlap
    assert "assigned done" in run("stats").output
    assert run("lead", "set", "boss").output.strip() == "lead: boss"
    from desk_annotator.cli import main

    with pytest.raises(SystemExit) as refused:
        main(["--project", str(path), "blind", "lock", "--coder", "a"])
    assert refused.value.code == 1
    assert run("blind", "lock", "--coder", "boss").output.strip() == "blind mode locked"
    assert "locked (lead: boss)" in run("blind", "status").output
    assert run("blind", "unlock", "--coder", "boss").output.strip() == "blind mode unlocked"
