"""PyInstaller runtime hook (Linux): use the system's graphics libraries when it has them,
the bundle's copies only when it does not.

libGL, libEGL, their libglvnd dispatch libraries and libxcb belong to the desktop's graphics
stack: the GPU driver loads against the system's own copies, so a bundled copy that shadows
them can break hardware drivers (PyInstaller leaves them out for that reason). A fresh
container or a stripped-down desktop may lack them, though, and then QtGui cannot even be
imported. The build puts copies in ``graphics-fallback/``, off the library search path; this
hook, which runs before any of our code, loads a copy by its full path only for a library the
system cannot provide. Once loaded under its soname, Qt's libraries bind to it.
"""

import ctypes
import os
import sys

# Dependencies before the libraries that need them.
_FALLBACK_ORDER = ("libxcb.so.1", "libGLdispatch.so.0",
                   "libGLX.so.0", "libOpenGL.so.0", "libGL.so.1", "libEGL.so.1")


def _load_fallbacks() -> None:
    folder = os.path.join(getattr(sys, "_MEIPASS", ""), "graphics-fallback")
    if not sys.platform.startswith("linux") or not os.path.isdir(folder):
        return
    for soname in _FALLBACK_ORDER:
        try:
            ctypes.CDLL(soname, mode=ctypes.RTLD_GLOBAL)
            continue  # the system (or the bundle proper) has it
        except OSError:
            pass
        copy = os.path.join(folder, soname)
        if os.path.exists(copy):
            try:
                ctypes.CDLL(copy, mode=ctypes.RTLD_GLOBAL)
            except OSError:
                pass  # platform_check names what is missing when the window is asked for


_load_fallbacks()
