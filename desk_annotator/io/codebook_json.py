"""Codebook JSON (DESIGN §3, contract): read with strict validation, write with label GUIDs.

``{"name": ..., "stance": {"ordered"?: bool, "labels": [{"name", "color", "description", "key",
"id"?}]}, "themes": {"labels": [...]}}``. Order is the list position.

``id`` (v2) is the label's GUID: export writes it, import keeps it. A label without one gets a
deterministic GUID, :func:`deterministic_label_id` (uuid5 of codebook name, scheme and label
name), so one codebook file imported into several projects gives every project the same GUIDs
and their work merges label for label. ``"ordered": true`` on stance marks the stance labels as
an ordered scale (``Codebook.ordered_stance``).
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    field_validator,
)

from desk_annotator.errors import FormatError
from desk_annotator.io.exchange_common import (
    IsoTime,
    atomic_text_writer,
    raise_if_problems,
    validation_problems,
)
from desk_annotator.io.untrusted import clean_json_strings, load_json, refusal
from desk_annotator.models import SCHEMES, Codebook, Label

# Our own fixed namespace for label GUIDs derived from names (chosen once at random; never
# change it: every project that imported an id-less codebook JSON holds GUIDs made from it).
LABEL_ID_NAMESPACE = uuid.UUID("ACF645F5-1F19-4EAD-81E7-ABD2B4178E11")

_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
MAX_CODEBOOK_BYTES = 5_000_000


class CodebookMemoJson(BaseModel):
    """A memo in a codebook file (additive): on a label (its coding rules and examples beyond
    the definition) or, at the top level, on the project."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = None
    coder: str | None = None
    # The limits of memos.clean_memo_text/title: a memo past them would be dropped without a
    # word at import, so the file is refused here instead.
    title: str = Field(default="", max_length=300)
    text: str = Field(min_length=1, max_length=1_000_000)
    created: IsoTime = None
    updated: IsoTime = None



