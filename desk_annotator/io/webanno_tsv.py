"""WebAnno / INCEpTION TSV 3.x: read the spans of span layers as labelled passages.

The format (``#FORMAT=WebAnno TSV 3.x``): a header declaring layers (``#T_SP=`` span layers,
``#T_CH=`` chains, ``#T_RL=`` relations, each followed by its feature columns separated by ``|``),
two blank lines, then one block per sentence: ``#Text=`` lines holding the sentence's text, and
one line per token or sub-token::

    1-3<TAB>9-14<TAB>plays<TAB>PER[2]|LOC<TAB>...

with the sentence-token id, the offsets (UTF-16 code units of the whole document, as Java counts
them), the token and one column per feature. ``_`` means "no annotation here", ``*`` an
annotation without a value, ``[N]`` ties the lines of one multi-token annotation (and tells
stacked ones apart), ``|`` separates stacked annotations and ``\\`` escapes the reserved
characters. The document text is rebuilt the way INCEpTION rebuilds it: sentence texts joined by
line breaks, gaps between sentences filled with spaces (text between sentences is not in the
file), except that the line break after the last sentence is dropped.

Every span annotation becomes a passage labelled with its feature values (a span without a value
gets its layer's name); relations, chain links, slot links and linguistic layers (POS, lemma,
syntax) are counted, not read. The unit of the offsets is checked on the tokens (each token line
carries the token's text) with UTF-16 as the standard reading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desk_annotator.errors import FormatError
from desk_annotator.io.exchange_common import raise_if_problems
from desk_annotator.io.foreign_spans import (
    PRIOR_JAVA,
    Counted,
    ForeignSnapshot,
    Span,
    UnitSource,
    layer_kind,
    place_sources,
    short_type_name,
)
from desk_annotator.io.position_units import READINGS, Selection, check_positions
from desk_annotator.io.refi_archive import MAX_XML_FILE
from desk_annotator.models import ProjectSnapshot
from desk_annotator.text import Utf16Map

FORMAT_PREFIX = "#FORMAT=WebAnno TSV "
OUR_LAYER = "webanno.custom.Passage"
MAX_LISTED = 20

MESSAGES = {
    "relations": "relations (arcs between two spans) were not carried",
    "chains": "coreference chain links were not carried",
    "slots": "slot links (roles pointing at other annotations) were not carried",
    "linguistic": "annotations of linguistic layers (part of speech, lemma, morphology, syntax) "
                  "were not read",
}

_TOKEN_ID = re.compile(r"^(\d+)-(\d+)(?:\.(\d+))?$")
_OFFSETS = re.compile(r"^(\d+)-(\d+)$")
_ID_SUFFIX = re.compile(r"\[(\d+)\]$")
_VALUE_ESCAPES = {"\\\\": "\\", "\\[": "[", "\\]": "]", "\\|": "|", "\\_": "_", "\\->": "->",
                  "\\;": ";", "\\t": "\t", "\\n": "\n", "\\*": "*"}
_VALUE_ESCAPE = re.compile(r"\\(?:->|[\\\[\]|_;tn*])")
_TEXT_ESCAPES = {"t": "\t", "n": "\n", "f": "\f", "r": "\r", "b": "\b", "\\": "\\"}
_TEXT_ESCAPE = re.compile(r"\\([tnfrb\\\x00-\x07\x0e-\x1f])")
_JAVA_ESCAPE = re.compile(r"\\(u+[0-9a-fA-F]{4}|[0-3][0-7]{0,2}|[4-7][0-7]?|.)", re.DOTALL)
_JAVA_SIMPLE = {"t": "\t", "n": "\n", "f": "\f", "r": "\r", "b": "\b", "\\": "\\", '"': '"',
                "'": "'"}


@dataclass
class _Column:
    index: int  # position after the three fixed columns
    layer: str
    kind: str  # "SP", "CH" or "RL"
    role: str  # "value", "placeholder", "slot_role", "slot_target", "chain", "base"
    feature: str = ""


@dataclass
class _Unit:
    lineno: int
    begin: int
    end: int
    token: str
    fields: list[str]


@dataclass
class _Sentence:
    fragments: list[str] = field(default_factory=list)
    units: list[_Unit] = field(default_factory=list)


@dataclass
class _Annotation:
    layer: str
    begin: int
    end: int
    where: str
    values: dict[str, str] = field(default_factory=dict)
    links: int = 0


# --------------------------------------------------------------------------- escaping


def unescape_value(value: str) -> str:
    return _VALUE_ESCAPE.sub(lambda m: _VALUE_ESCAPES[m.group()], value)


def _unescape_text(text: str, minor: int) -> str:
    if minor >= 2:
        return _TEXT_ESCAPE.sub(lambda m: _TEXT_ESCAPES.get(m.group(1), m.group(1)), text)

    def java(match: re.Match[str]) -> str:
        body = match.group(1)
        if body[0] == "u":
            return chr(int(body.lstrip("u"), 16))
        if body[0] in "01234567":
            return chr(int(body, 8))
        return _JAVA_SIMPLE.get(body, body)

    return _JAVA_ESCAPE.sub(java, text)


def _split_unescaped(cell: str, sep: str) -> list[str]:
    """Split on ``sep`` where it is not escaped by a backslash."""
    parts, current, i, n = [], [], 0, len(cell)
    while i < n:
        ch = cell[i]
        if ch == "\\" and i + 1 < n:
            current.append(cell[i:i + 2])
            i += 2
            continue
        if ch == sep:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    parts.append("".join(current))
    return parts


def _split_id(entry: str) -> tuple[str, int | None]:
    """(value, disambiguation id) of one stacked entry such as ``PER[3]``."""
    match = _ID_SUFFIX.search(entry)
    if match is None:
        return entry, None
    head = entry[: match.start()]
    backslashes = len(head) - len(head.rstrip("\\"))
    if backslashes % 2:  # the "[" is escaped: part of the value
        return entry, None
    return head, int(match.group(1))


# --------------------------------------------------------------------------- parsing


@dataclass
class TsvDocument:
    minor: int
    columns: list[_Column]
    sentences: list[_Sentence]


def parse_tsv(text: str, where: str) -> TsvDocument:
    """Parse a TSV 3.x text; refuses it with one FormatError listing every problem."""
    problems: list[str] = []
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lines = [ln.removesuffix("\r") for ln in lines]
    first = next((k for k, ln in enumerate(lines) if ln.strip()), None)
    if first is None:
        raise FormatError(f"{where}: empty file, not WebAnno TSV")
    head = lines[first].lstrip("\ufeff")
    if not head.startswith(FORMAT_PREFIX):
        raise FormatError(f"{where}: not a WebAnno TSV file (no '#FORMAT=WebAnno TSV 3.x' "
                          "first line)")
    version = head[len(FORMAT_PREFIX):].strip()
    match = re.fullmatch(r"3(?:\.(\d+))?", version)
    if match is None:
        raise FormatError(f"{where}: WebAnno TSV version {version!r} is not read (3.x only; "
                          "export as WebAnno TSV 3 or UIMA CAS XMI)")
    minor = int(match.group(1) or 0)
    columns: list[_Column] = []
    k = first + 1
    while k < len(lines) and lines[k].startswith("#T_"):
        columns += _declared_columns(lines[k], k + 1, len(columns), problems)
        k += 1
    sentences: list[_Sentence] = []
    current: _Sentence | None = None
    expected = 3 + len(columns)
    for lineno, line in enumerate(lines[k:], start=k + 1):
        if not line:
            if current is not None and current.units:
                sentences.append(current)
                current = None
            continue
        if line.startswith("#"):
            if current is not None and current.units:  # a new header without a blank line
                sentences.append(current)
                current = None
            current = current or _Sentence()
            if line.startswith("#Text="):
                current.fragments.append(_unescape_text(line[len("#Text="):], minor))
            continue
        fields = line.split("\t")
        if len(fields) < expected:
            problems.append(f"line {lineno}: {len(fields)} columns, the header declares "
                            f"{expected}")
            continue
        id_match, off_match = _TOKEN_ID.match(fields[0]), _OFFSETS.match(fields[1])
        if id_match is None or off_match is None:
            problems.append(f"line {lineno}: not a token line ({line[:40]!r})")
            continue
        begin, end = int(off_match.group(1)), int(off_match.group(2))
        if end < begin:
            problems.append(f"line {lineno}: token offsets {begin}-{end} end before they begin")
            continue
        if current is None or not current.fragments:
            problems.append(f"line {lineno}: token line outside a sentence (no #Text= line "
                            "before it)")
            continue
        current.units.append(_Unit(lineno, begin, end, fields[2], fields[3:]))
    if current is not None and current.units:
        sentences.append(current)
    if not sentences and not problems:
        problems.append("no sentences (no #Text= lines with tokens)")
    _raise(where, problems)
    return TsvDocument(minor, columns, sentences)


def _raise(where: str, problems: list[str]) -> None:
    raise_if_problems(where, problems)


def _declared_columns(line: str, lineno: int, offset: int, problems: list[str]) -> list[_Column]:
    kind, _, rest = line[3:].partition("=")
    if kind not in ("SP", "CH", "RL"):
        problems.append(f"line {lineno}: unknown layer declaration {line[:20]!r}")
        return []
    parts = rest.split("|")
    layer, decls = parts[0].strip(), parts[1:]
    if not layer:
        problems.append(f"line {lineno}: layer declaration without a type name")
        return []
    if not decls:
        decls = [""]
    columns = []
    previous = ""
    for decl in decls:
        index = offset + len(columns)
        if kind == "CH":
            role = "chain"
        elif kind == "RL":
            role = "base" if decl.startswith("BT_") else "value"
        elif decl == "":
            role = "placeholder"
        elif decl.startswith("ROLE_"):
            role = "slot_role"
        elif previous == "slot_role":
            role = "slot_target"
        else:
            role = "value"
        columns.append(_Column(index, layer, kind, role, decl))
        previous = role
    return columns


# --------------------------------------------------------------------------- the text


def _units(text: str, utf16: bool) -> int:
    return len(text) + (sum(1 for ch in text if ord(ch) > 0xFFFF) if utf16 else 0)


def build_text(doc: TsvDocument, utf16: bool, where: str) -> str:
    """The document text as INCEpTION rebuilds it, counting offsets in UTF-16 units or code
    points."""
    pieces: list[str] = []
    length = 0
    carried: list[str] = []
    problems: list[str] = []
    for number, sentence in enumerate(doc.sentences, start=1):
        fragments = carried + sentence.fragments
        carried = []
        begin = sentence.units[0].begin
        if length > begin:
            if length == begin + 1 and pieces and pieces[-1].endswith("\n"):
                pieces[-1] = pieces[-1][:-1]
                length -= 1
            else:
                problems.append(f"sentence {number} (line {sentence.units[0].lineno}) starts at "
                                f"{begin}, inside the text before it (which ends at {length})")
                continue
        if length < begin:
            pieces.append(" " * (begin - length))
            length = begin
        body = "".join(f + "\n" for f in fragments)
        pieces.append(body)
        length += _units(body, utf16)
    _raise(where, problems)
    text = "".join(pieces)
    # Every sentence's text ends with a line break in the file; the one after the last sentence
    # is the format's, not the document's (sentences never end with one), so it is dropped.
    return text.removesuffix("\n")


def _token_matches(doc: TsvDocument, text: str, utf16: bool) -> int:
    umap = Utf16Map(text) if utf16 else None
    hits = 0
    for sentence in doc.sentences:
        for unit in sentence.units:
            try:
                begin = umap.to_cp(unit.begin) if umap else unit.begin
                end = umap.to_cp(unit.end, snap="up") if umap else unit.end
            except ValueError:
                continue
            hits += 0 <= begin <= end <= len(text) and text[begin:end] == unit.token
    return hits


# --------------------------------------------------------------------------- annotations


def _annotations(doc: TsvDocument, where: str, warn: Counted) -> list[_Annotation]:
    found: dict[tuple, _Annotation] = {}
    chain_links: set[tuple[str, str]] = set()
    relations = 0
    for sentence in doc.sentences:
        for unit in sentence.units:
            for col in doc.columns:
                cell = unit.fields[col.index]
                if cell in ("_", ""):
                    continue
                if col.kind == "CH":
                    for entry in _split_unescaped(cell, "|"):
                        if "->" in entry:
                            chain_links.add((col.layer, entry.rsplit("->", 1)[1]))
                    continue
                if col.kind == "RL":
                    if col.role == "base":
                        relations += len(_split_unescaped(cell, "|"))
                    continue
                if col.role == "slot_target":
                    continue
                for n, entry in enumerate(_split_unescaped(cell, "|")):
                    raw, ident = _split_id(entry)
                    key = (col.layer, ident) if ident is not None else (col.layer, unit.lineno, n)
                    ann = found.get(key)
                    if ann is None:
                        ann = found[key] = _Annotation(
                            col.layer, unit.begin, unit.end,
                            f"{where} line {unit.lineno} {short_type_name(col.layer)}")
                    ann.begin, ann.end = min(ann.begin, unit.begin), max(ann.end, unit.end)
                    if col.role == "slot_role":
                        links = [r for r in _split_unescaped(raw, ";") if r not in ("*", "")]
                        ann.links = max(ann.links, len(links))
                    elif col.role == "value" and raw != "*":
                        value = unescape_value(raw)
                        if value.strip():
                            ann.values.setdefault(col.feature, value)
    warn("chains", where, n=len(chain_links))
    warn("relations", where, n=relations)
    out = []
    for ann in found.values():
        if ann.links:
            warn("slots", ann.where, n=ann.links)
        kind = layer_kind(ann.layer)
        if kind == "infrastructure":
            continue
        if kind == "linguistic":
            warn("linguistic", short_type_name(ann.layer))
            continue
        out.append(ann)
    return out


def _spans(annotations: list[_Annotation], warn: Counted) -> list[Span]:
    spans = []
    for ann in annotations:
        labels: list[tuple[Any, str]] = []
        note = None
        for feature, value in ann.values.items():
            if ann.layer == OUR_LAYER and feature in ("stance", "note"):
                if feature == "note":
                    note = value
                else:
                    labels.append(("stance", value))
            else:
                labels.append((None, value))
        if not labels and note is None and ann.layer != OUR_LAYER:
            labels = [(None, short_type_name(ann.layer))]
            if ann.begin < ann.end:
                warn("layer_name", short_type_name(ann.layer))
        spans.append(Span(ann.begin, ann.end, labels, note=note, where=ann.where))
    return spans


# --------------------------------------------------------------------------- sources


def decode_tsv(data: bytes, where: str) -> str:
    if len(data) > MAX_XML_FILE:
        raise FormatError(f"{where}: refused, larger than {MAX_XML_FILE // 2**20} MB")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FormatError(f"{where}: line {line}: not UTF-8 text (WebAnno TSV is always "
                          "UTF-8)") from None


def tsv_source(data: bytes, where: str, *, coder: str, title: str | None, warn: Counted,
               positions: str = "auto") -> UnitSource:
    """One TSV file as a source whose offsets are still to be placed (see
    :func:`desk_annotator.io.foreign_spans.place_sources`)."""
    doc = parse_tsv(decode_tsv(data, where), where)
    if positions == "auto":
        text = build_text(doc, True, where)
        other = build_text(doc, False, where)
        # The text itself depends on the unit (the gaps between sentences are filled up to the
        # next offset): take the code point text only when more tokens read their own text.
        if other != text and _token_matches(doc, other, False) > _token_matches(doc, text, True):
            text = other
    else:
        text = build_text(doc, READINGS[positions].utf16, where)
    evidence = [Selection(u.begin, u.end, u.token or None)
                for s in doc.sentences for u in s.units if u.begin < u.end]
    spans = _spans(_annotations(doc, where, warn), warn)
    return UnitSource(where=where, title=title, coder=coder, raw_text=text, spans=spans,
                      evidence=evidence, metadata={"source_file": where})


def read_webanno_tsv(path: Path, *, positions: str = "auto",
                     stance_names: set[str] | None = None) -> tuple[ProjectSnapshot, list[str]]:
    """Read a WebAnno/INCEpTION TSV 3.x file: one document, one coder named after the file.
    Refuses the whole file with one FormatError listing every problem."""
    path = Path(path)
    check_positions(positions)
    try:
        if path.stat().st_size > MAX_XML_FILE:
            raise FormatError(f"{path}: refused, larger than {MAX_XML_FILE // 2**20} MB")
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise FormatError(f"{path}: file not found") from exc
    except IsADirectoryError as exc:
        raise FormatError(f"{path}: is a folder, not a file") from exc
    except OSError as exc:
        raise FormatError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    warn = Counted(MESSAGES)
    source = tsv_source(data, path.name, coder=path.stem, title=path.stem, warn=warn,
                        positions=positions)
    builder = ForeignSnapshot("webanno-tsv", stance_names, warn, codebook_name="INCEpTION")
    unit_lines, _ = place_sources(builder, [source], positions=positions, prior=PRIOR_JAVA)
    return builder.build(), unit_lines + warn.lines()
