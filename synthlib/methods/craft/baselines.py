"""Self-Instruct and Evol-Instruct, seeded with the same few-shots, filtered like CRAFT's samples.

Both run in rounds. **Self-Instruct** (Wang et al., 2023): each prompt shows three samples drawn
from the pool (the seed few-shots plus every sample kept so far) and asks for a new one on another
topic. **Evol-Instruct** (Xu et al., 2023): each prompt takes one sample of the previous round's
pool and asks for a harder version (one of five in-depth operations) or a new sample in the same
domain (in-breadth). A round asks for ``retrieve_factor`` times the samples still missing; after
the last round the set may fall short of the target, which the comparison reports. Neither sees a
corpus document: that is the difference CRAFT makes.
"""

from __future__ import annotations

import json
import math
import random
from typing import Any

from synthlib.filters.base import PipelineReport
from synthlib.methods.craft.synthesis import (
    Generated,
    ask,
    instruction,
    keys_hint,
    prompt_text,
    request,
    sample_filters,
    sampling,
)
from synthlib.methods.craft.tasks import CraftTask
from synthlib.prompts import craft as prompts
from synthlib.teachers.base import Request, Teacher


def self_instruct_requests(task: CraftTask, pool: list[dict], n: int, config: Any, round_: int) -> list[Request]:
    """``n`` Self-Instruct prompts, each with three samples of ``pool``."""
    params = sampling(config, _tokens(task, config))
    out = []
    for i in range(n):
        rng = random.Random(f"{config.seed}-{task.name}-self-{round_}-{i}")
        shown = rng.sample(pool, min(3, len(pool)))
        text = prompts.SELF_INSTRUCT.format(instruction=instruction(task, "self_instruct"),
                                            examples=prompts.samples_block([_json(task, s) for s in shown]),
                                            keys=keys_hint(task, "self_instruct"))
        out.append(request(text, params, config.seed, config.chat,
                           {"step": "self_instruct", "task": task.name, "doc_id": f"self-{round_}-{i}",
                            "shots": shown}))
    return out


def evol_requests(task: CraftTask, parents: list[dict], n: int, config: Any, round_: int) -> list[Request]:
    """``n`` Evol-Instruct prompts over ``parents`` in turn, each with a random operation."""
    params = sampling(config, _tokens(task, config))
    operations = [*prompts.EVOL_DEPTH, prompts.EVOL_BREADTH]
    out = []
    for i in range(n):
        rng = random.Random(f"{config.seed}-{task.name}-evol-{round_}-{i}")
        parent = parents[i % len(parents)]
        operation = rng.choice(operations)
        text = prompts.EVOL.format(instruction=instruction(task, "evol"), sample=_json(task, parent),
                                   operation=operation, keys=keys_hint(task, "evol"))
        out.append(request(text, params, config.seed, config.chat,
                           {"step": "evol_instruct", "task": task.name, "doc_id": f"evol-{round_}-{i}",
                            "shots": [parent], "operation": operation}))
    return out


def generate(kind: str, task: CraftTask, shots: list[dict], target: int, teacher: Teacher, config: Any) -> Generated:
    """``target`` samples (or fewer, after ``evol_rounds``) of ``kind`` (self_instruct or evol_instruct)."""
    seeds = [s["sample"] for s in shots]
    filters = sample_filters(task, shots, config)
    candidates: list[dict] = []
    kept: list[dict] = []
    report = PipelineReport([])
    parents, asked, example = seeds, 0, ""
    for round_ in range(config.evol_rounds):
        missing = target - len(kept)
        if missing <= 0:
            break
        n = math.ceil(missing * config.retrieve_factor)
        if kind == "self_instruct":
            requests = self_instruct_requests(task, seeds + kept, n, config, round_)
        else:
            requests = evol_requests(task, parents, n, config, round_)
        asked += n
        example = example or prompt_text(requests[0])
        fresh = ask(teacher, requests, {"origin": kind})
        candidates += fresh
        kept, report = filters.apply(candidates)  # all candidates so far: duplicates across rounds count too
        new = [s for s in kept if s.get("doc_id", "").startswith(f"{kind.split('_')[0]}-{round_}-")]
        parents = new or parents
    return Generated(kept[:target], report, asked=asked, extra={"short_by": max(0, target - len(kept)), "example": example})


def _json(task: CraftTask, sample: dict) -> str:
    return json.dumps({k: sample[k] for k in task.keys() if k in sample}, ensure_ascii=False)


def _tokens(task: CraftTask, config: Any) -> int:
    return config.max_new_tokens if task.is_mc else config.summary_max_new_tokens
