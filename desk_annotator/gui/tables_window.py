"""Analysis → Tables and charts…: frequencies, crosstabs, theme co-occurrence and the stance
timeline, as a table and a chart side by side.

Every figure comes from desk_annotator.analysis.tables (the CLI's code path); this window only
picks the options, shows the result, and draws it with analysis.charts on a Qt canvas. A
table over a large project can take a moment, so it is computed on a worker thread through a
read-only connection of the window's own (kept while the window is open, so the arrays the
tables share are read once); the newest request wins.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..analysis import charts, tables
from ..analysis.tables_groups import variable_choices
from ..analysis.tables_output import write
from ..document_sets import set_names
from ..export_formats import ProjectReader
from .coder_choices import offered_coders
from .export_job import failure_line
from .plain import plain_label
from .result_table_model import ResultTableModel

KINDS = {"crosstab": "Crosstab (labels × variable)", "frequencies": "Label frequencies",
         "cooccurrence": "Theme co-occurrence", "timeline": "Stance timeline"}
CROSSTAB_VALUES = {"counts": "Counts", "row_percent": "Row %", "column_percent": "Column %"}
COOCCURRENCE_VALUES = {"counts": "Counts", "jaccard": "Jaccard index"}
MODES = {"passage": "Same passage", "overlap": "Overlapping passages",
         "document": "Same document"}
ALL_CODERS = "All coders"
ALL_DOCUMENTS = "All documents"
NO_GROUPING = "(none)"
TABLE_FILTER = "Tables (*.xlsx *.csv *.md *.html *.json)"
CHART_FILTER = "Charts (*.png *.svg)"


@dataclass(frozen=True)
class TableSpec:
    kind: str = "crosstab"
    labels: str = "stance"
    by: str | None = "outlet"
    coder: str | None = None
    set_name: str | None = None
    unit: str = "passages"
    mode: str = "passage"


def compute(project: Any, spec: TableSpec) -> tables.Result:
    """The table ``spec`` asks for (the same calls as the ``table`` CLI commands)."""
    coders = None if spec.coder is None else [spec.coder]
    if spec.kind == "frequencies":
        return tables.frequencies(project, coders=coders, by=spec.by, set_name=spec.set_name,
                                  schemes=(spec.labels,))
    if spec.kind == "cooccurrence":
        return tables.cooccurrence(project, mode=spec.mode, coders=coders,
                                   set_name=spec.set_name)
    if spec.kind == "timeline":
        return tables.timeline(project, coders=coders, unit=spec.unit, by=spec.by or "outlet",
                               set_name=spec.set_name)
    return tables.crosstab(project, labels=spec.labels, by=spec.by or "outlet", coders=coders,
                           unit=spec.unit, set_name=spec.set_name)


def statistics_line(result: tables.Result) -> str:
    """The test and warnings of a result, as one paragraph (figures from the result)."""
    s = result.statistics
    parts = []
    if result.kind == "crosstab":
        if s.get("chi2") is None:
            parts.append(f"n = {s.get('n', 0)}; chi-square not defined")
        else:
            parts.append(f"n = {s['n']} · χ² = {s['chi2']:.3f}, df = {s['df']}, "
                         f"p = {s['p']:.3g} · Cramér's V = {s['cramers_v']:.3f}")
    parts += [f"⚠ {w}" for w in result.warnings]
    return "\n".join(parts) if parts else f"Unit: {result.unit}"


class _Worker(QObject):
    done = Signal(int, object, object)  # (ticket, result, error line)


class TablesWindow(QWidget):
    def __init__(self, project: Any, bridge: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.project, self.bridge = project, bridge
        self.result: tables.Result | None = None
        self.error: str | None = None
        self._ticket = 0
        self._shown_ticket = 0
        self._reader: Any = None
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._worker = _Worker(self)
        self._worker.done.connect(self._on_done)
        self._filling = False
        self.setWindowTitle("Tables and charts")
        self.resize(1180, 720)
        self._build()
        self.fill_choices()
        if bridge is not None:
            bridge.changed.connect(self._on_changed)
        self.refresh()

    # -- layout ----------------------------------------------------------------------------
    def _combo(self, items: dict[str, str] | list[str]) -> QComboBox:
        box = QComboBox()
        if isinstance(items, dict):
            for key, text in items.items():
                box.addItem(text, key)
        else:
            for text in items:
                box.addItem(text, text)
        box.currentIndexChanged.connect(lambda _i, b=box: self._option_changed(b))
        return box

    def _build(self) -> None:
        self.kind_box = self._combo(KINDS)
        self.labels_box = self._combo({"stance": "Stance", "themes": "Themes"})
        self.by_box = self._combo([])
        self.coder_box = self._combo([])
        self.set_box = self._combo([])
        self.unit_box = self._combo({"passages": "Passages", "documents": "Documents"})
        self.mode_box = self._combo(MODES)
        self.values_box = self._combo(CROSSTAB_VALUES)
        form = QFormLayout()
        for text, box in (("Table", self.kind_box), ("Labels", self.labels_box),
                          ("By", self.by_box), ("Coder", self.coder_box),
                          ("Documents", self.set_box), ("Count", self.unit_box),
                          ("Co-occur in", self.mode_box), ("Show", self.values_box)):
            form.addRow(text, box)
        self.export_table_button = QPushButton("Export table…")
        self.export_chart_button = QPushButton("Export chart…")
        self.export_table_button.clicked.connect(lambda: self.ask_export_table())
        self.export_chart_button.clicked.connect(lambda: self.ask_export_chart())
        buttons = QHBoxLayout()
        buttons.addWidget(self.export_table_button)
        buttons.addWidget(self.export_chart_button)
        side = QVBoxLayout()
        side.addLayout(form)
        side.addLayout(buttons)
        self.stats_label = plain_label(word_wrap=True)
        self.stats_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        side.addWidget(self.stats_label)
        side.addStretch(1)
        left = QWidget()
        left.setLayout(side)
        left.setMaximumWidth(360)
        self.model = ResultTableModel(self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.figure = Figure(figsize=(7, 4.5), dpi=100)
        self.canvas = FigureCanvasQTAgg(self.figure)
        self.canvas.setMinimumHeight(260)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.view)
        right.addWidget(self.canvas)
        right.setSizes([300, 420])
        layout = QHBoxLayout(self)
        layout.addWidget(left)
        layout.addWidget(right, 1)

    def fill_choices(self) -> None:
        """Coders, sets and variables as they are in the project now (kept where possible)."""
        self._filling = True
        try:
            self._refill(self.coder_box, offered_coders(self.parent(), self.project, ALL_CODERS))
            self._refill(self.set_box, [ALL_DOCUMENTS, *set_names(self.project)])
            self._refill_by()
        finally:
            self._filling = False
        self._sync_enabled()

    def _refill(self, box: QComboBox, items: list[str]) -> None:
        current = box.currentData()
        box.blockSignals(True)
        box.clear()
        for text in items:
            box.addItem(text, text)
        at = box.findData(current)
        box.setCurrentIndex(max(at, 0))
        box.blockSignals(False)

    def _refill_by(self) -> None:
        kind = self.kind_box.currentData()
        names = variable_choices(self.project)
        if kind == "frequencies":
            items = [NO_GROUPING, "document", "set", *names]
        elif kind == "crosstab":
            items = [*names, "set",
                     "themes" if self.labels_box.currentData() == "stance" else "stance"]
        else:
            items = names
        self._refill(self.by_box, items)
        if self.by_box.currentData() not in items[1:] and kind == "crosstab":
            self.by_box.setCurrentIndex(max(0, self.by_box.findData("outlet")))

    def _sync_enabled(self) -> None:
        kind = self.kind_box.currentData()
        self.labels_box.setEnabled(kind in ("crosstab", "frequencies"))
        self.by_box.setEnabled(kind != "cooccurrence")
        self.unit_box.setEnabled(kind in ("crosstab", "timeline"))
        self.mode_box.setEnabled(kind == "cooccurrence")
        self.values_box.setEnabled(kind in ("crosstab", "cooccurrence"))

    def _option_changed(self, sender: QComboBox) -> None:
        if self._filling:
            return
        if sender in (self.kind_box, self.labels_box):
            self._filling = True
            try:
                if sender is self.kind_box:
                    self._refill_values()
                self._refill_by()
            finally:
                self._filling = False
            self._sync_enabled()
        if sender is self.values_box:
            self._show()  # the same result, another of its tables
            return
        self.refresh()

    def _refill_values(self) -> None:
        """The Show box for the kind of table: crosstab %, or co-occurrence Jaccard."""
        items = COOCCURRENCE_VALUES if self.kind_box.currentData() == "cooccurrence" else \
            CROSSTAB_VALUES
        self.values_box.blockSignals(True)
        self.values_box.clear()
        for key, text in items.items():
            self.values_box.addItem(text, key)
        self.values_box.blockSignals(False)

    # -- options as a spec, and setting them (tests, screenshots) -----------------------------
    def spec(self) -> TableSpec:
        by = self.by_box.currentData()
        coder = self.coder_box.currentData()
        set_name = self.set_box.currentData()
        return TableSpec(kind=self.kind_box.currentData(), labels=self.labels_box.currentData(),
                         by=None if by in (None, NO_GROUPING) else by,
                         coder=None if coder in (None, ALL_CODERS) else coder,
                         set_name=None if set_name in (None, ALL_DOCUMENTS) else set_name,
                         unit=self.unit_box.currentData(), mode=self.mode_box.currentData())

    def choose(self, **options: str) -> None:
        """Set options by their data (kind, labels, by, coder, set, unit, mode, values)."""
        boxes = {"kind": self.kind_box, "labels": self.labels_box, "by": self.by_box,
                 "coder": self.coder_box, "set": self.set_box, "unit": self.unit_box,
                 "mode": self.mode_box, "values": self.values_box}
        for name in ("kind", "labels", "by", "coder", "set", "unit", "mode", "values"):
            if name in options:
                box = boxes[name]
                at = box.findData(options[name])
                if at < 0:
                    raise ValueError(f"no {name} {options[name]!r}")
                box.setCurrentIndex(at)

    @property
    def values(self) -> str:
        return self.values_box.currentData() or "counts"

    # -- computing -------------------------------------------------------------------------
    def refresh(self) -> None:
        """Compute the table for the current options (on a worker thread for a file)."""
        self._ticket += 1
        ticket, spec = self._ticket, self.spec()
        self.stats_label.setText("Computing…")
        if self.project.in_memory:
            self._run(ticket, spec, self.project)
            return
        thread = threading.Thread(target=self._run, args=(ticket, spec, None),
                                  name="tables-window", daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def _run(self, ticket: int, spec: TableSpec, project: Any) -> None:
        result, error = None, None
        with self._lock:  # one computation at a time on the window's connection
            if ticket != self._ticket:
                return  # a newer request is waiting
            try:
                if project is None:
                    if self._reader is None:
                        self._reader = ProjectReader(Path(self.project.path))
                    project = self._reader
                result = compute(project, spec)
            except Exception as exc:  # noqa: BLE001 - shown in the window, never lost
                error = failure_line(exc, self.project.path)
        try:
            self._worker.done.emit(ticket, result, error)
        except RuntimeError:  # the window closed meanwhile
            pass

    def _on_done(self, ticket: int, result: tables.Result | None, error: str | None) -> None:
        if ticket != self._ticket:
            return
        self._shown_ticket = ticket
        self.result, self.error = result, error
        self._show()

    def wait(self, timeout: float = 30.0) -> bool:
        """Wait for the running computation and deliver its result (tests, scripts)."""
        from PySide6.QtCore import QCoreApplication

        for thread in list(self._threads):
            thread.join(timeout)
        QCoreApplication.processEvents()
        return self._shown_ticket == self._ticket

    def _show(self) -> None:
        result = self.result
        if result is None:
            self.model.set_table([], [])
            self.figure.clear()
            self.canvas.draw_idle()
            self.stats_label.setText(self.error or "")
            self.stats_label.setStyleSheet("color: #b00020;")
            self._set_exports(False)
            return
        self.stats_label.setStyleSheet("")
        table = self.shown_table()
        self.model.set_table(table.columns, table.rows)
        self.view.resizeColumnsToContents()
        self.stats_label.setText(statistics_line(result))
        charts.figure_for(result, values=self._chart_values(), figure=self.figure)
        self.canvas.draw_idle()
        self._set_exports(True)

    def shown_table(self) -> tables.Table:
        assert self.result is not None
        wanted = self.values if self.result.kind in ("crosstab", "cooccurrence") else None
        for table in self.result.tables:
            if table.name == wanted:
                return table
        return self.result.tables[0]

    def _chart_values(self) -> str:
        if self.result is None or self.result.kind not in ("crosstab", "cooccurrence"):
            return "counts"
        return self.values

    def _set_exports(self, enabled: bool) -> None:
        self.export_table_button.setEnabled(enabled)
        self.export_chart_button.setEnabled(enabled)

    # -- export ----------------------------------------------------------------------------
    def export_table(self, path: str | Path) -> Path:
        """Write the whole result (every table, statistics and warnings) in the format of the
        extension, as ``table ... --output`` does."""
        assert self.result is not None
        return write(self.result, path)

    def export_chart(self, path: str | Path) -> Path:
        assert self.result is not None
        return charts.save_chart(self.result, path, values=self._chart_values())

    def _ask(self, caption: str, suffix: str, name_filter: str, save: Any) -> None:
        name = f"{self.result.kind if self.result else 'table'}{suffix}"
        path, _ = QFileDialog.getSaveFileName(self, caption, name, name_filter)
        if not path:
            return
        try:
            written = save(path)
        except Exception as exc:  # noqa: BLE001 - one line in the window
            self.stats_label.setText(failure_line(exc, path))
            self.stats_label.setStyleSheet("color: #b00020;")
            return
        self.stats_label.setText(f"{statistics_line(self.result)}\nwrote {written}"
                                 if self.result else f"wrote {written}")

    def ask_export_table(self) -> None:
        self._ask("Export table", ".xlsx", TABLE_FILTER, self.export_table)

    def ask_export_chart(self) -> None:
        self._ask("Export chart", ".png", CHART_FILTER, self.export_chart)

    # -- project changes -------------------------------------------------------------------
    def _on_changed(self, _changed: Any) -> None:
        self.fill_choices()
        self.refresh()

    def closeEvent(self, event: Any) -> None:
        if self.bridge is not None:
            self.bridge.disconnect_view(self._on_changed)
        self._ticket += 1  # nothing waiting runs any more
        for thread in self._threads:
            thread.join(5)
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        super().closeEvent(event)


def open_tables_window(win: Any, **options: str) -> TablesWindow:
    """Analysis → Tables and charts… (kept open beside the main window)."""
    window = TablesWindow(win.project, win.bridge, win)
    if options:
        window.choose(**options)
    win.keep_window(window)
    window.show()
    return window
