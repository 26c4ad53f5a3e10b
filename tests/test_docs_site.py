"""The user guide builds with `mkdocs build --strict`, lists every page and every command (issue 15)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from desk_annotator.cli import cli

ROOT = Path(__file__).resolve().parents[1]


class _ConfigLoader(yaml.SafeLoader):
    """mkdocs.yml with its tags (``!relative``) read as plain values."""


_ConfigLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def _nav_pages(items: Any) -> list[str]:
    if isinstance(items, str):
        return [items]
    if isinstance(items, dict):
        return [p for value in items.values() for p in _nav_pages(value)]
    if isinstance(items, list):
        return [p for item in items for p in _nav_pages(item)]
    return []


@pytest.fixture(scope="module")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("site")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir",
                           str(site), "--config-file", str(ROOT / "mkdocs.yml")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
                          check=False)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "WARNING" not in output, output
    return site


def test_the_guide_builds_strictly(built_site: Path) -> None:
    assert (built_site / "index.html").is_file()
    assert (built_site / "agreement" / "index.html").is_file()


def test_every_docs_page_is_in_the_nav() -> None:
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_ConfigLoader)
    assert config["docs_dir"] == "docs"
    in_nav = _nav_pages(config["nav"])
    pages = sorted(p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md"))
    missing = [p for p in pages if p not in in_nav]
    assert not missing, f"docs pages missing from the nav of mkdocs.yml: {missing}"
    assert not [p for p in in_nav if p not in pages], "nav names a page that does not exist"
    twice = sorted({p for p in in_nav if in_nav.count(p) > 1})
    assert not twice, f"pages named twice in the nav of mkdocs.yml: {twice}"


def _command_paths(command: click.Command, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            if not sub.hidden:
                found += _command_paths(sub, (*path, name))
    return found


def test_the_cli_reference_has_every_command_and_subcommand(built_site: Path) -> None:
    html = (built_site / "cli" / "index.html").read_text(encoding="utf-8")
    ids = set(re.findall(r'<h[1-6] id="([^"]+)"', html))
    paths = _command_paths(cli)
    assert len(paths) > 40  # the group, its commands and their subcommands
    missing = [" ".join(p) for p in paths
               if "-".join(("desk-annotator", *p)).lower() not in ids]
    assert not missing, f"commands missing from docs/cli.md: {missing}"
    # Options come from the commands themselves: an option of import shows up.
    assert "--add-missing-labels" in html


def test_the_readme_stays_short_and_points_into_the_guide() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) < 200
    for link in ("docs/getting-started.md", "docs/cli.md", "CHANGELOG.md", "mkdocs serve"):
        assert link in readme
    local = [t for t in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", readme)
             if "://" not in t]
    assert local
    absent = [t for t in local if not (ROOT / t).exists()]
    assert not absent, f"README links to missing files: {absent}"
