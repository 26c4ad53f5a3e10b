"""brat standoff export: ``<title-stem>-<id8>.txt`` + ``.ann`` per document, plus
``annotation.conf`` and ``visual.conf`` for the whole collection.

Mapping (documented in docs/readme-parts/exchange.md):
- each annotation -> one text-bound ``T`` line; its type is the stance label, or ``Passage``
  when it has no stance;
- the coder -> multi-valued attribute ``Coder`` (``A1<TAB>Coder T1 coder-1``);
- each theme -> binary attribute ``Theme_<name>`` (``A2<TAB>Theme_export_controls T1``),
  binary because brat allows one value per attribute and an annotation may have many themes;
- the note -> ``#1<TAB>AnnotatorNotes T1<TAB>text``.
Names are made brat-safe: white space and characters brat's configuration syntax reserves
become ``_``; the original names are kept in one comment line of ``annotation.conf``
(``# desk-annotator names: {json}``, which brat ignores) so that the import reads them back
(:mod:`desk_annotator.io.brat_reader`), with notes that had line breaks (brat's note is one
line). brat offsets count Unicode code points of the UTF-8 ``.txt`` (Python ``str`` indexes,
like ours), so they are written unchanged. A span may not cross a line break in brat, so a
multi-line annotation is written as fragments ``start end;start end``.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

from desk_annotator.atomic import WriteFailed, atomic_folder, describe_os_error
from desk_annotator.io.exchange_common import SnapshotIndex
from desk_annotator.models import Annotation, Document, ProjectSnapshot

NO_STANCE_TYPE = "Passage"
CODER_ATTRIBUTE = "Coder"
THEME_PREFIX = "Theme_"
_UNSAFE = re.compile(r"[^\w\-.]+")
_STEM_UNSAFE = re.compile(r"[^A-Za-z0-9]+")
CONF_HEADER = "# Written by desk-annotator"
NAMES_COMMENT = "# desk-annotator names: "
BRAT_CACHE_FILES = {".stats_cache", "tools.conf", "kb_shortcuts.conf"}
# Left inside an export folder by a killed run of earlier versions (per-file temporaries).
_OLD_TEMP = re.compile(r"\..+\.(txt|ann|conf)\.[^.]+\.tmp")


def brat_name(name: str) -> str:
    """A label or coder name as a brat type/value: no spaces, no config syntax characters."""
    safe = _UNSAFE.sub("_", name.strip()).strip("_")
    return safe or "_"


def file_stem(doc: Document, max_title: int = 40) -> str:
    # "Café" -> "Cafe": decompose and drop the marks so file names stay plain ASCII.
    ascii_title = unicodedata.normalize("NFKD", doc.title).encode("ascii", "ignore").decode()
    slug = _STEM_UNSAFE.sub("-", ascii_title).strip("-").lower()[:max_title].rstrip("-")
    short_id = re.sub(r"[^A-Za-z0-9]", "", doc.id)[:8].lower() or "doc"
    return f"{slug}-{short_id}" if slug else short_id


def fragments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split [start, end) at line breaks into the non-empty pieces brat can show."""
    pieces = []
    pos = start
    for line in text[start:end].split("\n"):
        if line:
            pieces.append((pos, pos + len(line)))
        pos += len(line) + 1
    return pieces


def write_brat(folder: Path, snapshot: ProjectSnapshot) -> int:
    """Write the collection as ``folder``; returns the number of documents written.

    The collection is built in a new temporary folder beside ``folder`` and swapped in when
    complete (:func:`desk_annotator.atomic.atomic_folder`): a kill or a full disk midway
    leaves the previous export as it was, never a mix of two. An existing ``folder`` is
    replaced only when it is empty or a brat export of ours (see :func:`check_replaceable`).

    An annotation that covers nothing but line breaks has no fragment brat could show and is
    left out of the .ann file.
    """
    folder = Path(folder)
    if folder.is_symlink():  # replace what the link points to, keep the link
        folder = folder.resolve()
    check_replaceable(folder)
    index = SnapshotIndex(snapshot)
    stance_types: dict[str, str] = {}
    theme_attrs: dict[str, str] = {}
    coder_values: dict[str, str] = {}
    for lb in snapshot.codebook.stance:
        stance_types[lb.id] = _unique_name(brat_name(lb.name), stance_types.values(), {NO_STANCE_TYPE})
    for lb in snapshot.codebook.themes:
        theme_attrs[lb.id] = _unique_name(
            THEME_PREFIX + brat_name(lb.name), theme_attrs.values(), {CODER_ATTRIBUTE}
        )
    for coder in snapshot.coders:
        coder_values[coder.id] = _unique_name(brat_name(coder.name), coder_values.values(), set())

    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WriteFailed(describe_os_error(exc, folder)) from exc
    notes: dict[str, str] = {}  # "stem/T3" -> a note with line breaks (brat's are one line)
    with atomic_folder(folder) as tmp:
        used_stems: set[str] = set()
        for doc in snapshot.documents:
            stem = file_stem(doc)
            if stem in used_stems:  # two ids sharing their first 8 characters
                stem = f"{stem}-{re.sub(r'[^A-Za-z0-9]', '', doc.id).lower()}"
            used_stems.add(stem)
            lines = _ann_lines(doc, index.by_document[doc.id], index, stance_types, theme_attrs,
                               coder_values, notes, stem)
            # A fresh folder nobody reads yet: plain writes; atomic_folder syncs them.
            _write_text(tmp / f"{stem}.txt", doc.text)
            _write_text(tmp / f"{stem}.ann", "".join(line + "\n" for line in lines))
        # The original names (brat names replace spaces and reserved characters), so that
        # desk-annotator reads its own export back exactly (io/brat_reader.py).
        names = {"types": {stance_types[lb.id]: lb.name for lb in snapshot.codebook.stance},
                 "attributes": {theme_attrs[lb.id]: lb.name for lb in snapshot.codebook.themes},
                 "coders": {coder_values[c.id]: c.name for c in snapshot.coders},
                 "notes": notes}
        _write_text(tmp / "annotation.conf",
                    _annotation_conf(stance_types, theme_attrs, coder_values, names))
        _write_text(tmp / "visual.conf", _visual_conf(snapshot, stance_types))
    return len(snapshot.documents)


