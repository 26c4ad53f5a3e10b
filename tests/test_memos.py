"""Memos (issue 12): the ops with undo, hidden with a deleted document or label, search with
the one matcher (non-ASCII), the ``memo`` CLI, REFI-QDA Notes (validated by the XSD, and
Notes as other tools write them), dataset JSONL, merges and coder packages."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
import xmlschema

from desk_annotator.errors import OperationError
from desk_annotator.memos import find_label, list_memos, memo_of, search_memos
from desk_annotator.models import ProjectSnapshot
from desk_annotator.ops import DeleteDocuments, DeleteLabel
from desk_annotator.ops_memos import AddMemo, DeleteMemo, EditMemo, SetMemo
from desk_annotator.project import Project
from desk_annotator.project_io import export_coder_package, export_path, merge_projects
from desk_annotator.text_match import MatchOptions

XSD = Path("/work/shared/refi-qda/Project.xsd")


def _texts(p: Project, **kw) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(m.text for m in list_memos(p, **kw))


def test_set_edit_delete_with_undo_and_redo(seeded) -> None:  # type: ignore[no-untyped-def]
    p, ids = seeded
    c1, c2 = ids["coders"]
    d0 = ids["docs"][0]
    first = p.run(SetMemo("document", d0, c1.id, "First reading: hawkish.", "Reading"), c1.id)
    assert (first.scope, first.target_id, first.coder_name, first.title) == (
        "document", d0, "coder-1", "Reading")
    assert first.created == first.updated
    # One memo per (scope, target, coder): setting again edits it, keeping author and created.
    second = p.run(SetMemo("document", d0, c1.id, "Second reading."), c1.id)
    assert second.id == first.id and second.created == first.created
    assert second.updated > first.updated and second.title == "Reading"
    other = p.run(SetMemo("document", d0, c2.id, "coder-2 disagrees"), c2.id)
    assert other.id != first.id and len(list_memos(p, scope="document")) == 2
    # Undo is per coder: coder-1's undo reverts coder-1's edit only.
    p.undo(c1.id)
    assert memo_of(p, "document", d0, c1.id).text == "First reading: hawkish."
    assert memo_of(p, "document", d0, c2.id).text == "coder-2 disagrees"
    p.redo(c1.id)
    assert memo_of(p, "document", d0, c1.id).text == "Second reading."
    p.run(DeleteMemo(first.id[:8]), c1.id)  # a unique start of the id names it
    assert memo_of(p, "document", d0, c1.id) is None
    p.undo(c1.id)
    assert memo_of(p, "document", d0, c1.id).id == first.id
    extra = p.run(AddMemo("project", "", c1.id, "another"), c1.id)
    edited = p.run(EditMemo(extra.id, title="Two"), c1.id)
    assert edited.title == "Two" and edited.text == "another"


def test_refusals_change_nothing(seeded, dump) -> None:  # type: ignore[no-untyped-def]
    p, ids = seeded
    c1 = ids["coders"][0]
    before = dump(p, ("memos",))
    for op, message in [
        (SetMemo("document", "nope", c1.id, "x"), "no document"),
        (SetMemo("label", "nope", c1.id, "x"), "no label"),
        (SetMemo("project", "", c1.id, "   \n "), "needs some text"),
        (SetMemo("project", "", c1.id, "x" * 1_000_001), "at most"),
        (SetMemo("cases", "", c1.id, "x"), "scope"),
        (DeleteMemo("nothing"), "no memo"),
    ]:
        with pytest.raises(OperationError, match=message):
            p.run(op, c1.id)
    assert dump(p, ("memos",)) == before


def test_deleted_document_and_label_hide_their_memos_until_undo(seeded) -> None:  # type: ignore[no-untyped-def]
    p, ids = seeded
    c1 = ids["coders"][0]
    d0 = ids["docs"][0]
    safety = ids["labels"]["safety"]
    p.run(SetMemo("document", d0, c1.id, "doc memo"), c1.id)
    p.run(SetMemo("label", safety.id, c1.id, "Code risks, not benefits."), c1.id)
    p.run(SetMemo("project", "", c1.id, "project memo"), c1.id)
    p.run(DeleteDocuments([d0]))
    assert _texts(p) == ["Code risks, not benefits.", "project memo"]
    assert search_memos(p, "doc memo") == []
    p.undo()
    assert _texts(p) == ["Code risks, not benefits.", "doc memo", "project memo"]
    p.run(DeleteLabel(safety.id, force=True))
    assert _texts(p, scope="label") == []
    p.undo()
    assert _texts(p, scope="label") == ["Code risks, not benefits."]


def test_search_uses_the_matcher_with_its_options(seeded) -> None:  # type: ignore[no-untyped-def]
    p, ids = seeded
    c1 = ids["coders"][0]
    d1 = ids["docs"][1]
    p.run(SetMemo("document", d1, c1.id, "Die STRASSE der Kühe — naïve Leser 😀 café."), c1.id)
    p.run(SetMemo("project", "", c1.id, "Nothing here", "Über alles"), c1.id)
    hits = search_memos(p, "straße")  # case folding: ß folds to ss
    assert [(h.field, h.start, h.end) for h in hits] == [("text", 4, 11)]
    assert search_memos(p, "naive") == []
    text = "Die STRASSE der Kühe — naïve Leser 😀 café."
    hit = search_memos(p, "naive", MatchOptions(fold_diacritics=True))[0]
    assert text[hit.start:hit.end] == "naïve"
    assert [h.field for h in search_memos(p, "über")] == ["title"]
    assert search_memos(p, "KÜHE", MatchOptions(case_sensitive=True)) == []
    assert len(search_memos(p, "e", limit=3)) == 3
    assert [h.memo.scope for h in search_memos(p, "über", scope="document")] == []


def test_find_label_by_name_scheme_and_case(seeded) -> None:  # type: ignore[no-untyped-def]
    p, ids = seeded
    assert find_label(p, "Safety").id == ids["labels"]["safety"].id
    assert find_label(p, "themes:open source").id == ids["labels"]["open source"].id
    with pytest.raises(OperationError, match="no label"):
        find_label(p, "stance:safety")


def test_cli_set_show_list_search_delete_undo(seeded, run_cli, project_path) -> None:  # type: ignore[no-untyped-def]
    p, _ids = seeded
    p.close()
    base = ("--project", project_path)
    note = project_path.parent / "memo.txt"
    note.write_text("Rules for «safety»:\ncode the risk, not the remedy.\n", encoding="utf-8")
    code, out, err = run_cli(*base, "memo", "set", "--label", "safety", "--coder", "coder-1",
                             "--file", note)
    assert code == 0 and out.startswith("added:") and "label safety" in out
    code, out, _ = run_cli(*base, "memo", "set", "--document", "Doc 1", "--coder", "coder-2",
                           "--text", "Café memo", "--title", "Reading")
    assert code == 0 and "Doc 1" in out
    code, out, _ = run_cli(*base, "memo", "set", "--project", "--coder", "coder-2",
                           "--text", "Project-wide: coders meet Fridays.")
    assert code == 0
    code, out, err = run_cli(*base, "memo", "list")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 3 and err.strip() == "3 memos"
    assert {line.split("\t")[1] for line in lines} == {"project", "document", "label"}
    code, out, _ = run_cli(*base, "memo", "list", "--scope", "document", "--json")
    record = json.loads(out)
    assert (record["coder"], record["title"], record["text"], record["target"]) == (
        "coder-2", "Reading", "Café memo", "Doc 1")
    code, out, _ = run_cli(*base, "memo", "show", "--label", "safety")
    assert "code the risk, not the remedy." in out and "coder-1" in out
    code, out, err = run_cli(*base, "memo", "search", "CAFE", "--fold-diacritics")
    assert code == 0 and err.strip() == "1 match in 1 memo" and "\ttext\t0\t4\t" in out
    code, out, _ = run_cli(*base, "memo", "delete", "--label", "safety", "--coder", "coder-1")
    assert code == 0 and "undo --coder coder-1" in out
    code, out, _ = run_cli(*base, "memo", "list", "--scope", "label")
    assert out == ""
    code, out, _ = run_cli(*base, "undo", "--coder", "coder-1")
    assert code == 0
    code, out, _ = run_cli(*base, "memo", "list", "--scope", "label", "--coder", "coder-1")
    assert len(out.splitlines()) == 1
    # Bad input: one line, exit 1 (or 2 for usage), nothing written.
    binary = project_path.parent / "x.bin"
    binary.write_bytes(b"\x00\x01\x02PK")
    code, _, err = run_cli(*base, "memo", "set", "--project", "--coder", "coder-1",
                           "--file", binary)
    assert code == 1 and "binary" in err and len(err.strip().splitlines()) == 1
    code, _, err = run_cli(*base, "memo", "set", "--project", "--coder", "coder-1")
    assert code == 2
    code, _, err = run_cli(*base, "memo", "search", "[", "--regex")
    assert code == 1 and "Invalid regular expression" in err
    code, out, _ = run_cli(*base, "memo", "list")
    assert len(out.splitlines()) == 3


def _memo_set(p: Project, ids: dict) -> None:  # type: ignore[type-arg]
    c1, c2 = ids["coders"]
    p.run(SetMemo("project", "", c1.id, "Project memo: «quotes» & <tags>", "Aims"), c1.id)
    p.run(SetMemo("document", ids["docs"][0], c2.id, "Doc memo 😀 中文"), c2.id)
    p.run(SetMemo("label", ids["labels"]["critical"].id, c1.id, "Critical = opposes."), c1.id)


def _key(p: Project) -> list[tuple]:  # type: ignore[type-arg]
    return sorted((m.scope, m.target_label, m.coder_name, m.title, m.text, m.created, m.updated)
                  for m in list_memos(p))


def test_refi_export_validates_and_round_trips(seeded, tmp_path) -> None:  # type: ignore[no-untyped-def]
    p, ids = seeded
    _memo_set(p, ids)
    out = tmp_path / "memos.qdpx"
    export_path(p, out)
    qde = zipfile.ZipFile(out).read("project.qde")
    xmlschema.XMLSchema(str(XSD)).validate(qde.decode())
    assert qde.count(b"<Note ") == 3 and qde.count(b"<NoteRef ") == 3
    with Project(tmp_path / "back.sqlite") as back:
        back.import_snapshot(_read(out), source="back", labels="add_missing")
        assert _key(back) == _key(p)
        again = back.import_snapshot(_read(out), source="again", labels="add_missing")  # idempotent
        assert len(list_memos(back)) == 3 and not any("memo" in n for n in again.notes)


def _read(path: Path) -> ProjectSnapshot:
    from desk_annotator.io.refi_qda import read_qdpx
    return read_qdpx(path)[0]


FOREIGN = """<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="other" origin="OtherTool">
  <Users><User guid="5c94bc9e-db8c-4f1d-9cd6-e900c7440860" name="Ana"/></Users>
  <CodeBook><Codes>
    <Code guid="11111111-1111-4111-8111-111111111111" name="Barriers" isCodable="true">
      <NoteRef targetGUID="33333333-3333-4333-8333-333333333333"/>
    </Code>
  </Codes></CodeBook>
  <Sources>
    <TextSource guid="aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa" name="Interview">
      <PlainTextContent>Some text about barriers.</PlainTextContent>
      <PlainTextSelection guid="bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb" startPosition="0"
          endPosition="4" creatingUser="5c94bc9e-db8c-4f1d-9cd6-e900c7440860">
        <Coding guid="cccccccc-cccc-4ccc-8ccc-cccccccccccc"
            creatingUser="5c94bc9e-db8c-4f1d-9cd6-e900c7440860">
          <CodeRef targetGUID="11111111-1111-4111-8111-111111111111"/></Coding>
        <NoteRef targetGUID="44444444-4444-4444-8444-444444444444"/>
      </PlainTextSelection>
      <NoteRef targetGUID="22222222-2222-4222-8222-222222222222"/>
    </TextSource>
  </Sources>
  <Notes>
    <Note guid="22222222-2222-4222-8222-222222222222" name="About the interview"
        creatingUser="5c94bc9e-db8c-4f1d-9cd6-e900c7440860"
        creationDateTime="2019-06-04T06:11:56Z" modifiedDateTime="2019-06-17T08:00:58Z">
      <PlainTextContent>Ana was tired; the last part is thin.</PlainTextContent></Note>
    <Note guid="33333333-3333-4333-8333-333333333333" name="Code memo">
      <Description>Use for obstacles named by the speaker.</Description></Note>
    <Note guid="44444444-4444-4444-8444-444444444444">
      <PlainTextContent>passage note</PlainTextContent></Note>
    <Note guid="4691a8a0-d67c-4dcc-91d6-e9075dc230cc" name="Assignment Progress Memo"
        plainTextPath="internal://4691a8a0-d67c-4dcc-91d6-e9075dc230cc.txt"
        creatingUser="5c94bc9e-db8c-4f1d-9cd6-e900c7440860">
      <Description>Steps towards completing the assignment</Description></Note>
  </Notes>
