"""Stable label identity (issue 9, DESIGN §3 v2): codebook JSON keeps or derives label GUIDs,
and merging coders' projects aligns labels by (scheme, name) when their GUIDs differ."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from desk_annotator import project_io
from desk_annotator.errors import DeskAnnotatorError, FormatError
from desk_annotator.io.codebook_json import (
    LABEL_ID_NAMESPACE,
    codebook_to_json,
    deterministic_label_id,
    parse_codebook_json,
    read_codebook_json,
)
from desk_annotator.models import Codebook, Label
from desk_annotator.project import Project

CODEBOOK = {
    "name": "Klimapolitik",
    "stance": {"ordered": True, "labels": [
        {"name": "supportive", "color": "#1b9e77", "key": "1"},
        {"name": "neutral", "color": "#666666", "key": "2"},
        {"name": "critical", "color": "#d95f02", "key": "3"}]},
    "themes": {"labels": [
        {"name": "Kohleausstieg", "key": "k"},
        {"name": "Verkehr – Tempolimit", "key": "v"}]},
}

ARTICLES = {
    "kohle.txt": "Kohle\n\nDie Regierung will den Kohleausstieg auf 2030 vorziehen, sagt die "
                 "Ministerin. Gewerkschaften warnen vor Jobverlusten in der Lausitz.\n",
    "tempo.txt": "Tempolimit\n\nEin Tempolimit von 130 km/h spart laut Umweltbundesamt jährlich "
                 "Millionen Tonnen CO₂ ein; der Verkehrsminister lehnt es weiter ab.\n",
}


def write_json(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir(exist_ok=True)
    for name, text in ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def labels_of(project: Project) -> dict[tuple[str, str], str]:
    return {(lb.scheme, lb.name): lb.id for lb in project.q.labels()}


def code(path: Path, coder: str, stance: str, theme: str, length: int) -> None:
    """One coder codes the first `length` characters of every document."""
    with Project(path) as p:
        me = p.ensure_coder(coder)
        ids = labels_of(p)
        for doc in p.q.document_infos():
            p.add_annotation(doc.id, me.id, 0, length, stance_id=ids[("stance", stance)],
                             theme_ids=[ids[("themes", theme)]])
            p.set_status(doc.id, me.id, "done")


def new_project(path: Path, codebook: Path | None, articles: Path) -> Path:
    with Project(path) as p:
        if codebook is not None:
            project_io.import_codebook_file(p, codebook)
        project_io.import_paths(p, [articles])
    return path


# --- codebook JSON -------------------------------------------------------------------------

def test_labels_without_id_get_uuid5_ids_in_our_namespace() -> None:
    cb = parse_codebook_json(json.dumps(CODEBOOK))
    first = cb.find("stance", "supportive")
    assert first is not None
    expected = str(uuid.uuid5(LABEL_ID_NAMESPACE, "Klimapolitik\x1fstance\x1fsupportive")).upper()
    assert first.id == expected == deterministic_label_id("Klimapolitik", "stance", "supportive")
    assert uuid.UUID(first.id).version == 5
    again = parse_codebook_json(json.dumps(CODEBOOK))
    assert [lb.id for lb in again.labels] == [lb.id for lb in cb.labels]
    assert len({lb.id for lb in cb.labels}) == len(cb.labels)


def test_derived_ids_depend_on_codebook_scheme_and_name() -> None:
    ids = {deterministic_label_id("A", "stance", "x"), deterministic_label_id("B", "stance", "x"),
           deterministic_label_id("A", "themes", "x"), deterministic_label_id("A", "stance", "y")}
    assert len(ids) == 4
    # The codebook name is read stripped, like the label names.
    spaced = dict(CODEBOOK, name="  Klimapolitik ")
    assert ([lb.id for lb in parse_codebook_json(json.dumps(spaced)).labels]
            == [lb.id for lb in parse_codebook_json(json.dumps(CODEBOOK)).labels])


def test_given_ids_are_kept_and_written_back() -> None:
    data = json.loads(json.dumps(CODEBOOK))
    data["stance"]["labels"][0]["id"] = "0E4B8A36-5C1D-4F0E-9E55-1B2A3C4D5E6F"
    cb = parse_codebook_json(json.dumps(data))
    assert cb.find("stance", "supportive").id == "0E4B8A36-5C1D-4F0E-9E55-1B2A3C4D5E6F"
    out = json.loads(codebook_to_json(cb))
    assert out["stance"]["labels"][0]["id"] == "0E4B8A36-5C1D-4F0E-9E55-1B2A3C4D5E6F"
    assert [lb["id"] for lb in out["themes"]["labels"]] == [lb.id for lb in cb.themes]
    assert parse_codebook_json(codebook_to_json(cb)) == cb


def test_a_given_id_equal_to_a_derived_one_is_refused() -> None:
    data = json.loads(json.dumps(CODEBOOK))
    data["themes"]["labels"][0]["id"] = deterministic_label_id("Klimapolitik", "stance",
                                                               "supportive")
    with pytest.raises(FormatError, match=r"id .* is also used by stance\.labels\.0"):
        parse_codebook_json(json.dumps(data), source="cb.json")


def test_ordered_stance_is_read_and_written() -> None:
    cb = parse_codebook_json(json.dumps(CODEBOOK))
    assert cb.ordered_stance is True
    out = json.loads(codebook_to_json(cb))
    assert out["stance"]["ordered"] is True
    assert parse_codebook_json(codebook_to_json(cb)).ordered_stance is True
    plain = dict(CODEBOOK, stance={"labels": CODEBOOK["stance"]["labels"]})
    cb = parse_codebook_json(json.dumps(plain))
    assert cb.ordered_stance is False
    assert "ordered" not in json.loads(codebook_to_json(cb))["stance"]  # output unchanged
    with pytest.raises(FormatError, match="themes.ordered"):
        parse_codebook_json(json.dumps(dict(CODEBOOK, themes={"ordered": True, "labels": []})))
    with pytest.raises(FormatError, match="stance.ordered"):
        parse_codebook_json(json.dumps(dict(CODEBOOK, stance={"ordered": "yes", "labels": []})))


def test_ordered_stance_is_kept_as_project_meta(tmp_path: Path) -> None:
    book = write_json(tmp_path / "cb.json", CODEBOOK)
    with Project(tmp_path / "p.sqlite") as p:
        project_io.import_codebook_file(p, book)
        assert p.q.meta("stance_ordered") == "1"
        project_io.import_codebook_file(p, book)  # again: no change
        assert p.q.meta("stance_ordered") == "1"


def test_one_codebook_file_gives_every_project_the_same_guids(tmp_path: Path) -> None:
    book = write_json(tmp_path / "cb.json", CODEBOOK)
    seen = []
    for n in range(3):
        with Project(tmp_path / f"p{n}.sqlite") as p:
            project_io.import_codebook_file(p, book)
            seen.append(labels_of(p))
    assert seen[0] == seen[1] == seen[2]
    assert seen[0][("stance", "supportive")] == deterministic_label_id(
        "Klimapolitik", "stance", "supportive")


# --- merging coders' projects ----------------------------------------------------------------

def test_shared_codebook_json_workflow_merges_and_merging_again_adds_nothing(
        tmp_path: Path, dump) -> None:
    articles = corpus(tmp_path)
    # The lead starts from the id-less file, works a little, then shares its codebook JSON.
    seed = write_json(tmp_path / "seed.json", CODEBOOK)
    lead = new_project(tmp_path / "lead.sqlite", seed, articles)
    shared = tmp_path / "shared.json"
    with Project(lead) as p:
        project_io.export_codebook_file(p, shared)
    exported = json.loads(shared.read_text("utf-8"))
    assert all(lb.get("id") for s in ("stance", "themes") for lb in exported[s]["labels"])
    # Two coders each make their own project from the shared JSON and code.
    c1 = new_project(tmp_path / "coder-1.sqlite", shared, articles)
    c2 = new_project(tmp_path / "coder-2.sqlite", shared, articles)
    with Project(lead) as p:
        lead_ids = labels_of(p)
    for path in (c1, c2):
        with Project(path) as p:
            assert labels_of(p) == lead_ids  # the same GUIDs everywhere
    code(c1, "coder-1", "supportive", "Kohleausstieg", 5)
    code(c2, "coder-2", "critical", "Verkehr – Tempolimit", 9)
    # The lead imports the same JSON again and merges.
    with Project(lead) as p:
        assert project_io.import_codebook_file(p, shared) == 0
        report = project_io.merge_projects(p, [c1, c2])
        assert report.refused == [] and report.warnings == []
        assert report.annotations_added == 4 and report.labels_added == 0
        assert report.documents_added == 0 and report.documents_reused == 4
        anns = [a for d in p.q.document_infos() for a in p.q.annotations(d.id)]
        used = {a.stance_id for a in anns} | {t for a in anns for t in a.theme_ids}
        assert used <= set(lead_ids.values())
        before = dump(p)
        again = project_io.merge_projects(p, [c1, c2])
        assert again.annotations_added == 0 and again.annotations_skipped == 4
        assert again.labels_added == 0 and again.coders_added == 0
        assert dump(p) == before


def test_legacy_projects_with_random_guids_are_aligned_by_name(tmp_path: Path, dump) -> None:
    articles = corpus(tmp_path)
    lead = new_project(tmp_path / "lead.sqlite", write_json(tmp_path / "cb.json", CODEBOOK),
                       articles)
    # Coder projects made before stable ids: same names, GUIDs of their own.
    coders = []
    for name in ("coder-1", "coder-2"):
        path = new_project(tmp_path / f"{name}.sqlite", None, articles)
        with Project(path) as p:
            for scheme in ("stance", "themes"):
                for item in CODEBOOK[scheme]["labels"]:
                    p.add_label(scheme, item["name"])
        coders.append(path)
    code(coders[0], "coder-1", "supportive", "Kohleausstieg", 5)
    code(coders[1], "coder-2", "neutral", "Kohleausstieg", 7)
    with Project(lead) as p:
        here = labels_of(p)
        report = project_io.merge_projects(p, coders)
        assert report.refused == []
        assert report.annotations_added == 4 and report.labels_added == 0
        # One line per aligned label and file (5 labels, 2 files), naming both GUIDs.
        assert len(report.warnings) == 10
        with Project(coders[1]) as other:
            theirs = labels_of(other)[("stance", "supportive")]
        assert (f"label 'supportive' (stance): aligned by name, GUID "
                f"{here[('stance', 'supportive')]} here, {theirs} in coder-2.sqlite"
                in report.warnings)
        stances = {a.stance_id for d in p.q.document_infos() for a in p.q.annotations(d.id)}
        assert stances == {here[("stance", "supportive")], here[("stance", "neutral")]}
        assert labels_of(p) == here
        before = dump(p)
        again = project_io.merge_projects(p, coders)
        assert again.annotations_added == 0 and dump(p) == before


def _coder_with(tmp_path: Path, articles: Path, name: str, labels: list[Label],
                stance: str, theme: str) -> Path:
    """A coder's project with exactly these labels, coded with `stance` and `theme`."""
    path = new_project(tmp_path / f"{name}.sqlite", None, articles)
    with Project(path) as p:
        p.import_codebook(Codebook(name="x", labels=labels))
    code(path, name, stance, theme, 4)
    return path


