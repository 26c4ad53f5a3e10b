"""Team workflow in the app: merge coders' packages from the File menu code path, and
adjudicate disagreements into the gold layer from the compare view. Checked in the store."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from desk_annotator.models import GOLD_CODER
from desk_annotator.project import Project
from desk_annotator.project_io import export_coder_package

TEXT = ("The plan backs open models 🚀 and cheap compute. Critics say export rules hurt allies. "
        "Officials in Beijing welcomed talks. Nothing else happened that week.")
SECOND = "A short second article about chips, chips and more chips."


def span(word: str, last: str) -> tuple[int, int]:
    """Code point offsets from the start of ``word`` to the end of ``last`` in TEXT."""
    start = TEXT.index(word)
    return start, TEXT.index(last, start) + len(last)


@pytest.fixture
def project(tmp_path, home):
    proj = Project(tmp_path / "lead.sqlite")
    proj.add_documents([SimpleNamespace(title="Plan article", text=TEXT, metadata={}),
                        SimpleNamespace(title="Chips", text=SECOND, metadata={})])
    for name, color in (("supportive", "#1b9e77"), ("critical", "#d95f02")):
        proj.add_label("stance", name, color=color)
    proj.add_label("themes", "open source", color="#56b4e9")
    proj.ensure_coder("alice")
    proj.ensure_coder("bob")
    yield proj
    proj.close()


def labels(project: Project) -> dict[str, str]:
    return {lb.name: lb.id for lb in project.q.labels()}


def first_doc(project: Project) -> str:
    return next(i.id for i in project.q.document_infos() if i.title == "Plan article")


def gold_spans(project: Project) -> list[tuple[int, int, str | None, list[str]]]:
    gold = project.q.coder_by_name(GOLD_CODER)
    anns = project.q.annotations(coder_ids=[gold.id]) if gold else []
    return sorted((a.start, a.end, a.stance_id, sorted(a.theme_ids)) for a in anns)


# -- merge and coder packages --------------------------------------------------------------

@pytest.fixture
def window(qtbot, project):
    from desk_annotator.gui.main_window import MainWindow

    win = MainWindow(project, coder_name="lead")
    qtbot.addWidget(win)
    return win


def code_in_package(path, coder: str, start: int, end: int, stance: str) -> None:
    """What a coder does at home: open the package and annotate as themselves."""
    with Project(path) as package:
        who = package.require_coder(coder)
        doc = first_doc(package)
        package.add_annotation(doc, who.id, start, end, stance_id=labels(package)[stance])


def test_export_packages_then_merge_them_back_once(window, project, tmp_path):
    from desk_annotator.gui import team_actions

    pkg_a, pkg_b = str(tmp_path / "alice.sqlite"), str(tmp_path / "bob.sqlite")
    assert team_actions.export_package(window, pkg_a, "alice") is not None
    assert window.last_message[0] == "Coder package written"
    assert team_actions.export_package(window, str(tmp_path / "bob"), "bob") is not None  # .sqlite added
    # The package holds the corpus and codebook, so the coder can start right away.
    with Project(pkg_a) as package:
        assert len(package.q.document_infos()) == 2
        assert labels(package) == labels(project)
    code_in_package(pkg_a, "alice", *span("The", "compute."), "supportive")
    code_in_package(pkg_b, "bob", *span("Critics", "allies."), "critical")
    code_in_package(pkg_b, "bob", *span("Officials", "talks."), "supportive")
    assert project.q.annotations() == []

    report = team_actions.merge_files(window, [pkg_a, pkg_b])
    assert report is not None and report.annotations_added == 3
    assert report.documents_reused == 4 and report.documents_added == 0
    assert window.last_message[0] == "Merge finished"
    assert "3 annotation(s) added" in window.last_message[1]
    by_coder = {c.id: c.name for c in project.q.coders()}
    merged = sorted((by_coder[a.coder_id], a.start, a.end) for a in project.q.annotations())
    assert merged == sorted([("alice", *span("The", "compute.")),
                             ("bob", *span("Critics", "allies.")),
                             ("bob", *span("Officials", "talks."))])
    assert labels(project)["critical"] in {a.stance_id for a in project.q.annotations()}

    again = team_actions.merge_files(window, [pkg_a, pkg_b])
    assert again is not None and again.annotations_added == 0
    assert len(project.q.annotations()) == 3
    # A second package file name that exists is refused with a message, not overwritten.
    assert team_actions.export_package(window, pkg_a, "alice") is None
    assert window.last_message[0] == "Coder package not written"


def test_merge_with_conflicting_codebook_changes_nothing(window, project, tmp_path):
    from desk_annotator.gui import team_actions

    pkg = str(tmp_path / "alice.sqlite")
    export_coder_package(project, pkg, "alice")
    with Project(pkg) as package:  # the coder invents a label the lead does not have
        extra = package.add_label("themes", "military", color="#000000")
        package.add_annotation(first_doc(package), package.require_coder("alice").id, 0, 8,
                               theme_ids=[extra.id])
    before = (project.q.labels(), project.q.annotations(), project.q.coders())

    assert team_actions.merge_files(window, [pkg]) is None
    title, text = window.last_message
    assert title == "Merge refused"
    assert "military" in text and "nothing was merged" in text and "\n" not in text
    assert (project.q.labels(), project.q.annotations(), project.q.coders()) == before
    # Picking the open project itself is refused too.
    assert team_actions.merge_files(window, [str(project.path)]) is None
    assert window.last_message[0] == "Merge refused"


def test_file_menu_has_the_team_entries(window):
    texts = [a.text() for a in window.menuBar().actions()[0].menu().actions()]
    assert "&Merge coders' projects…" in texts and "Export coder &package…" in texts


# -- adjudication in the compare view ------------------------------------------------------

@pytest.fixture
def compare(qtbot, project):
    """Alice and Bob differ in stance on sentence 1, in boundaries on sentence 2, and agree
    on sentence 3."""
    from desk_annotator.gui.bridge import ProjectBridge
    from desk_annotator.gui.compare_view import CompareWindow

    lab = labels(project)
    alice, bob = project.coder_by_name("alice").id, project.coder_by_name("bob").id
    doc = first_doc(project)
    first = span("The", "compute.")
    project.add_annotation(doc, alice, *first, stance_id=lab["supportive"],
                           theme_ids=[lab["open source"]])
    project.add_annotation(doc, bob, *first, stance_id=lab["critical"])
    project.add_annotation(doc, alice, *span("Critics", "rules"), stance_id=lab["critical"])
    project.add_annotation(doc, bob, *span("export", "allies."), stance_id=lab["critical"])
    for who in (alice, bob):
        project.add_annotation(doc, who, *span("Officials", "talks."), stance_id=lab["supportive"])
    window = CompareWindow(project, ProjectBridge(project), doc, "alice", "bob")
    qtbot.addWidget(window)
    return SimpleNamespace(window=window, bar=window.adjudication, doc=doc, lab=lab,
                           alice=alice, bob=bob, first=first)


def test_accept_a_then_merged_move_on_and_undo(qtbot, project, compare):
    window, bar, lab = compare.window, compare.bar, compare.lab
    kinds = [d.kind for d in window.passages]
    assert kinds == ["stance", "boundary", "boundary"]
    assert not bar.accept_a_button.isEnabled()  # no passage chosen yet
    window.next_button.click()
    assert bar.accept_a_button.isEnabled() and bar.accept_both_button.isEnabled()

    bar.accept_a_button.click()
    assert gold_spans(project) == [(*compare.first, lab["supportive"], [lab["open source"]])]
    qtbot.wait(20)  # the gold coder is new: the coder lists refill on the next event loop turn
    assert window.current_index == 1
    assert window.selected_range() == (window.passages[1].start, window.passages[1].end)

    bar.accept_merged_button.click()  # union of Alice's "Critics...rules" and Bob's "export...allies."
    union = (span("Critics", "rules")[0], span("export", "allies.")[1])
    assert gold_spans(project)[1] == (*union, lab["critical"], [])
    assert project.q.annotation(  # the gold quote is the text of the union span
        next(a.id for a in project.q.annotations(compare.doc) if (a.start, a.end) == union)
    ).quote == TEXT[union[0]:union[1]]
    assert window.current_index == 2
    gold_id = project.q.coder_by_name(GOLD_CODER).id
    assert project.undo_description(gold_id) == "Accept merged span into gold"
    assert project.undo_description() != "Accept merged span into gold"  # gold: own stack
    bar.undo_button.click()
    assert len(gold_spans(project)) == 1

    bar.reject_button.click()  # nothing into gold, on to the next (wraps to the first)
    assert len(gold_spans(project)) == 1 and window.current_index == 0
    bar.accept_b_button.click()  # Bob's span differs in labels, so it is added next to A's
    assert (*compare.first, lab["critical"], []) in gold_spans(project)
    assert window.current_index == 1
    bar.accept_both_button.click()  # both coders' boundaries go into gold as they are
    assert gold_spans(project)[2:] == [(*span("Critics", "rules"), lab["critical"], []),
                                       (*span("export", "allies."), lab["critical"], [])]
    assert window.current_index == 2  # the same two spans again: nothing new, still moves on
    bar.accept_both_button.click()
    assert len(gold_spans(project)) == 4 and window.current_index == 0
    assert bar.message_label.text() == "Already in gold"


def test_accept_all_agreed_undo_and_progress(qtbot, project, compare):
    window, bar, lab = compare.window, compare.bar, compare.lab
    assert bar.progress_label.text() == "gold: 0/1 documents adjudicated"
    bar.accept_agreed_button.click()
    assert gold_spans(project) == [(*span("Officials", "talks."), lab["supportive"], [])]
    assert bar.message_label.text() == "1 agreed span(s) added to gold"
    bar.undo_button.click()
    assert gold_spans(project) == []
    bar.accept_agreed_button.click()

    bar.mark_done_button.click()
    gold = project.q.coder_by_name(GOLD_CODER)
    assert [(s.document_id, s.status) for s in project.q.statuses() if s.coder_id == gold.id] \
        == [(compare.doc, "done")]
    qtbot.wait(20)
    assert bar.progress_label.text() == "gold: 1/1 documents adjudicated"
    bar.undo_button.click()  # the status change is one undo step as well
    qtbot.wait(20)
    assert bar.progress_label.text() == "gold: 0/1 documents adjudicated"
    window.resize(1300, 700)
    window.grab().save(str(project.path.parent / "adjudication.png"))
