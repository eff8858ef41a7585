"""The engine's messages by id: every template finds itself, every loader problem has an id."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import DefinitionError, Problem, UnknownActionError
from engine.loader import load_definition
from engine.messages import _PLACEHOLDER, MESSAGES, identify, placeholders

CORPUS = sorted((Path(__file__).resolve().parent / "invalid_definitions").glob("*.yaml"))


def _sample(template: str) -> tuple[str, dict[str, str]]:
    """The template filled with a distinct value per parameter (quoted where it says !r)."""
    params = {
        name: (f"'v{i}'" if conv else f"v{i}")
        for i, (name, conv) in enumerate(_PLACEHOLDER.findall(template))
    }
    text = _PLACEHOLDER.sub(lambda m: params[m.group(1)], template)
    return text.replace("{{", "{").replace("}}", "}"), params


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_message_is_found_by_its_own_text(key: str) -> None:
    text, params = _sample(MESSAGES[key])
    found = identify(text)
    assert found is not None and (found.id, dict(found.params)) == (key, params)
    assert placeholders(MESSAGES[key]) == set(params)


def test_a_text_that_is_no_message_has_no_id() -> None:
    assert identify("调解成功") is None
    assert identify("") is None


def test_a_problem_carries_its_id_and_parameters_beside_its_english_text() -> None:
    p = Problem(
        "f.yaml",
        3,
        5,
        "transitions[0].to",
        "unknown state 'closd' in 'to'",
        "did you mean 'closed'?",
    )
    assert p.message_id == "def.unknown_state_to"
    assert p.params == {"state": "'closd'"}
    assert p.hint_id == "yaml.did_you_mean"
    assert (
        str(p)
        == "f.yaml:3:5: transitions[0].to: unknown state 'closd' in 'to' (did you mean 'closed'?)"
    )


def test_a_refusal_carries_its_id_and_parameters() -> None:
    exc = UnknownActionError("close", "open", ["accept", "reject"])
    assert exc.message_id == "refusal.unknown_action"
    assert exc.message_params == {
        "action": "'close'",
        "state": "'open'",
        "possible": "accept, reject",
    }


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_every_problem_of_the_invalid_corpus_has_an_id(path: Path) -> None:
    with pytest.raises(DefinitionError) as caught:
        load_definition(path)
    for p in caught.value.problems:
        assert p.message_id, p.message
        assert not p.hint or p.hint_id, p.hint