def _lead(tmp_path: Path) -> tuple[Path, Path, dict[tuple[str, str], str]]:
    articles = corpus(tmp_path)
    lead = new_project(tmp_path / "lead.sqlite", write_json(tmp_path / "cb.json", CODEBOOK),
                       articles)
    with Project(lead) as p:
        return lead, articles, labels_of(p)


def _refused(lead: Path, other: Path, dump) -> str:
    with Project(lead) as p:
        before = dump(p)
        with pytest.raises(DeskAnnotatorError) as info:
            project_io.merge_projects(p, [other])
        assert dump(p) == before  # nothing of that file merged
    message = str(info.value)
    assert message.count("\n") == 0 and "nothing was merged" in message
    assert message.startswith(f"{other.name}: the codebooks conflict — ")
    return message


def test_one_guid_for_two_schemes_is_refused(tmp_path: Path, dump) -> None:
    lead, articles, ids = _lead(tmp_path)
    # Their theme carries the GUID that is a stance label here.
    other = _coder_with(tmp_path, articles, "coder-9", [
        Label(id=ids[("stance", "neutral")], scheme="themes", name="Kohleausstieg"),
        Label(scheme="stance", name="supportive")], "supportive", "Kohleausstieg")
    message = _refused(lead, other, dump)
    assert (f"GUID {ids[('stance', 'neutral')]} is the themes label 'Kohleausstieg' there but "
            "the stance label 'neutral' here") in message


