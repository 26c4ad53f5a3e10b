"""`--version` is the package's version, and a project file records which version wrote it."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
from click.testing import CliRunner

import desk_annotator
from desk_annotator.cli import cli
from desk_annotator.project import Project

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT_VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["version"]


def _meta(path: Path) -> dict[str, str]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return dict(conn.execute("SELECT key, value FROM meta WHERE key LIKE '%_by_version'"))
    finally:
        conn.close()


def test_version_option_prints_the_installed_version() -> None:
    done = subprocess.run([sys.executable, "-m", "desk_annotator.cli", "--version"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"desk-annotator, version {version('desk-annotator')}"
    # An editable install's metadata is written from pyproject.toml; a stale install shows here.
    assert desk_annotator.__version__ == version("desk-annotator") == PYPROJECT_VERSION


def test_a_new_project_records_the_version_that_created_it(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite"
    Project(path).close()
    assert _meta(path) == {"created_by_version": PYPROJECT_VERSION,
                           "last_written_by_version": PYPROJECT_VERSION}


def test_a_write_open_updates_last_written_and_keeps_created(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite"
    Project(path).close()
    conn = sqlite3.connect(path)
    with conn:  # the file as an older program left it
        conn.execute("UPDATE meta SET value = '0.0.7' WHERE key LIKE '%_by_version'")
    conn.close()
    Project(path).close()
    assert _meta(path) == {"created_by_version": "0.0.7",
                           "last_written_by_version": PYPROJECT_VERSION}


def test_a_project_from_before_the_record_gets_no_made_up_creator(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite"
    Project(path).close()
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("DELETE FROM meta WHERE key LIKE '%_by_version'")
    conn.close()
    runner = CliRunner()
    result = runner.invoke(cli, ["--project", str(path), "stats", "--json"])
    assert result.exit_code == 0, result.output
    stats = json.loads(result.output)
    assert stats["created_by_version"] is None
    assert stats["last_written_by_version"] == PYPROJECT_VERSION
    text = runner.invoke(cli, ["--project", str(path), "stats"]).output
    assert (f"file: created by desk-annotator a version that did not record it, last written "
            f"by {PYPROJECT_VERSION}") in text.splitlines()


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0,
                    reason="root writes read-only files; POSIX permissions")
def test_a_read_only_open_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite"
    Project(path).close()
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE meta SET value = '0.0.7' WHERE key = 'last_written_by_version'")
    conn.close()
    path.chmod(stat.S_IRUSR)
    project = Project(path)
    try:
        assert project.read_only
    finally:
        project.close()
    assert _meta(path)["last_written_by_version"] == "0.0.7"


def test_a_read_only_request_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite"
    Project(path).close()
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE meta SET value = '0.0.7' WHERE key = 'last_written_by_version'")
    conn.close()
    before = path.read_bytes()
    project = Project(path, read_only=True)
    try:
        assert project.stats()["last_written_by_version"] == "0.0.7"
    finally:
        project.close()
    assert path.read_bytes() == before
