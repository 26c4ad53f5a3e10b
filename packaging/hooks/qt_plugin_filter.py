"""Which Qt plugins the bundle keeps (used by the hook-PySide6.* overrides beside it).

PyInstaller's Qt hooks collect every plugin of each plugin type a Qt module offers; each
plugin then drags its own libraries in (the GTK 3 theme alone pulls GTK, Cairo, Pango and
the rest of the GTK stack, about 20 MB). Filtering the hook's list, before PyInstaller
resolves library dependencies, keeps those libraries out instead of removing the plugin and
leaving its libraries behind.
"""

import re

from PyInstaller.utils.hooks.qt import add_qt6_dependencies

# Platforms: X11, Wayland, and the headless ones (offscreen for scripted use and the smoke
# test, minimal as a fallback); Windows and macOS keep theirs. The embedded-display platforms
# (eglfs, linuxfb, vnc, vkkhrdisplay) and their device integrations are for kiosks.
_DROP = re.compile(
    r"plugins[/\\](platforms[/\\](lib)?q(eglfs|linuxfb|minimalegl|vnc|vkkhrdisplay)\."
    r"|platformthemes[/\\](lib)?qgtk3\."
    r"|egldeviceintegrations[/\\]|generic[/\\]|printsupport[/\\]|networkinformation[/\\]"
    r"|tls[/\\]|sqldrivers[/\\]|wayland-graphics-integration-server[/\\]"
    r"|vectorimageformats[/\\]|imageformats[/\\](lib)?q(pdf|tga|wbmp|webp|tiff|icns)\.)")


def kept(entries):
    return [entry for entry in entries if not _DROP.search(entry[0].replace("\\", "/"))
            and not _DROP.search(str(entry[1]).replace("\\", "/") + "/")]


def filtered_qt6_dependencies(hook_file):
    hiddenimports, binaries, datas = add_qt6_dependencies(hook_file)
    return hiddenimports, kept(binaries), datas
