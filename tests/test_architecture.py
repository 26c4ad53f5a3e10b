"""The layering rules of DESIGN §1: the core runs without Qt; SQL stays in store/."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "desk_annotator"
CORE_MODULES = ["models", "text", "store", "agreement", "io", "project", "ops", "ops_import",
                "project_io", "cli", "sample"]


def _existing(modules: list[str]) -> list[str]:
    return [m for m in modules if (PACKAGE / m).is_dir() or (PACKAGE / f"{m}.py").exists()]


def test_core_imports_without_pyside6() -> None:
    modules = _existing(CORE_MODULES)
    # Every io submodule too (importers are loaded lazily by project_io).
    io_modules = sorted("io." + ".".join(p.relative_to(PACKAGE / "io").with_suffix("").parts)
                        for p in (PACKAGE / "io").rglob("*.py") if p.name != "__init__.py")
    code = (
        "import importlib, json, sys\n"
        f"for name in {json.dumps(modules + io_modules)}:\n"
        "    importlib.import_module('desk_annotator.' + name)\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'shiboken6', 'PyQt5', 'PyQt6'))))\n"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
    assert "project" in modules and "store" in modules and "cli" in modules


def _python_files(root: Path, *, exclude: str | None = None) -> list[Path]:
    return [p for p in root.rglob("*.py") if exclude is None or exclude not in p.relative_to(root).parts]


def test_no_qt_outside_gui() -> None:
    offenders = [str(p.relative_to(PACKAGE)) for p in _python_files(PACKAGE, exclude="gui")
                 if re.search(r"PySide6|PyQt|shiboken", p.read_text("utf-8"))]
    assert offenders == []


def test_nothing_imports_the_gui_except_the_cli_entry() -> None:
    pattern = re.compile(r"^\s*(from\s+(\.|desk_annotator\.)gui\b|import\s+desk_annotator\.gui)",
                         re.MULTILINE)
    offenders = [str(p.relative_to(PACKAGE)) for p in _python_files(PACKAGE, exclude="gui")
                 if p.name != "cli.py" and pattern.search(p.read_text("utf-8"))]
    assert offenders == []
    # The CLI opens the GUI lazily, inside the function that starts it, never at import.
    cli = (PACKAGE / "cli.py").read_text("utf-8")
    assert not re.search(r"^(from\s+\.gui|import\s+desk_annotator\.gui)", cli, re.MULTILINE)


SQL = re.compile(r"\.execute(many)?\(|\bSELECT\b[^\n]*\bFROM\b|\bINSERT\s+INTO\b|\bDELETE\s+FROM\b"
                 r"|\bUPDATE\s+\w+\s+SET\b|\bsqlite3\b|sqlite_utils")


def test_no_sql_in_the_gui() -> None:
    gui = PACKAGE / "gui"
    if not gui.is_dir():
        pytest.skip("no gui package yet")
    offenders = [f"{p.relative_to(PACKAGE)}: {m.group(0)}" for p in _python_files(gui)
                 for m in [SQL.search(p.read_text("utf-8"))] if m]
    assert offenders == []


def test_sql_lives_in_the_store() -> None:
    """Outside store/, no module talks to SQLite directly (io/ readers of other formats and
    the migration fixture excepted: they do not touch a project)."""
    offenders = []
    for p in _python_files(PACKAGE):
        rel = p.relative_to(PACKAGE)
        if rel.parts[0] in ("store", "gui"):
            continue
        text = p.read_text("utf-8")
        if re.search(r"\bimport sqlite3\b|\bsqlite_utils\b|\.execute\(", text):
            offenders.append(str(rel))
    assert offenders == []


def test_modules_stay_small() -> None:
    big = {str(p.relative_to(PACKAGE)): n for p in _python_files(PACKAGE)
           if (n := len(p.read_text("utf-8").splitlines())) > 600}
    assert big == {}
