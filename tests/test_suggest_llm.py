"""The model-endpoint engine (issue 13, engine (b)) against a scripted OpenAI-compatible server
on 127.0.0.1 (tests/llm_server.py): exact quotes only, offsets in code points, discard counts,
the audit trail, what is sent, and nothing written on failure."""

from __future__ import annotations

import hashlib
import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from llm_server import Reply, ScriptedServer, answer

from desk_annotator.cli import main
from desk_annotator.models import Codebook, Label
from desk_annotator.project import Project
from desk_annotator.store.model_request_queries import model_requests
from desk_annotator.suggest.llm import LLMRun, public_endpoint
from desk_annotator.suggest.llm_locate import Located, locate
from desk_annotator.suggest.llm_prompt import (
    Chunk,
    MalformedAnswer,
    ProposedPassage,
    chunks,
    parse_answer,
)
from desk_annotator.suggest.llm_settings import (
    PRIVACY_SENTENCE,
    EndpointNotConfigured,
    EndpointSettings,
    SettingsError,
    load_settings,
    save_settings,
    settings_file,
    updated_settings,
)

# Offsets by hand, in code points (the emoji is one, 中文 two):
#   "Export controls on chips 😀 were tightened."      0..42
#   "Critics said 中文 sources matter."                43..74
#   "Export controls on chips were debated again."    75..119
TEXT = ("Export controls on chips 😀 were tightened. Critics said 中文 sources matter. "
        "Export controls on chips were debated again.")
EXAMPLE_TEXT = "Open models help everyone. Safety institutes test them."


class _Article:
    def __init__(self, title: str, text: str) -> None:
        self.title, self.text, self.metadata = title, text, {}


@pytest.fixture
def setup(tmp_path: Path) -> dict[str, Any]:
    project = Project(tmp_path / "p.sqlite")
    coder = project.ensure_coder("coder-1")
    sup = project.add_label("stance", "supportive", description="endorses the policy")
    crit = project.add_label("stance", "critical", description="opposes the policy")
    exp = project.add_label("themes", "export controls", description="chip export rules")
    saf = project.add_label("themes", "safety", description="risks of AI")
    project.add_documents([_Article("Chips", TEXT), _Article("Open", EXAMPLE_TEXT)])
    doc, example_doc = (d.id for d in project.q.document_infos())
    project.add_annotation(example_doc, coder.id, 0, 26, stance_id=sup.id)
    yield {"project": project, "doc": doc, "example_doc": example_doc, "coder": coder,
           "sup": sup.id, "crit": crit.id, "exp": exp.id, "saf": saf.id}
    project.close()


def _settings(server: ScriptedServer, **extra: Any) -> EndpointSettings:
    values: dict[str, Any] = {"timeout_seconds": 5, "seed": 7, **extra}
    return EndpointSettings(endpoint=server.url, model="test-model", **values)


def _suggestions(project: Project) -> list[tuple]:
    rows = project.store.db.execute(
        "SELECT a.start, a.[end], a.quote, a.stance_id, s.engine, s.probability "
        "FROM suggestions s JOIN annotations a ON a.id = s.annotation_id ORDER BY a.start")
    return [tuple(r) for r in rows]


def _themes(project: Project, start: int) -> list[str]:
    return [r[0] for r in project.store.db.execute(
        "SELECT t.label_id FROM annotation_themes t JOIN annotations a ON a.id = t.annotation_id "
        "JOIN suggestions s ON s.annotation_id = a.id WHERE a.start = ?", (start,))]


def _dump(project: Project) -> dict[str, list[tuple]]:
    return {t: sorted(map(tuple, project.store.db.execute(f"SELECT * FROM {t}")), key=repr)
            for t in ("annotations", "annotation_themes", "suggestions", "coders", "history")}


MIXED = [
    {"quote": "Critics said 中文 sources matter.", "stance": "critical", "themes": [],
     "confidence": 0.9},
    {"quote": "Export controls on chips", "before": "", "stance": None,
     "themes": ["export controls"]},
    # the same words again, the second occurrence named by the words before it
    {"quote": "Export controls on chips", "before": "sources matter.", "stance": "critical",
     "themes": ["export controls", "safety"]},
    # a third time: both occurrences are taken
    {"quote": "Export controls on chips", "stance": None, "themes": ["export controls"]},
    {"quote": "Critics said Chinese sources matter.", "stance": "critical", "themes": []},
    {"quote": "The ban will certainly fail.", "stance": "critical", "themes": []},
    {"quote": "were debated again.", "stance": "angry", "themes": []},
    {"quote": "were tightened.", "stance": "critical", "themes": ["trade"]},
]


