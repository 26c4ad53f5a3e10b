"""Memos: a project memo, a memo per document, a memo per label (its coding rules and
examples beyond the definition), each written by a coder and timestamped.

One memo per (scope, target, coder) is the default: :class:`ops_memos.SetMemo` (``memo
set``, the Memos window) edits the coder's memo on a target if there is one. The table can
hold more (another tool's project may carry several notes on one code; a merge keeps two
coders' memos on one document apart), and every one is listed, searched and exported.

Memos of a deleted document or label are hidden, not deleted, so undoing the deletion shows
them again. Search uses the project's one matcher (:mod:`text_match`), over title and text.
Passage notes (an annotation's ``note``) are not memos and stay where they are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .errors import OperationError
from .models import MEMO_SCOPES, Label, Memo
from .store import memo_queries as mq
from .text_match import Matcher, MatchOptions

MAX_MEMO_CHARS = 1_000_000  # a memo is prose; anything longer is a mistake or hostile input
LIST_HINT = "list them with: desk-annotator memo list"


@dataclass(frozen=True)
class MemoView:
    """A visible memo with the names a list shows."""

    id: str
    scope: str
    target_id: str
    target_name: str
    coder_id: str | None
    coder_name: str
    title: str
    text: str
    created: str
    updated: str

    @property
    def target_label(self) -> str:
        """What the memo is about, for a list: "project", the title, or "label <name>"."""
        if self.scope == "project":
            return "project"
        return self.target_name if self.scope == "document" else f"label {self.target_name}"

    def model(self) -> Memo:
        return Memo(id=self.id, scope=self.scope, target_id=self.target_id,
                    coder_id=self.coder_id, title=self.title, text=self.text,
                    created=self.created, updated=self.updated)


@dataclass(frozen=True)
class MemoHit:
    """A search match in a memo: ``field`` is "title" or "text", offsets in code points."""

    memo: MemoView
    field: str
    start: int
    end: int
    context: str


def _q(project_or_q: Any) -> Any:
    return getattr(project_or_q, "q", project_or_q)


def _view(row: dict[str, Any]) -> MemoView:
    return MemoView(row["id"], row["scope"], row["target_id"], row["target_name"] or "",
                    row["coder_id"], row["coder_name"] or "", row["title"], row["text"],
                    row["created"], row["updated"])


def check_scope(scope: str) -> str:
    if scope not in MEMO_SCOPES:
        raise OperationError(f"a memo's scope is one of {', '.join(MEMO_SCOPES)}, not {scope!r}")
    return scope


def list_memos(project: Any, *, scope: str | None = None, coder_id: str | None = None,
               target_id: str | None = None) -> list[MemoView]:
    """Visible memos, most recently updated first."""
    if scope is not None:
        check_scope(scope)
    return [_view(r) for r in mq.memo_rows(_q(project), scope=scope, coder_id=coder_id,
                                           target_id=target_id)]


def memos_on(project: Any, scope: str, target_id: str = "") -> list[MemoView]:
    """Every coder's memos on one target (the project: target ``""``)."""
    return list_memos(project, scope=scope, target_id=target_id)


def memo_of(project: Any, scope: str, target_id: str, coder_id: str | None) -> MemoView | None:
    """The coder's memo on the target (the oldest, should there be several)."""
    rows = [m for m in memos_on(project, scope, target_id) if m.coder_id == coder_id]
    return min(rows, key=lambda m: (m.created, m.id)) if rows else None


def find_memo(project: Any, given: str) -> MemoView:
    """The visible memo whose id is ``given``, or the only one whose id starts with it."""
    q = _q(project)
    wanted = str(given).strip()
    rows = mq.memo_rows(q, memo_id=wanted) if wanted else []
    if rows:
        return _view(rows[0])
    matches = mq.memo_ids_with_prefix(q, wanted) if wanted else []
    if len(matches) == 1:
        return _view(mq.memo_rows(q, memo_id=matches[0])[0])
    if len(matches) > 1:
        raise OperationError(f"{len(matches)} memos have ids starting with {given!r}; give "
                             f"more of the id ({LIST_HINT})")
    raise OperationError(f"no memo with id {given!r} ({LIST_HINT})")


