"""What the bundle must contain, read from pyproject.toml and the installed packages' metadata.

Shared by the spec (which hands the result to PyInstaller) and scripts/build_bundle.py (which
refuses to build when our code imports something pyproject.toml does not require: such a
module works in a developer's venv, where a test tool happens to pull it in, and then fails
in the bundle and in a plain ``pip install``).
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
# Imported by our code only when the matching optional extra is installed.
OPTIONAL_IMPORTS = {"spacy"}


def _key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _applicable(requirements: list[str]) -> set[str]:
    """Distribution names of the requirements that apply here without any extra."""
    names = set()
    for text in requirements:
        requirement = Requirement(text)
        if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
            names.add(_key(requirement.name))
    return names


def runtime_distributions(root: Path = ROOT) -> set[str]:
    """pyproject.toml's runtime requirements and everything they require, transitively."""
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    todo, seen = list(_applicable(project["dependencies"])), set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            todo.extend(_applicable(metadata.requires(name) or []))
        except metadata.PackageNotFoundError:
            pass  # a platform-specific requirement not installed on this platform
    return seen


def top_level_modules() -> dict[str, set[str]]:
    """Import name -> the installed distributions that provide it."""
    return {top: {_key(d) for d in dists}
            for top, dists in metadata.packages_distributions().items() if top.isidentifier()}


def split_modules(root: Path = ROOT) -> tuple[list[str], list[str]]:
    """(import names the runtime requirements provide, installed import names they do not).

    The second list is what the bundle leaves out even where a bundled library imports it
    optionally (pandas probes for matplotlib and scipy; test tools, statistics cross-checks)."""
    runtime, modules = runtime_distributions(root), top_level_modules()
    wanted = sorted(top for top, dists in modules.items() if dists & runtime)
    unwanted = sorted(top for top, dists in modules.items()
                      if not dists & runtime and top not in sys.stdlib_module_names)
    return wanted, unwanted


def undeclared_imports(root: Path = ROOT) -> dict[str, list[str]]:
    """Third-party modules our package imports that no runtime requirement provides:
    module -> the files importing it."""
    wanted, _ = split_modules(root)
    provided = set(wanted) | set(sys.stdlib_module_names) | {"desk_annotator"} | OPTIONAL_IMPORTS
    found: dict[str, list[str]] = {}
    for path in sorted((root / "desk_annotator").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in provided:
                    found.setdefault(top, []).append(str(path.relative_to(root)))
    return found
