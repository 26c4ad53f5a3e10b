"""Which coders an analysis window may offer, so blind mode holds there too.

In blind mode (View → Show all coders off, or the lead's lock) the reading view shows only the
coder's own work; a table pooled over every coder would show the others' coding in numbers.
So the Tables window and the Findings report then offer the current coder alone.
"""

from __future__ import annotations

from typing import Any

from ..models import is_model_coder
from . import blind_lock


def shows_every_coder(win: Any) -> bool:
    """Whether ``win`` (the main window, or None outside it: tests, scripts) shows all coders."""
    if win is None or not hasattr(win, "show_all_coders"):
        return True
    return bool(win.show_all_coders) and not blind_lock.locked_for(win)


def offered_coders(win: Any, project: Any, every_coder: str) -> list[str]:
    """``every_coder`` (the pooled choice) and each person's name; blind: one's own name."""
    if shows_every_coder(win):
        return [every_coder, *(c.name for c in project.q.coders() if not is_model_coder(c.name))]
    coder = getattr(win, "coder", None)
    return [coder.name] if coder is not None else []
