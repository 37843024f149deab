"""Synthetic datasets saved with a card: load_from_disk, Parquet, lineage, export, push (mocked)."""

import pandas as pd
import pytest

from synthlib.cli import main
from synthlib.config import ConfigError
from synthlib.runs.datasets import (
    DataCard,
    export,
    load_synthetic,
    push_to_hub,
    read_card,
    save_synthetic,
    source_licences,
)

LINEAGE = {"round": "round", "parent": "parent_id", "teacher_call": "request_key"}


def _card(**changes):
    values = dict(method="demo", task="rte", teacher={"backend": "scripted", "model": "teacher-x"},
                  student={"model": "tiny"}, prompts={"templates": {"T": "Write {label}."}, "example": "Write yes."},
                  sampling={"temperature": 0.9}, filters={"seed": {"total": 5, "kept": 3, "reasons": {"no tag": 2}}},
                  lineage=LINEAGE, sources=["rte", "unknown_set"])
    values.update(changes)
    return DataCard(**values)


def _rows():
    return [{"text": "Zürich is big", "label": 0, "round": 0, "parent_id": None, "request_key": "k0",
             "meta": {"a": 1}, "ids": ["p1"], "mixed": 1},
            {"text": "Σ letters", "label": 1, "round": 1, "parent_id": "p7", "request_key": "k1",
             "meta": {"b": [2]}, "ids": [], "mixed": "one"}]


def test_saved_rows_load_back_with_lineage_parquet_and_card(tmp_path):
    path = save_synthetic(tmp_path, "rte-demo", _rows(), _card())
    loaded = load_synthetic(path)
    assert loaded["text"] == ["Zürich is big", "Σ letters"] and loaded["parent_id"] == [None, "p7"]
    assert loaded["request_key"] == ["k0", "k1"] and loaded["ids"] == [["p1"], []]
    assert loaded["mixed"] == ["1", '"one"'] and loaded["meta"][0] == '{"a": 1}'  # mixed types as JSON text
    assert pd.read_parquet(path / "rte-demo.parquet")["round"].tolist() == [0, 1]
    card = read_card(path)
    meta = card["synthlib"]
    assert meta["teacher"]["model"] == "teacher-x" and meta["rows"] == 2
    assert meta["filters"]["seed"]["reasons"] == {"no tag": 2} and meta["prompts"]["example"] == "Write yes."
    assert meta["lineage_columns"] == LINEAGE and "synthetic" in card["tags"]
    assert "GLUE RTE" in meta["source_licences"]["rte"] and "not recorded" in meta["source_licences"]["unknown_set"]
    text = (path / "README.md").read_text()
    assert "no tag (2)" in text and "teacher-x" in text


def test_a_rerun_replaces_the_set_and_bad_input_fails_before_writing(tmp_path):
    save_synthetic(tmp_path, "s", _rows(), _card())
    save_synthetic(tmp_path, "s", _rows()[:1], _card())
    assert len(load_synthetic(tmp_path / "datasets" / "s")) == 1
    with pytest.raises(ConfigError, match="plain folder name"):
        save_synthetic(tmp_path, "../escape", _rows(), _card())
    with pytest.raises(ConfigError, match="lineage columns"):
        save_synthetic(tmp_path, "t", [{"text": "x", "round": 0}], _card())
    assert not (tmp_path / "datasets" / "t").exists()


def test_export_cli_copies_one_set_out(tmp_path, capsys):
    save_synthetic(tmp_path / "run", "a", _rows(), _card())
    save_synthetic(tmp_path / "run", "b", _rows(), _card())
    assert main(["export", str(tmp_path / "run"), str(tmp_path / "out")]) == 2  # two sets: must name one
    assert "name one" in capsys.readouterr().err
    assert main(["export", str(tmp_path / "run"), str(tmp_path / "out"), "--name", "b"]) == 0
    assert len(load_synthetic(tmp_path / "out")) == 2 and (tmp_path / "out" / "b.parquet").is_file()
    assert main(["export", str(tmp_path / "run"), "--list"]) == 0 and "demo" in capsys.readouterr().out
    with pytest.raises(ConfigError, match="exists"):
        export(tmp_path / "run", tmp_path / "out", "a")


def test_push_to_hub_uploads_the_card_and_parquet_with_a_token(tmp_path, monkeypatch):
    import huggingface_hub

    calls = []

    class FakeApi:
        def __init__(self, token=None):
            calls.append(("init", token))

        def create_repo(self, repo_id, **kwargs):
            calls.append(("create", repo_id, kwargs))

        def upload_folder(self, **kwargs):
            calls.append(("upload", kwargs))

    monkeypatch.setattr(huggingface_hub, "HfApi", FakeApi)
    monkeypatch.delenv("HF_TOKEN", raising=False)
    path = save_synthetic(tmp_path, "a", _rows(), _card())
    with pytest.raises(ConfigError, match="token"):
        push_to_hub(path, "me/a")
    assert calls == []
    assert push_to_hub(path, "me/a", token="hf_x") == "https://huggingface.co/datasets/me/a"
    assert calls[0] == ("init", "hf_x") and calls[1][2]["private"] is True
    upload = calls[2][1]
    assert upload["repo_id"] == "me/a" and upload["repo_type"] == "dataset"
    assert set(upload["allow_patterns"]) == {"README.md", "*.parquet"}


def test_licences_come_from_the_projects_data_folder():
    assert source_licences(["anli"]) == {"anli": "ANLI: CC BY-NC 4.0"}