def find_label(project: Any, given: str) -> Label:
    """A label by name (case-insensitive when unambiguous), ``scheme:name`` or id."""
    labels = _q(project).labels()
    wanted = " ".join(str(given).split())
    scheme = None
    if ":" in wanted and wanted.split(":", 1)[0] in ("stance", "themes"):
        scheme, wanted = wanted.split(":", 1)
        wanted = wanted.strip()
    pool = [lb for lb in labels if scheme is None or lb.scheme == scheme]
    for test in (lambda lb: lb.id == wanted, lambda lb: lb.name == wanted,
                 lambda lb: lb.name.casefold() == wanted.casefold()):
        found = [lb for lb in pool if test(lb)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise OperationError(f"{given!r} names a stance and a theme label; write "
                                 f"stance:{wanted} or themes:{wanted}")
    names = ", ".join(lb.name for lb in labels) or "none"
    raise OperationError(f"no label named {given!r} (labels: {names})")


# C0 controls but tab and line feed, and DEL: a memo holding ESC or BEL would rewrite the
# terminal that prints it, and XML 1.0 (REFI-QDA Notes) cannot carry them at all.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


def _no_controls(value: str) -> str:
    return _CONTROLS.sub("\ufffd", value)


def clean_memo_text(text: Any) -> str:
    """The memo's text as given (line breaks kept, trailing space trimmed); control
    characters and lone surrogates become U+FFFD. Refuses an empty or oversized memo."""
    from .io.untrusted import clean_text

    value = str(text if text is not None else "").replace("\r\n", "\n").replace("\r", "\n")
    value = value.rstrip()
    if not value.strip():
        raise OperationError("a memo needs some text (to remove a memo, delete it)")
    if len(value) > MAX_MEMO_CHARS:
        raise OperationError(f"a memo is at most {MAX_MEMO_CHARS:,} characters "
                             f"(this one has {len(value):,})")
    return _no_controls(clean_text(value)[0])


def clean_memo_title(title: Any) -> str:
    cleaned = " ".join(str(title or "").split())
    if len(cleaned) > 300:
        raise OperationError("a memo's title is at most 300 characters")
    from .io.untrusted import clean_text
    return _no_controls(clean_text(cleaned)[0])


def _context(text: str, start: int, end: int, width: int = 40) -> str:
    left = max(0, start - width)
    right = min(len(text), end + width)
    return (("…" if left else "") + " ".join(text[left:right].split())
            + ("…" if right < len(text) else ""))


def search_memos(project: Any, pattern: str, options: MatchOptions | None = None, *,
                 scope: str | None = None, coder_id: str | None = None,
                 limit: int | None = None) -> list[MemoHit]:
    """Every match of ``pattern`` in the visible memos' titles and texts, memo by memo (most
    recently updated first), with ±40 characters of context."""
    hits: list[MemoHit] = []
    options = options or MatchOptions()
    if not pattern:
        return hits
    matcher = Matcher(pattern, options)  # compiled once for every memo
    for memo in list_memos(project, scope=scope, coder_id=coder_id):
        for field_name in ("title", "text"):
            value = getattr(memo, field_name)
            left = None if limit is None else limit - len(hits)
            for start, end in matcher.find_all(value, left) if value else ():
                hits.append(MemoHit(memo, field_name, start, end, _context(value, start, end)))
            if limit is not None and len(hits) >= limit:
                return hits
    return hits


def memo_dict(memo: MemoView | Memo, names: dict[str, str] | None = None) -> dict[str, Any]:
    """A memo as JSON (dataset JSONL ``memos``, ``memo list --json``): coder by name."""
    coder = getattr(memo, "coder_name", None)
    if coder is None and names is not None:
        coder = names.get(memo.coder_id or "")
    return {"id": memo.id, "scope": memo.scope, "coder": coder or None, "title": memo.title,
            "text": memo.text, "created": memo.created, "updated": memo.updated}


def snapshot_memos(project: Any, coder_ids: set[str], document_ids: set[str]) -> list[Memo]:
    """The memos an export or a coder package carries: those of the exported coders (and
    those without a coder, from other tools) on the project, every label, and the exported
    documents; oldest first, so files stay in a stable order."""
    kept = [m for m in list_memos(project)
            if (m.coder_id is None or m.coder_id in coder_ids)
            and (m.scope != "document" or m.target_id in document_ids)]
    return [m.model() for m in sorted(kept, key=lambda m: (m.created, m.id))]


def dataset_memos(project: Any, coder_ids: set[str]) -> dict[str, dict[str, list[dict]]]:
    """document id -> ``{"memos": [...]}`` (the coders' memos on it, oldest first): the
    additive ``memos`` key of a dataset JSONL line, present only where there are memos."""
    out: dict[str, dict[str, list[dict]]] = {}
    memos = [m for m in list_memos(project, scope="document")
             if m.coder_id is None or m.coder_id in coder_ids]
    for memo in sorted(memos, key=lambda m: (m.created, m.id)):
        out.setdefault(memo.target_id, {"memos": []})["memos"].append(memo_dict(memo))
    return out


def codebook_memo_dicts(project: Any) -> dict[str, list[dict]]:
    """label id (or "" for the project) -> its memos as JSON, oldest first: what a codebook
    JSON export carries (label ``memos``, top-level ``memos``), every coder's."""
    out: dict[str, list[dict]] = {}
    memos = [m for m in list_memos(project) if m.scope in ("project", "label")]
    for memo in sorted(memos, key=lambda m: (m.created, m.id)):
        record = memo_dict(memo)
        record.pop("scope")
        out.setdefault(memo.target_id, []).append(record)
    return out


def codebook_file_memos(path: Any) -> list[tuple[str, str, Any]]:
    """The memos a codebook JSON file carries ([] for other files)."""
    from pathlib import Path

    if Path(path).suffix.lower() != ".json":
        return []
    from .io.codebook_json import read_codebook_json_with_memos
    return read_codebook_json_with_memos(Path(path))[1]
