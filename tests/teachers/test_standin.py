"""The stand-in teacher: training text from training splits only, atomic cached training, labels."""

import dataclasses

import pytest

from synthlib.tasks.formats import FORMATS
from synthlib.teachers.standin.corpus import (
    SOURCES,
    _read_evaluated,
    build_examples,
    clean_rows,
    evaluated_texts,
    normalise,
    split_rows,
)
from synthlib.teachers.standin.recipe import RECIPES


@pytest.mark.slow
def test_training_text_shares_no_example_with_any_evaluated_split(use_mirror):
    evaluated = _read_evaluated()  # read afresh from the mirror, not from the digest cache
    assert len(evaluated) > 50_000  # every validation/test split of the catalog was read
    assert len(evaluated_texts()) == len(evaluated)
    for fmt in FORMATS:
        recipe = RECIPES["stand-in"]
        examples = build_examples(fmt, recipe.per_format, recipe.seed, recipe.max_words)
        assert len(examples) >= min(recipe.per_format, 700), fmt
        for example in examples:
            assert not any(normalise(text) in evaluated for text in example.texts), (fmt, example.texts)
            assert example.source in {"cnndm_sumllm", "wikipedia", "wikinews", "sst2", "rte", "gsm8k", "mbpp",
                                       "csqa2"}
            assert FORMATS[fmt].parse(example.target).ok, (fmt, example.target)  # targets are valid samples


@pytest.mark.slow
def test_probe_rows_are_disjoint_from_training_rows(use_mirror):
    load, _ = SOURCES["nli"]
    rows = clean_rows(load())
    train, probe = split_rows(rows, seed=0)
    assert len(probe) == int(len(rows) * 0.1)
    assert not {r["text1"] + r["text2"] for r in train} & {r["text1"] + r["text2"] for r in probe}


def test_sources_read_training_splits_only(monkeypatch):
    import synthlib.data

    seen = []

    def fake_load(name, split, subset=None, max_rows=None):
        seen.append((name, split))
        raise RuntimeError("stop here")

    monkeypatch.setattr(synthlib.data, "load_dataset", fake_load)
    for load, _ in SOURCES.values():
        with pytest.raises(RuntimeError):
            load()
    assert seen and all(split == "train" for _, split in seen)


def test_recipes_hash_every_setting():
    tiny = RECIPES["stand-in-tiny"]
    assert tiny.digest() == dataclasses.replace(tiny).digest()
    assert tiny.digest() != dataclasses.replace(tiny, steps=tiny.steps + 1).digest()
    assert tiny.digest() != RECIPES["stand-in"].digest()


@pytest.mark.slow
def test_a_killed_training_leaves_no_model_and_a_finished_one_is_reused(tmp_path, use_mirror, monkeypatch):
    from synthlib.teachers.standin import train as train_module

    recipe = dataclasses.replace(RECIPES["stand-in-tiny"], steps=2, per_format=16, name="stand-in-tiny")

    def crash(*args, **kwargs):
        raise KeyboardInterrupt  # what a kill mid-training looks like to the process

    real_train = train_module.train
    monkeypatch.setattr(train_module, "train", crash)
    with pytest.raises(KeyboardInterrupt):
        train_module.ensure_trained(recipe, tmp_path)
    assert not train_module.model_dir(recipe, tmp_path).exists()
    assert [p.name for p in (tmp_path / "standin").iterdir() if not p.name.endswith(".lock")] == []
    monkeypatch.setattr(train_module, "train", real_train)
    folder = train_module.ensure_trained(recipe, tmp_path)
    assert (folder / "recipe.json").is_file() and (folder / "model.safetensors").is_file()
    monkeypatch.setattr(train_module, "train", crash)  # a second call must not train again
    assert train_module.ensure_trained(recipe, tmp_path) == folder

    from synthlib.teachers import Request, SamplingParams
    from synthlib.teachers.standin import load_standin

    monkeypatch.setitem(RECIPES, "stand-in-tiny", recipe)
    teacher = load_standin("stand-in-tiny", cache_dir=tmp_path)
    assert teacher.signature.stand_in and teacher.signature.revision == f"recipe:{recipe.digest()}"
    [out] = teacher.generate([Request(prompt=FORMATS["nli"].prompt(premise="A man sings.", label="entailment"),
                                      sampling=SamplingParams(max_new_tokens=16), constraint="nli")])
    assert out.metadata["stand_in"] is True and out.text.startswith("[hypothesis]")
