"""Readers that turn mirror files (and hub rows) into rows with the project's normalised columns.

Conventions shared by every dataset (documented per dataset in :mod:`synthlib.data.catalog`):

* single-text classification: ``text``, ``label``;
* sentence-pair classification: ``text1``, ``text2``, ``label``;
* extractive QA: ``id``, ``context``, ``question``, ``answers`` = {``text``: [...], ``answer_start``: [...]};
* multiple choice: ``question``, ``choices`` (list of option texts, letter prefixes removed), ``label``;
* labels are integers; their names live in the dataset's ``ClassLabel`` feature.

Only the standard library is used here, so the catalog can import these names cheaply.
"""

from __future__ import annotations

import ast
import csv
import gzip
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

Row = dict[str, Any]


# -- raw file access ----------------------------------------------------------------------------

def open_text(path: Path) -> io.TextIOBase:
    """Open a text file, transparently gunzipping ``.gz`` and dropping a UTF-8 BOM."""
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig")
    return path.open(encoding="utf-8-sig")


def iter_jsonl(path: Path) -> Iterator[Row]:
    """Yield one dict per non-empty line."""
    with open_text(path) as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def read_tsv(path: Path) -> list[Row]:
    """Read a GLUE-style TSV with a header row; quotes are literal characters, not delimiters."""
    with open_text(path) as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


# -- per-family readers: (paths, split, subset) -> rows ------------------------------------------

def sst2(paths: list[Path], split: str, subset: str | None) -> list[Row]:
    return [{"text": r["sentence"].strip(), "label": int(r["label"])} for r in read_tsv(paths[0])]


def glue_pair(label_names: tuple[str, ...]):
    """Reader for GLUE pair tasks with ``sentence1``/``sentence2`` columns (RTE, WNLI)."""
    def read(paths: list[Path], split: str, subset: str | None) -> list[Row]:
        rows = []
        for r in read_tsv(paths[0]):
            label = r["label"]
            rows.append({"text1": r["sentence1"], "text2": r["sentence2"],
                         "label": int(label) if label.isdigit() else label_names.index(label)})
        return rows
    return read


def mrpc(paths: list[Path], split: str, subset: str | None) -> list[Row]:
    return [{"text1": r["#1 String"], "text2": r["#2 String"], "label": int(r["Quality"])}
            for r in read_tsv(paths[0])]


def qnli(paths: list[Path], split: str, subset: str | None) -> list[Row]:
    # The S3 release names the sentence "premise"; GLUE calls it "sentence" and puts the question first.
    return [{"text1": r["question"], "text2": r["premise"], "label": int(r["label"])} for r in iter_jsonl(paths[0])]


ANLI_LABELS = {"e": 0, "n": 1, "c": 2}


def anli(paths: list[Path], split: str, subset: str | None) -> list[Row]:
    return [{"uid": r["uid"], "text1": r["context"], "text2": r["hypothesis"], "label": ANLI_LABELS[r["label"]],
             "reason": r.get("reason", "")} for r in iter_jsonl(paths[0])]


def imdb(paths: list[Path], split: str, subset: str | None) -> list[Row]:
    return [{"text": r["text"], "label": int(r["label"])} for r in iter_jsonl(paths[0])]


def boolq(paths: list[Path], split: str, subset: str | None) -> list[Row]:
    # this copy stores the label as the strings "true"/"false"
    return [{"question": r["question"], "passage": r["passage"], "label": int(str(r["label"]).lower() == "true")}
            for r in iter_jsonl(paths[0])]


def squad(paths: list[Path], split: str, subset: str | None) -> list[Row]:
    with open_text(paths[0]) as handle:
        articles = json.load(handle)["data"]
    rows = []
    for article in articles:
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                rows.append({"id": qa["id"], "title": article["title"], "context": paragraph["context"],
                             "question": qa["question"],
                             "answers": {"text": [a["text"] for a in qa["answers"]],
                                         "answer_start": [a["answer_start"] for a in qa["answers"]]}})
    return rows


def adversarial_qa(paths: list[Path], split: str, subset: str | None) -> list[Row]:
    return [{"id": r["id"], "context": r["context"], "question": r["question"],
             "answers": {"text": [r["answer"]], "answer_start": [int(r["start_idx"])]}}
            for r in iter_jsonl(paths[0])]


def svamp(paths: list[Path], split: str, subset: str | None) -> list[Row]:
    with open_text(paths[0]) as handle:
        problems = json.load(handle)
    return [_svamp_row(p) for p in problems]


def _svamp_row(p: Row) -> Row:
    return {"id": p["ID"], "body": p["Body"].strip(), "question": p["Question"].strip(),
            "equation": p["Equation"].strip(), "answer": float(p["Answer"]), "type": p["Type"]}


def nl4opt(paths: list[Path], split: str, subset: str | None) -> list[Row]:
    rows = []
    for record in iter_jsonl(paths[0]):
        for key, item in record.items():
            rows.append({"id": key, "document": item["document"],
                         "vars": _literal(item["vars"]), "params": _literal(item["params"]),
                         "objective": json.dumps(_literal(item["obj_declaration"])),
                         "constraints": json.dumps(_literal(item["const_declarations"]))})
    return rows


def _literal(value: Any) -> Any:
    # NL4OPT stores nested structures as Python reprs inside JSON strings
    return ast.literal_eval(value) if isinstance(value, str) else value


GSM8K_ANSWER = re.compile(r"####\s*(.+)\s*$")


