"""Turning a REFI-QDA code tree (from a .qde or a .qdc) into our two-scheme codebook.

Real codebooks nest codes freely; ours has exactly two flat schemes. Codes under a top-level code
named "Stance" become stance labels, codes under "Themes" theme labels, and every other code a
theme; nested codes are flattened to their path ("Parent/Child"). Each mapping that is not the
plain round trip of our own export is reported.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from xml.etree.ElementTree import Element

import orjson

from desk_annotator.io.refi_export import MARKER, normalize_guid, stable_guid
from desk_annotator.io.untrusted import MAX_NESTING, nesting_exceeds, refusal
from desk_annotator.models import Label, Scheme

DEFAULT_COLOR = "#888888"
_LINE_BREAK = re.compile(r"[\r\n]")
_MARKER_AFTER_BREAK = re.compile("[\r\n]" + re.escape(MARKER))
_HEX = re.compile(r"^(?:#|0x)?([0-9A-Fa-f]{3}|[0-9A-Fa-f]{6}|[0-9A-Fa-f]{8})$")
_TRIPLE = re.compile(r"^(?:rgba?\()?\s*(\d{1,3})\s*[, ]\s*(\d{1,3})\s*[, ]\s*(\d{1,3})")


# Tag -> local name: a file has a handful of distinct tags and half a million elements.
_LOCAL: dict[str, str] = {}


def local(tag: object) -> str:
    """Element name without its namespace (tools disagree on namespaces; names are enough)."""
    if not isinstance(tag, str):
        return ""
    name = _LOCAL.get(tag)
    if name is None:
        name = tag.rsplit("}", 1)[-1]
        if len(_LOCAL) < 10_000:  # a hostile file with endless tag names: no cache growth
            _LOCAL[tag] = name
    return name


def kids(element: Element | None, name: str) -> list[Element]:
    if element is None:
        return []
    names = _LOCAL
    return [child for child in element
            if (names.get(child.tag) or local(child.tag)) == name]


def kid(element: Element | None, name: str) -> Element | None:
    if element is None:
        return None
    names = _LOCAL
    for child in element:
        if (names.get(child.tag) or local(child.tag)) == name:  # local(), its cache inline
            return child
    return None


def children_by_name(element: Element) -> dict[str, list[Element]]:
    """An element's children grouped by local name, in document order: one pass for an
    element read for several kinds of children (a source holds thousands of selections)."""
    groups: dict[str, list[Element]] = {}
    names = _LOCAL
    for child in element:
        tag = child.tag
        name = names.get(tag) or local(tag)
        found = groups.get(name)
        if found is None:
            groups[name] = [child]
        else:
            found.append(child)
    return groups


def text_of(element: Element | None) -> str | None:
    return None if element is None else (element.text or "")


def marker_payload(description: str | None) -> dict | None:
    """The JSON our exporter appends to a Set description, or None for anybody else's text.
    Inside :func:`payloads_remembered`, a long line's payload is shared by every caller given
    that line: read it, never change it."""
    line = _marker_line(description or "")
    if line is None:
        return None
    memo = _memo if len(line) >= _LONG_LINE else None
    if memo is not None and line in memo:
        return memo[line]
    try:  # orjson: the settings line of a big export holds every remapped id
        payload = orjson.loads(line[len(MARKER):])
    except (ValueError, RecursionError):  # hostile nesting, odd numbers: not ours
        payload = None
    if not isinstance(payload, dict) or nesting_exceeds(payload, MAX_NESTING):
        payload = None
    if memo is not None:
        memo[line] = payload
    return payload


# The reader asks for the payload of each Set several times (settings, statuses, document
# sets, article codings): a big export's settings line, megabytes of remapped ids, is parsed
# once per file read. Keyed by the line itself, so a payload is never another text's.
_LONG_LINE = 1 << 16
_memo: dict[str, dict | None] | None = None


@contextlib.contextmanager
def payloads_remembered() -> Iterator[None]:
    """Remember long marker lines' payloads while one file is read (then forget them)."""
    global _memo
    outer = _memo
    _memo = {} if outer is None else outer
    try:
        yield
    finally:
        _memo = outer


def _marker_line(text: str) -> str | None:
    """The first line starting with MARKER. Lines end at CR, LF or CR LF only: splitlines()
    also splits at U+2028, U+0085 and others, which json.dumps leaves raw inside a name. Found
    by searching, not by splitting: a big export's settings line is megabytes long."""
    if text.startswith(MARKER):
        start = 0
    else:
        found = _MARKER_AFTER_BREAK.search(text)
        if found is None:
            return None
        start = found.start() + 1
    end = _LINE_BREAK.search(text, start)
    return text[start:end.start() if end else len(text)]


