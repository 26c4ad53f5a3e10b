"""Where passages of a QPlainTextEdit are on screen, for layers painted over the reading view
(gui/suggestion_layer.py), from Qt's public text-layout API only.

Lines are found by bisection inside a block (paragraph) and the walk stops at the repainted
rectangle, so a one-paragraph megabyte costs what its visible lines cost: cursorForPosition
and QTextLayout.lineForTextPosition both walk the paragraph's lines one by one.
Offsets here are UTF-16 (Qt's unit); the caller converts code points.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QRect, QRectF
from PySide6.QtWidgets import QPlainTextEdit

Block = tuple[int, int, QRectF, Any]  # (first position, end position, geometry, QTextBlock)


def visible_blocks(view: QPlainTextEdit, clip: QRect) -> list[Block]:
    out: list[Block] = []
    block = view.firstVisibleBlock()
    offset = view.contentOffset()
    while block.isValid():
        geo = view.blockBoundingGeometry(block).translated(offset)
        if geo.top() > clip.bottom():
            break
        if block.isVisible() and geo.bottom() >= clip.top():
            out.append((block.position(), block.position() + block.length(), geo, block))
        block = block.next()
    return out


def _line_at_y(block: Block, y: float) -> int:
    """Index of the block's first line whose bottom is at or below ``y``."""
    _start, _end, geo, text_block = block
    layout = text_block.layout()
    lo, hi = 0, layout.lineCount()
    while lo < hi:
        mid = (lo + hi) // 2
        line = layout.lineAt(mid)
        if geo.top() + line.y() + line.height() < y:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _line_of(layout: Any, position: int) -> int:
    """Index of the line holding ``position`` (relative to its block)."""
    lo, hi = 0, layout.lineCount()
    while lo < hi:
        mid = (lo + hi) // 2
        line = layout.lineAt(mid)
        if line.textStart() + line.textLength() <= position:
            lo = mid + 1
        else:
            hi = mid
    return lo


def visible_range(blocks: list[Block], clip: QRect) -> tuple[int, int]:
    """[first, last) UTF-16 positions of the text inside ``clip``."""
    if not blocks:
        return 0, 0
    first_block, last_block = blocks[0], blocks[-1]
    first_layout, last_layout = first_block[3].layout(), last_block[3].layout()
    i = _line_at_y(first_block, clip.top())
    first = first_block[0] + first_layout.lineAt(i).textStart() \
        if i < first_layout.lineCount() else first_block[1]
    j = _line_at_y(last_block, clip.bottom())
    if j < last_layout.lineCount():
        line = last_layout.lineAt(j)
        last = last_block[0] + line.textStart() + line.textLength()
    else:
        last = last_block[1]
    return first, last


def line_rects(blocks: list[Block], start: int, end: int, clip: QRect) -> list[QRectF]:
    """One rectangle per screen line of [start, end) inside ``clip``."""
    rects: list[QRectF] = []
    for b_start, b_end, geo, block in blocks:
        if b_end <= start or b_start >= end:
            continue
        layout = block.layout()
        for i in range(_line_of(layout, max(start, b_start) - b_start), layout.lineCount()):
            line = layout.lineAt(i)
            l_start = b_start + line.textStart()
            top = geo.top() + line.y()
            if l_start >= end or top > clip.bottom():
                break
            a, b = max(start, l_start), min(end, l_start + line.textLength())
            if a >= b or top + line.height() < clip.top():
                continue
            x1, x2 = line.cursorToX(a - b_start)[0], line.cursorToX(b - b_start)[0]
            rects.append(QRectF(geo.left() + min(x1, x2), top, max(2.0, abs(x2 - x1)),
                                line.height()))
    return rects
