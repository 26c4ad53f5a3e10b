"""Shared GUI test set-up: settings and user data go to a tmp folder, never the real home."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def home(tmp_path, monkeypatch):
    path = tmp_path / "home"
    monkeypatch.setenv("DESK_ANNOTATOR_HOME", str(path))
    return path
