"""The .deb: the bundle folder under /opt/desk-annotator, a /usr/bin link, the desktop entry,
icons and MIME types, packed with dpkg-deb (used by scripts/build_bundle.py --deb).

The bundle carries its libraries, so the package depends on nothing but a C library at least
as new as the one it was built against.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINUX = Path(__file__).resolve().parent / "linux"
ICONS = ROOT / "resources" / "icons"
PACKAGE = "desk-annotator"
INSTALL_DIR = "opt/desk-annotator"

# The caches are refreshed where the tools exist (a minimal system may have neither).
POSTINST = """#!/bin/sh
set -e
if [ "$1" = "configure" ] || [ "$1" = "abort-upgrade" ]; then
  if command -v update-mime-database >/dev/null 2>&1; then
    update-mime-database /usr/share/mime || true
  fi
  if command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database -q /usr/share/applications || true
  fi
  if command -v gtk-update-icon-cache >/dev/null 2>&1; then
    gtk-update-icon-cache -q -t /usr/share/icons/hicolor || true
  fi
fi
"""
POSTRM = POSTINST.replace('"$1" = "configure" ] || [ "$1" = "abort-upgrade"',
                          '"$1" = "remove" ] || [ "$1" = "purge"')


def _glibc_version() -> str:
    _, version = os.confstr("CS_GNU_LIBC_VERSION").split()  # e.g. "glibc 2.36"
    return version


def _architecture() -> str:
    return subprocess.run(["dpkg", "--print-architecture"], check=True, capture_output=True,
                          text=True).stdout.strip()


def _installed_kib(tree: Path) -> int:
    total = sum(p.stat().st_size for p in tree.rglob("*") if p.is_file() and not p.is_symlink())
    return total // 1024 + 1


def control(version: str, architecture: str, installed_kib: int) -> str:
    return (f"Package: {PACKAGE}\n"
            f"Version: {version}\n"
            "Section: science\n"
            "Priority: optional\n"
            f"Architecture: {architecture}\n"
            f"Depends: libc6 (>= {_glibc_version()})\n"
            f"Installed-Size: {installed_kib}\n"
            "Maintainer: desk-annotator developers <desk-annotator@users.noreply.github.com>\n"
            "Description: code news articles by stance and theme, measure agreement\n"
            " desk-annotator is a desktop workbench for qualitative coding: several coders\n"
            " label articles, every label is kept in an SQLite project file, and the\n"
            " program measures inter-coder agreement. It reads and writes REFI-QDA (.qdpx)\n"
            " and common annotation formats. The first start opens a sample corpus.\n")


def build_deb(bundle: Path, out_dir: Path, version: str) -> Path:
    """Pack ``bundle`` (the PyInstaller folder) as out_dir/desk-annotator_<v>_<arch>.deb."""
    architecture = _architecture()
    target = out_dir / f"{PACKAGE}_{version}_{architecture}.deb"
    with tempfile.TemporaryDirectory(prefix="desk-annotator-deb-") as tmp:
        tree = Path(tmp) / "root"
        opt = tree / INSTALL_DIR
        shutil.copytree(bundle, opt, symlinks=True)
        shutil.copy2(LINUX / "open-file", opt / "open-file")
        (tree / "usr/bin").mkdir(parents=True)
        (tree / "usr/bin" / PACKAGE).symlink_to(f"/{INSTALL_DIR}/{PACKAGE}")
        share = tree / "usr/share"
        for source, folder, name in (
                (LINUX / "desk-annotator.desktop", "applications", "desk-annotator.desktop"),
                (LINUX / "desk-annotator-mime.xml", "mime/packages", "desk-annotator.xml"),
                (ICONS / "desk-annotator.svg", "icons/hicolor/scalable/apps",
                 "desk-annotator.svg"),
                (ICONS / "desk-annotator.png", "icons/hicolor/256x256/apps",
                 "desk-annotator.png")):
            (share / folder).mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, share / folder / name)
        for path in tree.rglob("*"):  # root-owned, world-readable, whatever the umask was
            if not path.is_symlink():
                path.chmod(0o755 if path.is_dir() or os.access(path, os.X_OK) else 0o644)
        debian = tree / "DEBIAN"
        debian.mkdir()
        (debian / "control").write_text(control(version, architecture,
                                                _installed_kib(tree)), encoding="utf-8")
        for name, text in (("postinst", POSTINST), ("postrm", POSTRM)):
            (debian / name).write_text(text, encoding="utf-8")
            (debian / name).chmod(0o755)
        out_dir.mkdir(parents=True, exist_ok=True)
        # gzip: every dpkg reads it, and it packs the ~350 MB in well under a minute where
        # xz took seven on two busy cores (for a package about 10 % smaller).
        subprocess.run(["dpkg-deb", "--root-owner-group", "-Zgzip", "-z6", "--build",
                        str(tree), str(target)], check=True, capture_output=True)
    return target
