"""Manifest verification, hub fallback and the error when neither source works."""

import hashlib
import shutil

import pytest

from synthlib.data import DATASETS, DataIntegrityError, DataUnavailableError, load_dataset, used_files
from synthlib.data import mirror as mirror_module
from synthlib.data.catalog import mirror_paths


def _make_mirror(tmp_path, real_mirror, relative, content=None, listed=True):
    root = tmp_path / "mirror"
    target = root / relative
    target.parent.mkdir(parents=True)
    shutil.copy(real_mirror / relative, target)
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    if content is not None:
        target.write_bytes(content)
    (root / "MANIFEST.sha256").write_text(f"{digest}  {relative}\n" if listed else "")
    mirror_module._manifest.cache_clear()
    return root


def test_a_tampered_file_is_an_error_naming_it(tmp_path, mirror, monkeypatch):
    root = _make_mirror(tmp_path, mirror, "glue/rte/dev.tsv", content=b"index\tsentence1\tsentence2\tlabel\n")
    monkeypatch.setenv("SYNTHLIB_DATA_DIR", str(root))
    with pytest.raises(DataIntegrityError, match=r"glue/rte/dev.tsv does not match MANIFEST.sha256"):
        load_dataset("rte", "validation")


def test_an_unlisted_file_is_an_error(tmp_path, mirror, monkeypatch):
    root = _make_mirror(tmp_path, mirror, "glue/rte/dev.tsv", listed=False)
    monkeypatch.setenv("SYNTHLIB_DATA_DIR", str(root))
    with pytest.raises(DataIntegrityError, match="not listed in"):
        load_dataset("rte", "validation")


def test_a_verified_file_loads_and_is_recorded_for_manifests(tmp_path, mirror, monkeypatch):
    root = _make_mirror(tmp_path, mirror, "glue/rte/dev.tsv")
    monkeypatch.setenv("SYNTHLIB_DATA_DIR", str(root))
    assert len(load_dataset("rte", "validation")) == 277
    assert "glue/rte/dev.tsv" in used_files()


def test_no_mirror_and_no_hub_names_the_environment_variable(monkeypatch):
    monkeypatch.delenv("SYNTHLIB_DATA_DIR", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(DataUnavailableError, match=r"SYNTHLIB_DATA_DIR.*nyu-mll/glue"):
        load_dataset("rte", "validation")
    with pytest.raises(DataUnavailableError, match="has no hub source; set SYNTHLIB_DATA_DIR"):
        load_dataset("nl4opt", "test")


def test_a_mirror_path_that_is_not_a_folder_is_reported(monkeypatch, tmp_path):
    monkeypatch.setenv("SYNTHLIB_DATA_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(DataUnavailableError, match="is not a folder"):
        load_dataset("rte", "validation")


# A row as the hub serves it, per dataset with a hub source (column names from the hub cards).
HUB_ROWS = {
    "sst2": {"idx": 0, "sentence": "a gem ", "label": 1},
    "rte": {"sentence1": "a", "sentence2": "b", "label": 0, "idx": 0},
    "wnli": {"sentence1": "a", "sentence2": "b", "label": 1, "idx": 0},
    "mrpc": {"sentence1": "a", "sentence2": "b", "label": 1, "idx": 0},
    "qnli": {"question": "q?", "sentence": "s", "label": 1, "idx": 0},
    "anli": {"uid": "u", "premise": "p", "hypothesis": "h", "label": 2, "reason": ""},
    "imdb": {"text": "great", "label": 1},
    "boolq": {"question": "q", "answer": True, "passage": "p"},
    "squad": {"id": "1", "title": "t", "context": "c", "question": "q", "answers": {"text": ["c"], "answer_start": [0]}},
    "adversarial_qa": {"id": "1", "title": "t", "context": "c", "question": "q",
                       "answers": {"text": ["c"], "answer_start": [0]}, "metadata": {"split": "validation"}},
    "svamp": {"ID": "chal-1", "Body": "b", "Question": "q", "Equation": "( 1.0 + 1.0 )", "Answer": 2.0, "Type": "Addition"},
    "gsm8k": {"question": "q", "answer": "1+1=2\n#### 2"},
    "mbpp": {"task_id": 601, "text": "t", "code": "c", "test_list": ["assert 1"], "test_setup_code": "",
             "challenge_test_list": []},
    "csqa2": {"id": "x", "question": "q", "answer": "yes"},
    "medmcqa": {"question": "q", "opa": "a", "opb": "b", "opc": "c", "opd": "d", "cop": 2},
    "mmlu": {"question": "q", "subject": "anatomy", "choices": ["a", "b", "c", "d"], "answer": 3},
}


@pytest.mark.parametrize("name", sorted(HUB_ROWS))
def test_hub_fallback_asks_for_the_right_dataset_and_matches_the_mirror_columns(name, mirror, monkeypatch):
    import datasets

    spec = DATASETS[name]
    subset = spec.subsets[0] if spec.subsets else None
    split = spec.splits[0]
    monkeypatch.setenv("SYNTHLIB_DATA_DIR", str(mirror))
    mirror_columns = set(load_dataset(name, split, subset=subset, max_rows=1).column_names)
    calls = []

    def fake_load(path, config=None, split=None):
        calls.append((path, config, split))
        return datasets.Dataset.from_list([HUB_ROWS[name]])

    monkeypatch.delenv("SYNTHLIB_DATA_DIR", raising=False)
    monkeypatch.setattr(datasets, "load_dataset", fake_load)
    loaded = load_dataset(name, split, subset=subset)
    expected_config = spec.hub.config.format(subset=subset) if spec.hub.config else None
    assert calls and all(c[:2] == (spec.hub.path, expected_config) for c in calls)
    assert [c[2] for c in calls] == list(spec.hub.splits[split])
    assert set(loaded.column_names) == mirror_columns  # same columns whichever source served them


def test_every_dataset_without_hub_source_says_so_in_its_notes_or_is_github_only():
    for spec in DATASETS.values():
        if spec.hub is None:
            assert spec.name in {"nl4opt", "craft_fewshots", "cnndm_sumllm", "cnndm_test100", "s3_synthetic",
                                 "wikipedia", "wikinews"}


def test_mirror_paths_fill_the_s3_pickle_name():
    assert mirror_paths(DATASETS["s3_synthetic"], "round1", "rte_pkl") == [
        "s3_official/synthetic/rte_additional-1_pkl.jsonl"]