</Project>"""


def test_refi_import_reads_notes_as_other_tools_write_them(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "other.qdpx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("project.qde", FOREIGN)
        z.writestr("sources/4691a8a0-d67c-4dcc-91d6-e9075dc230cc.txt", "Journal: week 1 done.")
    snap = _read(path)
    by_scope = {m.scope: m for m in snap.memos}
    assert len(snap.memos) == 3
    assert by_scope["document"].text == "Ana was tired; the last part is thin."
    assert by_scope["document"].target_id == snap.documents[0].id
    assert by_scope["document"].created == "2019-06-04T06:11:56Z"
    assert by_scope["document"].updated == "2019-06-17T08:00:58Z"
    assert by_scope["label"].text == "Use for obstacles named by the speaker."
    assert by_scope["label"].target_id == snap.codebook.labels[0].id
    # An unreferenced Note (a QualCoder journal) is a project memo, its text from its file.
    assert (by_scope["project"].title, by_scope["project"].text) == (
        "Assignment Progress Memo", "Journal: week 1 done.")
    ana = next(c.id for c in snap.coders if c.name == "Ana")
    assert by_scope["project"].coder_id == ana
    assert snap.annotations[0].note == "passage note"  # passage notes stay as they were
    with Project(tmp_path / "p.sqlite") as p:
        p.import_snapshot(snap, source="other", labels="add_missing")
        assert {m.scope: m.coder_name for m in list_memos(p)} == {
            "document": "Ana", "label": "", "project": "Ana"}


def test_dataset_jsonl_carries_document_memos(seeded, tmp_path) -> None:  # type: ignore[no-untyped-def]
    p, ids = seeded
    _memo_set(p, ids)
    out = tmp_path / "data.jsonl"
    export_path(p, out)
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    with_memos = [r for r in lines if "memos" in r]
    assert [r["id"] for r in with_memos] == [ids["docs"][0]]
    memo = with_memos[0]["memos"][0]
    assert (memo["coder"], memo["text"], memo["scope"]) == ("coder-2", "Doc memo 😀 中文",
                                                           "document")
    assert all("memos" not in r for r in lines if r["id"] != ids["docs"][0])
    only_c1 = tmp_path / "c1.jsonl"
    export_path(p, only_c1, coder_names=["coder-1"])
    assert "memos" not in only_c1.read_text(encoding="utf-8")
    with Project(tmp_path / "j.sqlite") as j:
        j.import_codebook(p.q.codebook())
        from desk_annotator.project_io import import_paths
        import_paths(j, [out])
        import_paths(j, [out])  # the same file twice adds nothing
        [back] = list_memos(j)
        assert (back.scope, back.coder_name, back.text, back.created) == (
            "document", "coder-2", "Doc memo 😀 中文", memo["created"])


def test_coder_package_and_merge_carry_memos_once(seeded, tmp_path) -> None:  # type: ignore[no-untyped-def]
    p, ids = seeded
    c1, c2 = ids["coders"]
    _memo_set(p, ids)
    package = tmp_path / "coder-2.sqlite"
    export_coder_package(p, package, "coder-2")
    with Project(package) as pkg:
        # coder-2's own memos only.
        assert [(m.scope, m.coder_name) for m in list_memos(pkg)] == [("document", "coder-2")]
        pc2 = pkg.require_coder("coder-2").id
        pkg.run(SetMemo("document", ids["docs"][0], pc2, "Doc memo, revised"), pc2)
        pkg.run(SetMemo("label", ids["labels"]["safety"].id, pc2, "Safety: coder-2's rule"),
                pc2)
    merge_projects(p, [package])
    merge_projects(p, [package])  # a re-merge adds nothing
    assert memo_of(p, "document", ids["docs"][0], c2.id).text == "Doc memo, revised"
    assert len(list_memos(p)) == 4
    assert memo_of(p, "label", ids["labels"]["safety"].id, c2.id).text == \
        "Safety: coder-2's rule"
    assert memo_of(p, "label", ids["labels"]["critical"].id, c1.id).text == "Critical = opposes."


def test_codebook_json_carries_label_and_project_memos(seeded, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from desk_annotator.project_io import export_codebook_file, import_codebook_file

    p, ids = seeded
    _memo_set(p, ids)
    out = tmp_path / "codebook.json"
    export_codebook_file(p, out)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [m["text"] for m in data["memos"]] == ["Project memo: «quotes» & <tags>"]
    by_name = {lb["name"]: lb for lb in data["stance"]["labels"] + data["themes"]["labels"]}
    assert [m["coder"] for m in by_name["critical"]["memos"]] == ["coder-1"]
    assert "memos" not in by_name["supportive"]  # additive: only where there are memos
    with Project(tmp_path / "cb.sqlite") as fresh:
        assert import_codebook_file(fresh, out) == 5
        assert import_codebook_file(fresh, out) == 0  # again: nothing new, no memo twice
        assert sorted((m.scope, m.coder_name, m.text) for m in list_memos(fresh)) == [
            ("label", "coder-1", "Critical = opposes."),
            ("project", "coder-1", "Project memo: «quotes» & <tags>")]
        fresh.undo()  # one step: the labels and their memos go together
        assert list_memos(fresh) == [] and fresh.q.labels() == []
    broken = tmp_path / "broken.json"
    data["memos"][0]["created"] = "yesterday"
    broken.write_text(json.dumps(data), encoding="utf-8")
    with Project(tmp_path / "b.sqlite") as other, pytest.raises(Exception, match="ISO 8601"):
        import_codebook_file(other, broken)


def test_merging_labels_moves_their_memos(seeded) -> None:  # type: ignore[no-untyped-def]
    from desk_annotator.ops import MergeLabels

    p, ids = seeded
    c1, c2 = ids["coders"]
    safety, opn = ids["labels"]["safety"], ids["labels"]["open source"]
    p.run(SetMemo("label", safety.id, c1.id, "safety rules"), c1.id)
    p.run(SetMemo("label", opn.id, c2.id, "open source rules"), c2.id)
    p.run(MergeLabels(safety.id, opn.id))
    assert sorted((m.target_id, m.text) for m in list_memos(p, scope="label")) == [
        (opn.id, "open source rules"), (opn.id, "safety rules")]
    p.undo()
    assert memo_of(p, "label", safety.id, c1.id).text == "safety rules"
