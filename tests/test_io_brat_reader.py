"""brat standoff import: our own export reads back exactly (also through the CLI, for the
sample corpus), re-import adds nothing, brat's own tutorial files land on the text brat stored,
what is not carried is counted, the position unit is checked, and bad input is refused whole."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from desk_annotator.errors import FormatError
from desk_annotator.import_files import import_paths, list_input_files
from desk_annotator.io.brat_reader import read_brat
from desk_annotator.project import Project
from desk_annotator.project_io import export_path

REPO = Path(__file__).resolve().parent.parent
NEWS = REPO / "tests" / "fixtures" / "brat" / "news"
SAMPLE = REPO / "sample_corpus"
CODEBOOK = REPO / "resources" / "codebooks" / "ai-policy.json"


def content(project: Project, *, used_only: bool = False) -> dict:
    """Documents (by SHA-256), coders, labels and passages, independent of ids."""
    q = project.q
    docs = {d.id: d.sha256 for d in q.document_infos()}
    coders = {c.id: c.name for c in q.coders()}
    labels = {lb.id: (lb.scheme, lb.name) for lb in q.labels()}
    anns = sorted((docs[a.document_id], coders[a.coder_id], a.start, a.end, a.quote,
                   labels[a.stance_id] if a.stance_id else None,
                   tuple(sorted(labels[t] for t in a.theme_ids)), a.note or None)
                  for a in q.annotations())
    if used_only:
        coders = {k: v for k, v in coders.items() if any(a[1] == v for a in anns)}
    return {"documents": sorted(docs.values()), "coders": sorted(coders.values()),
            "labels": sorted(labels.values()), "annotations": anns}


@pytest.fixture
def source(tmp_path: Path, seed) -> Project:  # type: ignore[no-untyped-def]
    """The seeded project plus what brat names cannot hold as they are: a coder and labels
    with spaces and reserved characters, a passage across a line break, a multi-line note,
    an unused label and a coder without passages."""
    with Project(tmp_path / "source.sqlite") as project:
        seed(project)
        anna = project.ensure_coder("Anna Smith")
        project.ensure_coder("idle coder")
        stance = project.add_label("stance", "pro: strong")
        theme = project.add_label("themes", "AI/ML ethics")
        project.add_label("themes", "never used")
        doc = project.q.document_infos()[0]
        text = project.q.document(doc.id).text
        start, end = text.index("debated"), text.index("sources")
        project.add_annotation(doc.id, anna.id, start, end, stance_id=stance.id,
                               theme_ids=[theme.id], note="first line\n\nsecond  line")
        yield project


def test_own_export_reads_back_exactly(source: Project, tmp_path: Path) -> None:
    export_path(source, tmp_path / "brat")
    with Project(tmp_path / "copy.sqlite") as copy:
        report = import_paths(copy, [tmp_path / "brat"])
        assert report.refused == [] and report.warnings == []
        assert content(copy) == content(source)
        # The .txt files are the datasets' texts, not articles of their own.
        assert report.documents_added == len(source.q.document_infos())
        multi = {a.note: a for a in copy.q.annotations() if a.note and "\n" in a.note}
        assert sorted(multi) == ["first line\n\nsecond  line", "multi\nline"]
        # Written as two fragments, read as one passage.
        assert "\n" in multi["first line\n\nsecond  line"].quote


def test_reimporting_own_export_adds_nothing(source: Project, tmp_path: Path, dump) -> None:  # type: ignore[no-untyped-def]
    export_path(source, tmp_path / "brat")
    before = dump(source)
    report = import_paths(source, [tmp_path / "brat"])
    assert report.refused == []
    assert report.documents_added == report.annotations_added == report.labels_added == 0
    assert dump(source) == before


@pytest.mark.skipif(not (SAMPLE / "annotations.jsonl").exists(), reason="sample corpus not built")
def test_sample_corpus_round_trip_through_the_cli(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    p1, p2, folder = tmp_path / "p1.sqlite", tmp_path / "p2.sqlite", tmp_path / "brat"
    assert run_cli("--project", p1, "codebook", "import", CODEBOOK)[0] == 0
    assert run_cli("--project", p1, "import", SAMPLE)[0] == 0
    assert run_cli("--project", p1, "export", folder)[0] == 0
    code, _, err = run_cli("--project", p2, "import", folder)
    assert code == 0, err
    with Project(p1) as one, Project(p2) as two:
        first, second = content(one, used_only=True), content(two, used_only=True)
        # Codebook labels: all of them (annotation.conf declares them).
        assert first == second
        assert len(first["annotations"]) > 50
    code, out, _ = run_cli("--project", p2, "import", folder)
    assert code == 0 and "0 annotations added" in out


# --------------------------------------------------------------------------- brat's own files


def _textbound(ann: Path) -> dict[str, tuple[str, list[tuple[int, int]], str]]:
    out = {}
    for line in ann.read_text("utf-8").splitlines():
        if line.startswith("T"):
            ident, data, text = line.split("\t")
            type_, spans = data.split(" ", 1)
            out[ident] = (type_, [tuple(map(int, s.split())) for s in spans.split(";")], text)
    return out


def test_brat_tutorial_files_land_on_the_text_brat_stored(tmp_path: Path) -> None:
    with Project(tmp_path / "p.sqlite") as project:
        report = import_paths(project, [NEWS])
        assert report.refused == []
        assert report.documents_added == 4  # four pairs, no .txt imported twice
        quotes = sorted(a.quote for a in project.q.annotations())
        expected = sorted(text for ann in NEWS.glob("*.ann")
                          for text in {(sp[0], tuple(sp[1])): sp[2]
                                       for sp in _textbound(ann).values()}.values())
        # Every passage is the text brat stored for it (T lines of one span are one passage).
        assert quotes == expected
        labels = {lb.name: lb.scheme for lb in project.q.labels()}
        assert {"Person", "Organization", "GPE", "Money", "Merge-org", "Mention=Name",
                "Individual", "Mention=Nominal"} <= set(labels)
        assert set(labels.values()) == {"themes"}
        assert [c.name for c in project.q.coders()] == ["brat"]
        notes = sorted(a.note for a in project.q.annotations() if a.note)
        assert notes == ["100000000 USD", "Should fictional places be annotated?"]
    warnings = "\n".join(report.warnings)
    for expected_line in ["000-introduction.ann: 1 event not carried",
                          "000-introduction.ann: 2 relations not carried",
                          "000-introduction.ann: 1 normalisation not carried",
                          "000-introduction.ann: 1 attribute on an event not carried",
                          "060-relation_annotation.ann: 1 equivalence not carried",
                          "100-attribute_annotation.ann: 5 attributes on events not carried",
                          "100-attribute_annotation.ann: 10 events not carried",
                          "110-note_annotation.ann: 1 note on an event not carried",
                          "110-note_annotation.ann: 1 note on a relation not carried"]:
        assert expected_line in warnings
    # brat counts code points: every tutorial text is read in the standard unit (said only
    # when a document's positions fit another unit better).
    assert not any("positions read as" in w for w in report.warnings)


def test_tutorial_passages_with_their_attributes(tmp_path: Path) -> None:
    snap, _ = read_brat(NEWS / "000-introduction.ann", stance_names={"Person"})
    labels = snap.codebook.by_id()
    by_quote = {a.quote: a for a in snap.annotations}
    salinas = by_quote["Raul Salinas de Gortari"]
    assert labels[salinas.stance_id].name == "Person"
    assert sorted(labels[t].name for t in salinas.theme_ids) == ["Individual", "Mention=Name"]
    assert snap.documents[0].title == "000-introduction"
    assert snap.documents[0].text[418:426] == "Citibank"


def test_folder_listing_pairs_txt_with_ann(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Alone.", "utf-8")
    (tmp_path / "b.txt").write_text("Paired.", "utf-8")
    (tmp_path / "b.ann").write_text("T1\tX 0 6\tPaired\n", "utf-8")
    assert [p.name for p in list_input_files([tmp_path])] == ["a.txt", "b.ann"]


# --------------------------------------------------------------------------- units, problems


def _pair(folder: Path, name: str, text: str, ann: str, newline: str = "\n") -> Path:
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.txt").write_bytes(text.encode("utf-8"))
    (folder / f"{name}.ann").write_text(ann, "utf-8", newline=newline)
    return folder / f"{name}.ann"


def test_utf16_offsets_of_brats_browser_client_are_detected(tmp_path: Path) -> None:
    """nlplab/brat issue #1115: after an emoji the web client stored UTF-16 positions."""
    text = "Great 😀😀 news: the chips act passed. 🇺🇸 Critics said it was late.\n"
    words = ["news", "chips act", "Critics", "late"]
    cps = [(text.index(w), text.index(w) + len(w), w) for w in words]
    u16 = [(len(text[:s].encode("utf-16-le")) // 2, len(text[:e].encode("utf-16-le")) // 2, w)
           for s, e, w in cps]
    lines = "".join(f"T{i}\tClaim {s} {e}\t{w}\n" for i, (s, e, w) in enumerate(u16, 1))
    snap, warnings = read_brat(_pair(tmp_path / "u", "tweet", text, lines))
    assert sorted(a.quote for a in snap.annotations) == sorted(words)
    assert any("positions read as UTF-16 units" in w for w in warnings)
    # The same file with code points is read in the standard unit.
    lines = "".join(f"T{i}\tClaim {s} {e}\t{w}\n" for i, (s, e, w) in enumerate(cps, 1))
    snap, warnings = read_brat(_pair(tmp_path / "c", "tweet", text, lines))
    assert sorted(a.quote for a in snap.annotations) == sorted(words)
    assert not any("positions read as UTF-16" in w for w in warnings)


def test_crlf_text_and_discontinuous_spans(tmp_path: Path) -> None:
    text = "Joanne Rowling\r\nwrote as J. K. Rowling.\r\n"
    start2 = text.index("J. K.")
    ann = (f"T1\tPerson 0 6;{text.index('Rowling')} 14\tJoanne Rowling\n"
           f"T2\tPerson 0 6;{start2} {start2 + 5}\tJoanne J. K.\n")
    snap, warnings = read_brat(_pair(tmp_path, "crlf", text, ann))
    doc = snap.documents[0]
    assert doc.text == "Joanne Rowling\nwrote as J. K. Rowling.\n"
    quotes = sorted(a.quote for a in snap.annotations)
    assert quotes == ["Joanne Rowling", "Joanne Rowling\nwrote as J. K."]
    assert any("1 discontinuous span joined" in w for w in warnings)


def test_every_problem_is_listed_and_nothing_read(tmp_path: Path) -> None:
    folder = tmp_path / "bad"
    _pair(folder, "one", "Short text.", "T1\tX 0 99\tShort\nT2\tX 5 2\tbad\nT3\tno offsets\n"
          "T1\tX 0 5\tShort\nA1\tToo many parts T1 a b\n")
    (folder / "two.ann").write_text("T1\tX 0 1\ta\n", "utf-8")  # no two.txt
    (folder / "three.txt").write_bytes(b"caf\xe9")
    (folder / "three.ann").write_text("", "utf-8")
    with pytest.raises(FormatError) as info:
        read_brat(folder)
    message = str(info.value)
    for part in ["one.ann line 2 (T2): start 5 is after end 2",
                 "one.ann line 3 (T3): expected 'TYPE START END",
                 "one.ann line 4 (T1): the id T1 is used twice",
                 "one.ann line 5 (A1): expected 'NAME TARGET [VALUE]'",
                 "two.txt: missing", "three.txt: not UTF-8 text"]:
        assert part in message, part
    assert "nothing was imported" in message
    # Offsets outside the text are found once the unit is decided, also refused whole.
    with pytest.raises(FormatError, match=r"0\.\.99 is outside the text \(0\.\.11\)"):
        read_brat(_pair(tmp_path / "far", "x", "Short text.", "T1\tX 0 99\tShort\n"))


def test_nul_in_text_is_replaced_and_reported(tmp_path: Path) -> None:
    snap, warnings = read_brat(_pair(tmp_path, "nul", "A\x00B text", "T1\tX 4 8\ttext\n"))
    assert snap.documents[0].text == "A\ufffdB text"
    assert [a.quote for a in snap.annotations] == ["text"]
    assert any("NUL character replaced by U+FFFD" in w for w in warnings)


def test_reading_twice_gives_the_same_ids(tmp_path: Path) -> None:
    ann = _pair(tmp_path, "same", "Same text twice.", "T1\tX 0 4\tSame\nT2\tY 0 4\tSame\n")
    first, second = read_brat(ann)[0], read_brat(ann)[0]
    assert [a.id for a in first.annotations] == [a.id for a in second.annotations]
    assert len(first.annotations) == 1  # one span, two types: one passage
    assert re.fullmatch(r"[0-9A-F-]{36}", first.annotations[0].id)
