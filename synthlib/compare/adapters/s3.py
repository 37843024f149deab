"""S3 and ZeroGen through S3's own functions (``synthlib.methods.s3``), driven to a token budget.

**S3**: the seed synthesis gets ``s3_seed_share`` of the budget (grown until that share is spent),
then error-extrapolation rounds run one at a time (the loop resumes from disk each time) until the
budget is spent, the sample cap is reached, a round asks for nothing (no errors), or
``s3_max_rounds`` rounds ran. Each round asks for enough samples per error to spread what is left
over the rounds left (:class:`BudgetedExtrapolation`), so S3 spends its budget in its rounds. **ZeroGen**: S3's plain zero-shot prompts, grown until the budget is
spent. The final student is S3's, trained for exactly the budget's steps.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from synthlib.compare.adapters.base import TOO_FEW, CellInput, CellOutput, grow, trainable

TASKS = ("imdb", "rte", "qnli", "adversarial_qa")


def unsupported(config: Any, task: str) -> str | None:
    """Why S3 (or ZeroGen, on S3's prompts) cannot run ``task`` with this grid's students, or None."""
    if task == "adversarial_qa":
        from synthlib.methods.gold.method import text_mode

        if text_mode(config.qa_student) == "causal":
            return (f"S3's QA student extracts or writes answers with an encoder or a seq2seq model, not the causal "
                    f"LM '{config.qa_student}'; set qa_student to a seq2seq model such as tiny-random-t5")
    return None


def s3_config(cell: CellInput) -> Any:
    """An S3Config for this cell (one task, the grid's teacher and students, the cell's seed)."""
    from synthlib.methods.s3 import S3Config

    c = cell.config
    return S3Config(profile=c.profile, seed=cell.seed, teacher=c.teacher, student=c.student, qa_student=c.qa_student,
                    tasks=[cell.task.name], seed_size=8, rounds=1, samples_per_error=c.s3_samples_per_error,
                    k_rationales=c.s3_k_rationales, k_draw=min(2, c.s3_k_rationales), probe_rows=len(cell.task.pool),
                    test_rows=len(cell.task.test), temperature=c.temperature, top_p=c.top_p,
                    max_new_tokens=c.max_new_tokens, epochs=c.loop_epochs, learning_rate=c.learning_rate,
                    batch_size=c.batch_size, max_length=c.max_length, replication=False)


def run_s3(cell: CellInput) -> CellOutput:
    """S3: seed within its share of the budget, then EES rounds until the budget is spent."""
    from synthlib.methods.s3.method import TaskData, make_seed
    from synthlib.methods.s3.tasks import spec

    config, meter, cap = s3_config(cell), cell.teacher, cell.budget.samples
    data = TaskData(spec(cell.task.name), cell.task.pool, cell.task.test)
    with meter.cap(math.floor(cell.config.s3_seed_share * meter.limit)):
        seed_target = math.ceil(cap * cell.config.s3_seed_share) if cap else 0
        seed_rows = grow(lambda n: make_seed(data, meter, n, config), meter, seed_target)
    rows = list(seed_rows)
    for rounds in range(1, cell.config.s3_max_rounds + 1):
        if meter.exhausted or (cap and len(rows) >= cap) or len(seed_rows) < 2:
            break
        loop = _loop(cell, config, data).run(seed_rows, rounds)  # resumes after the rounds already on disk
        rows = loop.rows
        if loop.rounds and loop.rounds[-1]["requests"] == 0:
            break  # no probe errors left to extrapolate
    return finish(cell, config, data, "s3", rows)


def _loop(cell: CellInput, config: Any, data: Any) -> Any:
    """S3's feedback loop (as ``methods.s3.method.run_loop`` builds it) with budget-sized EES prompts."""
    from synthlib.loop import FeedbackLoop, MisclassifiedSelector
    from synthlib.methods.s3 import synthesis
    from synthlib.methods.s3.method import default_learner

    sampling = synthesis.Sampling(temperature=config.temperature, top_p=config.top_p,
                                  max_new_tokens=config.max_new_tokens)
    prompts = synthesis.ExtrapolationPrompts(data.task, sampling, seed=config.seed,
                                             samples_per_error=config.samples_per_error)
    return FeedbackLoop(cell.teacher, default_learner(data.task, config), MisclassifiedSelector(),
                        BudgetedExtrapolation(prompts, cell), synthesis.part_parser(data.task, plain=False),
                        data.probe, cell.work_dir / "s3", progress=cell.progress)


class BudgetedExtrapolation:
    """S3's EES prompts, with the samples per error chosen once the round's errors are known.

    Round k of at most R gets ``remaining / (R - k + 1)`` tokens: samples per error = that share
    over (errors x mean cost of a request so far), never fewer than ``s3_samples_per_error``. The
    requests go out sample-major (every error's first sample, then every error's second ...), so
    when the meter cuts the round at the budget the cut spreads over all errors.
    """

    def __init__(self, prompts: Any, cell: CellInput):
        self.prompts, self.cell = prompts, cell

    def build(self, parents: list[dict], round_index: int) -> list:
        """The round's requests for ``parents`` (the misclassified probe rows)."""
        meter, config = self.cell.teacher, self.cell.config
        rounds_left = max(1, config.s3_max_rounds - round_index + 1)
        per_request = meter.spent / meter.calls if meter.calls else float(config.max_new_tokens)
        wanted = meter.remaining / (rounds_left * max(1, len(parents)) * max(1.0, per_request))
        self.prompts.samples_per_error = max(config.s3_samples_per_error, math.ceil(wanted))
        return sorted(self.prompts.build(parents, round_index), key=lambda request: request.sample_index)


def run_zerogen(cell: CellInput) -> CellOutput:
    """ZeroGen: S3's plain zero-shot prompts, grown until the budget is spent."""
    from synthlib.methods.s3.method import TaskData
    from synthlib.methods.s3.synthesis import Sampling, seed_plain
    from synthlib.methods.s3.tasks import spec

    config, meter = s3_config(cell), cell.teacher
    data = TaskData(spec(cell.task.name), cell.task.pool, cell.task.test)
    sampling = Sampling(temperature=config.temperature, top_p=config.top_p, max_new_tokens=config.max_new_tokens)
    rows = grow(lambda n: seed_plain(data.task, meter, n, sampling, config.seed + 7)[0], meter, cell.budget.samples)
    return finish(cell, config, data, "zerogen", rows)


def finish(cell: CellInput, config: Any, data: Any, method: str, rows: list[dict]) -> CellOutput:
    """Cap the rows, train S3's final student for exactly the budget's steps, score the test rows."""
    from synthlib.methods.s3.method import train_and_score

    kept = cell.budget.cap_rows(rows)
    if not trainable(kept, data.task.is_classification):
        return CellOutput(kept, len(rows), note=TOO_FEW)
    data.sets = {method: kept}
    final = dataclasses.replace(config, epochs=cell.budget.epochs_for(len(kept), config.batch_size))
    scored = train_and_score(data, final, cell.progress)[0]
    scores = {k: float(v) for k, v in scored.items() if k in ("accuracy", "exact_match", "f1")}
    if "macro_f1" in scored:
        scores["macro_f1"] = 100 * float(scored["macro_f1"])  # S3 reports it as a fraction, GOLD in percent
    return CellOutput(kept, len(rows), scores, note=scored.get("note", ""))
