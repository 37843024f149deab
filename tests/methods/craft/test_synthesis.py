"""CRAFT's augmentation prompts and its filters, each reason counted on planted answers."""

from __future__ import annotations

import json

import pytest

from synthlib.methods.craft import CraftConfig
from synthlib.methods.craft.synthesis import augment_prompt, augment_requests, filter_rows, sample_filters
from synthlib.methods.craft.tasks import task_spec

TASK = task_spec("bioqa")


def _shot(i: int) -> dict:
    return {"text": f"FEWSHOT-TEXT-{i} cells divide and membranes carry proteins number {i}.",
            "sample": {"question": f"Which organelle number {i} makes energy in plant and animal cells?",
                       "options": ["Mitochondrion", "Ribosome", "Nucleus", "Vacuole"], "answer": "A"}}


SHOTS = [_shot(i) for i in range(8)]
CONFIG = CraftConfig(max_words=60, fewshot_chars=500, document_chars=500)


def test_prompt_holds_exactly_three_fewshots_and_the_document():
    docs = [{"id": f"d{i}", "title": "", "text": f"RETRIEVED-DOCUMENT-{i} about enzymes."} for i in range(5)]
    for req in augment_requests(TASK, SHOTS, docs, CONFIG):
        text = req.messages[-1]["content"]
        shown = [i for i in range(8) if f"FEWSHOT-TEXT-{i} " in text]
        assert len(shown) == 3
        assert text.count("Example ") == 3
        for i in shown:  # each few-shot appears as its text and then its JSON answer
            assert json.dumps(SHOTS[i]["sample"], ensure_ascii=False) in text
        doc = req.metadata["craft"]["doc_id"]
        assert f"RETRIEVED-{doc.replace('d', 'DOCUMENT-')} about enzymes." in text
        assert text.index("RETRIEVED-DOCUMENT") > max(text.index(f"FEWSHOT-TEXT-{i} ") for i in shown)
        assert text.rstrip().endswith("JSON:")
    with pytest.raises(ValueError, match="3 few-shots"):
        augment_prompt(TASK, SHOTS[:2], "a document", CONFIG)


def _answer(question: str, options=("Actin", "Myosin", "Keratin", "Collagen"), answer="B") -> str:
    return json.dumps({"question": question, "options": list(options), "answer": answer})


def test_every_filter_reason_is_counted_on_planted_answers():
    good = [_answer("Which protein slides along actin filaments when a muscle fibre contracts?"),
            _answer("Where in the chloroplast do the light reactions of photosynthesis happen?",
                    ("Stroma", "Thylakoid membrane", "Outer envelope", "Cytosol")),
            _answer("What carries amino acids to the ribosome during translation?",
                    ("Messenger RNA", "Transfer RNA", "DNA polymerase", "Lipids")),
            _answer("Which blood cells release antibodies after activation by an antigen?",
                    ("Plasma cells", "Erythrocytes", "Platelets", "Neutrophils"), "A")]
    planted = [
        good[0],                                                     # an exact duplicate of good[0] follows
        " ".join(["word"] * 80),                                     # excessive length (max_words 60)
        "I am sorry, I cannot help with that.",                      # bad JSON
        json.dumps({"question": "What is ATP?", "options": ["a", "b", "c", "d"]}),  # missing key
        _answer("Which enzyme copies DNA in replication?", answer="E"),  # bad answer label
        _answer("Which enzyme unwinds the helix?", options=("Helicase", "Ligase")),  # wrong option count
        json.dumps(SHOTS[3]["sample"]),                              # too similar to a few-shot
        _answer("Which protein slides along actin filaments when a muscle fibre contracts, mostly?"),  # near-dup
    ]
    rows = [{"output": text, "doc_id": f"d{i}"} for i, text in enumerate([*good, *planted])]
    kept, report = sample_filters(TASK, SHOTS, CONFIG).apply(rows)
    counts = report.counts()
    assert counts == {"exact_duplicate": 1, "too_long": 1, "bad_json": 1, "missing_key": 1, "bad_label": 1,
                      "bad_options": 1, "too_similar_to_fewshot": 1, "near_duplicate": 1}
    assert len(kept) == len(good) == report.n_kept
    assert all(k["answer"] in TASK.letters and len(k["options"]) == 4 for k in kept)
    assert filter_rows(report) == {"exact_duplicate": 1, "too_long": 1, "format": 4, "too_similar_to_fewshot": 1,
                                   "near_duplicate": 1}