class CodebookLabelJson(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    color: str = "#888888"
    description: str | None = ""
    key: str | None = None
    id: str | None = None
    memos: list[CodebookMemoJson] = Field(default_factory=list)

    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("name is blank")
        return value

    @field_validator("color")
    @classmethod
    def _hex_colour(cls, value: str) -> str:
        if not _COLOR.match(value.strip()):
            raise ValueError(f"colour {value!r} is not #rgb or #rrggbb")
        value = value.strip().lower()
        if len(value) == 4:  # #rgb -> #rrggbb, the one form the rest of the program sees
            value = "#" + "".join(ch * 2 for ch in value[1:])
        return value

    @field_validator("key")
    @classmethod
    def _key_is_one_token(cls, value: str | None) -> str | None:
        if value is None or value.strip() == "":
            return None
        value = value.strip()
        if any(ch.isspace() for ch in value):
            raise ValueError(f"shortcut key {value!r} contains white space")
        return value


class CodebookSchemeJson(BaseModel):
    model_config = ConfigDict(extra="forbid")

    labels: list[CodebookLabelJson] = Field(default_factory=list)
    ordered: StrictBool = False  # meaningful for stance only (an ordered scale in list order)


class CodebookJson(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = "Codebook"
    stance: CodebookSchemeJson = Field(default_factory=CodebookSchemeJson)
    themes: CodebookSchemeJson = Field(default_factory=CodebookSchemeJson)
    memos: list[CodebookMemoJson] = Field(default_factory=list)  # project memos (additive)


def deterministic_label_id(codebook_name: str, scheme: str, label_name: str) -> str:
    """The GUID a label without an ``id`` gets: uuid5 in :data:`LABEL_ID_NAMESPACE` of
    ``"<codebook name>\x1f<scheme>\x1f<label name>"`` (names as read: stripped, no other
    normalisation), upper case like every GUID we write."""
    return str(uuid.uuid5(LABEL_ID_NAMESPACE,
                          f"{codebook_name}\x1f{scheme}\x1f{label_name}")).upper()


# A memo read from a codebook file: (scope "label" or "project", label id or "", the memo).
CodebookMemo = tuple[str, str, CodebookMemoJson]


def parse_codebook_json(text: str, source: str = "codebook") -> Codebook:
    """Parse codebook JSON text; every problem is listed in one FormatError."""
    return parse_codebook_json_with_memos(text, source)[0]


def parse_codebook_json_with_memos(text: str, source: str = "codebook"
                                   ) -> tuple[Codebook, list[CodebookMemo]]:
    """The codebook and the memos the file carries (label ``memos``, top-level ``memos``)."""
    try:
        data = load_json(text, source)
    except json.JSONDecodeError as exc:
        raise FormatError(
            f"{source}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    # A codebook has no warnings to carry a repair, and names are keys users type: a NUL or a
    # lone surrogate (from a \u escape) is refused rather than silently changed.
    _, bad = clean_json_strings(data, text)
    if bad:
        field, what = bad[0]
        more = f" (and {len(bad) - 1} more fields)" if len(bad) > 1 else ""
        raise refusal(source, f"{field} contains {what}{more}, which a codebook cannot hold")
    if not isinstance(data, dict):
        raise FormatError(f"{source}: a codebook must be a JSON object with 'stance' and 'themes'")
    # Cross-label checks run on the raw data too, so one error lists schema problems and
    # duplicate names/keys together.
    problems = _cross_label_problems(data)
    try:
        parsed = CodebookJson.model_validate(data)
    except ValidationError as exc:
        problems = validation_problems(exc, "") + problems
        parsed = None
    if parsed is not None and parsed.themes.ordered:
        problems.append("themes.ordered: only the stance labels can form an ordered scale")
    raise_if_problems(source, problems)
    assert parsed is not None
    name = parsed.name.strip() or "Codebook"
    labels = []
    memos: list[CodebookMemo] = [("project", "", m) for m in parsed.memos]
    seen: dict[str, str] = {}
    for scheme in SCHEMES:
        block: CodebookSchemeJson = getattr(parsed, scheme)
        for order, item in enumerate(block.labels):
            label_id = item.id or deterministic_label_id(name, scheme, item.name)
            where = f"{scheme}.labels.{order} ({item.name!r})"
            if label_id in seen:  # a given id equal to another label's derived one
                problems.append(f"{where}: id {label_id} is also used by {seen[label_id]}")
            seen[label_id] = where
            labels.append(Label(
                id=label_id, scheme=scheme, name=item.name, color=item.color,
                description=item.description or "", key=item.key, order=order,
            ))
            memos += [("label", label_id, m) for m in item.memos]
    raise_if_problems(source, problems)
    return Codebook(name=name, labels=labels, ordered_stance=parsed.stance.ordered), memos


def _cross_label_problems(data: dict) -> list[str]:
    """Duplicate names (per scheme), shortcut keys and ids (whole codebook), read leniently."""
    problems: list[str] = []
    keys: dict[str, str] = {}
    ids: dict[str, str] = {}
    for scheme in SCHEMES:
        block = data.get(scheme)
        items = block.get("labels") if isinstance(block, dict) else None
        if not isinstance(items, list):
            continue
        names: set[str] = set()
        for pos, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            name = item.get("name")
            where = f"{scheme}.labels.{pos}" + (f" ({name.strip()!r})" if isinstance(name, str) else "")
            if isinstance(name, str) and name.strip():
                if name.strip() in names:
                    problems.append(f"{where}: name appears twice in scheme {scheme!r}")
                names.add(name.strip())
            key = item.get("key")
            if isinstance(key, str) and key.strip():
                # Letter shortcuts are case-insensitive in Qt (QKeySequence("o") == "O").
                folded = key.strip().casefold()
                if folded in keys:
                    problems.append(f"{where}: shortcut key {key.strip()!r} is also used by {keys[folded]}")
                else:
                    keys[folded] = where
            label_id = item.get("id")
            if isinstance(label_id, str) and label_id:
                if label_id in ids:
                    problems.append(f"{where}: id {label_id} is also used by {ids[label_id]}")
                else:
                    ids[label_id] = where
    return problems


def read_codebook_json(path: Path) -> Codebook:
    return read_codebook_json_with_memos(path)[0]


def read_codebook_json_with_memos(path: Path) -> tuple[Codebook, list[CodebookMemo]]:
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_CODEBOOK_BYTES:
            raise FormatError(f"{path}: {size} bytes is too large for a codebook")
        raw = path.read_bytes()
    except OSError as exc:
        raise FormatError(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FormatError(f"{path}: not UTF-8 text") from None
    return parse_codebook_json_with_memos(text, source=str(path))


def codebook_to_json(codebook: Codebook,
                     memos: dict[str, list[dict[str, object]]] | None = None) -> str:
    """The file's text; ``memos`` (label id, or "" for the project -> memo dicts) adds the
    additive ``memos`` keys, on the labels and at the top level, only where there are any."""
    memos = memos or {}
    out: dict[str, object] = {"name": codebook.name}
    for scheme in SCHEMES:
        block: dict[str, object] = {}
        if scheme == "stance" and codebook.ordered_stance:
            block["ordered"] = True
        block["labels"] = [
            {"name": lb.name, "color": lb.color, "description": lb.description,
             "key": lb.key, "id": lb.id, **({"memos": memos[lb.id]} if memos.get(lb.id) else {})}
            for lb in codebook.scheme(scheme)
        ]
        out[scheme] = block
    if memos.get(""):
        out["memos"] = memos[""]
    return json.dumps(out, ensure_ascii=False, indent=2) + "\n"


def write_codebook_json(codebook: Codebook, path: Path,
                        memos: dict[str, list[dict[str, object]]] | None = None) -> None:
    with atomic_text_writer(Path(path)) as handle:
        handle.write(codebook_to_json(codebook, memos))
