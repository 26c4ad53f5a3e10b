"""Start-up state (issue 11 items 2 and 5): a restart reopens the last project, and the
window layout is kept per screen scale with the side panels never restored too narrow.

Each start-up is a fresh Settings read from disk (settings live in the tmp ``home``), as a
restart would be."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desk_annotator.gui import layout_state
from desk_annotator.gui.app import open_window
from desk_annotator.gui.main_window import MainWindow
from desk_annotator.gui.settings import Settings
from desk_annotator.paths import default_project_path
from desk_annotator.project import Project


class Article:
    def __init__(self, title: str, text: str) -> None:
        self.title, self.text, self.metadata = title, text, {}


def make_project(path: Path, title: str) -> Path:
    with Project(path) as project:
        project.add_label("stance", "supportive")
        project.add_documents([Article(title, f"{title}: some text about chips.")])
    return path


def start(qtbot, project: str | Path | None = None) -> MainWindow:
    window = open_window(None if project is None else str(project), "alice", Settings())
    assert window is not None
    qtbot.addWidget(window)
    qtbot.waitExposed(window)
    return window


def quit_app(window: MainWindow) -> None:
    window.close()  # saves the layout and the last project, as quitting does
    QApplication.processEvents()
    window.project.close()


def opened(window: MainWindow) -> Path:
    return Path(str(window.project.path)).resolve()


def test_restart_reopens_the_last_project(qtbot, home, tmp_path: Path) -> None:
    a = make_project(tmp_path / "a.sqlite", "Alpha")
    b = make_project(tmp_path / "b.sqlite", "Beta")

    window = start(qtbot, a)  # given on the command line
    assert opened(window) == a.resolve()
    quit_app(window)

    window = start(qtbot)  # a plain restart
    assert opened(window) == a.resolve()
    quit_app(window)

    window = start(qtbot, b)  # the command line wins over the last project
    assert opened(window) == b.resolve()
    quit_app(window)

    b.unlink()
    window = start(qtbot)  # the last project has gone: the default one, with a note
    assert opened(window) == default_project_path().resolve()
    assert window.last_message is not None
    assert str(b.resolve()) in window.last_message[1]
    assert "no longer exists" in window.last_message[1]
    quit_app(window)
    assert str(b.resolve()) not in Settings().recent_projects()


def side_widths(window: MainWindow) -> list[int]:
    return [window.docks[name].width() for name in layout_state.SIDE_PANELS]


def test_side_panels_never_restored_narrower_than_the_minimum(qtbot, home,
                                                              tmp_path: Path) -> None:
    a = make_project(tmp_path / "a.sqlite", "Alpha")
    window = start(qtbot, a)
    docks = [window.docks[name] for name in layout_state.SIDE_PANELS]
    for dock in docks:  # as a layout saved by an older version, or at another scale, was
        dock.setMinimumWidth(0)
        dock.widget().setMinimumWidth(0)
    window.resizeDocks(docks, [40, 40], Qt.Orientation.Horizontal)
    qtbot.waitUntil(lambda: max(side_widths(window)) < layout_state.MIN_PANEL_WIDTH - 40)
    quit_app(window)

    window = start(qtbot)
    qtbot.wait(50)
    assert min(side_widths(window)) >= layout_state.MIN_PANEL_WIDTH, side_widths(window)
    quit_app(window)


def test_layout_is_kept_per_screen_scale(qtbot, home, tmp_path: Path, monkeypatch) -> None:
    """A layout saved at one scale is restored at that scale only (the annotations panel,
    closed at 1.5x, is still open at 1x and closed again back at 1.5x)."""
    a = make_project(tmp_path / "a.sqlite", "Alpha")
    scale = {"key": "1.5x@144"}
    monkeypatch.setattr(layout_state, "scale_key", lambda _window: scale["key"])
    window = start(qtbot, a)
    window.docks["annotations"].close()
    qtbot.waitUntil(lambda: not window.docks["annotations"].isVisible())
    quit_app(window)
    assert set(Settings().get("layouts")) == {"1.5x@144"}

    scale["key"] = "1x@96"  # another scale: its own (here: the default) layout
    window = start(qtbot)
    assert window.docks["annotations"].isVisible()
    quit_app(window)
    assert set(Settings().get("layouts")) == {"1.5x@144", "1x@96"}

    scale["key"] = "1.5x@144"  # back at 1.5x: the 1.5x layout
    window = start(qtbot)
    assert not window.docks["annotations"].isVisible()
    quit_app(window)


@pytest.mark.parametrize("broken", ["not a project", ""])
def test_a_broken_last_project_falls_back_to_the_default(qtbot, home, tmp_path: Path,
                                                         broken: str) -> None:
    bad = tmp_path / "bad.sqlite"
    bad.write_text(broken * 200, encoding="utf-8")
    settings = Settings()
    settings.set("last_project", str(bad))
    window = start(qtbot)
    assert opened(window) == default_project_path().resolve()
    quit_app(window)


def test_a_long_meta_line_does_not_squeeze_the_side_panels(qtbot, home, tmp_path: Path) -> None:
    """Seen under Xvfb at 1440 px: opening an article whose outlet · date · author line is long
    widened the centre and cut the codebook's label names. The line wraps now."""
    path = tmp_path / "long.sqlite"
    with Project(path) as project:
        project.add_label("themes", "Global South and capacity building")
        article = Article("A title", "Some text about chips. " * 40)
        article.metadata = {"outlet": "The Extraordinarily Long Name of a Policy Review " * 3,
                            "author": "Somebody With A Very Long Name Indeed", "date": "2025-07-24"}
        project.add_documents([article])
    window = start(qtbot, path)
    window.resize(1440, 900)
    qtbot.wait(50)
    before = side_widths(window)
    window.open_document(window.project.q.document_infos()[0].id)
    qtbot.wait(50)
    assert side_widths(window) == before
    assert window.meta_label.wordWrap()
    quit_app(window)


