"""Before the window opens: can Qt reach a display here, and are the system libraries its
X11 (xcb) platform plugin links against installed?

Without this a fresh Linux desktop gets Qt's own abort ("Could not load the Qt platform plugin
xcb ...") and a core dump instead of a sentence naming what to install. This module imports no
Qt, so it can run before any Qt library is loaded, and the tests can drive every message path
without a display by passing the environment and a loader that pretends a library is missing.

The library list is what ``readelf -d`` / ``ldd`` show for the Qt wheel's ``libqxcb.so``,
``libQt6XcbQpa``, ``libQt6Gui`` and ``libQt6DBus`` (Qt 6.x wheels), less the C and C++
runtimes, which every system has. Qt 6 no longer links ``libxcb-xinerama``.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable, Iterable, Mapping

# soname -> (Debian/Ubuntu package, Fedora package)
XCB_LIBRARIES: dict[str, tuple[str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2"),
}
# Linked too, but part of every system that runs Python and a package manager.
ALWAYS_PRESENT = ("libc.so", "libm.so", "libstdc++.so", "libgcc_s.so", "ld-linux", "libz.so",
                  "libzstd.so", "libpthread.so", "libdl.so", "librt.so")

# Platforms that draw nowhere or on their own device: nothing to check.
_HEADLESS = {"offscreen", "minimal", "vnc", "eglfs", "linuxfb", "vkkhrdisplay"}


def apt_packages() -> list[str]:
    return _unique(deb for deb, _ in XCB_LIBRARIES.values())


def _unique(names: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(names))


def _loads(soname: str) -> bool:
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def missing_libraries(loads: Callable[[str], bool] | None = None) -> list[str]:
    """The sonames of XCB_LIBRARIES that the dynamic loader cannot load here."""
    loads = loads or _loads
    return [soname for soname in XCB_LIBRARIES if not loads(soname)]


def missing_message(missing: list[str]) -> str:
    """One line: what is missing and the command that installs it on each family."""
    deb = " ".join(_unique(XCB_LIBRARIES[s][0] for s in missing))
    rpm = " ".join(_unique(XCB_LIBRARIES[s][1] for s in missing))
    return (f"desk-annotator: cannot open the window: Qt's X11 platform needs "
            f"{', '.join(missing)}, not installed here. Install with "
            f"`sudo apt-get install {deb}` (Debian/Ubuntu) or `sudo dnf install {rpm}` "
            "(Fedora), then start again.")


NO_DISPLAY_MESSAGE = (
    "desk-annotator: cannot open the window: there is no display (neither DISPLAY nor "
    "WAYLAND_DISPLAY is set). Run it inside a desktop session, or set "
    "QT_QPA_PLATFORM=offscreen for scripted use; the command-line commands need no display.")


def platform_problem(environ: Mapping[str, str] | None = None, platform: str | None = None,
                     loads: Callable[[str], bool] | None = None) -> str | None:
    """None when Qt can be started here; else the one line to print instead of starting it.

    Only Linux (and the BSDs, which use the same plugin) is checked; a QT_QPA_PLATFORM other
    than xcb, or a Wayland session where Qt picks its Wayland plugin, is left to Qt."""
    env = os.environ if environ is None else environ
    system = sys.platform if platform is None else platform
    if not (system.startswith("linux") or "bsd" in system):
        return None
    requested = env.get("QT_QPA_PLATFORM", "").strip()
    first = requested.split(";")[0].split(":")[0].strip().lower()
    if first in _HEADLESS:
        return None
    if first and first != "xcb":
        return None  # wayland or another plugin the user chose: Qt's own message is specific
    display, wayland = env.get("DISPLAY"), env.get("WAYLAND_DISPLAY")
    if not display and not wayland:
        return NO_DISPLAY_MESSAGE
    if not display:
        if first == "xcb":
            return ("desk-annotator: cannot open the window: QT_QPA_PLATFORM=xcb asks for X11 "
                    "but DISPLAY is not set; unset QT_QPA_PLATFORM to use Wayland.")
        return None  # Wayland only: Qt takes its Wayland plugin
    if not first and wayland and env.get("XDG_SESSION_TYPE", "").lower() == "wayland":
        return None  # Qt 6 takes its Wayland plugin here; xcb is only the fallback
    missing = missing_libraries(loads)
    return missing_message(missing) if missing else None
