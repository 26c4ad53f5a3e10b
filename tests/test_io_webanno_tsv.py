"""WebAnno / INCEpTION TSV 3.x: INCEpTION's own writer output, a file written by hand the way
INCEpTION writes it (emoji, flags, CJK, stacked, multi-token, cross-sentence, escapes), the
sample corpus in INCEpTION's project-export layout, position units and malformed files."""

from __future__ import annotations

import itertools
import re
import zipfile
from pathlib import Path

import pytest

from desk_annotator.errors import FormatError
from desk_annotator.import_files import ReadOptions, import_paths
from desk_annotator.io.uima_cas import read_cas
from desk_annotator.io.webanno_tsv import (
    build_text,
    decode_tsv,
    parse_tsv,
    read_webanno_tsv,
    unescape_value,
)
from desk_annotator.models import ProjectSnapshot
from desk_annotator.project import Project
from desk_annotator.project_io import snapshot
from desk_annotator.sample import fill_from_sample
from desk_annotator.text import Utf16Map, cp_to_utf16

FIXTURES = Path(__file__).parent / "fixtures" / "tsv"
REAL = sorted(FIXTURES.glob("test*.tsv"))


def _labelled(snap: ProjectSnapshot) -> list[tuple]:
    names = {lb.id: (lb.scheme, lb.name) for lb in snap.codebook.labels}
    text = {d.id: d.text for d in snap.documents}
    out = []
    for a in snap.annotations:
        assert text[a.document_id][a.start:a.end] == a.quote
        out.append((a.quote, names[a.stance_id][1] if a.stance_id else None,
                    sorted(names[t][1] for t in a.theme_ids)))
    return sorted(out, key=repr)


# --------------------------------------------------------------------------- INCEpTION's files


@pytest.mark.parametrize("path", REAL, ids=[p.stem for p in REAL])
def test_every_token_of_inceptions_files_lands_on_its_text(path: Path) -> None:
    """The rebuilt text holds every token at its (UTF-16) offsets, and every span read covers
    the tokens it was written on."""
    snap, _ = read_webanno_tsv(path)
    doc = parse_tsv(decode_tsv(path.read_bytes(), path.name), path.name)
    text = build_text(doc, True, path.name)
    assert snap.documents[0].text == text
    umap = Utf16Map(text)
    for sentence in doc.sentences:
        for unit in sentence.units:
            assert text[umap.to_cp(unit.begin):umap.to_cp(unit.end)] == unit.token
    starts = {umap.to_cp(u.begin) for s in doc.sentences for u in s.units}
    ends = {umap.to_cp(u.end) for s in doc.sentences for u in s.units}
    for ann in snap.annotations:
        assert ann.start in starts and ann.end in ends