def test_only_exact_quotes_with_known_labels_become_suggestions(setup: dict[str, Any]) -> None:
    project = setup["project"]
    with ScriptedServer([answer(MIXED)]) as server:
        report = LLMRun(project, _settings(server)).run([setup["doc"]])
    assert _suggestions(project) == [
        (0, 24, "Export controls on chips", None, "llm:test-model", None),
        (43, 74, "Critics said 中文 sources matter.", setup["crit"], "llm:test-model", 0.9),
        (75, 99, "Export controls on chips", setup["crit"], "llm:test-model", None),
    ]
    assert sorted(_themes(project, 75)) == sorted([setup["exp"], setup["saf"]])
    assert project.coder_by_name("model:llm:test-model") is not None
    result = report.documents[0]
    assert (result.added, result.proposed) == (3, 8)
    assert dict(result.discarded) == {"duplicate": 1, "not in the text": 2, "unknown label": 2}


def test_audit_row_records_the_request_as_the_server_received_it(setup: dict[str, Any]) -> None:
    project = setup["project"]
    with ScriptedServer([answer(MIXED)]) as server:
        LLMRun(project, _settings(server, max_tokens=321),
               examples_coder_id=setup["coder"].id).run([setup["doc"]])
        [received] = server.chat_requests
    body = received.body
    assert body["temperature"] == 0 and body["seed"] == 7 and body["max_tokens"] == 321
    assert body["model"] == "test-model"
    schema = body["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["passages"]["items"]["properties"]["stance"]["enum"] == [
        "supportive", "critical", None]
    canonical = json.dumps(body["messages"], ensure_ascii=False, sort_keys=True,
                           separators=(",", ":"))
    [row] = model_requests(project.q)
    assert row["prompt_sha256"] == hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    assert (row["engine"], row["model"], row["endpoint"]) == ("llm:test-model", "test-model",
                                                              server.url)
    assert row["document_id"] == setup["doc"] and row["title"] == "Chips"
    assert (row["proposed"], row["discarded"]) == (8, 5)
    assert row["outcome"] == "ok: 2 not in the text, 2 unknown label, 1 duplicate"
    assert row["parameters"]["temperature"] == 0 and row["parameters"]["seed"] == 7
    assert row["parameters"]["max_tokens"] == 321
    assert row["parameters"]["chunk"] == [0, 119]
    assert row["parameters"]["examples_from"] == "coder-1"
    assert row["seconds"] is not None and row["seconds"] >= 0
    # What was sent: the definitions, the example from the other document, the text.
    system, user = body["messages"][0]["content"], body["messages"][1]["content"]
    assert "- critical: opposes the policy" in system and "- safety: risks of AI" in system
    assert '"quote": "Open models help everyone."' in system
    assert user == f"TEXT:\n{TEXT}"


def test_examples_never_come_from_the_document_being_coded(setup: dict[str, Any]) -> None:
    project = setup["project"]
    with ScriptedServer([answer([])]) as server:
        run = LLMRun(project, _settings(server), examples_coder_id=setup["coder"].id)
        run.run([setup["example_doc"], setup["doc"]])
        systems = [r.body["messages"][0]["content"] for r in server.chat_requests]
    # coder-1's only coded passage is in the example document itself
    assert "Examples coded" not in systems[0] and "Open models help everyone." in systems[1]


def test_malformed_answer_is_asked_again_once(setup: dict[str, Any]) -> None:
    project = setup["project"]
    good = answer([{"quote": "were tightened.", "stance": "critical", "themes": []}])
    with ScriptedServer([Reply("{'passages': [oops"), good]) as server:
        report = LLMRun(project, _settings(server)).run([setup["doc"]])
        first, second = server.chat_requests
    assert first.body["messages"] == second.body["messages"]
    assert report.documents[0].failed is None
    assert _suggestions(project)[0][:2] == (27, 42)
    outcomes = [r["outcome"] for r in model_requests(project.q)]
    assert outcomes[0].startswith("malformed: the answer is not JSON") and outcomes[1] == "ok"
    assert [r["parameters"]["attempt"] for r in model_requests(project.q)] == [1, 2]


