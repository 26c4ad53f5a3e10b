"""The main window's layout (geometry, dock sizes), remembered once per screen scale.

A layout saved at 1.5x scaling and restored at 1x (or the other way round) put the document
list and codebook panels back at a fraction of their width, so each scale — the screen's
device pixel ratio and logical DPI — keeps its own entry under ``layouts`` in settings.json.
Whatever a saved state says, the two side panels are never narrower than MIN_PANEL_WIDTH:
the docks carry that minimum, and a restored state narrower than it is widened. The window is
never bigger than the screen's free area: the default size shrinks to a small screen (1440 px
cut the codebook panel off on a 1400 px one), and a layout saved on a bigger monitor is
shrunk and moved into view.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

if TYPE_CHECKING:
    from .main_window import MainWindow

MIN_PANEL_WIDTH = 180
SIDE_PANELS = ("corpus", "codebook")
DEFAULT_SIZE = (1440, 900)
# Room for the window manager's title bar and borders, which the window's own size excludes.
FRAME_ALLOWANCE = (16, 48)


def scale_key(window: MainWindow) -> str:
    """``"<device pixel ratio>x@<logical DPI>"`` of the screen the window is on, e.g.
    ``"1.5x@96"``."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        return "1x@96"
    return f"{screen.devicePixelRatio():g}x@{screen.logicalDotsPerInch():.0f}"


def restore_layout(window: MainWindow) -> None:
    for name in SIDE_PANELS:
        if name in window.docks:
            window.docks[name].setMinimumWidth(MIN_PANEL_WIDTH)
    geometry, state = window.settings.layout(scale_key(window))
    if geometry is None and state is None:  # settings from before per-scale layouts
        geometry = window.settings.get_bytes("window_geometry")
        state = window.settings.get_bytes("window_state")
    if geometry is None or not window.restoreGeometry(geometry):
        window.resize(*DEFAULT_SIZE)
    if state is not None:
        window.restoreState(state)
    fit_to_screen(window)
    widen_side_panels(window)


def fit_to_screen(window: MainWindow) -> None:
    """Shrink the window to the screen's available area (less the frame) and move it inside."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None or window.isMaximized() or window.isFullScreen():
        return
    free = screen.availableGeometry()
    width = min(window.width(), free.width() - FRAME_ALLOWANCE[0])
    height = min(window.height(), free.height() - FRAME_ALLOWANCE[1])
    if (width, height) != (window.width(), window.height()):
        window.resize(max(width, 200), max(height, 200))
    x = min(max(window.x(), free.left()), free.right() - window.width() - FRAME_ALLOWANCE[0])
    y = min(max(window.y(), free.top()), free.bottom() - window.height() - FRAME_ALLOWANCE[1])
    if (x, y) != (window.x(), window.y()):
        window.move(max(x, free.left()), max(y, free.top()))


def widen_side_panels(window: MainWindow) -> None:
    """Resize docked side panels narrower than the minimum up to it (splitter clamping)."""
    narrow = [dock for name in SIDE_PANELS if (dock := window.docks.get(name)) is not None
              and not dock.isFloating() and dock.width() < MIN_PANEL_WIDTH
              and window.dockWidgetArea(dock) in (Qt.DockWidgetArea.LeftDockWidgetArea,
                                                  Qt.DockWidgetArea.RightDockWidgetArea)]
    if narrow:
        window.resizeDocks(narrow, [MIN_PANEL_WIDTH] * len(narrow), Qt.Orientation.Horizontal)


def save_layout(window: MainWindow) -> None:
    window.settings.set_layout(scale_key(window), window.saveGeometry(), window.saveState())