def settings_payload(sets: Element | None) -> dict:
    for set_el in kids(sets, "Set"):
        payload = marker_payload(text_of(kid(set_el, "Description")))
        if payload and payload.get("kind") == "settings":
            return payload
    return {}


def parse_color(raw: str | None) -> str | None:
    """A ``#rrggbb`` colour from the forms tools write: #RGB, #RRGGBB, ARGB hex, ints, r,g,b."""
    if not raw or not raw.strip():
        return None
    value = raw.strip()
    match = _HEX.match(value)
    if match:
        digits = match.group(1)
        return "#" + (digits[2:] if len(digits) == 8 else digits)
    match = _TRIPLE.match(value)
    if match:
        return "#" + "".join(f"{min(int(part), 255):02x}" for part in match.groups())
    try:
        number = int(value)  # signed ARGB integers (.NET tools)
    except ValueError:
        return None
    return f"#{number & 0xFFFFFF:06x}"


class CodeTree:
    """Flattens ``Codes`` into labels; ``labels_by_code`` maps a code GUID to its label."""

    def __init__(self, ids: dict[str, str], warn: Callable[[str, str], None], *,
                 source: str = "codebook") -> None:
        self.ids = ids
        self.source = source  # the file, for a refusal
        self.warn = warn
        self.labels: list[Label] = []
        self.labels_by_code: dict[str, Label] = {}
        self.categories: set[str] = set()  # codes that only group others (not codable)
        self._used: set[tuple[str, str]] = set()
        self._order = {"stance": 0, "themes": 0}

    def read(self, codes: Element | None, settings: dict) -> None:
        for code in kids(codes, "Code"):
            name = (code.get("name") or "").strip()
            scheme = name.casefold()
            if scheme in ("stance", "themes"):
                guid = normalize_guid(code.get("guid"))
                if guid:
                    self.categories.add(guid)
                for child in kids(code, "Code"):
                    self._walk(child, [name], scheme, inside=True)  # type: ignore[arg-type]
            else:
                self._walk(code, [], "themes", inside=False)
        self._apply_settings(settings)

    def _walk(self, top: Element, parents: list[str], scheme: Scheme, *, inside: bool) -> None:
        """Depth first, in document order, with an explicit stack: a hostile file nesting codes
        thousands deep is refused at MAX_NESTING levels instead of overflowing Python's stack."""
        stack: list[tuple[Element, list[str]]] = [(top, parents)]
        while stack:
            code, above = stack.pop()
            name = (code.get("name") or "").strip() or "(unnamed)"
            path = [*above, name]
            if len(path) > MAX_NESTING:
                raise refusal(self.source, f"codes under '{path[0]}' are nested more than "
                                           f"{MAX_NESTING} levels deep")
            children = kids(code, "Code")
            codable = (code.get("isCodable") or "true").strip().casefold() not in ("false", "0")
            if codable or not children:
                self._add(code, path, scheme, inside=inside)
            else:
                guid = normalize_guid(code.get("guid"))
                if guid:
                    self.categories.add(guid)
            stack.extend((child, path) for child in reversed(children))

    def _add(self, code: Element, path: list[str], scheme: Scheme, *, inside: bool) -> None:
        full = "/".join(path)
        guid = normalize_guid(code.get("guid"))
        if guid is None:
            guid = stable_guid("code", scheme, full)
            self.warn("code_guid", full)
        if guid in self.labels_by_code:
            self.warn("code_duplicate", full)
            return
        # Inside Stance/Themes the parent is dropped from the name: "Stance/critical" -> critical.
        base = "/".join(path[1:]) if inside else full
        if not inside or len(path) > 2:
            self.warn("code_mapped", f"{full} -> {scheme} '{base}'")
        name, n = base, 2
        while (scheme, name) in self._used:
            name, n = f"{base} ({n})", n + 1
        if name != base:
            self.warn("code_renamed", f"{scheme} '{base}' -> '{name}'")
        self._used.add((scheme, name))
        label = Label(
            id=self.ids.get(guid, guid), scheme=scheme, name=name,
            color=parse_color(code.get("color")) or DEFAULT_COLOR,
            description=text_of(kid(code, "Description")) or "",
            order=self._order[scheme],
        )
        self._order[scheme] += 1
        self.labels.append(label)
        self.labels_by_code[guid] = label

    def _apply_settings(self, settings: dict) -> None:
        """Shortcut keys and order, which REFI has no place for, from our own settings Set."""
        extras = settings.get("labels")
        if not isinstance(extras, dict):
            return
        for guid, label in self.labels_by_code.items():
            extra = extras.get(guid)
            if not isinstance(extra, dict):
                continue
            if extra.get("key") is None or isinstance(extra.get("key"), str):
                label.key = extra.get("key")
            if isinstance(extra.get("order"), int):
                label.order = extra["order"]