def test_malformed_twice_fails_the_document_and_writes_nothing(setup: dict[str, Any]) -> None:
    project = setup["project"]
    before = _dump(project)
    with ScriptedServer([Reply("not json"), Reply('{"passages": [{"stance": "critical"}]}')]) \
            as server:
        report = LLMRun(project, _settings(server)).run([setup["doc"]])
        assert len(server.chat_requests) == 2
    [result] = report.failed
    assert result.failed.startswith("malformed answer twice: the answer does not follow")
    assert _dump(project) == before
    assert [r["outcome"].split(":")[0] for r in model_requests(project.q)] == ["malformed"] * 2


def test_http_500_fails_that_document_and_the_run_goes_on(setup: dict[str, Any]) -> None:
    project = setup["project"]
    good = answer([{"quote": "Safety institutes test them.", "stance": None,
                    "themes": ["safety"]}])
    with ScriptedServer([Reply(status=500), good]) as server:
        report = LLMRun(project, _settings(server)).run([setup["doc"], setup["example_doc"]])
    assert "HTTP 500" in report.documents[0].failed
    assert report.documents[1].added == 1
    assert _suggestions(project)[0][:3] == (27, 55, "Safety institutes test them.")
    assert [r["outcome"] for r in model_requests(project.q)] == ["http 500", "ok"]


def test_slow_answer_times_out_and_earlier_suggestions_stay(setup: dict[str, Any]) -> None:
    project = setup["project"]
    good = answer([{"quote": "were tightened.", "stance": "critical", "themes": []}])
    with ScriptedServer([good, Reply(delay=5)]) as server:
        settings = _settings(server).model_copy(update={"timeout_seconds": 0.4})
        LLMRun(project, settings).run([setup["doc"]])
        kept = _dump(project)
        report = LLMRun(project, settings).run([setup["doc"]])
    assert report.documents[0].failed == f"{server.url}/chat/completions: no answer within 0.4 s"
    assert _dump(project) == kept and len(_suggestions(project)) == 1
    assert [r["outcome"] for r in model_requests(project.q)] == ["ok", "timeout"]


def test_server_without_response_format_gets_instructions_only(setup: dict[str, Any]) -> None:
    project = setup["project"]
    good = answer([{"quote": "were tightened.", "stance": "critical", "themes": []}])
    with ScriptedServer([good], refuse_response_format=True) as server:
        report = LLMRun(project, _settings(server)).run([setup["doc"], setup["example_doc"]])
        bodies = [r.body for r in server.chat_requests]
    assert ["response_format" in b for b in bodies] == [True, False, False]
    assert report.suggestions == 1 and not report.failed
    rows = model_requests(project.q)
    assert rows[0]["outcome"] == "http 400: response_format refused"
    assert [r["parameters"]["response_format"] for r in rows] == ["json_schema", "none", "none"]


def test_long_document_is_sent_in_sentence_chunks_with_document_offsets(
        setup: dict[str, Any]) -> None:
    project = setup["project"]
    sentences = [f"Sentence number {i} talks about export controls on chips 😀." for i in range(8)]
    text = " ".join(sentences)  # each sentence 57 code points, 58 with the space; 463 in all
    project.add_documents([_Article("Long", text)])
    long_id = next(d.id for d in project.q.document_infos() if d.title == "Long")
    pieces = chunks(text, 200)
    assert [(c.start, c.end) for c in pieces] == [(0, 173), (173, 347), (347, 463)]
    script = [answer([{"quote": "Sentence number 1 talks", "stance": None,
                       "themes": ["export controls"]}]),
              # the model saw only the second chunk: a quote from the first is not in its text
              answer([{"quote": "Sentence number 4 talks", "stance": "critical", "themes": []},
                      {"quote": "Sentence number 0 talks", "stance": "critical", "themes": []}]),
              answer([])]
    with ScriptedServer(script) as server:
        report = LLMRun(project, _settings(server, max_characters=200)).run([long_id])
        texts = [r.body["messages"][1]["content"] for r in server.chat_requests]
    assert texts == [f"TEXT:\n{c.text}" for c in pieces]
    assert [s[:2] for s in _suggestions(project)] == [(58, 81), (232, 255)]
    assert dict(report.documents[0].discarded) == {"not in the text": 1}
    assert [r["parameters"]["chunk"] for r in model_requests(project.q)] == [
        [0, 173], [173, 347], [347, 463]]


