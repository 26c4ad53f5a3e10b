"""The cached underline strips (gui/underlines.py) draw what drawing each underline afresh
draws: same pattern, same phase from the span's left edge, same lane squeeze."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPainter

from desk_annotator.gui.underlines import (
    PERIODS,
    paint_tiled_underline,
    paint_underline,
)


def _draw(fn, left: float, right: float, style: str, squeeze: float) -> QImage:
    image = QImage(420, 24, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    colour = QColor("#d62728")
    if fn is paint_underline:  # the reference: drawn afresh, squeezed by the painter
        painter.translate(0.0, 12.0)
        painter.scale(1.0, squeeze)
        paint_underline(painter, left, right, 0.0, colour, style)
    else:
        paint_tiled_underline(painter, left, right, 12.0, colour, style, squeeze)
    painter.end()
    return image


def _alpha_rows(image: QImage) -> list[list[int]]:
    return [[image.pixelColor(x, y).alpha() for x in range(image.width())]
            for y in range(image.height())]


@pytest.mark.parametrize("style", [*PERIODS, "solid", "double"])
@pytest.mark.parametrize("squeeze", [1.0, 0.5])
@pytest.mark.parametrize("span", [(3.0, 397.0), (17.0, 61.0)])
def test_tiled_underline_matches_a_fresh_one(qapp, style, squeeze, span):
    left, right = span
    fresh = _alpha_rows(_draw(paint_underline, left, right, style, squeeze))
    tiled = _alpha_rows(_draw(paint_tiled_underline, left, right, style, squeeze))
    inked = sum(a > 0 for row in fresh for a in row)
    assert inked > 0
    off = sum(abs(a - b) > 40 for ra, rb in zip(fresh, tiled, strict=True)
              for a, b in zip(ra, rb, strict=True))
    # A few pixels at most: the fresh wavy stroke's caps reach past the span's two ends.
    assert off <= max(6, inked // 50), (style, squeeze, span, off, inked)
    # Nothing outside the span's columns.
    assert all(a == 0 for row in tiled for a in row[:int(left) - 1] + row[int(right) + 2:])


def test_a_fractional_left_edge_keeps_the_pattern_phase(qapp):
    """Dashes start at the span's left edge wherever that falls, as before."""
    fresh = _alpha_rows(_draw(paint_underline, 10.4, 210.4, "dashed", 1.0))
    tiled = _alpha_rows(_draw(paint_tiled_underline, 10.4, 210.4, "dashed", 1.0))
    row_f, row_t = fresh[12], tiled[12]
    on_f = [x for x, a in enumerate(row_f) if a > 128]
    on_t = [x for x, a in enumerate(row_t) if a > 128]
    assert len(on_f) > 50 and abs(len(on_f) - len(on_t)) <= 20
    assert sum(x in on_f for x in on_t) >= 0.9 * len(on_t)