def test_a_guid_naming_another_label_here_is_refused(tmp_path: Path, dump) -> None:
    lead, articles, ids = _lead(tmp_path)
    # Their "critical" has the GUID of our "supportive", while we also have a "critical".
    other = _coder_with(tmp_path, articles, "coder-9", [
        Label(id=ids[("stance", "supportive")], scheme="stance", name="critical"),
        Label(scheme="themes", name="Kohleausstieg")], "critical", "Kohleausstieg")
    message = _refused(lead, other, dump)
    assert (f"stance label 'critical': its GUID {ids[('stance', 'supportive')]} is "
            f"'supportive' here, and 'critical' here has GUID {ids[('stance', 'critical')]}"
            in message)


def test_two_labels_onto_one_is_refused(tmp_path: Path, dump) -> None:
    lead, articles, ids = _lead(tmp_path)
    with Project(lead) as p:
        p.delete_label(ids[("stance", "critical")])
    # Their "critical" has our "supportive" GUID (renamed there) and their "supportive" has
    # another GUID: both would land on our "supportive".
    other = _coder_with(tmp_path, articles, "coder-9", [
        Label(id=ids[("stance", "supportive")], scheme="stance", name="critical"),
        Label(scheme="stance", name="supportive", order=1),
        Label(scheme="themes", name="Kohleausstieg")], "supportive", "Kohleausstieg")
    message = _refused(lead, other, dump)
    assert "stance label 'supportive' would receive 2 labels" in message


