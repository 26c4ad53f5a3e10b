"""Start-up check for Qt's platform (issue 11 item 1): no display, or a missing system library
of Qt's xcb plugin, gives one line naming what to install and exit status 1 — never Qt's abort
or a traceback. Driven without a display: the missing library is simulated."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from desk_annotator import platform_check as pc

ROOT = Path(__file__).resolve().parent.parent
DISPLAY_VARS = ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "XDG_SESSION_TYPE")


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in DISPLAY_VARS}
    env["DESK_ANNOTATOR_HOME"] = str(tmp_path / "home")
    env.update(extra)
    return env


def everything_loads(_soname: str) -> bool:
    return True


def test_missing_libraries_named_with_both_package_managers() -> None:
    gone = {"libxcb-cursor.so.0", "libxkbcommon-x11.so.0", "libxcb-shape.so.0"}
    line = pc.platform_problem({"DISPLAY": ":0"}, "linux", lambda s: s not in gone)
    assert line is not None and "\n" not in line
    for soname in gone:
        assert soname in line
    apt = re.search(r"apt-get install ([^`]+)`", line)
    dnf = re.search(r"dnf install ([^`]+)`", line)
    assert apt and set(apt.group(1).split()) == {"libxcb-cursor0", "libxkbcommon-x11-0",
                                                 "libxcb-shape0"}
    assert dnf and set(dnf.group(1).split()) == {"xcb-util-cursor", "libxkbcommon-x11",
                                                 "libxcb"}


@pytest.mark.parametrize(("env", "platform", "expected"), [
    ({"DISPLAY": ":0"}, "linux", None),
    ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "xcb"}, "linux", None),
    ({}, "linux", "no display"),
    ({"QT_QPA_PLATFORM": "xcb", "WAYLAND_DISPLAY": "wayland-0"}, "linux", "DISPLAY is not set"),
    ({"QT_QPA_PLATFORM": "offscreen"}, "linux", None),
    ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", None),
    ({}, "darwin", None),
    ({}, "win32", None),
])
def test_which_starts_are_checked(env: dict[str, str], platform: str,
                                  expected: str | None) -> None:
    line = pc.platform_problem(env, platform, everything_loads)
    assert (line is None) if expected is None else (line is not None and expected in line)


def test_xcb_libraries_checked_only_when_qt_will_use_xcb() -> None:
    def nothing_loads(_soname: str) -> bool:
        return False

    wayland = {"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland"}
    assert pc.platform_problem(wayland, "linux", nothing_loads) is None
    assert pc.platform_problem({**wayland, "QT_QPA_PLATFORM": "xcb"}, "linux", nothing_loads)
    assert pc.platform_problem({"DISPLAY": ":0"}, "linux", nothing_loads)


def test_no_display_through_the_command_line(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "desk_annotator.cli"], env=_env(tmp_path),
                            capture_output=True, text=True, timeout=60, check=False)
    if not sys.platform.startswith("linux"):
        pytest.skip("the display check is for Linux")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "no display" in lines[0], result.stderr
    assert "QT_QPA_PLATFORM=offscreen" in lines[0]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="xcb is Linux's")
def test_missing_library_through_the_command_line_never_loads_qt(tmp_path: Path) -> None:
    script = textwrap.dedent("""
        import sys
        from desk_annotator import platform_check
        platform_check._loads = lambda soname: soname != "libxcb-cursor.so.0"
        from desk_annotator.cli import main
        try:
            main([])
            code = 0
        except SystemExit as exc:
            code = exc.code
        print("qt-loaded" if "PySide6.QtWidgets" in sys.modules else "qt-not-loaded", code)
        """)
    result = subprocess.run([sys.executable, "-c", script], env=_env(tmp_path, DISPLAY=":99"),
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.stdout.split() == ["qt-not-loaded", "1"], result.stdout + result.stderr
    assert result.stderr.strip().splitlines() == [pc.missing_message(["libxcb-cursor.so.0"])]
    assert "sudo apt-get install libxcb-cursor0`" in result.stderr
    assert "sudo dnf install xcb-util-cursor`" in result.stderr


def test_readme_first_lines_name_the_debian_packages() -> None:
    # The two set-up commands open the README (CI runs the second); the packages follow at once.
    head = (ROOT / "README.md").read_text(encoding="utf-8").split("desk-annotator is a desktop")[0]
    assert len(head.splitlines()) < 30
    apt = [line for line in head.splitlines() if "apt-get install" in line]
    assert len(apt) == 1
    named = set(apt[0].split("apt-get install", 1)[1].strip(" `").split())
    assert named == set(pc.apt_packages())
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert ".venv/bin/pip install -e . && .venv/bin/desk-annotator" in readme


def _needed(binary: Path) -> list[str]:
    out = subprocess.run(["readelf", "-d", str(binary)], capture_output=True, text=True,
                         check=True).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


@pytest.mark.skipif(shutil.which("readelf") is None or not sys.platform.startswith("linux"),
                    reason="needs readelf on Linux")
def test_table_covers_what_the_installed_qt_links() -> None:
    spec = importlib.util.find_spec("PySide6")
    assert spec is not None and spec.origin is not None
    qt = Path(spec.origin).parent / "Qt"
    binaries = [qt / "plugins" / "platforms" / "libqxcb.so",
                *(qt / "lib" / f"libQt6{n}.so.6" for n in ("XcbQpa", "Gui", "Core", "DBus",
                                                           "Widgets"))]
    bundled = {p.name for p in (qt / "lib").iterdir()}
    needed = {lib for b in binaries if b.exists() for lib in _needed(b)}
    assert needed, "no Qt binaries found"
    system = {lib for lib in needed if lib not in bundled
              and not lib.startswith(pc.ALWAYS_PRESENT)}
    assert system - set(pc.XCB_LIBRARIES) == set()
