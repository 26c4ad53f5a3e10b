"""The agreement summary: tables and a bar chart drawn from the report of DESIGN §5.

All figures come from ``project_io.agreement_report`` (the same function the CLI uses); this
window only lays them out. It recomputes on Refresh and, debounced, after edits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QRectF, Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..errors import DeskAnnotatorError
from ..project import Changed, Project
from . import report_export
from .bridge import ProjectBridge
from .plain import escape, plain_label, tooltip_text

OpenCompare = Callable[[str, int, int], Any]
REFRESH_DELAY_MS = 1500
DEFAULT_THRESHOLDS = {"reliable": 0.8, "tentative": 0.667}
VERDICT_COLOURS = {"reliable": "#1a7f37", "tentative": "#b7791f", "unreliable": "#cf222e"}
ID_ROLE = Qt.ItemDataRole.UserRole


def fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def fmt_ci(ci: Any) -> str:
    return f"[{ci[0]:.3f}, {ci[1]:.3f}]" if ci and None not in ci else "—"


def verdict(block: dict[str, Any], thresholds: dict[str, float]) -> str:
    """The report's own wording when it gives one; else the thresholds it carries."""
    if block.get("interpretation"):
        return str(block["interpretation"])
    alpha = block.get("alpha")
    if alpha is None:
        return "undefined"
    if alpha >= thresholds["reliable"]:
        return "reliable"
    return "tentative" if alpha >= thresholds["tentative"] else "unreliable"


