"""The Qt shell (PySide6 only). Nothing outside this package imports it.

Entry point: :func:`desk_annotator.gui.app.run_gui`.
"""
