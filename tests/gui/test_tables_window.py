"""Analysis → Tables and charts…: "stance by outlet" and "themes co-occurrence" produced in
the window on the sample corpus, shown as the headless module computes them, and exported."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from desk_annotator.analysis import tables
from desk_annotator.ops_sets import CreateSet
from desk_annotator.project import Project
from desk_annotator.sample import fill_from_sample


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.setenv("DESK_ANNOTATOR_HOME", str(tmp_path / "home"))
    proj = Project(tmp_path / "sample.sqlite")
    fill_from_sample(proj)
    yield proj
    proj.close()


@pytest.fixture
def window(qtbot, project):
    from desk_annotator.gui.bridge import ProjectBridge
    from desk_annotator.gui.tables_window import TablesWindow

    tw = TablesWindow(project, ProjectBridge(project))
    qtbot.addWidget(tw)
    assert tw.wait()
    return tw


def shown_rows(tw):
    model = tw.model
    return [[model.data(model.index(r, c)) for c in range(model.columnCount())]
            for r in range(model.rowCount())]


def test_stance_by_outlet_table_statistics_chart_and_exports(window, project, tmp_path):
    window.choose(kind="crosstab", labels="stance", by="outlet")
    assert window.wait()
    expected = tables.crosstab(project, labels="stance", by="outlet")
    assert window.model.columns == ["stance", *expected.data["columns"], "Total"]
    rows = shown_rows(window)
    assert [r[0] for r in rows] == [*expected.data["rows"], "Total"]
    assert rows[0][1:-1] == [str(n) for n in expected.data["counts"][0]]
    assert rows[-1][-1] == str(expected.data["total"])
    line = window.stats_label.text()
    assert "χ²" in line and "Cramér's V" in line
    assert f"{expected.statistics['cramers_v']:.3f}" in line
    bars = [p for ax in window.figure.axes for p in ax.patches]
    assert len(bars) == len(expected.data["rows"]) * len(expected.data["columns"])
    window.choose(values="column_percent")  # another table of the same result
    assert window.model.rows[-1][1:-1] == [100.0] * len(expected.data["columns"])
    png = window.export_chart(tmp_path / "stance-by-outlet.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png.read_bytes()[16:24])
    assert width > 400 and height > 300
    svg = window.export_chart(tmp_path / "stance-by-outlet.svg")
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    assert expected.data["columns"][0][:20] in svg.read_text("utf-8")
    xlsx = window.export_table(tmp_path / "stance-by-outlet.xlsx")
    from openpyxl import load_workbook
    assert load_workbook(xlsx).sheetnames[:2] == ["notes", "counts"]


def test_themes_cooccurrence_heatmap_and_jaccard(window, project, tmp_path):
    window.choose(kind="cooccurrence", mode="passage")
    assert window.wait()
    expected = tables.cooccurrence(project, mode="passage")
    names = expected.data["themes"]
    assert window.model.columns == ["theme", *names]
    assert shown_rows(window)[0][1] == str(expected.data["counts"][0][0])
    assert len(window.figure.axes[0].images) == 1  # a heatmap
    window.choose(values="jaccard")
    assert window.model.rows[0][1] == pytest.approx(1.0)  # the diagonal
    window.choose(mode="document")
    assert window.wait()
    doc = tables.cooccurrence(project, mode="document")
    assert window.model.rows[0][1:] == pytest.approx(doc.data["jaccard"][0])
    for suffix in (".png", ".svg"):
        path = window.export_chart(tmp_path / f"themes{suffix}")
        assert path.stat().st_size > 1000
    assert "Jaccard" in (tmp_path / "themes.svg").read_text("utf-8")


def test_coder_set_and_errors_follow_the_project(window, project):
    window.choose(coder="coder-1")
    assert window.wait()
    assert window.result.data["counts"] == tables.crosstab(project, coders=["coder-1"]
                                                           ).data["counts"]
    first = project.q.document_infos()[0]
    project.run(CreateSet("pilot", [first.id]))  # the window hears of it and offers the set
    assert window.set_box.findData("pilot") >= 0
    window.choose(set="pilot")
    assert window.wait()
    assert "set pilot" in window.result.title
    assert window.result.data["counts"] == tables.crosstab(
        project, coders=["coder-1"], set_name="pilot").data["counts"]
    window.choose(kind="frequencies", by="set")
    assert window.wait()
    assert window.model.columns[:2] == ["coder", "set"]
    window.choose(kind="timeline", by="outlet")
    assert window.wait()
    assert window.model.columns[:3] == ["outlet", "month", "n"]


def test_analysis_menu_opens_the_window_and_writes_the_findings(qtbot, project, tmp_path):
    from desk_annotator.gui.findings_dialog import FindingsDialog, write_findings_job
    from desk_annotator.gui.main_window import MainWindow

    win = MainWindow(project, coder_name="coder-1")
    qtbot.addWidget(win)
    texts = [a.text() for a in win.analysis_menu.actions()]
    assert "&Tables and charts…" in texts and "&Findings report…" in texts
    tables_action = next(a for a in win.analysis_menu.actions()
                         if a.text() == "&Tables and charts…")
    tables_action.trigger()
    from desk_annotator.gui.tables_window import TablesWindow
    opened = [w for w in win.findChildren(TablesWindow)]
    assert len(opened) == 1 and opened[0].wait()
    assert opened[0].result.kind == "crosstab"  # stance by outlet to begin with
    win.set_show_all_coders(True)  # blind mode would offer coder-1's own coding alone
    dialog = FindingsDialog(project, win)
    qtbot.addWidget(dialog)
    dialog.coder_box.setCurrentText("coder-2")
    options = dialog.options()
    assert options == {"coder": "coder-2", "set_name": None, "by": "outlet"}
    job = write_findings_job(win, tmp_path / "findings.html", options)
    job.run_blocking()
    assert job.error is None, job.error
    page = (tmp_path / "findings.html").read_text("utf-8")
    assert "coder-2; all documents" in page and page.count("<svg") == 5
    opened[0].close()


def test_blind_mode_offers_only_the_own_coder_in_the_tables_and_findings(qtbot, tmp_path,
                                                                         monkeypatch):
    """A pooled table would show the other coders' coding in numbers: in blind mode the
    analysis windows offer the current coder alone; with every coder shown, the pooled
    choice and each person come back."""
    from desk_annotator.gui.findings_dialog import FindingsDialog
    from desk_annotator.gui.main_window import MainWindow
    from desk_annotator.gui.tables_window import ALL_CODERS, open_tables_window

    monkeypatch.setenv("DESK_ANNOTATOR_HOME", str(tmp_path / "home"))
    proj = Project(tmp_path / "blind.sqlite")
    fill_from_sample(proj)
    win = MainWindow(proj, coder_name="coder-2")
    qtbot.addWidget(win)
    win.set_show_all_coders(False)
    tw = open_tables_window(win)
    assert tw.wait()
    offered = [tw.coder_box.itemText(i) for i in range(tw.coder_box.count())]
    assert offered == ["coder-2"]
    dialog = FindingsDialog(proj, win)
    assert [dialog.coder_box.itemText(i) for i in range(dialog.coder_box.count())] == ["coder-2"]
    win.set_show_all_coders(True)
    tw2 = open_tables_window(win)
    assert tw2.wait()
    offered = [tw2.coder_box.itemText(i) for i in range(tw2.coder_box.count())]
    assert offered[0] == ALL_CODERS and {"coder-1", "coder-2", "coder-3"} <= set(offered)
    tw.close()
    tw2.close()


def test_crosstab_by_set_is_offered_and_shown_as_computed(window, project, tmp_path):
    docs = [d.id for d in project.q.document_infos()]
    project.run(CreateSet("first half", docs[: len(docs) // 2 + 1]))
    project.run(CreateSet("second half", docs[len(docs) // 2:]))  # one document in both
    window.fill_choices()
    window.choose(kind="crosstab", labels="stance")
    assert window.by_box.findData("set") >= 0
    window.choose(by="set")
    assert window.wait()
    expected = tables.crosstab(project, labels="stance", by="set")
    assert window.model.columns == ["stance", "first half", "second half", "Total"]
    rows = shown_rows(window)
    assert [r[1:-1] for r in rows[:-1]] == [[str(n) for n in r] for r in expected.data["counts"]]
    assert any("overlapping sets" in w for w in expected.warnings)
    window.grab().save(str(tmp_path / "crosstab-by-set.png"))