EXPECTED = {
    "testSentenceWithEmoji": [("😊", None, ["Span"])],
    "testMultiTokenStackedSpanWithFeatureValue": [("This is a test .", None,
                                                   ["LOCATION", "PERSON"])],
    "testCrossSentenceSpanWithFeatureValue": [("He loves her .\nShe loves him not .", None,
                                               ["PERSON"])],
    "testSentenceWithLineBreak": [("This", None, ["Span"])],
    "testSentenceWithTab": [("This", None, ["Span"])],
    "testSimpleChain": [],
    "testSingleTokenRelationWithFeatureValue": [],
    "testTokenAttachedAnnotationsWithValues": [],
    "testZeroLengthSpansWithFeatureValues": [],
    "testTokenBoundedSpanWithAsteriskFeatureValue": [(w, None, ["*"]) for w in
                                                     ("This", "is", "a", "test", ".")],
    "testTokenBoundedSpanWithUnderscoreFeatureValue": [(w, None, ["_"]) for w in
                                                       ("This", "is", "a", "test", ".")],
    "testSubMultiTokenSpanWithFeatureValue": [
        ("aaaaaa bbbbbb", None, ["2"]), ("aaaaaa bbb", None, ["7"]), ("aaaaaa", None, ["1"]),
        ("aaa bbbbbb ccc", None, ["9"]), ("aaa bbbbbb", None, ["6"]), ("aaa bbb", None, ["8"]),
        ("bbbb", None, ["4"]), ("bbbb", None, ["5"]), ("bb", None, ["3"])],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_inceptions_reference_files_read_as_expected(name: str) -> None:
    snap, _ = read_webanno_tsv(FIXTURES / f"{name}.tsv")
    assert _labelled(snap) == sorted(EXPECTED[name], key=repr)


def test_what_is_not_carried_is_counted() -> None:
    def warnings(name: str) -> str:
        return "\n".join(read_webanno_tsv(FIXTURES / f"{name}.tsv")[1])

    assert "3 coreference chain links" in warnings("testSimpleChain")
    assert "1 relations" in warnings("testSingleTokenRelationWithFeatureValue")
    assert "slot links" in warnings("testSimpleSlotFeature")
    assert "linguistic layers" in warnings("testTokenAttachedAnnotationsWithValues")
    assert "2 zero-length spans" in warnings("testZeroLengthSpansWithFeatureValues")
    assert "layer's name (Span)" in warnings("testSentenceWithEmoji")


def test_escaped_values_come_back_exactly() -> None:
    snap, _ = read_webanno_tsv(FIXTURES / "testTokenBoundedSpanWithSpecialSymbolsValue.tsv")
    (label,) = {lb.name for lb in snap.codebook.labels}
    assert label == "#*'\"`´\t:;{}|[ ]()\\§$%?=&_"  # as INCEpTION's test writes it (\n: stripped)
    assert unescape_value(r"a\->b\_c\\\[1\]") == r"a->b_c\[1]"


def test_inception_project_export_zip() -> None:
    """A real INCEpTION project export: the curator's TSV 3.2 is read (its Chunk layer is a
    linguistic one), binary CAS files and the plain-text annotation format are counted."""
    snap, warnings = read_cas(FIXTURES / "inception-project-export-3.6.1.zip")
    (doc,) = snap.documents
    assert doc.text == "This is an example sentence."
    assert doc.title == "example_sentence.txt"
    text = "\n".join(warnings)
    assert "Chunk" in text and ".ser" in text and "admin.txt" in text


# --------------------------------------------------------------------------- written by hand

HAND = """#FORMAT=WebAnno TSV 3.3
#T_SP=de.tudarmstadt.ukp.dkpro.core.api.ner.type.NamedEntity|identifier|value
#T_SP=webanno.custom.Stance|value
#T_RL=webanno.custom.Rel|label|BT_de.tudarmstadt.ukp.dkpro.core.api.ner.type.NamedEntity


#Text=Merkel 👍🏽 backs 中文 plans .
1-1\t0-6\tMerkel\t*\tPER\tsupportive[1]\t_\t_\t
1-2\t7-11\t👍🏽\t_\t_\tsupportive[1]\t_\t_\t
1-3\t12-17\tbacks\t_\t_\tsupportive[1]\t_\t_\t
1-4\t18-20\t中文\t*[2]|*[3]\tLOC[2]|ORG[3]\tsupportive[1]\t_\t_\t
1-5\t21-26\tplans\t_\t_\tsupportive[1]\t_\t_\t
1-5.1\t21-25\tplan\t*\tMISC\t_\t_\t_\t
1-6\t27-28\t.\t_\t_\t_\t_\t_\t

#Text=🇩🇪 said : no \\\\ way
2-1\t29-33\t🇩🇪\t_\t_\tpro\\_EU\\|x\t_\t_\t
2-2\t34-38\tsaid\t_\t_\t_\tsays\t2-1\t
2-3\t39-40\t:\t_\t_\t_\t_\t_\t
2-4\t41-43\tno\t_\t_\t_\t_\t_\t
2-5\t44-45\t\\\t_\t_\t_\t_\t_\t
2-6\t46-49\tway\t_\t_\tcritical[4]\t_\t_\t

#Text=End .
3-1\t51-54\tEnd\t*\t*\tcritical[4]\t_\t_\t
3-2\t55-56\t.\t_\t_\t_\t_\t_\t
"""


def test_hand_written_file_with_emoji_flags_and_cjk(tmp_path: Path) -> None:
    path = tmp_path / "anna.tsv"
    path.write_text(HAND, encoding="utf-8")
    snap, warnings = read_webanno_tsv(path, stance_names={"supportive", "critical", "pro_EU|x"})
    (doc,) = snap.documents
    # Sentences joined by a line break; the gap before the third filled with a space.
    assert doc.text == "Merkel 👍🏽 backs 中文 plans .\n🇩🇪 said : no \\ way\n End ."
    assert [c.name for c in snap.coders] == ["anna"] and doc.title == "anna"
    assert _labelled(snap) == sorted([
        ("Merkel", None, ["PER"]),
        ("Merkel 👍🏽 backs 中文 plans", "supportive", []),
        ("中文", None, ["LOC", "ORG"]),  # stacked on the same token: one passage
        ("plan", None, ["MISC"]),  # a sub-token
        ("🇩🇪", "pro_EU|x", []),  # escaped value
        ("way\n End", "critical", []),  # across sentences
        ("End", None, ["NamedEntity"]),  # no value: the layer's name
    ], key=repr)
    assert any(w.startswith("1 relations") for w in warnings)
    assert not any("positions" in w for w in warnings)  # UTF-16, the format's unit


def test_hand_written_file_in_code_points_is_detected(tmp_path: Path) -> None:
    """A tool that counted code points: the tokens' own text says so, and it is reported."""
    cp_file = tmp_path / "cp.tsv"
    cp_file.write_text(
        "#FORMAT=WebAnno TSV 3.3\n#T_SP=webanno.custom.Span|value\n\n\n"
        "#Text=Emoji 😀 first , then 🇩🇪 words .\n"
        "1-1\t0-5\tEmoji\t_\t\n1-2\t6-7\t😀\t_\t\n1-3\t8-13\tfirst\t_\t\n1-4\t14-15\t,\t_\t\n"
        "1-5\t16-20\tthen\tX\t\n1-6\t21-23\t🇩🇪\t_\t\n1-7\t24-29\twords\tY\t\n1-8\t30-31\t.\t_\t\n",
        encoding="utf-8")
    snap, warnings = read_webanno_tsv(cp_file)
    assert _labelled(snap) == [("then", None, ["X"]), ("words", None, ["Y"])]
    assert any("positions read as code points" in w for w in warnings), warnings
    forced, warnings = read_webanno_tsv(cp_file, positions="utf16")
    assert any("forced" in w for w in warnings)
    assert _labelled(forced) != _labelled(snap)


@pytest.mark.parametrize("text, message", [
    ("hello\tworld\n", "not a WebAnno TSV file"),
    ("#FORMAT=WebAnno TSV 2\n", "version '2' is not read"),
    ("#FORMAT=WebAnno TSV 3.3\n#T_SP=a.B|value\n\n\n#Text=a b\n1-1\t0-1\ta\n1-2\tx-y\tb\t_\n",
     "2 problems"),
    ("#FORMAT=WebAnno TSV 3.3\n\n\n1-1\t0-1\ta\n", "outside a sentence"),
    ("#FORMAT=WebAnno TSV 3.3\n\n\n#Text=abc\n1-1\t0-3\tabc\n\n#Text=b\n2-1\t1-2\tb\n",
     "inside the text before it"),
])
def test_malformed_files_are_refused_in_one_message(tmp_path: Path, text: str,
                                                    message: str) -> None:
    path = tmp_path / "bad.tsv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FormatError, match=message):
        read_webanno_tsv(path)


def test_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.tsv"
    path.write_bytes(b"#FORMAT=WebAnno TSV 3.3\n\n\n#Text=caf\xe9\n")
    with pytest.raises(FormatError, match="line 4: not UTF-8"):
        read_webanno_tsv(path)


# --------------------------------------------------------------------------- the sample corpus

_TEXT_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\r": "\\r", "\f": "\\f", "\b": "\\b"}
_VALUE_ESCAPES = [("\\", "\\\\"), ("[", "\\["), ("]", "\\]"), ("|", "\\|"), ("_", "\\_"),
                  ("->", "\\->"), (";", "\\;"), ("\t", "\\t"), ("\n", "\\n"), ("*", "\\*")]


def _escape_value(value: str) -> str:
    out, i = [], 0
    while i < len(value):
        for raw, esc in _VALUE_ESCAPES:
            if value.startswith(raw, i):
                out.append(esc)
                i += len(raw)
                break
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def _inception_style_tsv(text: str, passages: list[tuple[int, int, str | None, list[str],
                                                         str | None]]) -> str:
    """A TSV 3.3 file the way INCEpTION writes one: sentences (a new one after each line break
    followed by text), tokens (split at white space and at passage edges), a Passage layer
    (stance, note) and a Theme layer (value), ids only for multi-token or stacked annotations,
    UTF-16 offsets."""
    starts = [0] + [m.start() for m in re.finditer(r"(?<=\n)\S", text)]
    bounds = sorted({p for s, e, *_ in passages for p in (s, e)})
    sentences = []
    for k, start in enumerate(starts):
        end = starts[k + 1] - 1 if k + 1 < len(starts) else len(text)
        tokens = []
        for m in re.finditer(r"\S+", text[start:end]):
            cuts = [m.start() + start] + [b for b in bounds if m.start() + start < b
                                          < m.end() + start] + [m.end() + start]
            tokens += list(itertools.pairwise(cuts))
        sentences.append((start, end, tokens))
    layers = {"Passage": [], "Theme": []}
    for s, e, stance, themes, note in passages:
        layers["Passage"].append((s, e, [stance, note]))
        layers["Theme"] += [(s, e, [t]) for t in themes]
    all_tokens = [t for _, _, toks in sentences for t in toks]
    cells: dict[tuple[str, int], list[list[str]]] = {}
    next_id = 1
    for layer, anns in layers.items():
        covered = [[i for i, (b, f) in enumerate(all_tokens) if s <= b and f <= e]
                   for s, e, _ in anns]
        per_token: dict[int, int] = {}
        for toks in covered:
            for i in toks:
                per_token[i] = per_token.get(i, 0) + 1
        for (s, e, values), toks in zip(anns, covered):
            assert toks, (s, e)
            ident = ""
            if len(toks) > 1 or any(per_token[i] > 1 for i in toks):
                ident, next_id = f"[{next_id}]", next_id + 1
            for i in toks:
                entry = cells.setdefault((layer, i), [[] for _ in values])
                for col, value in enumerate(values):
                    shown = "*" if value is None else _escape_value(value)
                    entry[col].append(shown + ident)
    lines = ["#FORMAT=WebAnno TSV 3.3", "#T_SP=webanno.custom.Passage|stance|note",
             "#T_SP=webanno.custom.Theme|value", "", ""]
    index = 0
    for number, (start, end, tokens) in enumerate(sentences, start=1):
        for fragment in text[start:end].split("\n"):
            lines.append("#Text=" + "".join(_TEXT_ESCAPES.get(c, c) for c in fragment))
        for t, (b, f) in enumerate(tokens, start=1):
            row = [f"{number}-{t}", f"{cp_to_utf16(text, b)}-{cp_to_utf16(text, f)}", text[b:f]]
            for layer, width in (("Passage", 2), ("Theme", 1)):
                entry = cells.get((layer, index))
                row += ["|".join(col) for col in entry] if entry else ["_"] * width
            lines.append("\t".join(row) + "\t")
            index += 1
        lines.append("")
    return "\n".join(lines)


def test_sample_corpus_as_inception_project_export_round_trips(tmp_path: Path) -> None:
    with Project(tmp_path / "a.sqlite") as project:
        fill_from_sample(project)
        original = snapshot(project)
    names = {lb.id: lb.name for lb in original.codebook.labels}
    coders = {c.id: c.name for c in original.coders}
    export = tmp_path / "inception-project.zip"
    with zipfile.ZipFile(export, "w") as z:
        for n, doc in enumerate(original.documents):
            for coder_id, coder in coders.items():
                mine = [(a.start, a.end, names.get(a.stance_id), [names[t] for t in a.theme_ids],
                         a.note) for a in original.annotations
                        if a.document_id == doc.id and a.coder_id == coder_id]
                if mine:
                    z.writestr(f"annotation/doc{n}.txt/{coder}.tsv",
                               _inception_style_tsv(doc.text, mine))
    with Project(tmp_path / "b.sqlite") as fresh:
        report = import_paths(fresh, [export], options=ReadOptions(stance_labels=set()))
        assert report.refused == [], report.refused
        assert report.annotations_added == len(original.annotations)
        again = import_paths(fresh, [export], options=ReadOptions(stance_labels=set()))
        assert again.annotations_added == 0
        back = snapshot(fresh)

    def passages(snap: ProjectSnapshot) -> set[tuple]:
        label = {lb.id: lb.name for lb in snap.codebook.labels}
        who = {c.id: c.name for c in snap.coders}
        sha = {d.id: d.sha256 for d in snap.documents}
        return {(sha[a.document_id], who[a.coder_id], a.start, a.end, a.quote,
                 label.get(a.stance_id), tuple(sorted(label[t] for t in a.theme_ids)), a.note)
                for a in snap.annotations}

    assert passages(back) == passages(original)
    coded = {a.document_id for a in original.annotations}
    assert {d.sha256 for d in back.documents} == {d.sha256 for d in original.documents
                                                  if d.id in coded}
