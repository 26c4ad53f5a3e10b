"""Drawing one theme underline in a style (solid, dashed, dotted, wavy, double, dash-dot), so
themes can be told apart without colour. Used by the reading view's painter."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen

LANE = 4.0  # height of one theme's lane; several themes stack upwards from the line's bottom
_PATTERNS = {"dashed": ((6.0, 4.0),), "dash-dot": ((6.0, 2.5), (2.0, 2.5)),
             "dotted": ((2.0, 2.0),)}


def paint_underline(painter: QPainter, left: float, right: float, centre: float,
                    colour: QColor, style: str) -> None:
    """One underline from ``left`` to ``right`` around the height ``centre``."""
    if right <= left:
        return
    if style in _PATTERNS:
        x, k = left, 0
        steps = [step for pair in _PATTERNS[style] for step in pair]
        while x < right:
            on, off = steps[k % len(steps)], steps[(k + 1) % len(steps)]
            painter.fillRect(QRectF(x, centre - 1.0, min(on, right - x), 2.0), colour)
            x += on + off
            k += 2
    elif style == "wavy":
        path = QPainterPath(QPointF(left, centre))
        x = left
        while x < right:
            x = min(right, x + 1.0)
            path.lineTo(x, centre + 1.4 * math.sin((x - left) * math.pi / 3.0))
        painter.save()
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(colour, 1.3))
        painter.drawPath(path)
        painter.restore()
    elif style == "double":
        painter.fillRect(QRectF(left, centre - 1.6, right - left, 1.0), colour)
        painter.fillRect(QRectF(left, centre + 0.6, right - left, 1.0), colour)
    else:  # solid
        painter.fillRect(QRectF(left, centre - 1.0, right - left, 2.0), colour)


# The lanes share the bottom of the line (about the font's descent): stacked upwards at a
# fixed height, three or more themes reached into the glyphs and read as strikethrough.
BAND = 0.26


def paint_styled_themes(painter: QPainter, rect: QRectF,
                        themes: list[tuple[QColor, str]]) -> None:
    """Each theme in its own lane, the first at the bottom of the line; the lanes narrow so that
    all of them stay below the letters."""
    if not themes:
        return
    lane = min(LANE, max(LANE, BAND * rect.height()) / len(themes))
    for k, (colour, style) in enumerate(themes):
        centre = rect.bottom() - lane / 2.0 - k * lane
        painter.save()
        if lane < LANE:  # thinner strokes in thinner lanes, so neighbours stay apart
            painter.translate(0.0, centre)
            painter.scale(1.0, lane / LANE)
            paint_underline(painter, rect.left(), rect.right(), 0.0, colour, style)
        else:
            paint_underline(painter, rect.left(), rect.right(), centre, colour, style)
        painter.restore()