def test_a_label_renamed_there_is_matched_by_guid_with_a_warning(tmp_path: Path) -> None:
    lead, articles, ids = _lead(tmp_path)
    other = _coder_with(tmp_path, articles, "coder-9", [
        Label(id=ids[("stance", "supportive")], scheme="stance", name="in favour"),
        Label(id=ids[("themes", "Kohleausstieg")], scheme="themes", name="Kohleausstieg")],
        "in favour", "Kohleausstieg")
    with Project(lead) as p:
        report = project_io.merge_projects(p, [other])
        assert report.annotations_added == 2
        assert report.warnings == [
            (f"label 'supportive' (stance): matched by GUID {ids[('stance', 'supportive')]}, "
            "named 'in favour' in coder-9.sqlite")]


def test_a_label_the_lead_lacks_is_still_refused(tmp_path: Path, dump) -> None:
    lead, articles, _ = _lead(tmp_path)
    other = _coder_with(tmp_path, articles, "coder-9", [
        Label(scheme="stance", name="sceptical"), Label(scheme="themes", name="Kohleausstieg")],
        "sceptical", "Kohleausstieg")
    message = _refused(lead, other, dump)
    assert "stance label 'sceptical' is not in this codebook" in message


def test_codebook_file_round_trip_through_a_project_keeps_ids(tmp_path: Path) -> None:
    book = write_json(tmp_path / "cb.json", CODEBOOK)
    out = tmp_path / "out.json"
    with Project(tmp_path / "p.sqlite") as p:
        project_io.import_codebook_file(p, book)
        project_io.export_codebook_file(p, out)
        ids = labels_of(p)
    back = read_codebook_json(out)
    assert {(lb.scheme, lb.name): lb.id for lb in back.labels} == ids
