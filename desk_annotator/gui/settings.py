"""Remembered window state and preferences, in a small JSON file at paths.settings_path().

A JSON file (not QSettings) so the file is readable, and tests redirect it with
DESK_ANNOTATOR_HOME. Writes are atomic (temp file + replace) so a crash never leaves half a file.
"""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray

from ..paths import settings_path

from ..atomic import WriteFailed, atomic_path

log = logging.getLogger(__name__)
MAX_RECENT = 8


class Settings:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or settings_path()
        self.data: dict[str, Any] = {}
        try:
            if self.path.exists():
                loaded = json.loads(self.path.read_text(encoding="utf-8"))
                self.data = loaded if isinstance(loaded, dict) else {}
        except (OSError, ValueError) as exc:  # a broken settings file must not stop the app
            log.warning("ignoring unreadable settings %s: %s", self.path, exc)
        # What the file holds, as save() would write it: a save that would write the same
        # bytes is skipped (building a window set five unchanged values, each an atomic write
        # with two fsyncs, on every start).
        self._saved = _serialised(self.data) if self.path.exists() and self.data else None

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def set(self, key: str, value: Any) -> None:
        self.data[key] = value
        self.save()

    def save(self) -> None:
        text = _serialised(self.data)
        if text == self._saved and self.path.exists():
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with atomic_path(self.path) as tmp:
                tmp.write_text(text, encoding="utf-8")
            self._saved = text
        except (OSError, WriteFailed) as exc:
            log.warning("could not save settings %s: %s", self.path, exc)

    # -- binary Qt state (geometry, dock layout, splitters) -----------------------------------
    def set_bytes(self, key: str, value: QByteArray) -> None:
        self.data[key] = base64.b64encode(bytes(value.data())).decode("ascii")

    def get_bytes(self, key: str) -> QByteArray | None:
        return _decoded(self.data.get(key))

    # -- window layout, one per screen scale (see layout_state.py) ------------------------------
    def set_layout(self, scale: str, geometry: QByteArray, state: QByteArray) -> None:
        self.data.setdefault("layouts", {})[scale] = {
            "geometry": base64.b64encode(bytes(geometry.data())).decode("ascii"),
            "state": base64.b64encode(bytes(state.data())).decode("ascii")}

    def layout(self, scale: str) -> tuple[QByteArray | None, QByteArray | None]:
        entry = self.data.get("layouts", {}).get(scale)
        if not isinstance(entry, dict):
            return None, None
        return _decoded(entry.get("geometry")), _decoded(entry.get("state"))

    # -- per-project values -------------------------------------------------------------------
    def project_value(self, project_path: str, key: str, default: Any = None) -> Any:
        return self.data.get("projects", {}).get(project_path, {}).get(key, default)

    def set_project_value(self, project_path: str, key: str, value: Any) -> None:
        self.data.setdefault("projects", {}).setdefault(project_path, {})[key] = value
        self.save()

    def add_recent(self, project_path: str) -> None:
        recent = [p for p in self.data.get("recent_projects", []) if p != project_path]
        self.data["recent_projects"] = [project_path, *recent][:MAX_RECENT]
        self.data["last_project"] = project_path
        self.save()

    def forget_project(self, project_path: str) -> None:
        """Drop a project that no longer opens from the recent list and as the last project."""
        self.data["recent_projects"] = [p for p in self.data.get("recent_projects", [])
                                        if p != project_path]
        if self.data.get("last_project") == project_path:
            self.data.pop("last_project")
        self.save()

    def recent_projects(self) -> list[str]:
        return [p for p in self.data.get("recent_projects", []) if isinstance(p, str)]


def _serialised(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False)


def _decoded(raw: object) -> QByteArray | None:
    if not isinstance(raw, str):
        return None
    try:
        return QByteArray(base64.b64decode(raw))
    except ValueError:
        return None
