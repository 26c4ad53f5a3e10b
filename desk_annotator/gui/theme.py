"""Light and dark looks: a Fusion palette plus a small stylesheet from resources/stylesheets.

Colours for highlights come from the codebook (the bundled one uses the Okabe-Ito
colour-blind-safe palette); this module only decides how strongly they are tinted per theme.
"""

from __future__ import annotations

import logging

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from ..paths import resources_dir

log = logging.getLogger(__name__)
THEMES = ("light", "dark")
ACCENT = "#0072B2"  # Okabe-Ito blue: readable on both themes and for colour-blind users
UNLABELLED = "#9a9a9a"

_PALETTES = {
    "light": {"window": "#f5f6f8", "base": "#ffffff", "alt": "#f0f2f5", "text": "#1f2328",
              "mid": "#d0d7de", "button": "#f6f8fa", "bright": "#ffffff",
              "highlight": "#b6d7f2", "highlight_text": "#1f2328", "placeholder": "#6e7781"},
    "dark": {"window": "#1e2227", "base": "#24292f", "alt": "#2b3138", "text": "#e6edf3",
             "mid": "#3d444d", "button": "#2d333b", "bright": "#ffffff",
             "highlight": "#2f5f8a", "highlight_text": "#ffffff", "placeholder": "#8b949e"},
}


def palette_for(name: str) -> QPalette:
    c = {k: QColor(v) for k, v in _PALETTES[name].items()}
    pal = QPalette()
    roles = {
        QPalette.ColorRole.Window: c["window"], QPalette.ColorRole.WindowText: c["text"],
        QPalette.ColorRole.Base: c["base"], QPalette.ColorRole.AlternateBase: c["alt"],
        QPalette.ColorRole.Text: c["text"], QPalette.ColorRole.Button: c["button"],
        QPalette.ColorRole.ButtonText: c["text"], QPalette.ColorRole.BrightText: c["bright"],
        QPalette.ColorRole.Highlight: c["highlight"],
        QPalette.ColorRole.HighlightedText: c["highlight_text"],
        QPalette.ColorRole.ToolTipBase: c["base"], QPalette.ColorRole.ToolTipText: c["text"],
        QPalette.ColorRole.PlaceholderText: c["placeholder"], QPalette.ColorRole.Mid: c["mid"],
        QPalette.ColorRole.Link: QColor(ACCENT if name == "light" else "#56B4E9"),
    }
    for role, colour in roles.items():
        pal.setColor(role, colour)
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText,
                 QPalette.ColorRole.WindowText):
        pal.setColor(QPalette.ColorGroup.Disabled, role, c["placeholder"])
    return pal


def apply_theme(app: QApplication, name: str) -> str:
    """Apply ``name`` ("light" or "dark"; anything else means light). Returns the name used."""
    name = name if name in THEMES else "light"
    app.setStyle("Fusion")
    app.setPalette(palette_for(name))
    qss_path = resources_dir() / "stylesheets" / f"{name}.qss"
    try:
        app.setStyleSheet(qss_path.read_text(encoding="utf-8"))
    except OSError as exc:  # the look degrades, the program still works
        log.warning("stylesheet %s not loaded: %s", qss_path, exc)
        app.setStyleSheet("")
    app.setProperty("desk_theme", name)
    return name


def current_theme() -> str:
    app = QApplication.instance()
    name = app.property("desk_theme") if app is not None else None
    return name if name in THEMES else "light"


def highlight_alpha() -> int:
    """Opacity of one stance tint; layered annotations add up, so overlaps look darker."""
    return 70 if current_theme() == "dark" else 55


def tint(color: str | QColor, alpha: int) -> QColor:
    c = QColor(color)
    if not c.isValid():
        c = QColor(UNLABELLED)
    c.setAlpha(alpha)
    return c


# Theme labels are told apart without colour too: each theme (by its place in the codebook)
# draws its underline in one of these styles (Preferences → "Underline styles"; on by default).
UNDERLINE_STYLES = ("solid", "dashed", "dotted", "wavy", "double", "dash-dot")


def underline_style(rank: int) -> str:
    """The underline style of the theme at position ``rank`` (0-based) in the codebook."""
    return UNDERLINE_STYLES[rank % len(UNDERLINE_STYLES)]
