"""Every command example of the guide runs and exits 0 (issue 15: a guide that cannot drift).

The convention (docs/architecture.md): in a fenced block with the info string ``console``, each
line starting with ``$ desk-annotator `` is a command. The lines of one page run in page order in
a fresh temporary folder of their own, with DESK_ANNOTATOR_HOME set there, so the default
project is made from the sample corpus and output files land in that folder.

Starting a Python process costs over a second (the imports), which over a hundred examples
would be minutes. So one helper process imports the CLI once and forks a child per command: each
command still runs the real ``desk_annotator.cli.main`` in a process of its own, with its own
working folder, environment and exit status, exactly as ``desk-annotator ...`` from a shell.
Where fork is missing (Windows), each command runs as ``python -m desk_annotator.cli``.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROMPT = "$ desk-annotator "
_FENCE = re.compile(r"^(`{3,}|~{3,})\s*([^\s`]*)")


@dataclass(frozen=True)
class Example:
    line: int  # 1-based line of the page where the command starts
    text: str  # the command as written, without the prompt
    argv: tuple[str, ...]


def command_examples(markdown: str) -> list[Example]:
    """The commands of a page's ``console`` blocks, in order (a trailing backslash continues)."""
    examples: list[Example] = []
    fence: str | None = None
    is_console = False
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        opened = _FENCE.match(line)
        if fence is None:
            if opened:
                fence, is_console = opened.group(1), opened.group(2) == "console"
        elif line.strip().startswith(fence[0] * len(fence)) and \
                line.strip().strip(fence[0]) == "":
            fence = None
        elif is_console and line.startswith(PROMPT):
            start, text = i + 1, line[len(PROMPT):]
            while text.endswith("\\") and i + 1 < len(lines):
                i += 1
                text = text[:-1] + " " + lines[i].strip()
            examples.append(Example(start, text, tuple(shlex.split(text, comments=True))))
        i += 1
    return examples


def _pages() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


PAGES = [p for p in _pages() if command_examples(p.read_text(encoding="utf-8"))]


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(DESK_ANNOTATOR_HOME=str(home), QT_QPA_PLATFORM="offscreen")
    return env


# --- the fork server: `python tests/test_docs_commands.py --serve` ---------------------------

def _serve() -> None:
    """Read one JSON request per line ({argv, cwd, home, out}); run it in a forked child."""
    import desk_annotator.cli  # imported once, before any fork

    for request_line in sys.stdin:
        request = json.loads(request_line)
        out = Path(request["out"])
        pid = os.fork()
        if pid == 0:  # the child: one command, as from a shell
            code = 70
            try:
                os.chdir(request["cwd"])
                os.environ.update(DESK_ANNOTATOR_HOME=request["home"],
                                  QT_QPA_PLATFORM="offscreen")
                fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                os.dup2(fd, 1)
                os.dup2(fd, 2)
                sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115  (a prompt reads EOF; the child ends with os._exit)
                try:
                    desk_annotator.cli.main(list(request["argv"]))
                    code = 0
                except SystemExit as exc:
                    code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None
                                                                        else 1)
                except BaseException:  # noqa: BLE001  (a crash is a failed example)
                    import traceback
                    traceback.print_exc()
                    code = 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        sys.stdout.write(json.dumps({"code": code}) + "\n")
        sys.stdout.flush()


class _Runner:
    def __init__(self) -> None:
        self.server: subprocess.Popen[str] | None = None
        if hasattr(os, "fork"):
            self.server = subprocess.Popen(
                [sys.executable, __file__, "--serve"], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, text=True, cwd=ROOT, env=_env(ROOT / "no-home"))

    def run(self, argv: tuple[str, ...], cwd: Path, home: Path) -> tuple[int, str]:
        out = cwd.parent / "last-output.txt"
        if self.server is None:
            done = subprocess.run([sys.executable, "-m", "desk_annotator.cli", *argv],
                                  cwd=cwd, env=_env(home), capture_output=True, text=True,
                                  stdin=subprocess.DEVNULL, timeout=300, check=False)
            return done.returncode, done.stdout + done.stderr
        assert self.server.stdin is not None and self.server.stdout is not None
        self.server.stdin.write(json.dumps({"argv": argv, "cwd": str(cwd), "home": str(home),
                                            "out": str(out)}) + "\n")
        self.server.stdin.flush()
        reply = self.server.stdout.readline()
        assert reply, "the command server stopped"
        return json.loads(reply)["code"], out.read_text(encoding="utf-8", errors="replace")

    def close(self) -> None:
        if self.server is not None:
            assert self.server.stdin is not None
            self.server.stdin.close()
            self.server.wait(timeout=30)


