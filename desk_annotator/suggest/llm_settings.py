"""Settings of the optional model-endpoint engine (an OpenAI-compatible chat server).

They live in their own small JSON file in the user's config folder (``paths.config_dir()``),
not in the window's ``settings.json``: the GUI rewrites that file from its in-memory copy, which
would silently drop a change made meanwhile with ``desk-annotator llm configure``. The file
holds no secret: the API key is read, at the moment of a request, from the environment variable
whose *name* the user configured.

Nothing is sent anywhere while ``endpoint`` is empty (the default).
"""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..atomic import WriteFailed, atomic_path
from ..errors import DeskAnnotatorError
from ..paths import config_dir

log = logging.getLogger(__name__)

# Shown beside the settings (GUI and `llm configure --show`): the privacy promise, one sentence.
PRIVACY_SENTENCE = ("Nothing leaves this computer unless you enter an endpoint here; then each "
                    "document you run it on is sent there, with the codebook's definitions and "
                    "a few coded examples.")

SETTINGS_FILE = "model-endpoint.json"
_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
AnswerFormat = Literal["auto", "json_schema", "instructions"]


class EndpointNotConfigured(DeskAnnotatorError):
    """A run was asked for while no endpoint is set: nothing is sent."""


class EndpointSettings(BaseModel):
    model_config = ConfigDict(extra="ignore")

    endpoint: str = ""  # base URL of the OpenAI-compatible API, e.g. http://127.0.0.1:11434/v1
    model: str = ""
    # The NAME of the environment variable holding the API key (never the key itself).
    api_key_env: str = ""
    timeout_seconds: float = Field(default=120.0, gt=0, le=3600)
    # Document text per request; longer documents are cut at sentence ends into several.
    max_characters: int = Field(default=8000, ge=200, le=1_000_000)
    max_tokens: int = Field(default=2048, ge=16, le=200_000)
    seed: int = 0
    max_examples: int = Field(default=6, ge=0, le=50)
    # auto: ask for a JSON schema (response_format) and fall back to instructions only when the
    # server refuses that field; instructions: never send response_format.
    answer_format: AnswerFormat = "auto"

    @field_validator("endpoint")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value:
            return ""
        value = value.removesuffix("/chat/completions")
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"{value!r} is not an http:// or https:// URL")
        return value

    @field_validator("api_key_env")
    @classmethod
    def _variable_name(cls, value: str) -> str:
        value = value.strip()
        if value and not _VARIABLE_NAME.fullmatch(value):
            raise ValueError(f"{value!r} is not an environment variable name "
                             "(letters, digits and _; give the variable's name, not the key)")
        return value

    @property
    def configured(self) -> bool:
        return bool(self.endpoint and self.model)

    def require_configured(self) -> None:
        if not self.endpoint:
            raise EndpointNotConfigured(
                "no model endpoint is configured, so nothing was sent "
                "(set one with: desk-annotator llm configure --endpoint URL --model NAME)")
        if not self.model:
            raise EndpointNotConfigured("no model name is configured "
                                        "(desk-annotator llm configure --model NAME)")

    def api_key(self) -> str | None:
        """The key from the configured environment variable (None when none is configured)."""
        if not self.api_key_env:
            return None
        key = os.environ.get(self.api_key_env, "").strip()
        if not key:
            raise EndpointNotConfigured(f"the environment variable {self.api_key_env} that "
                                        "should hold the API key is not set")
        return key


def settings_file() -> Path:
    return config_dir() / SETTINGS_FILE


def load_settings(path: Path | None = None) -> EndpointSettings:
    """The saved settings; defaults (no endpoint) when there is no file or it is unreadable."""
    path = path or settings_file()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict):
            return EndpointSettings.model_validate(data)
        log.warning("ignoring %s: not a JSON object", path)
    except FileNotFoundError:
        pass
    except (OSError, ValueError, ValidationError) as exc:
        # A broken file must not stop the program; it also must not send anything.
        log.warning("ignoring unreadable model endpoint settings %s: %s", path, exc)
    return EndpointSettings()


def save_settings(settings: EndpointSettings, path: Path | None = None) -> Path:
    path = path or settings_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps(settings.model_dump(), indent=1, ensure_ascii=False),
                           encoding="utf-8")
    except OSError as exc:
        raise WriteFailed(f"{path}: could not save the model endpoint settings ({exc})") from exc
    return path


def updated_settings(current: EndpointSettings, **changes: object) -> EndpointSettings:
    """``current`` with ``changes`` (None values left out), validated; a bad value is one
    DeskAnnotatorError line."""
    data = current.model_dump()
    data.update({k: v for k, v in changes.items() if v is not None})
    try:
        return EndpointSettings.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise SettingsError(problems) from exc


class SettingsError(DeskAnnotatorError):
    """A setting that does not validate (not a URL, a key given instead of a variable name)."""
