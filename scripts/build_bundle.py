"""Build the self-contained desk-annotator bundle (and, on Linux, a .deb) with one command.

    .venv/bin/python scripts/build_bundle.py            # dist/desk-annotator/ (one folder)
    .venv/bin/python scripts/build_bundle.py --deb      # ... and dist/desk-annotator_<v>_<arch>.deb
    .venv/bin/python scripts/build_bundle.py --archive  # ... and a .tar.gz (Linux) / .zip

Needs the project installed with its test extra (``pip install -e '.[test]'``: PyInstaller is
in it). The one spec file, packaging/desk-annotator.spec, builds on all three systems; the
bundle runs on the system it was built on and on newer ones (on Linux: the same or a newer
glibc, so build on the oldest distribution you support).

Why PyInstaller, one folder: it has maintained hooks for every library we use (Qt's plugins
and translations, numpy, pandas, scipy, scikit-learn), it copies files rather than compiling
them, so a build takes about four minutes on two busy cores (see docs/install-bundle.md), and
the spec is plain Python that reads pyproject.toml. Nuitka translates our code and its
dependencies to C and compiles that: a faster start and no .pyc files to read, but it needs a
C compiler on every CI runner, compiles for much longer (not measured here; for a Qt + numpy +
scipy program it is commonly tens of minutes on two cores, far past what the test suite can
spend), and its Qt support is a plugin of its own to track per release. The size would be
similar: the bulk is Qt, ICU and the numerical libraries, which both tools copy as they are.
One folder rather than one file: a one-file program unpacks itself into a temporary folder on
every start (seconds, for a program of nearly 400 MB) and leaves it behind when killed.

Windows (PowerShell, Python 3.11+ from python.org, the Visual C++ runtime comes with it)::

    py -m venv .venv; .venv\\Scripts\\pip install -e ".[test]" pillow
    .venv\\Scripts\\python scripts\\build_bundle.py --archive

  dist\\desk-annotator\\ holds desk-annotator.exe (the window, no console) and
  desk-annotator-cli.exe (the commands, for a terminal); the spec makes both. The icon:
  PyInstaller turns resources/icons/desk-annotator.png into an .ico (Pillow does the
  conversion). Qt's platform plugin is ``qwindows`` (plus ``qoffscreen``, ``qminimal``);
  QT_QPA_PLATFORM=offscreen works the same for headless checks. Sign with ``signtool sign
  /fd SHA256 /tr <timestamp-url> /td SHA256 dist\\desk-annotator\\*.exe`` before zipping;
  unsigned programs get a SmartScreen warning ("More info" -> "Run anyway"). An installer
  (Inno Setup, WiX) can wrap the folder; none is built here.

macOS (Python 3.11+ from python.org, universal2, or Homebrew's for one architecture)::

    python3 -m venv .venv && .venv/bin/pip install -e '.[test]' pillow
    .venv/bin/python scripts/build_bundle.py --archive

  dist/desk-annotator.app is the double-clickable program (the BUNDLE step of the spec; the
  .png becomes an .icns); dist/desk-annotator.app/Contents/MacOS/desk-annotator runs the
  commands. Qt's platform plugin is ``qcocoa`` (plus ``qoffscreen``, ``qminimal``). The
  bundle runs on the architecture of the Python that built it (arm64 on Apple silicon
  runners). Gatekeeper refuses unsigned downloads: sign with ``codesign --deep --force
  --options runtime --timestamp --sign "Developer ID Application: ..." dist/desk-annotator.app``,
  then ``xcrun notarytool submit <zip> --keychain-profile <profile> --wait`` and
  ``xcrun stapler staple dist/desk-annotator.app``. Without signing, users right-click ->
  Open once.

Linux: Qt's platform plugins ``qxcb`` (X11), ``qwayland``, ``qoffscreen`` and ``qminimal``
are kept, with the X11/xcb libraries they need (libxcb-cursor0 & co.); the graphics stack
(libGL, libEGL, libxcb) stays the system's, with copies used only where it has none (see
packaging/rthook_graphics_fallback.py). The .deb installs to /opt/desk-annotator with a
/usr/bin/desk-annotator link, a desktop entry, icons and MIME types (packaging/linux/).
"""

from __future__ import annotations

import argparse
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
SPEC = PACKAGING / "desk-annotator.spec"
NAME = "desk-annotator"

sys.path.insert(0, str(PACKAGING))
from runtime_deps import undeclared_imports  # packaging/runtime_deps.py

sys.path.insert(0, str(ROOT))
from desk_annotator import __version__  # of the checkout being built


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def check_imports() -> None:
    """Refuse to build a bundle that would miss a module our code imports."""
    undeclared = undeclared_imports(ROOT)
    if undeclared:
        lines = [f"  {module} (imported in {', '.join(files[:3])})"
                 for module, files in sorted(undeclared.items())]
        sys.exit("build_bundle: desk_annotator imports modules that no runtime requirement in "
                 "pyproject.toml provides, so the bundle would leave them out:\n"
                 + "\n".join(lines) + "\nAdd them to [project] dependencies.")


def build(dist: Path, work: Path, quiet: bool = True) -> Path:
    """Run PyInstaller on the spec; returns the bundle folder (the .app on macOS)."""
    command = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--distpath", str(dist),
               "--workpath", str(work), str(SPEC)]
    if quiet:
        command[3:3] = ["--log-level", "WARN"]
    subprocess.run(command, check=True, cwd=ROOT)
    return dist / (f"{NAME}.app" if sys.platform == "darwin" else NAME)


def archive(bundle: Path, dist: Path) -> Path:
    system = {"linux": "linux", "win32": "windows", "darwin": "macos"}.get(sys.platform,
                                                                          sys.platform)
    base = dist / f"{NAME}-{__version__}-{system}-{platform.machine().lower()}"
    if sys.platform == "darwin":
        # ditto keeps the .app's symbolic links (Python's zip would copy their targets,
        # doubling the size and breaking the code signature) and is what notarytool expects.
        target = Path(f"{base}.zip")  # not with_suffix: the version has dots
        subprocess.run(["ditto", "-c", "-k", "--keepParent", str(bundle), str(target)],
                       check=True)
        return target
    kind = "gztar" if sys.platform.startswith("linux") else "zip"
    return Path(shutil.make_archive(str(base), kind, root_dir=bundle.parent,
                                    base_dir=bundle.name))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist",
                        help="where the bundle goes (default: dist/)")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "pyinstaller",
                        help="PyInstaller's work folder, reused by the next build")
    parser.add_argument("--deb", action="store_true", help="also build the .deb (Linux)")
    parser.add_argument("--archive", action="store_true",
                        help="also pack the bundle as .tar.gz (Linux) or .zip")
    parser.add_argument("--verbose", action="store_true", help="PyInstaller's full log")
    args = parser.parse_args(argv)

    check_imports()
    started = time.monotonic()
    bundle = build(args.dist.resolve(), args.work.resolve(), quiet=not args.verbose)
    built = time.monotonic() - started
    print(f"bundle: {bundle} ({folder_size(bundle) / 1e6:.0f} MB, built in {built:.0f} s)")
    if args.deb:
        if not sys.platform.startswith("linux"):
            sys.exit("build_bundle: --deb builds on Linux only")
        from linux_deb import build_deb  # packaging/linux_deb.py

        deb = build_deb(bundle, args.dist.resolve(), __version__)
        print(f"deb: {deb} ({deb.stat().st_size / 1e6:.0f} MB)")
    if args.archive:
        packed = archive(bundle, args.dist.resolve())
        print(f"archive: {packed} ({packed.stat().st_size / 1e6:.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
