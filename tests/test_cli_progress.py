"""``import`` shows a status line while it reads and writes, on a terminal only
(desk_annotator/cli_progress.py). Both runs are real processes: one with its stderr on a
pseudo-terminal, as in a user's shell, one with pipes, as in a script."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest

from desk_annotator.project import Project

SAMPLE = Path(__file__).parents[1] / "sample_corpus" / "annotations.jsonl"


def _command(project: Path) -> list[str]:
    return [sys.executable, "-m", "desk_annotator.cli", "--project", str(project), "import",
            "--add-missing-labels", str(SAMPLE)]


def _env(tmp_path: Path) -> dict[str, str]:
    return dict(os.environ, DESK_ANNOTATOR_HOME=str(tmp_path / "home"),
                QT_QPA_PLATFORM="offscreen")


def _run_on_terminal(command: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    """(exit status, stdout, what the terminal on stderr received)."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=follower, env=env)
    os.close(follower)
    received = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        if not ready:
            proc.kill()
            pytest.fail("the import said nothing on its terminal for 60 s")
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the last writer closed: Linux reports EIO
            break
        if not chunk:
            break
        received += chunk
    out = proc.stdout.read().decode() if proc.stdout else ""
    os.close(leader)
    return proc.wait(timeout=60), out, received.decode()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pseudo-terminals: Linux")
def test_import_on_a_terminal_shows_reading_and_writing_then_clears_the_line(
        tmp_path: Path) -> None:
    project = tmp_path / "p.sqlite"
    status, out, terminal = _run_on_terminal(_command(project), _env(tmp_path))
    assert status == 0, (out, terminal)
    size = SAMPLE.stat().st_size  # the sample is between 0.1 and 10 MB
    assert f"reading {SAMPLE.name} ({size / 1e6:.1f} MB)…" in terminal
    assert "writing into the project…" in terminal
    # the line is erased last, so the shell's prompt and the report start on a clean line
    assert terminal.endswith("\r\x1b[K")
    assert "annotations added" in out
    with Project(project) as p:
        assert p.q.annotation_count() > 0


def test_import_in_a_script_prints_no_status_line(tmp_path: Path) -> None:
    project = tmp_path / "p.sqlite"
    done = subprocess.run(_command(project), capture_output=True, text=True,
                          env=_env(tmp_path), timeout=60)
    assert done.returncode == 0, done.stderr
    assert "reading" not in done.stderr and "\x1b" not in done.stderr + done.stdout
    assert "annotations added" in done.stdout
