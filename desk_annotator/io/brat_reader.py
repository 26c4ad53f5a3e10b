"""brat standoff import: ``X.ann`` with its ``X.txt`` (one document), or every pair of a folder.

brat offsets count the characters (code points) of the UTF-8 ``.txt`` as stored: brat's server
reads it without changing line endings and measures it as a Python string. brat's browser
client has counted UTF-16 units after emoji (nlplab/brat issue #1115), and every text-bound
line stores the text it covers, so the unit is still checked per document
(:mod:`desk_annotator.io.position_units`) and reported when it is not the standard one.

Our own export (``annotation.conf`` starting with :data:`~desk_annotator.io.brat.CONF_HEADER`)
reads back exactly: the entity type is the stance (``Passage``: none), attribute ``Coder`` the
coder, binary ``Theme_*`` attributes the themes, ``AnnotatorNotes`` the note, fragments one
passage; original names come from the ``# desk-annotator names:`` line of ``annotation.conf``.

Files of other projects: every text-bound annotation (``T``) becomes a passage of coder
``brat`` labelled with its type, plus its attributes (``A``/``M``: binary ``Name``, valued
``Name=Value``); a label is a stance when its name is in ``stance_names``, a theme otherwise.
``T`` lines of one span merge into one passage. Relations (``R``), events (``E``),
equivalences (``*``), normalisations (``N``), and attributes and notes on anything but a ``T``
are counted and reported as not carried.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

from desk_annotator.errors import FormatError
from desk_annotator.io.brat import (
    CODER_ATTRIBUTE,
    CONF_HEADER,
    NAMES_COMMENT,
    NO_STANCE_TYPE,
    THEME_PREFIX,
    brat_name,
)
from desk_annotator.io.exchange_common import raise_if_problems
from desk_annotator.io.foreign import (
    Dropped,
    ForeignDocument,
    ForeignSpan,
    build_snapshot,
)
from desk_annotator.io.untrusted import clean_text, read_lines
from desk_annotator.models import ProjectSnapshot, Scheme

DEFAULT_CODER = "brat"
MAX_TEXT_BYTES = 50 * 1024 * 1024  # as for article files (io/articles.MAX_FILE_BYTES)
_TEXTBOUND = re.compile(r"(\S+) (\d+ \d+(?:;\s*\d+ \d+)*)\s*")
_ID = re.compile(r"[TRENAM*#]\w*|\*")


class _Conf:
    """What an ``annotation.conf`` tells the reader: whether it is our export, and the
    original names of types, attributes and coders."""

    def __init__(self, folder: Path, problems: list[str]) -> None:
        self.ours = False
        self.names: dict[str, dict[str, str]] = {"types": {}, "attributes": {}, "coders": {},
                                                  "notes": {}}
        path = folder / "annotation.conf"
        if not path.is_file():
            return
        try:
            lines = [line for _, line in read_lines(path)]
        except FormatError as exc:
            problems.append(str(exc).removesuffix("; nothing was imported"))
            return
        self.ours = bool(lines) and lines[0].startswith(CONF_HEADER)
        for line in lines:
            if self.ours and line.startswith(NAMES_COMMENT):
                self._names(path, line[len(NAMES_COMMENT):], problems)

    def _names(self, path: Path, text: str, problems: list[str]) -> None:
        try:
            value = json.loads(text)
        except ValueError:
            value = None
        ok = isinstance(value, dict) and all(
            isinstance(part, dict) and all(isinstance(k, str) and isinstance(v, str) and v.strip()
                                           for k, v in part.items())
            for part in value.values())
        if not ok:
            problems.append(f"{path.name}: the desk-annotator names line is damaged")
            return
        for key in self.names:
            self.names[key].update(value.get(key, {}))


def read_brat(path: Path, *, stance_names: set[str] | None = None, positions: str = "auto",
              coder_name: str = DEFAULT_CODER) -> tuple[ProjectSnapshot, list[str]]:
    """Read one ``.ann`` file (with the ``.txt`` beside it) or a folder of pairs. Refuses the
    whole input with one FormatError listing every problem."""
    path = Path(path)
    stance_names = set(stance_names or ())
    if path.is_dir():
        anns = sorted(p for p in path.rglob("*.ann") if p.is_file()
                      and not any(part.startswith(".") for part in p.relative_to(path).parts))
        if not anns:
            raise FormatError(f"{path}: no brat .ann files in this folder; nothing was imported")
    else:
        anns = [path]
    problems: list[str] = []
    warnings: list[str] = []
    dropped = Dropped()
    confs: dict[Path, _Conf] = {}
    documents: list[ForeignDocument] = []
    for ann in anns:
        conf = confs.get(ann.parent)
        if conf is None:
            conf = confs[ann.parent] = _Conf(ann.parent, problems)
        label = f"{ann.name} " if len(anns) > 1 else ""
        doc = _read_pair(ann, label, conf, stance_names, coder_name, problems, warnings, dropped)
        if doc is not None:
            documents.append(doc)
    raise_if_problems(path, problems)
    # Our export declares its codebook and coders in annotation.conf: unused ones come too.
    declared = [c for c in confs.values() if c.ours]
    labels = [("stance", n) for c in declared for n in c.names["types"].values()]
    labels += [("themes", n) for c in declared for n in c.names["attributes"].values()]
    coders = [n for c in declared for n in c.names["coders"].values()]
    # Quiet: brat counts code points and each pair is read on its own, so only a document
    # whose positions fit another unit (or look odd) gets a line.
    result = build_snapshot(documents, tool="brat", stance_names=stance_names,
                            positions=positions, quiet=True, labels=labels, coders=coders)
    raise_if_problems(path, result.problems)
    return result.snapshot, warnings + result.warnings + dropped.lines()


def _read_text(txt: Path, problems: list[str], warnings: list[str]) -> str | None:
    try:
        size = txt.stat().st_size
        if size > MAX_TEXT_BYTES:
            problems.append(f"{txt.name}: larger than {MAX_TEXT_BYTES // 2**20} MB")
            return None
        data = txt.read_bytes()
    except FileNotFoundError:
        problems.append(f"{txt.name}: missing (brat keeps the text of X.ann in X.txt beside it)")
        return None
    except OSError as exc:
        problems.append(f"{txt.name}: cannot be read ({exc.strerror or exc})")
        return None
    try:
        raw = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(f"{txt.name}: not UTF-8 text (byte {exc.start + 1}); brat reads UTF-8")
        return None
    raw, what = clean_text(raw)
    if what is not None:
        warnings.append(f"{txt.name}: {what} replaced by U+FFFD")
    return raw


def _read_pair(ann: Path, label: str, conf: _Conf, stance_names: set[str], coder_name: str,
               problems: list[str], warnings: list[str], dropped: Dropped
               ) -> ForeignDocument | None:
    txt = ann.with_suffix(".txt")
    raw = _read_text(txt, problems, warnings)
    try:
        lines = list(read_lines(ann))
    except FormatError as exc:
        problems.append(str(exc).removesuffix("; nothing was imported"))
        return None
    if raw is None:
        return None
    textbound: dict[str, ForeignSpan] = {}
    others: set[str] = set()  # ids of relations, events, attributes, ...
    later: list[tuple[int, str, str, str]] = []  # attributes and notes, after every T
    for lineno, line in lines:
        line = line.rstrip("\r\n")
        if not line.strip():
            continue
        line, what = clean_text(line)
        if what is not None:
            warnings.append(f"{label}line {lineno}: {what} replaced by U+FFFD")
        ident, _, rest = line.partition("\t")
        data, _, tail = rest.partition("\t")
        where = f"{label}line {lineno} ({ident})"
        kind = ident[:1]
        if not _ID.fullmatch(ident):
            dropped.add("line of an unknown kind", "lines of an unknown kind")
        elif kind == "T":
            span = _textbound(data, tail, where, conf, stance_names, coder_name, problems)
            if ident in textbound:
                problems.append(f"{where}: the id {ident} is used twice")
            elif span is not None:
                textbound[ident] = span
        elif kind in "AM#":
            later.append((lineno, ident, data, tail))
        else:
            others.add(ident)
            dropped.add(*{"R": ("relation",), "E": ("event",),
                          "*": ("equivalence",), "N": ("normalisation",)}[kind])
    for lineno, ident, data, tail in later:
        _attach(ident, data, tail, f"{label}line {lineno} ({ident})", conf, textbound, others,
                problems, dropped)
    for ident, span in textbound.items():  # our export's notes with line breaks
        full = conf.names["notes"].get(f"{ann.stem}/{ident}")
        if full is not None and span.note == " ".join(full.split()):
            span.note = full
    spans = [s for s in textbound.values() if s.fragments]
    empty = len(textbound) - len(spans)
    dropped.add("zero-width text-bound annotation", n=empty, verb="skipped")
    title = None if conf.ours else ann.stem
    return ForeignDocument(where=f"{ann.stem}", raw=raw, title=title,
                           metadata={"source_file": txt.name}, spans=spans)


def _textbound(data: str, tail: str, where: str, conf: _Conf, stance_names: set[str],
               coder_name: str, problems: list[str]) -> ForeignSpan | None:
    match = _TEXTBOUND.fullmatch(data)
    if match is None:
        problems.append(f"{where}: expected 'TYPE START END[;START END...]' before the text")
        return None
    type_, pieces = match.groups()
    fragments = []
    for piece in pieces.split(";"):
        start, end = (int(x) for x in piece.split())
        if start > end:
            problems.append(f"{where}: start {start} is after end {end}")
            return None
        if start < end:
            fragments.append((start, end))
    labels: list[tuple[str, Scheme | None]]
    if conf.ours:
        labels = [] if type_ == NO_STANCE_TYPE else [(_stance_name(type_, conf, stance_names),
                                                       "stance")]
    else:
        labels = [(type_, None)]
    return ForeignSpan(fragments=fragments, labels=labels, coder=coder_name, where=where,
                       text=tail if tail else None, merge=not conf.ours)


def _stance_name(type_: str, conf: _Conf, stance_names: set[str]) -> str:
    known = conf.names["types"].get(type_)
    if known is not None:
        return known
    # An export written before the names line: the project's stance of that brat name.
    return next((s for s in sorted(stance_names) if brat_name(s) == type_), type_)


def _attach(ident: str, data: str, tail: str, where: str, conf: _Conf,
            textbound: dict[str, ForeignSpan], others: set[str], problems: list[str],
            dropped: Dropped) -> None:
    parts = data.split()
    kind = ident[:1]
    if kind == "#":
        if len(parts) != 2:
            problems.append(f"{where}: expected 'TYPE TARGET' before the note text")
            return
        type_, target = parts
        span = textbound.get(target)
        if span is None:
            _not_on_textbound(target, "note", others, dropped)
            return
        text = tail.strip()
        if text:
            note = text if type_ == "AnnotatorNotes" else f"{type_}: {text}"
            span.note = note if not span.note else f"{span.note}\n\n{note}"
        return
    if len(parts) not in (2, 3) or (kind == "M" and len(parts) != 2):
        problems.append(f"{where}: expected 'NAME TARGET [VALUE]'")
        return
    name, target = parts[0], parts[1]
    value = parts[2] if len(parts) == 3 else None
    span = textbound.get(target)
    if span is None:
        _not_on_textbound(target, "attribute", others, dropped)
        return
    if conf.ours and name == CODER_ATTRIBUTE and value is not None:
        span.coder = conf.names["coders"].get(value, value)
    elif conf.ours and name.startswith(THEME_PREFIX) and value is None:
        theme = conf.names["attributes"].get(name, name[len(THEME_PREFIX):])
        span.labels.append((theme, "themes"))
    else:
        span.labels.append((name if value is None else f"{name}={value}", None))


def _not_on_textbound(target: str, what: str, others: set[str], dropped: Dropped) -> None:
    if target in others:
        one, many = {"R": ("a relation", "relations"), "E": ("an event", "events"),
                     "N": ("a normalisation", "normalisations")}.get(
            target[:1], ("an annotation of another kind", "annotations of other kinds"))
        dropped.add(f"{what} on {one}", f"{what}s on {many}")
    else:
        dropped.add(f"{what} on a missing annotation", f"{what}s on missing annotations",
                    verb="skipped")


def brat_pairs(files: Iterable[Path]) -> set[Path]:
    """The ``.txt`` files among ``files`` that are the text of a ``.ann`` file beside them
    (imported with it, not as articles)."""
    files = list(files)
    anns = {f.with_suffix("") for f in files if f.suffix.lower() == ".ann"}
    return {f for f in files if f.suffix.lower() == ".txt" and f.with_suffix("") in anns}