class AlphaBarChart(QWidget):
    """Horizontal bars of α per label with the reliability thresholds as dashed lines."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bars: list[tuple[str, float | None, str]] = []  # (name, alpha, colour)
        self.thresholds = dict(DEFAULT_THRESHOLDS)
        self.setMinimumHeight(160)

    def set_bars(self, bars: list[tuple[str, float | None, str]],
                 thresholds: dict[str, float]) -> None:
        self.bars = bars
        self.thresholds = thresholds
        self.setMinimumHeight(46 + 22 * len(bars))
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        painter.fillRect(self.rect(), pal.base())
        if not self.bars:
            painter.setPen(pal.placeholderText().color())
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No figures yet")
            return
        metrics = painter.fontMetrics()
        name_width = min(max(metrics.horizontalAdvance(n) for n, _, _ in self.bars) + 16,
                         self.width() // 3)
        left, right, top = name_width + 8, self.width() - 56, 26
        row_h = (self.height() - top - 20) / len(self.bars)
        values = [v for _, v, _ in self.bars if v is not None]
        lo = min(0.0, min(values, default=0.0))
        span = (1.0 - lo) or 1.0

        def x_of(value: float) -> float:
            return left + (value - lo) / span * (right - left)

        text_pen = QPen(pal.text().color())
        grid = QColor(pal.mid().color())
        painter.setPen(QPen(grid, 1))
        painter.drawLine(int(x_of(0)), top - 6, int(x_of(0)), int(top + row_h * len(self.bars)))
        for key, colour in (("tentative", VERDICT_COLOURS["tentative"]),
                            ("reliable", VERDICT_COLOURS["reliable"])):
            x = x_of(self.thresholds.get(key, DEFAULT_THRESHOLDS[key]))
            painter.setPen(QPen(QColor(colour), 1.2, Qt.PenStyle.DashLine))
            painter.drawLine(int(x), top - 6, int(x), int(top + row_h * len(self.bars)))
            painter.drawText(QRectF(x - 40, 4, 80, 16), Qt.AlignmentFlag.AlignCenter,
                             f"{self.thresholds.get(key, DEFAULT_THRESHOLDS[key]):.3f}")
        for i, (name, value, colour) in enumerate(self.bars):
            y = top + i * row_h
            painter.setPen(text_pen)
            elided = metrics.elidedText(name, Qt.TextElideMode.ElideRight, name_width - 8)
            painter.drawText(QRectF(4, y, name_width, row_h),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, elided)
            if value is None:
                painter.setPen(QPen(pal.placeholderText().color()))
                painter.drawText(QRectF(left + 4, y, 200, row_h), Qt.AlignmentFlag.AlignVCenter,
                                 "undefined")
                continue
            x0, x1 = sorted((x_of(0), x_of(value)))
            bar = QRectF(x0, y + row_h * 0.18, max(x1 - x0, 1.5), row_h * 0.64)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QBrush(QColor(colour)))
            painter.drawRoundedRect(bar, 2, 2)
            painter.setPen(text_pen)
            painter.drawText(QRectF(max(x1, x_of(0)) + 6, y, 60, row_h),
                             Qt.AlignmentFlag.AlignVCenter, f"{value:.3f}")
        painter.end()


def _table(headers: tuple[str, ...]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    for col in range(1, len(headers)):
        table.horizontalHeader().setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
    return table


def _cell(value: Any, reason: str | None = None, numeric: bool = True) -> QTableWidgetItem:
    item = QTableWidgetItem(fmt(value) if numeric else str(value))
    if numeric:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if value is None and reason:
        item.setToolTip(tooltip_text(reason))
    return item


ALL_DOCUMENTS = "All documents"


class AgreementWindow(QWidget):
    OVERVIEW_COLUMNS = ("Scheme / theme", "α", "95% CI", "αU", "Fleiss κ", "% agreement",
                        "Interpretation", "Where (binary uα)", "What (cuα)")
    PAIR_COLUMNS = ("Coders", "Cohen κ", "Scott π", "Gwet AC1", "Brennan–Prediger",
                    "% agreement", "F1 exact", "F1 overlap")
    DOCUMENT_COLUMNS = ("Document", "α", "αU", "Fleiss κ", "% agreement", "F1 overlap")

    def __init__(self, project: Project, bridge: ProjectBridge, open_compare: OpenCompare,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowFlag(Qt.WindowType.Window, True)
        self.setWindowTitle("Agreement")
        self.resize(1000, 700)
        self.project = project
        self.bridge = bridge
        self.open_compare = open_compare
        self.report: dict[str, Any] | None = None
        self.bootstrap = 200  # resamples for the interactive view; the CLI report uses more

        self.summary_label = QLabel()  # rich: our own bold; coder names escaped
        self.summary_label.setTextFormat(Qt.TextFormat.RichText)
        self.summary_label.setWordWrap(True)
        self.done_only_check = QCheckBox("Documents marked done only")
        # Agreement per document set (REFI Sets): the set's documents only, or all.
        self.set_combo = QComboBox()
        self.set_combo.setToolTip("Agreement over the documents of one document set")
        self._fill_sets()
        self.refresh_button = QPushButton("Refresh")
        # The report's selection: None = every coder but gold / every document (as the CLI).
        self.coder_names: list[str] | None = None
        self.document_ids: list[str] | None = None
        self.export_button = QPushButton("Export report…")
        self.export_button.setToolTip("HTML, Markdown, CSV or JSON, for the coders and "
                                      "documents shown here (as the CLI's agreement --output)")
        self.export_job: Any = None
        top = QHBoxLayout()
        top.addWidget(self.summary_label, 1)
        top.addWidget(QLabel("Documents"))
        top.addWidget(self.set_combo)
        top.addWidget(self.done_only_check)
        top.addWidget(self.refresh_button)
        top.addWidget(self.export_button)

        self.overview = _table(self.OVERVIEW_COLUMNS)
        self.chart = AlphaBarChart()
        chart_box = QWidget()
        chart_col = QVBoxLayout(chart_box)
        chart_col.setContentsMargins(0, 0, 0, 0)
        chart_col.addWidget(QLabel("<b>Krippendorff's α per label</b> "
                                   "<small>(stance labels: this label vs. the rest; dashed: "
                                   "tentative and reliable thresholds)</small>"))
        chart_col.addWidget(self.chart, 1)
        overview_split = QSplitter(Qt.Orientation.Vertical)
        overview_split.addWidget(self.overview)
        overview_split.addWidget(chart_box)
        overview_split.setSizes([300, 320])

        self.scheme_combo = QComboBox()
        self.pairs = _table(self.PAIR_COLUMNS)
        self.documents = _table(self.DOCUMENT_COLUMNS)
        self.documents.setToolTip("Double-click a document to compare its coders")
        detail = QWidget()
        detail_col = QVBoxLayout(detail)
        pick = QHBoxLayout()
        pick.addWidget(QLabel("Figures for"))
        pick.addWidget(self.scheme_combo, 1)
        detail_col.addLayout(pick)
        self.detail_tabs = QTabWidget()
        self.detail_tabs.addTab(self.pairs, "Coder pairs")
        self.detail_tabs.addTab(self.documents, "Documents")
        detail_col.addWidget(self.detail_tabs, 1)

        self.tabs = QTabWidget()
        self.tabs.addTab(overview_split, "Overview")
        self.tabs.addTab(detail, "Pairs and documents")
        self.error_label = plain_label(word_wrap=True)
        self.error_label.setStyleSheet("color: #b00020;")
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.error_label)
        self.export_label = plain_label(word_wrap=True)  # the report export's one line
        layout.addWidget(self.export_label)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(REFRESH_DELAY_MS)
        self._debounce.timeout.connect(self.refresh)
        self.refresh_button.clicked.connect(self.refresh)
        self.export_button.clicked.connect(lambda: report_export.ask_export_report(self))
        self.done_only_check.toggled.connect(lambda _on: self.refresh())
        self.set_combo.currentIndexChanged.connect(lambda _i: self.choose_set())
        self.scheme_combo.currentIndexChanged.connect(lambda _i: self._fill_details())
        self.documents.cellDoubleClicked.connect(lambda row, _c: self.open_document_row(row))
        self.overview.cellDoubleClicked.connect(self._overview_row_chosen)
        bridge.changed.connect(self._on_changed)
        self.refresh()

    # -- the document set ---------------------------------------------------------------
    def _fill_sets(self) -> None:
        from ..document_sets import set_names

        current = self.set_combo.currentData()
        self.set_combo.blockSignals(True)
        self.set_combo.clear()
        self.set_combo.addItem(ALL_DOCUMENTS, None)
        for name in set_names(self.project):
            self.set_combo.addItem(f"Set: {name}", name)
        index = self.set_combo.findData(current)
        self.set_combo.setCurrentIndex(max(index, 0))
        self.set_combo.blockSignals(False)

    def choose_set(self, name: str | None = None) -> None:
        """Agreement over set ``name``'s documents (None: the combo's choice; all documents
        when it shows "All documents")."""
        from ..document_sets import restrict_to_set

        if name is not None:
            self.set_combo.setCurrentIndex(max(self.set_combo.findData(name), 0))
        chosen = self.set_combo.currentData()
        try:
            self.document_ids = (None if chosen is None
                                 else restrict_to_set(self.project, chosen, None))
        except DeskAnnotatorError as exc:
            self.error_label.setText(str(exc))
            return
        self.refresh()

    # -- computing (delegated) and showing -----------------------------------------------
    def refresh(self) -> None:
        from ..project_io import agreement_report

        self._debounce.stop()
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            report = agreement_report(self.project, coder_names=self.coder_names,
                                      document_ids=self.document_ids,
                                      themes=None, done_only=self.done_only_check.isChecked(),
                                      bootstrap=self.bootstrap)
        except DeskAnnotatorError as exc:
            self.error_label.setText(str(exc))
            return
        finally:
            QApplication.restoreOverrideCursor()
        self.error_label.clear()
        self.show_report(report)

    def _on_changed(self, changed: Changed) -> None:
        if changed.tables & {"document_sets", "document_set_members"}:
            self._fill_sets()
            if self.set_combo.currentData() is not None:
                self.choose_set()  # the set's members may have changed
                return
        if changed.tables & {"annotations", "annotation_themes", "doc_status", "labels",
                             "documents", "coders"}:
            self._debounce.start()  # restarts: one recompute after a burst of edits

    def show_report(self, report: dict[str, Any]) -> None:
        """Lay out ``report`` (the dict of DESIGN §5); computes nothing."""
        self.report = report
        coders = report.get("coders", [])
        excluded = report.get("documents_excluded")
        boot = report.get("bootstrap") or {}
        parts = [f"<b>{len(coders)} coders</b> ({escape(', '.join(coders))})",
                 f"<b>{report.get('documents', 0)} documents</b> compared"
                 + (f", {excluded} not coded by two coders" if excluded else "")]
        if boot.get("resamples"):
            parts.append(f"95% intervals from {boot['resamples']} bootstrap resamples "
                         f"by {escape(boot.get('unit', 'document'))}")
        self.summary_label.setText(" · ".join(parts))
        thresholds = {**DEFAULT_THRESHOLDS, **(report.get("thresholds") or {})}
        self._fill_overview(thresholds)
        self._fill_chart(thresholds)
        current = self.scheme_combo.currentData()
        self.scheme_combo.blockSignals(True)
        self.scheme_combo.clear()
        self.scheme_combo.addItem("Stance", "stance")
        for name in (report.get("themes") or {}):
            self.scheme_combo.addItem(f"Theme: {name}", f"themes:{name}")
        found = self.scheme_combo.findData(current) if current else -1
        self.scheme_combo.setCurrentIndex(max(0, found))
        self.scheme_combo.blockSignals(False)
        self._fill_details()

    def blocks(self) -> list[tuple[str, str, dict[str, Any]]]:
        """(row title, key, block) for stance and each theme, in report order."""
        if not self.report:
            return []
        out = []
        if self.report.get("stance"):
            out.append(("Stance", "stance", self.report["stance"]))
        for name, block in (self.report.get("themes") or {}).items():
            out.append((f"Theme: {name}", f"themes:{name}", block))
        return out

    def _fill_overview(self, thresholds: dict[str, float]) -> None:
        rows = self.blocks()
        self.overview.setRowCount(len(rows))
        for row, (title, _key, block) in enumerate(rows):
            reasons = block.get("reasons") or {}
            name = _cell(title, numeric=False)
            if row == 0 and title == "Stance":
                font = QFont(name.font())
                font.setBold(True)
                name.setFont(font)
            cells = [name, _cell(block.get("alpha"), reasons.get("alpha")),
                     _cell(fmt_ci(block.get("ci95")), numeric=False),
                     _cell(block.get("alpha_u"), reasons.get("alpha_u")),
                     _cell(block.get("fleiss_kappa"), reasons.get("fleiss_kappa")),
                     _cell(block.get("percent_agreement"), reasons.get("percent_agreement"))]
            word = verdict(block, thresholds)
            judged = _cell(word, reasons.get("alpha"), numeric=False)
            judged.setForeground(QColor(VERDICT_COLOURS.get(word, "#6e7781")))
            if block.get("interpretation_point") and not reasons.get("alpha"):
                judged.setToolTip(f"Read from the {block.get('interpretation_basis', 'ci95')}; "
                                  f"point estimate: {block['interpretation_point']}")
            cells.append(judged)
            # Where coders marked text, and what they gave where both did (2016 family).
            cells += [_cell(block.get(key), reasons.get(key)) for key in ("binary_u_alpha", "cu_alpha")]
            for col, item in enumerate(cells):
                self.overview.setItem(row, col, item)

    def _fill_chart(self, thresholds: dict[str, float]) -> None:
        colours = {(lb.scheme, lb.name): lb.color for lb in self.project.q.labels()}
        bars: list[tuple[str, float | None, str]] = []
        stance = (self.report or {}).get("stance") or {}
        for name, entry in (stance.get("per_label") or {}).items():
            bars.append((name, entry.get("alpha"), colours.get(("stance", name), "#888888")))
        for name, block in ((self.report or {}).get("themes") or {}).items():
            bars.append((name, block.get("alpha"), colours.get(("themes", name), "#888888")))
        self.chart.set_bars(bars, thresholds)

    def current_block(self) -> dict[str, Any]:
        key = self.scheme_combo.currentData()
        for _title, block_key, block in self.blocks():
            if block_key == key:
                return block
        return {}

    def _fill_details(self) -> None:
        block = self.current_block()
        pairs = block.get("pairs") or []
        self.pairs.setRowCount(len(pairs))
        for row, pair in enumerate(pairs):
            reasons = pair.get("reasons") or {}
            self.pairs.setItem(row, 0, _cell(" × ".join(pair.get("coders", [])), numeric=False))
            for col, key in enumerate(["cohen_kappa", "scott_pi", "gwet_ac1", "brennan_prediger",
                                       "percent_agreement", "f1_exact", "f1_overlap"], start=1):
                self.pairs.setItem(row, col, _cell(pair.get(key), reasons.get(key)))
        docs = block.get("documents") or []
        self.documents.setRowCount(len(docs))
        for row, doc in enumerate(docs):
            reasons = doc.get("reasons") or {}
            title = _cell(doc.get("title") or doc.get("id", "?"), numeric=False)
            title.setData(ID_ROLE, doc.get("id"))
            title.setToolTip("Double-click to compare the coders on this document")
            self.documents.setItem(row, 0, title)
            for col, key in enumerate(["alpha", "alpha_u", "fleiss_kappa", "percent_agreement",
                                       "f1_overlap"], start=1):
                self.documents.setItem(row, col, _cell(doc.get(key), reasons.get(key)))

    # -- navigation ----------------------------------------------------------------------
    def open_document_row(self, row: int) -> None:
        item = self.documents.item(row, 0)
        if item is not None and item.data(ID_ROLE):
            self.open_compare(item.data(ID_ROLE), 0, 0)

    def _overview_row_chosen(self, row: int, _col: int) -> None:
        rows = self.blocks()
        if 0 <= row < len(rows):
            self.scheme_combo.setCurrentIndex(max(0, self.scheme_combo.findData(rows[row][1])))
            self.tabs.setCurrentIndex(1)

    def closeEvent(self, event) -> None:
        self._debounce.stop()
        self.bridge.disconnect_view(self._on_changed)
        super().closeEvent(event)