def gsm8k(paths: list[Path], split: str, subset: str | None) -> list[Row]:
    return [gsm8k_row(r) for r in iter_jsonl(paths[0])]


def gsm8k_row(r: Row) -> Row:
    """Split the worked solution from the final numeric answer after ``####``."""
    match = GSM8K_ANSWER.search(r["answer"])
    final = match.group(1).replace(",", "").strip() if match else ""
    return {"question": r["question"], "answer": r["answer"], "final_answer": final}


MBPP_SPLITS = {"prompt": (1, 10), "test": (11, 510), "validation": (511, 600), "train": (601, 974)}


def mbpp(paths: list[Path], split: str, subset: str | None) -> list[Row]:
    low, high = MBPP_SPLITS[split]
    return [mbpp_row(r) for r in iter_jsonl(paths[0]) if low <= int(r["task_id"]) <= high]


def mbpp_row(r: Row) -> Row:
    return {"task_id": int(r["task_id"]), "text": r["text"], "code": r["code"].replace("\r\n", "\n"),
            "test_list": list(r["test_list"]), "test_setup_code": r.get("test_setup_code", ""),
            "challenge_test_list": list(r.get("challenge_test_list") or [])}


def csqa2(paths: list[Path], split: str, subset: str | None) -> list[Row]:
    return [csqa2_row(r) for r in iter_jsonl(paths[0])]


def csqa2_row(r: Row) -> Row:
    return {"id": r["id"], "question": r["question"], "label": int(str(r["answer"]).lower() == "yes")}


LETTER_PREFIX = re.compile(r"^\s*[A-Da-d][.)]\s*")


def medmcqa(paths: list[Path], split: str, subset: str | None) -> list[Row]:
    return [{"question": r["question"], "choices": [LETTER_PREFIX.sub("", c) for c in r["choices"]],
             "label": int(r["answer"])} for r in iter_jsonl(paths[0])]


def mmlu(paths: list[Path], split: str, subset: str | None) -> list[Row]:
    rows = []
    for path in paths:
        subject = path.name.rsplit("_", 1)[0]
        with open_text(path) as handle:
            for r in csv.DictReader(handle):
                rows.append({"subject": subject, "question": r["question"],
                             "choices": [r[f"choice{i}"] for i in range(4)], "label": int(r["answer"])})
    return rows


def craft_fewshots(paths: list[Path], split: str, subset: str | None) -> list[Row]:
    return [{"task": subset, "text": r["Text"], "instruction": r["Instruction"], "output": r["Output"]}
            for r in iter_jsonl(paths[0])]


def cnndm_sumllm(paths: list[Path], split: str, subset: str | None) -> list[Row]:
    return [{"article": r["article"], "summary": r["abstract"], "teacher": subset} for r in iter_jsonl(paths[0])]


CNNDM_TEST100_MODELS = ("gpt4", "chatgpt", "gpt3d3", "gpt3d2", "alpaca")


def cnndm_test100(paths: list[Path], split: str, subset: str | None) -> list[Row]:
    with open_text(paths[0]) as handle:
        articles = [line.rstrip("\n") for line in handle]
    outputs = {}
    for model, path in zip(CNNDM_TEST100_MODELS, paths[1:]):
        with open_text(path) as handle:
            outputs[model] = [line.rstrip("\n") for line in handle]
    return [{"article": a, **{f"summary_{m}": outputs[m][i] for m in CNNDM_TEST100_MODELS}}
            for i, a in enumerate(articles)]


def s3_synthetic(paths: list[Path], split: str, subset: str | None) -> list[Row]:
    rows = []
    for r in iter_jsonl(paths[0]):
        if "text1" in r:
            rows.append({"text1": r["text1"], "text2": r["text2"], "label": int(r["label"])})
        else:
            rows.append({"text": r["text"], "label": int(r["label"])})
    return rows


def corpus(paths: list[Path], split: str, subset: str | None) -> list[Row]:
    return [{"id": str(r["id"]), "title": r.get("title", ""), "text": r["text"]} for r in iter_jsonl(paths[0])]


# -- hub row normalisers: hub row -> project row -------------------------------------------------

def hub_pair(first: str, second: str):
    """Normaliser for hub pair datasets whose text columns are ``first`` and ``second``."""
    def norm(r: Row) -> Row:
        return {"text1": r[first], "text2": r[second], "label": int(r["label"])}
    return norm


def hub_medmcqa(r: Row) -> Row:
    return {"question": r["question"], "choices": [r["opa"], r["opb"], r["opc"], r["opd"]], "label": int(r["cop"])}


def hub_mmlu(r: Row) -> Row:
    return {"subject": r["subject"], "question": r["question"], "choices": list(r["choices"]), "label": int(r["answer"])}


def hub_boolq(r: Row) -> Row:
    return {"question": r["question"], "passage": r["passage"], "label": int(bool(r["answer"]))}


def hub_anli(r: Row) -> Row:
    return {"uid": r["uid"], "text1": r["premise"], "text2": r["hypothesis"], "label": int(r["label"]),
            "reason": r.get("reason", "")}


def hub_sst2(r: Row) -> Row:
    return {"text": r["sentence"].strip(), "label": int(r["label"])}


def hub_text(r: Row) -> Row:
    return {"text": r["text"], "label": int(r["label"])}


def hub_select(*columns: str):
    """Normaliser keeping only ``columns`` of a hub row (drops hub-only metadata)."""
    def norm(r: Row) -> Row:
        return {c: r[c] for c in columns}
    return norm
