"""The bundle build behind tests/test_bundle_smoke.py, started in the background as soon as
the collected tests include one marked ``bundle`` (tests/conftest.py calls
:func:`start_if_selected` when collection finishes).

The build takes minutes and uses one core; pytest runs the other tests on the other core, so
starting it before the first test instead of when the smoke test comes up keeps it off the
suite's total time on a two-core CI machine. It is a plain subprocess of this pytest run: if
the run ends before the build does, it is stopped, and its folder is removed either way.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAME = "desk-annotator.app" if sys.platform == "darwin" else "desk-annotator"


def wanted() -> bool:
    """Build and test the bundle in this run: on CI, when asked for, or given a built one."""
    return (os.environ.get("CI", "").lower() == "true"
            or os.environ.get("DESK_ANNOTATOR_BUNDLE_TEST", "") == "1"
            or bool(os.environ.get("DESK_ANNOTATOR_BUNDLE_DIR")))


class _Build:
    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="desk-annotator-bundle-"))
        self.log = self.folder / "build.log"
        self.started = time.monotonic()
        with self.log.open("w", encoding="utf-8") as log:
            self.process = subprocess.Popen(
                [sys.executable, str(ROOT / "scripts" / "build_bundle.py"),
                 "--dist", str(self.folder / "dist"), "--work", str(self.folder / "work")],
                stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        atexit.register(self.discard)

    def wait(self, timeout: float) -> Path:
        """The built bundle; AssertionError with the end of the build log if it failed."""
        code = self.process.wait(timeout=timeout)
        output = self.log.read_text(encoding="utf-8", errors="replace")
        assert code == 0, f"bundle build failed ({code}):\n{output[-4000:]}"
        return self.folder / "dist" / NAME

    def discard(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.folder, ignore_errors=True)


_BUILD: list[_Build] = []


def start_if_selected(items: list) -> None:
    """Start the build when a collected test is marked ``bundle`` and will not be skipped."""
    if _BUILD or os.environ.get("DESK_ANNOTATOR_BUNDLE_DIR") or not wanted():
        return
    if any(item.get_closest_marker("bundle") for item in items):
        _BUILD.append(_Build())


def bundle(timeout: float = 1800) -> Path:
    """The bundle to test: the one given in DESK_ANNOTATOR_BUNDLE_DIR, else this run's build
    (started now if collection did not start it)."""
    given = os.environ.get("DESK_ANNOTATOR_BUNDLE_DIR")
    if given:
        return Path(given).resolve()
    if not _BUILD:
        _BUILD.append(_Build())
    return _BUILD[0].wait(timeout)
