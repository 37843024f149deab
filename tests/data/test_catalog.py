"""Every catalogued dataset loads from the real mirror with its documented columns and labels."""

import pytest

from synthlib.data import DATASETS, load_dataset
from synthlib.data.catalog import mirror_paths

CASES = [(spec.name, split, subset) for spec in DATASETS.values()
         for subset, split in spec.parts() if subset in (None, *spec.subsets[:1])]

# Row counts documented in ../shared/data/SOURCES.md
EXPECTED_ROWS = {("sst2", "train"): 67349, ("sst2", "validation"): 872, ("rte", "train"): 2490,
                 ("rte", "validation"): 277, ("wnli", "train"): 635, ("wnli", "validation"): 71,
                 ("mrpc", "train"): 3668, ("mrpc", "validation"): 408, ("mrpc", "test"): 1725,
                 ("qnli", "validation"): 5463, ("anli", "dev_r3"): 1200, ("imdb", "test"): 25000,
                 ("boolq", "validation"): 3270, ("squad", "validation"): 10570,
                 ("adversarial_qa", "validation"): 3000, ("svamp", "test"): 1000, ("nl4opt", "validation"): 99,
                 ("nl4opt", "test"): 289, ("gsm8k", "train"): 7473, ("gsm8k", "test"): 1319,
                 ("mbpp", "train"): 374, ("mbpp", "validation"): 90, ("mbpp", "test"): 500, ("mbpp", "prompt"): 10,
                 ("csqa2", "train"): 9264, ("csqa2", "validation"): 2541, ("medmcqa", "validation"): 4183,
                 ("craft_fewshots", "train"): 32, ("cnndm_test100", "test"): 100,
                 ("wikipedia", "train"): 24321, ("wikinews", "train"): 19287}


@pytest.mark.parametrize("name, split, subset", CASES, ids=[f"{n}-{s}" for n, s, _ in CASES])
def test_split_loads_with_documented_columns(use_mirror, name, split, subset):
    spec = DATASETS[name]
    dataset = load_dataset(name, split, subset=subset)
    assert len(dataset) > 0
    assert set(dataset.column_names) <= set(spec.columns), "a column is missing from the spec's documentation"
    if (name, split) in EXPECTED_ROWS:
        assert len(dataset) == EXPECTED_ROWS[(name, split)]
    if spec.label_names and "label" in dataset.column_names:
        assert dataset.features["label"].names == list(spec.label_names)
        assert set(dataset["label"]) <= set(range(len(spec.label_names)))


def test_labels_carry_their_meaning(use_mirror):
    rte = load_dataset("rte", "train")
    first = rte[0]  # "No Weapons of Mass Destruction Found in Iraq Yet." does not entail the opposite
    assert first["text1"].startswith("No Weapons") and rte.features["label"].int2str(first["label"]) == "not_entailment"
    sst2 = load_dataset("sst2", "train")
    assert sum(sst2["label"]) == 37569  # positives, as in the GLUE statistics
    boolq = load_dataset("boolq", "validation")
    assert sum(boolq["label"]) == 2033  # "true" answers per SOURCES.md


def test_extractive_answers_point_into_their_context(use_mirror):
    for name in ("squad", "adversarial_qa"):
        dataset = load_dataset(name, "validation", max_rows=300)
        for row in dataset:
            for text, start in zip(row["answers"]["text"], row["answers"]["answer_start"]):
                assert row["context"][start:start + len(text)] == text


def test_multiple_choice_rows_have_four_options_without_letters(use_mirror):
    medmcqa = load_dataset("medmcqa", "validation", max_rows=50)
    assert all(len(c) == 4 and not c[0].startswith("A.") for c in medmcqa["choices"])
    mmlu = load_dataset("mmlu/anatomy", "test")
    assert len(mmlu) == 135 and set(mmlu["subject"]) == {"anatomy"}


def test_s3_pickle_round_differs_from_json_round(use_mirror):
    json_round = load_dataset("s3_synthetic", "round1", subset="rte")
    pkl_round = load_dataset("s3_synthetic", "round1", subset="rte_pkl")
    assert (len(json_round), len(pkl_round)) == (883, 873)
    as_rows = lambda d: set(zip(d["text1"], d["text2"], d["label"]))  # noqa: E731
    assert not as_rows(json_round) & as_rows(pkl_round)


def test_dataset_with_subsets_requires_one_when_loading(use_mirror):
    with pytest.raises(ValueError, match="needs a subset"):
        load_dataset("mmlu", "test")


def test_unknown_split_lists_the_real_ones(use_mirror):
    with pytest.raises(ValueError, match="splits: train, validation"):
        load_dataset("rte", "test")


def test_every_mirror_path_in_the_catalog_is_in_the_manifest(mirror):
    listed = {line.split(maxsplit=1)[1].strip() for line in (mirror / "MANIFEST.sha256").read_text().splitlines()}
    for spec in DATASETS.values():
        for subset, split in spec.parts():
            for path in mirror_paths(spec, split, subset):
                assert path in listed, path
