"""Drawing one theme underline in a style (solid, dashed, dotted, wavy, double, dash-dot), so
themes can be told apart without colour. Used by the reading view's painter.

The patterned styles are drawn once per (colour, style, lane, pixel ratio) into a strip a few
periods long and then tiled under each span: a densely coded page has hundreds of underlines,
and stroking a wavy path or filling each dash separately cost ten times the rest of the paint.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPixmap

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


# One period of each patterned style (logical pixels); a strip holds TILE_PERIODS of them.
PERIODS = {"dashed": 10.0, "dash-dot": 13.0, "dotted": 4.0, "wavy": 6.0}
TILE_PERIODS = 20
TILE_HEIGHT = 6.0  # the wavy line's stroke reaches 2.05 px either side of its centre
_tiles: dict[tuple[int, str, float, float], QPixmap] = {}


def _tile(colour: QColor, style: str, squeeze: float, ratio: float) -> QPixmap:
    """The strip of one patterned underline, its centre at half height, squeezed vertically
    by ``squeeze`` (thin lanes), in device pixels of ``ratio``; built once."""
    key = (colour.rgba(), style, round(squeeze, 3), ratio)
    tile = _tiles.get(key)
    if tile is None:
        if len(_tiles) > 512:  # many palettes in one session: start again
            _tiles.clear()
        width = PERIODS[style] * TILE_PERIODS
        tile = QPixmap(round(width * ratio), round(TILE_HEIGHT * ratio))
        tile.setDevicePixelRatio(ratio)
        tile.fill(Qt.GlobalColor.transparent)
        painter = QPainter(tile)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.translate(0.0, TILE_HEIGHT / 2.0)
        painter.scale(1.0, squeeze)
        paint_underline(painter, 0.0, width, 0.0, colour, style)
        painter.end()
        _tiles[key] = tile
    return tile


def paint_tiled_underline(painter: QPainter, left: float, right: float, centre: float,
                          colour: QColor, style: str, squeeze: float = 1.0) -> None:
    """As :func:`paint_underline` (squeezed vertically about ``centre``), from a cached strip:
    one call per underline whatever its length."""
    if style not in PERIODS:
        painter.save()
        if squeeze != 1.0:
            painter.translate(0.0, centre)
            painter.scale(1.0, squeeze)
            centre = 0.0
        paint_underline(painter, left, right, centre, colour, style)
        painter.restore()
        return
    if right <= left:
        return
    tile = _tile(colour, style, squeeze, painter.device().devicePixelRatioF())
    # The pattern starts at the span's left edge, as a freshly drawn one does.
    painter.drawTiledPixmap(QRectF(left, centre - TILE_HEIGHT / 2.0, right - left, TILE_HEIGHT),
                            tile)


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
    # Thinner strokes in thinner lanes, so neighbours stay apart.
    squeeze = lane / LANE if lane < LANE else 1.0
    for k, (colour, style) in enumerate(themes):
        centre = rect.bottom() - lane / 2.0 - k * lane
        paint_tiled_underline(painter, rect.left(), rect.right(), centre, colour, style, squeeze)
