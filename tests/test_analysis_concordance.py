"""Concordance (keyword in context) and word frequencies: analysis/concordance.py."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from desk_annotator.analysis.concordance import concordance, word_frequencies, words
from desk_annotator.analysis.stopwords import stop_words
from desk_annotator.cli import main
from desk_annotator.project import Project
from desk_annotator.text_match import MatchOptions, PatternError


class _Article:
    """The article shape AddDocuments accepts (title, text, metadata)."""

    def __init__(self, title: str, text: str, metadata: dict[str, str]) -> None:
        self.title, self.text, self.metadata = title, text, metadata


def make_article(title: str, text: str, **metadata: str) -> _Article:
    return _Article(title, text, metadata)

DOCS = [
    ("Eins", "😀 Die Straße ist lang. Die STRASSE ist\nbreit.", "de"),
    ("Two", "The chip ban. “Chips” and the chip-maker’s chips.", "en"),
    ("三", "人工智能的发展很快。人工智能 chip", "zh"),
]


@pytest.fixture
def corpus(project: Project) -> tuple[Project, list[str]]:
    project.add_documents([make_article(t, x, language=lang) for t, x, lang in DOCS])
    return project, [d.id for d in project.q.document_infos()]


def test_offsets_exact_for_non_ascii(corpus) -> None:
    project, _ = corpus
    text = DOCS[0][1]
    lines = concordance(project.q, "strasse", width=6)
    assert [(ln.start, ln.end) for ln in lines] == [(6, 12), (27, 34)]
    for ln in lines:
        assert ln.match == text[ln.start:ln.end]
        assert ln.left == text[max(0, ln.start - 6):ln.start].replace("\n", " ")
    assert lines[0].match == "Straße" and lines[0].left == "😀 Die " and lines[0].right == " ist l"
    assert lines[1].right == " ist b"  # the line break shown as a space, same length
    k = DOCS[2][1].index("人工智能", 2)
    hit = concordance(project.q, "人工智能", width=3)
    assert [(h.start, h.left, h.right) for h in hit] == [(0, "", "的发展"), (k, "很快。", " ch")]


def test_matcher_options_and_sorting(corpus) -> None:
    project, _ = corpus
    assert len(concordance(project.q, "chip")) == 5  # substring: chip, Chips, chip, chips, chip
    whole = concordance(project.q, "chip", MatchOptions(whole_word=True))
    assert [ln.match for ln in whole] == ["chip", "chip", "chip"]  # "chip-maker" is whole
    assert [ln.match for ln in concordance(project.q, r"chips?\b",
                                           MatchOptions(regex=True, case_sensitive=True))] == [
        "chip", "chip", "chips", "chip"]
    with pytest.raises(PatternError):
        concordance(project.q, "(", MatchOptions(regex=True))
    right = concordance(project.q, "chip", MatchOptions(whole_word=True), width=10, sort="right")
    assert [ln.right for ln in right] == ["", "-maker’s c", " ban. “Chi"]
    left = concordance(project.q, "die", MatchOptions(whole_word=True), width=8, sort="left")
    # read backwards from the match: "t lang. " reversed starts with "." and sorts before "😀"
    assert [ln.start for ln in left] == [23, 2]
    assert [ln.start for ln in concordance(project.q, "die", MatchOptions(whole_word=True))] == [
        2, 23]


def test_words_tokens_and_stop_lists() -> None:
    assert words("Don’t stop state-of-the-art AI in 2025") == [
        "don't", "stop", "state-of-the-art", "ai", "in"]
    assert words("人工智能") == ["人工", "工智", "智能"]
    assert words("中 x") == ["中", "x"]
    assert "the" in stop_words("en-GB") and "und" in stop_words("de")
    assert stop_words("xx") == frozenset() and stop_words(None) == frozenset()
    for lang in ("en", "de", "fr", "es", "tr", "zh"):
        assert stop_words(lang)


def test_word_frequencies_hand_computed(corpus) -> None:
    project, ids = corpus
    # Document two, English stop words: the(3) and(1) removed.
    # chip ban chips chip-maker's chips -> chip 1, ban 1, chips 2, chip-maker's 1
    rows = word_frequencies(project.q, documents=[ids[1]], top=None)
    assert rows == [{"word": "chips", "count": 2, "documents": 1},
                    {"word": "ban", "count": 1, "documents": 1},
                    {"word": "chip", "count": 1, "documents": 1},
                    {"word": "chip-maker's", "count": 1, "documents": 1}]
    # Each document's own language: de drops die/ist; zh drops bigrams with 的;
    # "chip" occurs in documents two and three.
    rows = {r["word"]: (r["count"], r["documents"])
            for r in word_frequencies(project.q, top=None)}
    assert rows["strasse"] == (2, 1) and "straße" not in rows  # case folding: ß is ss
    assert "die" not in rows and "ist" not in rows and "the" not in rows
    assert rows["人工"] == (2, 1) and rows["智能"] == (2, 1) and "能的" not in rows
    assert rows["chip"] == (2, 2)
    assert rows["lang"] == (1, 1) and rows["breit"] == (1, 1)
    # --language none keeps every word
    kept = {r["word"]: r["count"] for r in word_frequencies(project.q, language="none", top=None)}
    assert kept["the"] == 2 and kept["die"] == 2 and kept["能的"] == 1
    assert word_frequencies(project.q, top=1)[0]["word"] in {"人工", "智能", "chips", "chip"}


def test_cli_concordance_and_words(corpus, project_path: Path, tmp_path: Path, capsys) -> None:
    project, _ = corpus
    project.close()
    out = tmp_path / "kwic.csv"
    with pytest.raises(SystemExit) as exit_:
        main(["--project", str(project_path), "concordance", "chip", "--whole-word",
              "--width", "5", "--sort", "right", "--output", str(out)])
    assert exit_.value.code == 0 and "3 lines written" in capsys.readouterr().out
    with open(out, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["right"] for r in rows] == ["", "-make", " ban."]
    xlsx = tmp_path / "kwic.xlsx"
    with pytest.raises(SystemExit):
        main(["--project", str(project_path), "concordance", "strasse", "-o", str(xlsx)])
    from openpyxl import load_workbook

    assert "2 lines written" in capsys.readouterr().out
    ws = load_workbook(xlsx).active
    assert [c.value for c in ws[1]] == ["document_id", "title", "start", "end", "left", "match",
                                        "right"]
    assert [r[5] for r in ws.iter_rows(min_row=2, values_only=True)] == ["Straße", "STRASSE"]
    with pytest.raises(SystemExit) as exit_:
        main(["--project", str(project_path), "words", "--top", "2", "--language", "en",
              "--json"])
    assert exit_.value.code == 0
    import json
    # English list for every document: chip, chips, die, ist, 人工... all count 2; ties by word
    assert [r["word"] for r in json.loads(capsys.readouterr().out)] == ["chip", "chips"]
    with pytest.raises(SystemExit) as exit_:
        main(["--project", str(project_path), "words", "--language", "klingon"])
    assert exit_.value.code == 2


def test_a_runaway_regex_is_refused_with_one_line_and_the_program_goes_on(project: Project,
                                                                          monkeypatch) -> None:
    """``(a|aa)+$`` tries every way to split a run of a's: with ``re`` one concordance over this
    text ran for hours. It stops after the per-text limit with one line; a sane regex on the
    same text still works afterwards."""
    import time

    from desk_annotator import text_match

    monkeypatch.setattr(text_match, "REGEX_SECONDS_PER_TEXT", 0.3)
    project.add_documents([make_article("Runs", "a" * 60 + "b and more text", language="en")])
    began = time.monotonic()
    with pytest.raises(PatternError, match="takes too long"):
        concordance(project.q, "(a|aa)+$", MatchOptions(regex=True))
    assert time.monotonic() - began < 30
    assert [ln.match for ln in concordance(project.q, "a+b", MatchOptions(regex=True))] == [
        "a" * 60 + "b"]
