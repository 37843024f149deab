import pytest

from synthlib.config import ConfigError
from synthlib.models import is_stand_in, model_kind


@pytest.mark.parametrize("name, kind", [("minilm", "alias"), ("google/flan-t5-small", "hub"),
                                        ("openai:gpt-4o-mini@http://127.0.0.1:8000/v1", "endpoint"),
                                        ("/", "path")])
def test_model_kinds(name, kind):
    assert model_kind(name) == kind


@pytest.mark.parametrize("name, message", [("flan-t5", "unknown model"), ("./no/such/dir", "does not exist"),
                                           ("openai:gpt-4o-mini", "openai:<model>@<base-url>")])
def test_bad_model_names_say_how_to_write_them(name, message):
    with pytest.raises(ConfigError, match=message):
        model_kind(name)


def test_stand_ins_are_recognised():
    assert is_stand_in("stand-in-scripted") and is_stand_in("tiny-random-bert") and not is_stand_in("minilm")
