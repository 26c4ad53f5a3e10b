"""Codebook JSON: the contract shape, GUIDs across a round trip, one error for every problem."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desk_annotator.errors import FormatError
from desk_annotator.io.codebook_json import (
    codebook_to_json,
    parse_codebook_json,
    read_codebook_json,
    write_codebook_json,
)
from test_io_sample_data import sample_snapshot

CONTRACT_EXAMPLE = """{"name": "AI policy discourse", "stance": {"labels": [
   {"name": "supportive", "color": "#1b9e77", "description": "...", "key": "1"},
   {"name": "critical", "color": "#D95", "description": "against", "key": "2"}]},
 "themes": {"labels": [{"name": "open source", "color": "#7570b3", "description": "...", "key": "o"}]}}"""


def test_contract_example_reads_with_order_and_new_ids() -> None:
    cb = parse_codebook_json(CONTRACT_EXAMPLE)
    assert cb.name == "AI policy discourse"
    assert [lb.name for lb in cb.stance] == ["supportive", "critical"]
    assert [lb.order for lb in cb.stance] == [0, 1]
    assert cb.find("stance", "critical").color == "#dd9955"  # #rgb widened
    assert cb.find("themes", "open source").key == "o"
    assert len({lb.id for lb in cb.labels}) == 3


def test_round_trip_keeps_ids_names_colours_keys_and_order(tmp_path: Path) -> None:
    original = sample_snapshot().codebook
    path = tmp_path / "cb.json"
    write_codebook_json(original, path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert set(data) == {"name", "stance", "themes"}
    assert set(data["stance"]["labels"][0]) == {"name", "color", "description", "key", "id"}
    restored = read_codebook_json(path)
    key = lambda cb: sorted(lb.model_dump().items() for lb in cb.labels)  # noqa: E731
    assert key(restored) == key(original) and restored.name == original.name


def test_every_problem_is_listed_at_once() -> None:
    text = json.dumps({
        "name": "x", "colour_scheme": "dark",
        "stance": {"labels": [
            {"name": "pro", "color": "#12345", "key": "a"},
            {"name": "pro", "color": "blue", "key": "A"},
            {"color": "#fff"},
            {"name": "   "},
        ]},
        "themes": {"labels": [{"name": "pro", "key": "a", "weight": 2}]},
    })
    with pytest.raises(FormatError) as info:
        parse_codebook_json(text, source="cb.json")
    message = str(info.value)
    assert message.startswith("cb.json: 9 problems")
    for expected in [
        "colour_scheme: unknown key",
        "stance.labels.0.color: colour '#12345' is not #rgb or #rrggbb",
        "stance.labels.1.color: colour 'blue'",
        "stance.labels.2.name: Field required",
        "stance.labels.3.name: name is blank",
        "themes.labels.0.weight: unknown key",
        "stance.labels.1 ('pro'): name appears twice in scheme 'stance'",
        "stance.labels.1 ('pro'): shortcut key 'A' is also used by stance.labels.0 ('pro')",
        "themes.labels.0 ('pro'): shortcut key 'a' is also used by stance.labels.0",
    ]:
        assert expected in message
    # The same name in two schemes is allowed: only the keys clashed there.
    assert "name appears twice in scheme 'themes'" not in message


@pytest.mark.parametrize("text, fragment", [
    ("{nope", "not valid JSON (line 1"),
    ("[1, 2]", "must be a JSON object"),
    ('{"stance": {"labels": [{"name": "a", "id": "X"}]}, "themes": {"labels": [{"name": "b", "id": "X"}]}}',
     "id X is also used"),
])
def test_refusals(text: str, fragment: str) -> None:
    with pytest.raises(FormatError) as info:
        parse_codebook_json(text)
    assert fragment in str(info.value)


def test_exported_text_is_readable_json_with_unicode() -> None:
    cb = parse_codebook_json('{"name": "Politik", "themes": {"labels": [{"name": "Datenschutz ä 中"}]}}')
    out = codebook_to_json(cb)
    assert "Datenschutz ä 中" in out and json.loads(out)["stance"] == {"labels": []}
