"""CRAFT's recipe on a pair task, driven to a token budget: retrieve human-written text, let the teacher
write the rest.

CRAFT (the CRAFT chapter) retrieves corpus documents that look like the task's few-shots and has the
teacher rewrite each into a task sample. On RTE the natural rewrite keeps the human-written part: the
opening sentences of a retrieved document become the premise, and the teacher writes a hypothesis with a
requested label, exactly as S3's context prompts do for a probe premise
(:func:`synthlib.methods.s3.synthesis.seed_from_contexts`). The few-shots are the pool's first
``craft_fewshots`` premises; the corpus store is the one of the profile's CRAFT chapter (same recipe, so
the same cached store). Requests grow until the budget is spent; the final student is S3's, as for S3
and ZeroGen. This is CRAFT's retrieve-then-rewrite idea on a classification task, not the paper's
setting (multiple-choice QA, a LoRA student): the CRAFT chapter runs that.
"""

from __future__ import annotations

import functools
from typing import Any

from synthlib.compare.adapters.base import CellInput, CellOutput, grow
from synthlib.compare.adapters.s3 import finish, s3_config

TASKS = ("rte",)


def unsupported(config: Any, task: str) -> str | None:
    """CRAFT-style retrieval runs every task in :data:`TASKS` with any classifier student."""
    return None


def premise_of(text: str, max_words: int) -> str:
    """The opening whole sentences of ``text`` that fit in ``max_words`` (its first words when none fits)."""
    from synthlib.tasks.examples import sentences, words

    kept: list[str] = []
    for sentence in sentences(text, low=4, high=max_words):
        if len(" ".join([*kept, sentence]).split()) > max_words:
            break
        kept.append(sentence)
    return " ".join(kept) or words(text, max_words)


def retrieved_premises(cell: CellInput) -> list[dict]:
    """Premises from corpus documents retrieved for the pool's first few-shots (CRAFT's mixed search)."""
    c = cell.config
    shots = tuple(row["text1"] for row in cell.task.pool[:c.craft_fewshots])
    return list(_premises(c.profile, shots, c.craft_documents, c.craft_premise_words))


@functools.lru_cache(maxsize=4)
def _premises(profile: str, shots: tuple[str, ...], n_docs: int, max_words: int) -> tuple[dict, ...]:
    """The search behind :func:`retrieved_premises`, once per grid and task: every seed and budget of a
    task shares its pool, so its cells share the documents (and the encoder is loaded once)."""
    from synthlib.methods.craft import CraftConfig
    from synthlib.methods.craft.retrieval import embed_texts, open_store, retrieve

    store_config = CraftConfig.from_profile(profile)
    documents = retrieve(open_store(store_config), embed_texts(store_config, list(shots)), n_docs, store_config)
    premises = ({"text1": premise_of(d["text"], max_words), "document": d["id"]} for d in documents)
    return tuple(p for p in premises if len(p["text1"].split()) >= 4)


def run_craft(cell: CellInput) -> CellOutput:
    """Retrieve documents once, then ask for hypotheses on their premises until the budget is spent."""
    from synthlib.methods.s3.method import TaskData
    from synthlib.methods.s3.synthesis import Sampling, seed_from_contexts
    from synthlib.methods.s3.tasks import spec

    config, meter = s3_config(cell), cell.teacher
    data = TaskData(spec(cell.task.name), cell.task.pool, cell.task.test)
    pool = retrieved_premises(cell)
    cell.progress(f"craft: {len(pool)} premises from retrieved documents")
    sampling = Sampling(temperature=config.temperature, top_p=config.top_p, max_new_tokens=config.max_new_tokens)
    rows = grow(lambda n: seed_from_contexts(data.task, meter, n, pool, sampling, config.seed + 11)[0], meter,
                cell.budget.samples)
    return finish(cell, config, data, "craft", rows)