def test_a_save_that_changes_nothing_leaves_the_file_alone(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    first = Settings(path)
    first.set("snap_to_words", True)
    written = path.stat()
    again = Settings(path)  # a restart: the same values set again write nothing
    again.set("snap_to_words", True)
    again.set_project_value("p.sqlite", "coder", "ana")
    assert path.stat().st_ino != written.st_ino  # a real change is written (a new file)
    changed = path.stat()
    again.set_project_value("p.sqlite", "coder", "ana")
    again.add_recent("p.sqlite")
    again.add_recent("p.sqlite")
    assert path.stat().st_ino != changed.st_ino  # add_recent changed the list once
    settled = path.stat()
    again.add_recent("p.sqlite")
    Settings(path).set("snap_to_words", True)
    assert (path.stat().st_ino, path.stat().st_mtime_ns) == (settled.st_ino, settled.st_mtime_ns)
    assert Settings(path).project_value("p.sqlite", "coder") == "ana"
    path.unlink()  # a file removed behind our back is written again, even if unchanged
    again.set("snap_to_words", True)
    assert Settings(path).get("snap_to_words") is True


def test_the_window_fits_the_screen_by_default_and_after_a_bigger_monitor(qtbot, home,
                                                                          tmp_path: Path) -> None:
    """The default size (1440 × 900) cut the codebook panel off on a 1400 px screen; a layout
    saved on a bigger monitor came back bigger than this one. Both fit the free area now."""
    a = make_project(tmp_path / "a.sqlite", "Alpha")
    window = start(qtbot, a)
    free = window.screen().availableGeometry()
    assert free.width() < layout_state.DEFAULT_SIZE[0]  # the offscreen screen is small

    def fits() -> bool:  # no bigger than the screen, or than the panels' minimum widths
        least = window.minimumSizeHint()
        return (window.width() <= max(free.width(), least.width())
                and window.height() <= max(free.height(), least.height()))

    assert fits(), (window.size(), window.minimumSizeHint())
    window.resize(free.width() * 3, free.height() * 2)  # as on a monitor three times wider
    window.move(free.width() * 2, 0)
    quit_app(window)
    window = start(qtbot)
    assert fits(), (window.size(), window.minimumSizeHint())
    assert free.contains(window.geometry().topLeft()), window.geometry()
    quit_app(window)