@pytest.fixture(scope="module")
def runner() -> Any:
    r = _Runner()
    yield r
    r.close()


@pytest.fixture(scope="module")
def sample_project(runner: _Runner, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default project as the program makes it on first use, made once: filling it from
    the sample corpus is most of a short page's time. Each page gets a copy of the closed file
    (no WAL left beside it), so it still starts from a fresh default project."""
    root = tmp_path_factory.mktemp("sample-home")
    (root / "work").mkdir()
    code, output = runner.run(("stats",), root / "work", root)
    assert code == 0, output
    made = root / "data" / "default.sqlite"
    assert made.is_file() and not made.with_name("default.sqlite-wal").exists()
    return made


def _run_page(runner: _Runner, page: Path, tmp_path: Path,
              sample: Path | None = None) -> list[str]:
    work, home = tmp_path / "work", tmp_path / "home"
    work.mkdir()
    home.mkdir()
    if sample is not None:
        (home / "data").mkdir()
        shutil.copyfile(sample, home / "data" / sample.name)
    failures = []
    for example in command_examples(page.read_text(encoding="utf-8")):
        code, output = runner.run(example.argv, work, home)
        if code != 0:
            tail = "\n    ".join(output.strip().splitlines()[-6:])
            name = page.relative_to(ROOT) if page.is_relative_to(ROOT) else page.name
            failures.append(f"{name}:{example.line}: "
                            f"desk-annotator {example.text}\n  exit {code}\n    {tail}")
    return failures


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_every_command_example_of_the_page_exits_0(runner: _Runner, sample_project: Path,
                                                   page: Path, tmp_path: Path) -> None:
    failures = _run_page(runner, page, tmp_path, sample_project)
    assert not failures, "\n".join(failures)


def test_the_guide_has_command_examples() -> None:
    # A renamed info string or prompt would silently leave nothing to run.
    total = sum(len(command_examples(p.read_text(encoding="utf-8"))) for p in PAGES)
    assert len(PAGES) >= 10 and total >= 60, (len(PAGES), total)


def test_parser_reads_console_blocks_only() -> None:
    page = "\n".join([  # noqa: FLY002  (one line of the page per line here)
        "```console",
        "$ desk-annotator stats --json   # a comment",
        "output line",
        "$ desk-annotator export \\",
        "    out.jsonl",
        "```",
        "```bash",
        "$ desk-annotator not-run",
        "```",
        "````markdown",
        "```console",
        "$ desk-annotator inside-an-example",
        "```",
        "````",
        "~~~console",
        "$ desk-annotator search \"China's\"",
        "~~~",
    ])
    assert [(e.line, e.argv) for e in command_examples(page)] == [
        (2, ("stats", "--json")), (4, ("export", "out.jsonl")), (16, ("search", "China's"))]


def test_a_failing_example_names_the_page_and_line(runner: _Runner, tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("Intro\n\n```console\n$ desk-annotator stats\n"
                    "$ desk-annotator no-such-command\n```\n", encoding="utf-8")
    failures = _run_page(runner, page, tmp_path)
    assert len(failures) == 1
    assert failures[0].startswith("page.md:5: desk-annotator no-such-command\n  exit 2")
    assert "No such command" in failures[0]
    assert (tmp_path / "home" / "data" / "default.sqlite").exists()  # made from the sample


def test_the_default_project_has_the_ids_of_the_sample_dataset(tmp_path: Path,
                                                              monkeypatch: Any) -> None:
    # The guide names sample documents by id (E5FB...); a fresh default project must have them.
    from desk_annotator.paths import sample_corpus_dir
    from desk_annotator.sample import open_project

    monkeypatch.setenv("DESK_ANNOTATOR_HOME", str(tmp_path))
    lines = (sample_corpus_dir() / "annotations.jsonl").read_text(encoding="utf-8").splitlines()
    expected = {json.loads(line)["id"] for line in lines if line.strip()}
    project = open_project(None)
    try:
        assert {d.id for d in project.q.document_infos()} == expected
        assert project.q.annotation_count() == sum(
            len(json.loads(line)["annotations"]) for line in lines if line.strip())
    finally:
        project.close()


if __name__ == "__main__" and sys.argv[1:] == ["--serve"]:
    _serve()
