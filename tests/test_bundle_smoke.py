"""The installable bundle: build it with scripts/build_bundle.py, start the real program from it
on a fresh data folder (the window offscreen, quitting after its first paint), and run
commands through the same program.

It takes minutes (the build), so it runs in CI (CI=true) or when asked for
(DESK_ANNOTATOR_BUNDLE_TEST=1); DESK_ANNOTATOR_BUNDLE_DIR=<folder> tests an already built
bundle instead of building one. The build starts in the background when collection ends
(tests/bundle_build.py), so the rest of the suite runs meanwhile.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import bundle_build
import pytest

ROOT = Path(__file__).resolve().parent.parent
WANTED = bundle_build.wanted()

pytestmark = [
    pytest.mark.bundle,
    pytest.mark.skipif(not WANTED, reason="builds the bundle (minutes): runs with CI=true or "
                                          "DESK_ANNOTATOR_BUNDLE_TEST=1"),
]


def _programs(bundle: Path) -> tuple[Path, Path]:
    """(the program a double click starts, the one that runs commands in a terminal)."""
    if sys.platform == "win32":
        return bundle / "desk-annotator.exe", bundle / "desk-annotator-cli.exe"
    if sys.platform == "darwin":
        program = bundle / "Contents" / "MacOS" / "desk-annotator"
        return program, program
    return bundle / "desk-annotator", bundle / "desk-annotator"


@pytest.fixture(scope="session")
def bundle() -> Path:
    return bundle_build.bundle()


def _environment(home: Path) -> dict[str, str]:
    """A fresh data folder, the offscreen platform, and nothing that would let the program
    borrow this checkout's Python packages."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "VIRTUAL_ENV", "QT_", "DESK_ANNOTATOR_"))}
    env.update(DESK_ANNOTATOR_HOME=str(home), QT_QPA_PLATFORM="offscreen",
               PYTHONNOUSERSITE="1")
    return env


def _run(program: Path, args: list[str], env: dict[str, str], cwd: Path,
         timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([str(program), *args], env=env, cwd=cwd, capture_output=True,
                          text=True, encoding="utf-8", errors="replace", timeout=timeout,
                          check=False)


def test_first_start_opens_the_sample_project_and_commands_run(bundle, tmp_path):
    window_program, command_program = _programs(bundle)
    home = tmp_path / "home"
    env = _environment(home)

    # The first start: no data folder yet. The window must create the default project from
    # the sample corpus, open it, paint once and quit by itself.
    started = _run(window_program, [], dict(env, DESK_ANNOTATOR_SMOKE_TEST="1"), tmp_path)
    assert started.returncode == 0, started.stdout + started.stderr
    project = home / "data" / "default.sqlite"
    assert project.is_file()
    if window_program == command_program:  # Windows' windowed program has no stdout
        # (the title's dash is not ASCII: a Windows console may print it in its code page)
        assert "smoke test: window 'desk-annotator " in started.stdout
        assert "default.sqlite' painted, project " + str(project) in started.stdout

    # The project the window made holds the sample corpus: one document per article file
    # and the three coders of sample_corpus/annotations.jsonl.
    articles = sorted((ROOT / "sample_corpus" / "articles").iterdir())
    records = [json.loads(line) for line in (ROOT / "sample_corpus" / "annotations.jsonl")
               .read_text(encoding="utf-8").splitlines() if line.strip()]
    coders = {a["coder"] for record in records for a in record["annotations"]}
    stats = _run(command_program, ["stats", "--json"], env, tmp_path)
    assert stats.returncode == 0, stats.stderr
    numbers = json.loads(stats.stdout)
    assert numbers["documents"] == len(articles) == 10
    assert numbers["coders"] == len(coders) == 3

    # A command that reads a bundled resource file (the default codebook) and writes a file.
    exported = _run(command_program, ["codebook", "export", "codebook.json"], env, tmp_path)
    assert exported.returncode == 0, exported.stderr
    written = json.loads((tmp_path / "codebook.json").read_text(encoding="utf-8"))
    shipped = json.loads((ROOT / "resources" / "codebooks" / "ai-policy.json").read_text(
        encoding="utf-8"))
    assert _label_names(written) == _label_names(shipped)

    # A chart: matplotlib picks its file writer by name at run time, which a bundle misses
    # unless it was told (it once failed here with "No module named ...backend_svg").
    chart = _run(command_program, ["table", "crosstab", "--by", "outlet", "--unit",
                                   "documents", "--chart", "chart.svg"], env, tmp_path)
    assert chart.returncode == 0, chart.stderr
    assert "<svg" in (tmp_path / "chart.svg").read_text(encoding="utf-8")


def test_unknown_command_fails_with_a_usage_error(bundle, tmp_path):
    _, command_program = _programs(bundle)
    done = _run(command_program, ["no-such-command"], _environment(tmp_path / "home"),
                tmp_path)
    assert done.returncode == 2
    assert "No such command" in done.stderr


def _label_names(codebook: object) -> set[str]:
    """Every "name" value anywhere in a codebook JSON document."""
    found: set[str] = set()
    if isinstance(codebook, dict):
        if isinstance(codebook.get("name"), str):
            found.add(codebook["name"])
        for value in codebook.values():
            found |= _label_names(value)
    elif isinstance(codebook, list):
        for item in codebook:
            found |= _label_names(item)
    return found
