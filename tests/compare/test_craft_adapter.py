"""CRAFT's recipe on RTE: premises cut from retrieved documents, hypotheses from the teacher."""

from __future__ import annotations

import pytest

from synthlib.compare.adapters.craft import premise_of, retrieved_premises


def test_a_premise_is_the_opening_whole_sentences_that_fit():
    text = "Die Brücke in  Köln wurde 1911 eröffnet.\tShe carries trains across the Rhine every day. " \
           "A third sentence that would push the premise over its word limit goes here."
    assert premise_of(text, 16) == "Die Brücke in Köln wurde 1911 eröffnet. She carries trains across the Rhine every day."
    assert premise_of(text, 7) == "Die Brücke in Köln wurde 1911 eröffnet."
    assert premise_of("no sentence end here but many words to cut", 4) == "no sentence end here"  # none fits whole
    assert premise_of("", 10) == ""


@pytest.mark.slow
def test_premises_come_from_documents_retrieved_for_the_pools_premises(use_mirror, tiny_config):
    from synthlib.compare.adapters.base import CellInput
    from synthlib.compare.tasks import load_task

    config = tiny_config(methods=["craft"], craft_documents=12, craft_premise_words=30)
    task = load_task("rte", config.pool_rows, config.test_rows, config.seed)
    premises = retrieved_premises(CellInput(task, 0, None, None, None, config))
    ids = [p["document"] for p in premises]
    assert 0 < len(premises) <= 12 and len(set(ids)) == len(ids)
    assert all(4 <= len(p["text1"].split()) <= 30 for p in premises)
    pool_texts = {row["text1"] for row in task.pool}
    assert not pool_texts & {p["text1"] for p in premises}  # corpus text, not the task's own premises
