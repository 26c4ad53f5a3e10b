"""Where things live: bundled resources, the default project, settings (platformdirs)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "desk-annotator"
_PACKAGE_DIR = Path(__file__).resolve().parent


def _bundled(name: str) -> Path:
    """A top-level resource folder: inside the installed package, else beside it in a checkout."""
    inside = _PACKAGE_DIR / name
    return inside if inside.is_dir() else _PACKAGE_DIR.parent / name


def resources_dir() -> Path:
    return _bundled("resources")


def sample_corpus_dir() -> Path:
    return _bundled("sample_corpus")


def default_codebook_path() -> Path:
    return resources_dir() / "codebooks" / "ai-policy.json"


def data_dir() -> Path:
    """User data dir; DESK_ANNOTATOR_HOME overrides it (tests, portable installs)."""
    override = os.environ.get("DESK_ANNOTATOR_HOME")
    path = Path(override) / "data" if override else Path(platformdirs.user_data_dir(APP_NAME))
    path.mkdir(parents=True, exist_ok=True)
    return path


def config_dir() -> Path:
    override = os.environ.get("DESK_ANNOTATOR_HOME")
    path = Path(override) / "config" if override else Path(platformdirs.user_config_dir(APP_NAME))
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_project_path() -> Path:
    return data_dir() / "default.sqlite"


def settings_path() -> Path:
    return config_dir() / "settings.json"
