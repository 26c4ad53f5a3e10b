"""The TF-IDF engine on a small hand-made corpus whose answer is known: sentences about chips
are "export" (critical), sentences about weights are "open" — in English, Chinese and Turkish."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from click.testing import CliRunner

from desk_annotator.cli import cli
from desk_annotator.project import Project
from desk_annotator.store import suggestion_queries as sq
from desk_annotator.suggest import engine
from desk_annotator.suggest.segment import sentence_spans
from desk_annotator.suggest.tfidf import label_sentences, proposals, uncertainty

EXPORT = ["Chip export controls were tightened again.", "半导体出口管制再次收紧。",
          "Çip ihracat kontrolleri yeniden sıkılaştırıldı."]
OPEN = ["The model weights were released openly.", "模型权重已公开发布。",
        "Model ağırlıkları açık olarak yayımlandı."]
OTHER = ["The weather was mild on Tuesday.", "周二天气温和。", "Salı günü hava ılıktı."]


class _Art:
    def __init__(self, title: str, text: str) -> None:
        self.title, self.text, self.metadata = title, text, {}


def _corpus(path: Path, n_train: int = 8) -> tuple[Project, dict[str, str], list[str]]:
    p = Project(path)
    teacher = p.ensure_coder("coder-1")
    crit = p.add_label("stance", "critical")
    exp = p.add_label("themes", "export")
    opn = p.add_label("themes", "open")
    texts = []
    for i in range(n_train + 3):
        lang = i % 3
        parts = [EXPORT[lang], OTHER[lang], OPEN[lang]] if i % 2 else \
            [OPEN[lang], EXPORT[lang], OTHER[lang]]
        texts.append(("\n" if lang == 1 else " ").join(parts) + f"\nNo. {i}")  # unique
    p.add_documents([_Art(f"D{i}", t) for i, t in enumerate(texts)])
    docs = [d.id for d in p.q.document_infos()]
    for doc_id, text in list(zip(docs, texts))[:n_train]:
        for sentence, stance, themes in [(s, crit.id, [exp.id]) for s in EXPORT] + \
                [(s, None, [opn.id]) for s in OPEN]:
            at = text.find(sentence)
            if at >= 0:
                p.add_annotation(doc_id, teacher.id, at, at + len(sentence), stance_id=stance,
                                 theme_ids=themes)
    return p, {"crit": crit.id, "export": exp.id, "open": opn.id}, docs


def test_sentences_keep_offsets_and_cut_at_line_breaks() -> None:
    text = "Dr. Smith met Mr. Jones in the U.S. yesterday. They talked.\n中文句子。第二句！"
    spans = [text[a:b] for a, b in sentence_spans(text)]
    assert spans == ["Dr. Smith met Mr. Jones in the U.S. yesterday.", "They talked.",
                     "中文句子。", "第二句！"]


def test_label_sentences_by_overlap() -> None:
    spans = np.array([[0, 10], [11, 20], [21, 40]])
    stance, themes = label_sentences(spans, [(0, 20, "S", ["T"]), (22, 24, None, ["U"])])
    assert stance == ["S", "S", ""]
    assert themes == [frozenset({"T"}), frozenset({"T"}), frozenset({"U"})]


def test_learns_the_known_answer_in_three_languages(tmp_path: Path) -> None:
    p, ids, docs = _corpus(tmp_path / "p.sqlite")
    model = engine.train(engine.training_data(p, "coder-1"))
    test_docs = engine.scoring_input(p, None, skip_coder="coder-1")
    assert [d.id for d in test_docs] == docs[-3:]
    rows = engine.score(model, test_docs, threshold=0.5)
    by_text = {}
    texts = {d.id: d.text for d in test_docs}
    for r in rows:
        by_text[texts[r.document_id][r.start:r.end]] = (r.stance_id, r.theme_ids)
    for sentence in EXPORT:
        assert by_text[sentence] == (ids["crit"], [ids["export"]]), sentence
    for sentence in OPEN:
        assert by_text[sentence] == (None, [ids["open"]]), sentence
    assert not any(s in by_text for s in OTHER)
    # Uncertainty is low where the answer is clear.
    pred = model.predict(EXPORT + OTHER)
    assert (uncertainty(pred) < 0.9).all()
    assert all(pr.probability >= 0.5 for pr in proposals(pred, 0.5))
    p.close()


def test_suggest_stores_exact_quotes_and_undoes(tmp_path: Path) -> None:
    p, _, docs = _corpus(tmp_path / "p.sqlite")
    result = engine.suggest(p, "coder-1", threshold=0.5)
    assert len(result.added) == 6 and not result.discarded
    for s in sq.suggestions(p.q):
        doc = p.q.document(s["document_id"])
        assert s["quote"] == doc.text[s["start"]:s["end"]]
        assert s["document_id"] in docs[-3:]
    assert p.undo() is not None
    assert sq.suggestions(p.q) == []
    p.close()


def test_cli_train_run_evaluate_accept(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite"
    p, _, _ = _corpus(path)
    p.ensure_coder("coder-2")
    p.close()
    runner = CliRunner()

    def run(_cli: object, args: list[str]) -> object:
        result = runner.invoke(cli, args)
        result.text = result.output + (str(result.exception) if result.exception else "")
        return result

    base = ["--project", str(path), "suggest"]
    assert "no teacher yet" in run(cli, base + ["run"]).text
    trained = run(cli, base + ["train", "--teacher", "coder-1"])
    assert trained.exit_code == 0 and "trained on 16 passages" in trained.output  # 8 documents x 2
    ran = run(cli, base + ["run", "--threshold", "0.5", "--quiet"])
    assert ran.exit_code == 0 and ran.output.startswith("6 suggestions stored"), ran.output
    ev = run(cli, base + ["evaluate", "--teacher", "coder-1", "--folds", "4"])
    assert ev.exit_code == 0, ev.output
    theme_rows = [line.split() for line in ev.output.splitlines() if line.startswith("theme")]
    assert [r[1] for r in theme_rows] == ["export", "open"]
    assert all(float(r[5]) == 1.0 for r in theme_rows)  # F1 on the known answer
    refused = run(cli, base + ["accept", "--above", "0.5", "--coder", "coder-2"])
    assert refused.exit_code != 0 and "needs a dry run" in refused.text
    dry = run(cli, base + ["accept", "--above", "0.5", "--dry-run"])
    assert "precision 1.000" in dry.output, dry.output
    bulk = run(cli, base + ["accept", "--above", "0.5", "--coder", "coder-2"])
    assert bulk.output.startswith("6 suggestions accepted"), bulk.output


def test_cancelled_run_stores_nothing(tmp_path: Path) -> None:
    p, _, _ = _corpus(tmp_path / "p.sqlite")
    before = p.q.annotation_count()
    calls: list[int] = []

    def cancel_on_second_look() -> bool:
        calls.append(1)
        return len(calls) > 1

    try:
        engine.suggest(p, "coder-1", should_cancel=cancel_on_second_look)
    except engine.RunCancelled as exc:
        assert "no suggestions were stored" in str(exc)
    else:
        raise AssertionError("the run was not cancelled")
    assert p.q.annotation_count() == before and sq.suggestions(p.q) == []
    assert p.coder_by_name("model:tfidf") is None
    p.close()