def _write_text(path: Path, text: str) -> None:
    # newline="\n": brat offsets count characters, so Windows must not add \r.
    with open(path, "x", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


def check_replaceable(folder: Path) -> None:
    """Refuse to replace a folder holding anything but a brat export of ours: ``.txt`` /
    ``.ann`` files, ``annotation.conf`` written by desk-annotator, ``visual.conf``, and the
    caches brat's server adds. Exporting to ``~/Documents`` by mistake must not empty it."""
    if not folder.exists():
        return
    if not folder.is_dir():
        raise WriteFailed(f"{folder}: exists and is not a folder")
    try:
        entries = list(folder.iterdir())
        conf = folder / "annotation.conf"
        ours = conf.is_file() and conf.read_text(encoding="utf-8", errors="replace").startswith(
            CONF_HEADER)
    except OSError as exc:
        raise WriteFailed(describe_os_error(exc, folder)) from exc
    if not entries:
        return
    foreign = [e.name for e in entries
               if not (e.is_file() and (e.suffix in (".txt", ".ann", ".conf")
                                        or e.name in BRAT_CACHE_FILES
                                        or _OLD_TEMP.fullmatch(e.name)))]
    if foreign or not ours:
        what = f"it holds {foreign[0]!r}" if foreign else "it is not a brat export of desk-annotator"
        raise WriteFailed(f"{folder}: not replaced, {what}; export to a new or empty folder")


def _unique_name(name: str, taken: object, reserved: set[str]) -> str:
    taken_set = set(taken) | reserved  # type: ignore[arg-type]
    candidate, n = name, 2
    while candidate in taken_set:
        candidate, n = f"{name}-{n}", n + 1
    return candidate


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _ann_lines(
    doc: Document, annotations: list[Annotation], index: SnapshotIndex,
    stance_types: dict[str, str], theme_attrs: dict[str, str], coder_values: dict[str, str],
    notes: dict[str, str] | None = None, stem: str = "",
) -> list[str]:
    lines: list[str] = []
    t_n = a_n = note_n = 0
    for ann in annotations:
        pieces = fragments(doc.text, ann.start, ann.end)
        if not pieces:
            continue
        t_n += 1
        tid = f"T{t_n}"
        if ann.stance_id is None:
            ann_type = NO_STANCE_TYPE
        else:
            index.label_name(ann, ann.stance_id)  # clear error for a dangling label id
            ann_type = stance_types[ann.stance_id]
        spans = ";".join(f"{s} {e}" for s, e in pieces)
        # brat's text field joins the fragments with single spaces.
        covered = " ".join(doc.text[s:e] for s, e in pieces)
        lines.append(f"{tid}\t{ann_type} {spans}\t{covered}")
        index.coder_name(ann)
        a_n += 1
        lines.append(f"A{a_n}\t{CODER_ATTRIBUTE} {tid} {coder_values[ann.coder_id]}")
        for theme_id in ann.theme_ids:
            index.label_name(ann, theme_id)
            a_n += 1
            lines.append(f"A{a_n}\t{theme_attrs[theme_id]} {tid}")
        if ann.note and ann.note.strip():
            note_n += 1
            lines.append(f"#{note_n}\tAnnotatorNotes {tid}\t{_one_line(ann.note)}")
            if notes is not None and _one_line(ann.note) != ann.note:
                notes[f"{stem}/{tid}"] = ann.note
    return lines


def _annotation_conf(
    stance_types: dict[str, str], theme_attrs: dict[str, str], coder_values: dict[str, str],
    names: dict[str, dict[str, str]] | None = None,
) -> str:
    out = [f"{CONF_HEADER}: stance labels are entity types, themes binary attributes.",
           *([NAMES_COMMENT + json.dumps(names, ensure_ascii=True, sort_keys=True)]
             if names is not None else []),
           "[entities]", NO_STANCE_TYPE, *stance_types.values(), "", "[relations]", "",
           "<OVERLAP> Arg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>", "",
           "[events]", "", "[attributes]"]
    if coder_values:
        out.append(f"{CODER_ATTRIBUTE} Arg:<ENTITY>, Value:{'|'.join(coder_values.values())}")
    out += [f"{name} Arg:<ENTITY>" for name in theme_attrs.values()]
    return "\n".join(out) + "\n"


def _visual_conf(snapshot: ProjectSnapshot, stance_types: dict[str, str]) -> str:
    out = ["[labels]", "", "[drawing]", f"{NO_STANCE_TYPE}\tbgColor:#dddddd"]
    out += [f"{stance_types[lb.id]}\tbgColor:{lb.color}" for lb in snapshot.codebook.stance]
    return "\n".join(out) + "\n"
