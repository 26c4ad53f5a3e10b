"""The adjudication bar of the compare view: decide each disagreement into the gold layer.

Every button runs one operation of desk_annotator.adjudication through Project.run, so each
decision is one undo step; the bar itself only reads the compare window's current passage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from ..adjudication import (
    AcceptAgreed,
    AcceptMerged,
    AcceptSpans,
    adjudication_progress,
)
from ..compare import Disagreement
from ..errors import DeskAnnotatorError
from ..models import GOLD_CODER
from ..ops import Op
from . import article_coding_bar
from .plain import plain_label

if TYPE_CHECKING:
    from .compare_view import CompareWindow


class AdjudicationBar(QWidget):
    """Accept A / B / both / merged / none for the current passage, and per-document actions."""

    def __init__(self, window: CompareWindow) -> None:
        super().__init__(window)
        self.window_ = window
        self.accept_a_button = QPushButton("Accept A")
        self.accept_b_button = QPushButton("Accept B")
        self.accept_both_button = QPushButton("Accept both")
        self.accept_merged_button = QPushButton("Accept merged")
        self.reject_button = QPushButton("Reject (none)")
        self.accept_agreed_button = QPushButton("Accept all agreed")
        self.mark_done_button = QPushButton("Mark gold done")
        self.undo_button = QPushButton("Undo gold")
        self.progress_label = plain_label()
        self.message_label = plain_label()  # error text may quote labels and coders
        self.message_label.setStyleSheet("color: #57606a;")
        tips = {
            self.accept_a_button: "Copy coder A's span(s) of this passage into gold",
            self.accept_b_button: "Copy coder B's span(s) of this passage into gold",
            self.accept_both_button: "Copy both coders' spans of this passage into gold",
            self.accept_merged_button: "One gold span over both coders' spans: A's stance "
                                       "(else B's), the themes of both",
            self.reject_button: "Put nothing into gold here; go to the next disagreement",
            self.accept_agreed_button: "Copy every span both coders made identically in this "
                                       "document into gold",
            self.mark_done_button: "Mark this document adjudicated (gold status: done)",
            self.undo_button: "Undo the latest gold decision (gold decisions have their own "
                              "undo, apart from each coder's Ctrl+Z)",
        }
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 4, 0, 0)
        row.addWidget(QLabel("<b>Gold</b>"))
        for button, tip in tips.items():
            button.setToolTip(tip)
            row.addWidget(button)
            if button is self.reject_button:
                row.addSpacing(16)
        row.addWidget(self.message_label, 1)
        row.addWidget(self.progress_label)
        article_coding_bar.add_to_gold_bar(self, row)  # gold takes A's or B's article coding

        self.accept_a_button.clicked.connect(lambda: self._accept_spans("a"))
        self.accept_b_button.clicked.connect(lambda: self._accept_spans("b"))
        self.accept_both_button.clicked.connect(lambda: self._accept_spans("both"))
        self.accept_merged_button.clicked.connect(self.accept_merged)
        self.reject_button.clicked.connect(self.reject)
        self.accept_agreed_button.clicked.connect(self.accept_agreed)
        self.mark_done_button.clicked.connect(self.mark_done)
        self.undo_button.clicked.connect(self.undo_gold)

    # -- what the bar acts on -----------------------------------------------------------------
    def current(self) -> Disagreement | None:
        w = self.window_
        if w.current_index is None or not 0 <= w.current_index < len(w.passages):
            return None
        return w.passages[w.current_index]

    def sides(self) -> tuple[list[str], list[str]]:
        """Ids of coder A's and coder B's spans the current passage is about, in text order.

        A passage lists only the spans covering it; at a boundary disagreement the other
        coder's span overlaps the covering span without covering the passage, yet it is the
        alternative the adjudicator chooses between, so spans overlapping those count too."""
        d, coders, doc_id = self.current(), self._coders(), self.window_.document_id
        if d is None or coders is None or doc_id is None:
            return [], []
        q = self.window_.project.q
        spans = {c: q.annotations(doc_id, [c]) for c in coders}
        listed = set(d.a_ids) | set(d.b_ids)
        anchors = [(s.start, s.end) for c in coders for s in spans[c] if s.id in listed]
        anchors.append((d.start, d.end))

        def involved(coder: str) -> list[str]:
            return [s.id for s in spans[coder]
                    if any(s.start < hi and lo < s.end for lo, hi in anchors)]
        return involved(coders[0]), involved(coders[1])

    def _coders(self) -> tuple[str, str] | None:
        a, b = self.window_.coder_ids
        return (a, b) if a and b and a != b else None

    def refresh(self) -> None:
        """Enable what applies to the current passage; recount the progress."""
        d, coders = self.current(), self._coders()
        has_doc = self.window_.document_id is not None
        a_ids, b_ids = self.sides()
        self.accept_a_button.setEnabled(bool(a_ids))
        self.accept_b_button.setEnabled(bool(b_ids))
        self.accept_both_button.setEnabled(bool(a_ids and b_ids))
        self.accept_merged_button.setEnabled(bool(a_ids or b_ids))
        self.reject_button.setEnabled(d is not None)
        self.accept_agreed_button.setEnabled(bool(coders and has_doc))
        self.mark_done_button.setEnabled(has_doc)
        article_coding_bar.refresh_gold_bar(self)
        if self.window_.project.read_only:
            for button in (self.accept_a_button, self.accept_b_button, self.accept_both_button,
                           self.accept_merged_button, self.accept_agreed_button,
                           self.mark_done_button, self.undo_button):
                button.setEnabled(False)
            self.message_label.setText("Read-only project: gold decisions are off")
        if coders is None:
            self.progress_label.setText("")
            return
        progress = adjudication_progress(self.window_.project, *coders)
        self.progress_label.setText(f"gold: {progress['adjudicated']}/{progress['documents']} "
                                    "documents adjudicated")

    # -- decisions ------------------------------------------------------------------------------
    def _run(self, op: Op) -> int | None:
        # Gold decisions are the gold layer's actions: they form its own undo stack
        # ("Undo gold"), apart from every coder's Ctrl+Z.
        try:
            gold = self.window_.project.ensure_coder(GOLD_CODER)
            return self.window_.project.run(op, gold.id)
        except DeskAnnotatorError as exc:
            self.message_label.setText(f"Not done: {exc}")
            return None

    def undo_gold(self) -> None:
        project = self.window_.project
        gold = project.coder_by_name(GOLD_CODER)
        try:
            done = project.undo(gold.id) if gold else None
        except DeskAnnotatorError as exc:
            self.message_label.setText(f"Not undone: {exc}")
            return
        self.message_label.setText(f"Undone: {done}" if done else "No gold decision to undo")
        self.refresh()

    def _after_accept(self, added: int | None) -> None:
        if added is None:
            return
        self.message_label.setText(f"{added} span(s) added to gold" if added
                                   else "Already in gold")
        self.window_.step(1)

    def _accept_spans(self, side: str) -> None:
        a_ids, b_ids = self.sides()
        ids = {"a": a_ids, "b": b_ids, "both": a_ids + b_ids}[side]
        if ids:
            self._after_accept(self._run(AcceptSpans(list(ids))))

    def accept_a(self) -> None:
        self._accept_spans("a")

    def accept_b(self) -> None:
        self._accept_spans("b")

    def accept_both(self) -> None:
        self._accept_spans("both")

    def accept_merged(self) -> None:
        a_ids, b_ids = self.sides()
        if a_ids or b_ids:
            self._after_accept(self._run(AcceptMerged(a_ids + b_ids)))

    def reject(self) -> None:
        if self.current() is not None:
            self.message_label.setText("Rejected: nothing added to gold")
            self.window_.step(1)

    def accept_agreed(self) -> None:
        coders, doc_id = self._coders(), self.window_.document_id
        if coders is None or doc_id is None:
            return
        added = self._run(AcceptAgreed(coders[0], coders[1], [doc_id]))
        if added is not None:
            self.message_label.setText(f"{added} agreed span(s) added to gold")

    def mark_done(self) -> None:
        doc_id = self.window_.document_id
        if doc_id is None:
            return
        try:
            gold = self.window_.project.ensure_coder(GOLD_CODER)
            self.window_.project.set_status(doc_id, gold.id, "done")
        except DeskAnnotatorError as exc:
            self.message_label.setText(f"Not done: {exc}")
            return
        self.message_label.setText("Document marked adjudicated")
        self.refresh()