def test_undo_removes_the_suggestions_but_keeps_the_audit(setup: dict[str, Any]) -> None:
    project = setup["project"]
    with ScriptedServer([answer(MIXED)]) as server:
        LLMRun(project, _settings(server)).run([setup["doc"]])
    assert project.undo() is not None
    assert _suggestions(project) == []
    assert len(model_requests(project.q)) == 1
    project.redo()
    assert len(_suggestions(project)) == 3


def test_no_endpoint_means_no_request(setup: dict[str, Any], capsys: pytest.CaptureFixture) -> None:
    project = setup["project"]
    with ScriptedServer() as server:
        with pytest.raises(EndpointNotConfigured):
            LLMRun(project, EndpointSettings(model="test-model"))
        assert load_settings().endpoint == ""  # the default: nothing configured
        save_settings(EndpointSettings(model="test-model"))
        code = _cli(["--project", str(project.path), "llm", "run"])
        assert server.received == []
    assert code == 1
    assert "no model endpoint is configured, so nothing was sent" in capsys.readouterr().err


def test_api_key_comes_from_the_named_variable_as_bearer(setup: dict[str, Any],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    project = setup["project"]
    monkeypatch.setenv("DESK_TEST_KEY", "s3cret-value")
    with ScriptedServer([answer([])]) as server:
        settings = _settings(server, api_key_env="DESK_TEST_KEY")
        save_settings(settings)
        LLMRun(project, settings).run([setup["doc"]])
        headers = {k.lower(): v for k, v in server.chat_requests[0].headers.items()}
        assert headers["authorization"] == "Bearer s3cret-value"
        monkeypatch.delenv("DESK_TEST_KEY")
        with pytest.raises(EndpointNotConfigured, match="DESK_TEST_KEY"):
            LLMRun(project, settings)
        assert len(server.received) == 1
    assert "s3cret-value" not in settings_file().read_text("utf-8")
    assert "s3cret-value" not in json.dumps(model_requests(project.q))


def test_unreachable_endpoint_stops_the_run(setup: dict[str, Any]) -> None:
    project = setup["project"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    settings = EndpointSettings(endpoint=f"http://127.0.0.1:{port}/v1", model="m")
    report = LLMRun(project, settings).run([setup["doc"], setup["example_doc"]])
    assert report.stopped.startswith(f"cannot reach http://127.0.0.1:{port}/v1/chat/completions")
    assert report.documents == [] and _suggestions(project) == []
    assert [r["outcome"] for r in model_requests(project.q)] == ["unreachable"]


def test_cancel_between_documents_keeps_the_finished_ones(setup: dict[str, Any]) -> None:
    project = setup["project"]
    good = answer([{"quote": "were tightened.", "stance": "critical", "themes": []}])
    done: list[int] = []
    with ScriptedServer([good]) as server:
        report = LLMRun(project, _settings(server)).run(
            [setup["doc"], setup["example_doc"]], progress=lambda n, total, r: done.append(n),
            should_cancel=lambda: bool(done))
        assert len(server.chat_requests) == 1
    assert report.cancelled and done == [1] and len(_suggestions(project)) == 1


def test_settings_validate_and_hold_no_key() -> None:
    with pytest.raises(SettingsError, match="not an http"):
        updated_settings(EndpointSettings(), endpoint="ftp://example.org")
    with pytest.raises(SettingsError, match="environment variable name"):
        updated_settings(EndpointSettings(), api_key_env="sk-1234-abcd")
    s = updated_settings(EndpointSettings(), endpoint="http://127.0.0.1:8080/v1/chat/completions",
                         model="qwen")
    assert s.endpoint == "http://127.0.0.1:8080/v1"
    save_settings(s)
    assert load_settings() == s
    settings_file().write_text("{broken", encoding="utf-8")
    assert load_settings().endpoint == ""  # unreadable settings never send anything
    assert PRIVACY_SENTENCE.count(".") == 1 and PRIVACY_SENTENCE.startswith("Nothing leaves")
    assert public_endpoint("https://user:pw@Example.org:8443/v1") == "https://example.org:8443/v1"


def _cli(args: list[str]) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    return int(exit_info.value.code or 0)


def test_cli_configure_run_audit(setup: dict[str, Any], capsys: pytest.CaptureFixture) -> None:
    project = setup["project"]
    path = str(project.path)
    project.close()
    good = answer([{"quote": "Critics said 中文 sources matter.", "stance": "critical",
                    "themes": []}])
    with ScriptedServer([good, answer([])], models=("test-model", "other")) as server:
        assert _cli(["llm", "configure", "--endpoint", server.url, "--model", "test-model",
                     "--seed", "3"]) == 0
        out = capsys.readouterr().out
        assert f"endpoint: {server.url}" in out and PRIVACY_SENTENCE in out
        assert _cli(["llm", "models"]) == 0
        assert capsys.readouterr().out.split() == ["test-model", "other"]
        assert _cli(["--project", path, "llm", "run", "--examples-from", "coder-1"]) == 0
        captured = capsys.readouterr()
        assert "1 suggestions (llm:test-model) in 2 document(s), 0 failed, 2 request(s)" \
            in captured.out
        assert "[1/2] Chips: 1 suggestion" in captured.err
        assert server.chat_requests[0].body["seed"] == 3
    assert _cli(["--project", path, "llm", "audit", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["title"], r["proposed"], r["outcome"]) for r in rows] == [
        ("Chips", 1, "ok"), ("Open", 0, "ok")]
    assert _cli(["--project", path, "llm", "audit", "--last", "1"]) == 0
    line = capsys.readouterr().out.strip()
    assert "Open" in line and "temperature 0 seed 3" in line and "Chips" not in line
    assert _cli(["--project", path, "suggest", "audit", "--last", "1"]) == 0  # the same list
    assert capsys.readouterr().out.strip() == line


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process is POSIX")
def test_ctrl_c_cancels_cleanly_and_keeps_the_audit(setup: dict[str, Any]) -> None:
    project = setup["project"]
    before = _dump(project)
    with ScriptedServer([Reply(delay=30)]) as server:
        save_settings(_settings(server, timeout_seconds=60))
        proc = subprocess.Popen(
            [sys.executable, "-m", "desk_annotator.cli", "--project", str(project.path),
             "llm", "run"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        while not server.chat_requests and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.chat_requests, "the CLI never sent its request"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "cancelled: the documents finished so far are kept" in err
    assert "Traceback" not in err
    assert _dump(project) == before
    assert [r["outcome"] for r in model_requests(project.q)] == ["cancelled"]


def test_answer_parsing_accepts_the_schema_with_wrapping_and_refuses_the_rest() -> None:
    passage = {"quote": "x", "stance": "critical", "themes": []}
    body = json.dumps({"passages": [passage]})
    for wrapped in (body, f"```json\n{body}\n```", f"<think>hmm {{</think>\n{body}",
                    f"Here is the coding:\n{body}\nHope it helps.", json.dumps([passage])):
        [parsed] = parse_answer(wrapped)
        assert (parsed.quote, parsed.stance, parsed.themes) == ("x", "critical", [])
    for bad, reason in ((None, "empty"), ("   ", "empty"), (body[:-3], "not JSON"),
                        ('{"passages": [{"stance": "critical"}]}', "passages.0.quote"),
                        ('{"passages": [{"quote": "x", "confidence": 3}]}', "confidence"),
                        ('{"items": []}', "passages")):
        with pytest.raises(MalformedAnswer, match=reason):
            parse_answer(bad)


def test_cli_prompt_shows_what_a_run_sends(setup: dict[str, Any],
                                           capsys: pytest.CaptureFixture) -> None:
    project = setup["project"]
    path = str(project.path)
    assert _cli(["--project", path, "llm", "prompt", setup["doc"][:8], "--examples-from",
                 "coder-1", "--json"]) == 0
    [shown] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    with ScriptedServer([answer([])]) as server:
        LLMRun(project, _settings(server), examples_coder_id=setup["coder"].id).run(
            [setup["doc"]])
        assert shown["messages"] == server.chat_requests[0].body["messages"]
    assert shown["chunk"] == [0, 119]
    assert shown["prompt_sha256"] == model_requests(project.q)[0]["prompt_sha256"]


def test_locating_rule_on_a_chunk_inside_a_document() -> None:
    codebook = Codebook(labels=[Label(id="S", scheme="stance", name="critical"),
                                Label(id="T", scheme="themes", name="safety")])
    # the chunk starts at offset 10 of its document
    chunk = Chunk(10, 29, "go 😀 go, then go on")  # "go" at 0, 5 and 14 of the chunk

    def run(*proposals: dict[str, Any]) -> Located:
        result = Located()
        locate([ProposedPassage(**p) for p in proposals], chunk, codebook, set(), result)
        return result

    # surrounding whitespace of a quote is set aside; "before" names the second occurrence
    found = run({"quote": "  go ", "stance": "critical"},
                {"quote": "go", "before": "😀", "themes": ["safety"]})
    assert [(p.start, p.end, p.stance_id, p.theme_ids) for p in found.passages] == [
        (10, 12, "S", ()), (15, 17, None, ("T",))]
    # "before" that matches nothing is ignored; the first unused occurrence is taken
    found = run({"quote": "go", "stance": "critical"}, {"quote": "go", "before": "zzz",
                                                      "stance": "critical"})
    assert [p.start for p in found.passages] == [10, 15]
    # all three occurrences used: a fourth is a duplicate; case and spacing must be exact
    found = run(*[{"quote": "go", "stance": "critical"}] * 4,
                {"quote": "Go", "stance": "critical"}, {"quote": "go  on", "stance": "critical"},
                {"quote": "then", "stance": None, "themes": []})
    assert [p.start for p in found.passages] == [10, 15, 24]
    assert dict(found.discarded) == {"duplicate": 1, "not in the text": 2, "no label": 1}


def test_a_model_suggestion_is_accepted_like_any_other(setup: dict[str, Any]) -> None:
    from desk_annotator.suggest.ops import AcceptSuggestion

    project = setup["project"]
    with ScriptedServer([answer(MIXED[:1])]) as server:
        LLMRun(project, _settings(server)).run([setup["doc"]])
    [suggestion_id] = [r[0] for r in project.store.db.execute(
        "SELECT annotation_id FROM suggestions")]
    coder_id = setup["coder"].id
    accepted = project.run(AcceptSuggestion(suggestion_id, coder_id), coder_id)
    assert (accepted.coder_id, accepted.start, accepted.end, accepted.stance_id) == (
        coder_id, 43, 74, setup["crit"])
    assert accepted.quote == "Critics said 中文 sources matter."


def test_attempts_count_per_chunk(setup: dict[str, Any]) -> None:
    project = setup["project"]
    text = "First sentence is here and long enough. " * 4 + "Second part of it. " * 8
    project.add_documents([_Article("Two chunks", text)])
    doc_id = next(d.id for d in project.q.document_infos() if d.title == "Two chunks")
    # sentences end at 39, 79, 119, 159, then 160 + 18 = 178, 197, 216...: the first chunk
    # (at most 200) ends at 197
    assert [(c.start, c.end) for c in chunks(text, 200)] == [(0, 197), (197, len(text))]
    with ScriptedServer([answer([]), Reply("oops"), answer([])]) as server:
        LLMRun(project, _settings(server, max_characters=200)).run([doc_id])
    rows = model_requests(project.q)
    assert [(r["parameters"]["chunk"][0], r["parameters"]["attempt"]) for r in rows] == [
        (0, 1), (197, 1), (197, 2)]


def test_a_400_that_is_not_about_the_schema_does_not_drop_it(setup: dict[str, Any]) -> None:
    project = setup["project"]
    with ScriptedServer([Reply(status=400), Reply(status=400), answer([])]) as server:
        report = LLMRun(project, _settings(server)).run([setup["doc"], setup["example_doc"]])
        sent_schema = ["response_format" in r.body for r in server.chat_requests]
    assert sent_schema == [True, False, True]
    assert "HTTP 400" in report.documents[0].failed and report.documents[1].failed is None
