"""User data on screen as plain text, never as HTML.

Titles, outlets, authors, notes, quotes, label names and definitions and coder names come from
files other people wrote. Qt renders rich text wherever it *guesses* that a string is HTML
(``Qt.mightBeRichText``): QLabel and QMessageBox by default, and every tooltip (widgets, item
views, text formats, ``QToolTip.showText``). A title ``<img src=/some/file.png>`` would load and
draw that file. So, in every place that shows user data:

- a label: :func:`plain_label` / :func:`set_plain` (``Qt.TextFormat.PlainText``);
- a tooltip: :func:`tooltip_text` — text without ``<`` or ``&`` as it is (Qt cannot take it
  for markup), anything else as deliberately rich text with every character escaped, so the
  user sees exactly the characters (Qt guesses: even a literal ``&lt;`` makes it rich);
- rich text we build ourselves (bold names, coloured dots): :func:`escape` each piece of user
  data and :func:`safe_color` each colour, then :func:`rich_tooltip` for a tooltip;
- a message box: :func:`message_box` (plain unless the caller says the text is its own HTML);
- a menu entry or button: :func:`menu_text` (a ``&`` would otherwise become a mnemonic).
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

TOOLTIP_MAX_CHARS = 2000  # a 50,000-character quote makes a tooltip no one can read
FALLBACK_COLOR = "#888888"


def escape(text: object) -> str:
    """``text`` for the inside of rich text we build: ``& < > " '`` escaped."""
    return html.escape(str(text), quote=True)


def safe_color(color: object, fallback: str = FALLBACK_COLOR) -> str:
    """A colour fit for a style attribute or style sheet: ``#rrggbb`` or the fallback (a
    codebook file may carry any string as a label's colour)."""
    value = QColor(str(color)) if isinstance(color, str) else QColor()
    return value.name() if value.isValid() else fallback


def rich_tooltip(fragment: str) -> str:
    """A tooltip from rich text whose user data was escaped already; always taken as rich
    text, whatever it starts with."""
    return f"<qt>{fragment}</qt>" if fragment else ""


def tooltip_text(text: object | None, *, limit: int = TOOLTIP_MAX_CHARS) -> str:
    """A tooltip that shows ``text`` (plain, user data) character for character, line breaks
    and runs of spaces kept. '' for no text (Qt then shows no tooltip)."""
    if text is None:
        return ""
    text = str(text)
    if not text.strip():
        return ""
    if len(text) > limit:
        text = text[:limit] + "…"
    if "<" not in text and "&" not in text:
        return text  # nothing Qt could take for markup: shown as it is
    return f"<p style='white-space:pre-wrap'>{escape(text)}</p>"


def plain_label(text: str = "", parent: QWidget | None = None, *,
                word_wrap: bool = False) -> QLabel:
    """A QLabel that shows its text exactly as given."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(word_wrap)
    label.setText(text)
    return label


def set_plain(*labels: QLabel) -> None:
    for label in labels:
        label.setTextFormat(Qt.TextFormat.PlainText)


def menu_text(text: str) -> str:
    """``text`` for a menu entry, button or check box: ``&`` shown, not a mnemonic."""
    return text.replace("&", "&&")


def message_box(parent: QWidget | None, title: str, text: str, *, warning: bool = False,
                rich: bool = False) -> QMessageBox:
    """A message box that shows ``text`` as plain text (rich=True: the caller's own HTML,
    with any user data in it escaped)."""
    box = QMessageBox(QMessageBox.Icon.Warning if warning else QMessageBox.Icon.Information,
                      title, "", QMessageBox.StandardButton.Ok, parent)
    box.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    box.setText(text)
    return box


def ask_yes_no(parent: QWidget | None, title: str, question: str) -> bool:
    """A modal Yes/No question shown as plain text."""
    box = QMessageBox(QMessageBox.Icon.Question, title, "",
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(question)
    return box.exec() == QMessageBox.StandardButton.Yes
