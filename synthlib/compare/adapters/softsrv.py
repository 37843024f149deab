"""SoftSRV's recipe on a classification task, driven to a token budget: a soft prompt writes new inputs,
the teacher labels them.

SoftSRV (the SoftSRV chapter) trains a soft prompt P on a frozen LLM to reproduce the task's real inputs,
samples new inputs from P(E(x_i)) at temperature 1 while cycling over them, and has the teacher answer
each one. In a cell the real inputs are the pool's (a review; a premise and its hypothesis on two
lines), the frozen LLM is the grid's teacher (SoftSRV tunes a prompt for the model that writes), and the
answer is the label, asked of the same teacher with one pool example of each class shown.

Budget: samples and labels are teacher calls, metered like every method's, in rounds until the budget
is spent: a round's samples may spend ``softsrv_sample_share`` of what is left (a sample costs its t soft
positions plus what it writes), then the round's new, parsed samples are labelled. So the budget is spent
whatever share of the samples parses. Training P reads no teacher tokens as a request would; its seconds
are the cell's teacher seconds and its steps are in the cell's note. Samples are exact-deduplicated and
13-gram decontaminated against the test inputs, as the chapter filters its questions. The final student
is S3's, as for S3, ZeroGen and CRAFT. This is SoftSRV's idea on a classification task, not the paper's
setting (generative QA, a fine-tuned causal student), which the SoftSRV chapter runs.
"""

from __future__ import annotations

import functools
import math
import random
import time
from typing import Any

from synthlib.compare.adapters.base import CellInput, CellOutput
from synthlib.compare.adapters.s3 import finish, s3_config
from synthlib.tasks.formats import OutputFormat, Segment, register_format
from synthlib.teachers.base import Request, SamplingParams
from synthlib.teachers.parsing import Parsed, ParseReport

TASKS = ("imdb", "rte", "qnli")
MIN_WORDS = 3  # a sampled text (or either line of a pair) shorter than this is not an input

#: per task: the instruction of the labelling prompt and how each text field is introduced. The first
#: line names no single label: a first line naming one is read as a request for that label
#: (``synthlib.teachers.delivery.requested_option``), and constrained decoding would write it as asked.
LABEL_PROMPTS = {
    "imdb": ("Label the sentiment of each movie review.\nLabels: positive, negative.", ("Review",)),
    "rte": ("Label each pair by whether the hypothesis follows from the premise.\n"
            "Labels: entailment (it follows), not_entailment (it does not).", ("Premise", "Hypothesis")),
    "qnli": ("Label each pair by whether the sentence answers the question.\n"
             "Labels: entailment (it answers), not_entailment (it does not).", ("Question", "Sentence")),
}
LABEL_FORMATS = {
    task: register_format(OutputFormat(
        f"label_{task}", f"the label of one {task} input", ("softsrv",), "tagged",
        (Segment("literal", text="[label] "), Segment("choice", name="label", options=options)),
        LABEL_PROMPTS[task][0] + "\n{example}"))
    for task, options in (("imdb", ("negative", "positive")), ("rte", ("entailment", "not_entailment")),
                          ("qnli", ("entailment", "not_entailment")))}
SHOT_WORDS = 40  # a shown example's text is cut to this many words: a label prompt stays a few samples long
LABEL_TOKENS = 8  # "[label] not_entailment" and no more


def frozen_reference(config: Any) -> str:
    """The model P is trained on: ``softsrv_frozen_lm``, or the grid's teacher."""
    return config.softsrv_frozen_lm or config.teacher


def unsupported(config: Any, task: str) -> str | None:
    """Why SoftSRV cannot run in this grid (it needs the weights of a local decoder), or None."""
    from synthlib.compare.scripted import REFERENCE
    from synthlib.models import TEACHER_ONLY_KINDS, model_kind

    reference = frozen_reference(config)
    if reference == REFERENCE:
        return ("SoftSRV trains a soft prompt on the teacher's weights and the scripted stand-in has none; set "
                "softsrv_frozen_lm to a local decoder (tiny-random-gpt2 in tests)")
    if model_kind(reference) in TEACHER_ONLY_KINDS:
        return (f"SoftSRV trains a soft prompt on the teacher's weights, which '{reference}' does not expose here; set "
                "softsrv_frozen_lm to a local decoder (an alias, a hub id or a path), or skip softsrv")
    return None


def _fields(task: str) -> tuple[str, ...]:
    """The task's text columns (S3's spec: ``text``, or ``text1`` and ``text2``)."""
    from synthlib.methods.s3.tasks import spec

    return spec(task).inputs


def input_text(task: str, row: dict) -> str:
    """What P learns to write for a pool row: the review, or the pair's two texts on two lines."""
    return "\n".join(" ".join(row[name].split()) for name in _fields(task))


def parse_input(task: str, text: str) -> Parsed:
    """A sampled text as a row's text fields, or a counted rejection."""
    if task == "imdb":
        review = " ".join(text.split())
        return Parsed(True, {"text": review}) if len(review.split()) >= MIN_WORDS else Parsed.reject("too short")
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    if len(lines) < 2:
        return Parsed.reject("no second line")
    if min(len(lines[0].split()), len(lines[1].split())) < MIN_WORDS:
        return Parsed.reject("too short")
    return Parsed(True, {"text1": lines[0], "text2": lines[1]})


def shown(task: str, row: dict, max_words: int = 0) -> str:
    """A row's text fields as the labelling prompt shows them, one ``Name: text`` line each (cut to
    ``max_words`` words each when given)."""
    lines = []
    for name, field_name in zip(LABEL_PROMPTS[task][1], _fields(task)):
        words = row[field_name].split()
        lines.append(f"{name}: {' '.join(words[:max_words] if max_words else words)}")
    return "\n".join(lines)


def label_request(task: str, row: dict, shots: list[dict], label_names: tuple[str, ...], index: int,
                  seed: int) -> Request:
    """Ask greedily for ``row``'s label after one shown pool example per class (order drawn per request)."""
    order = list(shots)
    random.Random(f"{seed}-{index}").shuffle(order)
    examples = "".join(f"{shown(task, s, SHOT_WORDS)}\n[label] {label_names[int(s['label'])]}\n\n" for s in order)
    prompt = f"{LABEL_PROMPTS[task][0]}\n\n{examples}{shown(task, row)}"
    sampling = SamplingParams(max_new_tokens=LABEL_TOKENS, temperature=0.0, stop=("\n",))
    return Request(prompt=prompt, sampling=sampling, sample_index=index, seed=seed, constraint=f"label_{task}",
                   metadata={"softsrv": {"step": "label", "task": task, "row": row}})


def class_shots(pool: list[dict], n_labels: int) -> list[dict]:
    """The first pool row of each class (the examples every labelling prompt shows)."""
    first: dict[int, dict] = {}
    for row in pool:
        first.setdefault(int(row["label"]), row)
    return [first[label] for label in sorted(first)][:n_labels]


@functools.lru_cache(maxsize=1)
def frozen_model(reference: str) -> tuple[Any, Any]:
    """The frozen LLM and its context encoder, loaded once per grid (every cell trains on the same one)."""
    from synthlib.softprompt.context import MeanEmbedding
    from synthlib.softprompt.frozen import load_frozen

    frozen = load_frozen(reference)
    return frozen, MeanEmbedding.of(frozen.model, frozen.tokenizer)


def train_prompt(cell: CellInput, frozen: Any, encoder: Any, targets: list[str]) -> tuple[Any, str]:
    """P for this task and seed (trained once, then loaded by the seed's other budgets) and a note on it."""
    from synthlib.methods.softsrv.method import prompt_folder
    from synthlib.methods.softsrv.synthesis import prompt_spec, trained_prompt
    from synthlib.softprompt.training import PromptTrainSettings

    c = cell.config
    spec = prompt_spec(c.softsrv_variant, c.softsrv_tokens, frozen, encoder, mlp_hidden=128, mlp_layers=3)
    settings = PromptTrainSettings(steps=c.softsrv_steps, batch_size=c.softsrv_batch_size,
                                   learning_rate=c.softsrv_lr, max_tokens=c.max_new_tokens, seed=cell.seed)
    prompt, info = trained_prompt(spec, frozen, encoder, targets, settings, prompt_folder(), progress=False)
    loss = f", loss {info.losses[0]:.2f} -> {info.losses[-1]:.2f}" if info.losses else ""
    reused = " (trained in an earlier cell of this seed)" if info.reused else ""
    note = f"soft prompt {spec.name} t={spec.tokens}, {info.parameters:,} parameters, {c.softsrv_steps} steps{loss}{reused}"
    return prompt, note


def soft_teacher(cell: CellInput, prompt: Any, frozen: Any, encoder: Any) -> Any:
    """P on its frozen LLM as a cached teacher (its samples are cached like any teacher call)."""
    from synthlib.softprompt.generation import SoftPromptTeacher
    from synthlib.teachers.cache import CachedTeacher

    return CachedTeacher(SoftPromptTeacher(prompt, frozen, encoder), cell.config.cache or None, progress=False,
                         description="softsrv")


class Inputs:
    """The samples so far, parsed and filtered as they come: exact duplicates (of any earlier sample too)
    and 13-gram overlaps with the test inputs are dropped, as the SoftSRV chapter filters its questions."""

    def __init__(self, task: str, test: list[dict]):
        from synthlib.filters import NgramDecontaminator

        self.task, self.report, self.texts, self.seen = task, ParseReport(), [], set()
        self.decontaminate = NgramDecontaminator(eval_texts=[input_text(task, r) for r in test], n=13, fields=None)

    def add(self, texts: list[str]) -> list[dict]:
        """Parse and filter new samples; the rows that survive."""
        self.texts += texts
        fresh: dict[str, dict] = {}  # input text -> row, in order
        for text in texts:
            result = parse_input(self.task, text)
            self.report.add(result)
            if result.ok and (key := input_text(self.task, result.value)) not in self.seen:
                self.seen.add(key)
                fresh[key] = result.value
        clean = set(self.decontaminate.apply(list(fresh))[0])
        return [row for key, row in fresh.items() if key in clean]


def sample_round(cell: CellInput, soft: Any, targets: list[str], start: int) -> list[str]:
    """Samples from P(E(x_i)) (x_i cycling over the pool's inputs) from index ``start`` on, as many as
    ``softsrv_sample_share`` of the budget's remainder buys; charged to the cell's meter."""
    from synthlib.compare.meter import MIN_COMPLETION, PROMPT_TOKENS, REFUSED, MeteredTeacher

    c, meter = cell.config, cell.teacher
    share = max(1, math.floor(c.softsrv_sample_share * meter.remaining))
    sampler = MeteredTeacher(soft, share)
    sampling = SamplingParams(max_new_tokens=c.max_new_tokens, temperature=1.0)
    known = {PROMPT_TOKENS: soft.teacher.prompt_length}  # the context text is not what the model reads
    requests = [Request(prompt=targets[i % len(targets)], sampling=sampling, sample_index=i, seed=cell.seed + 13,
                        metadata=known) for i in range(start, start + share // MIN_COMPLETION + 1)]  # more than fit
    try:
        return [g.text for g in sampler.generate(requests) if g.finish_reason != REFUSED]
    finally:
        meter.absorb(sampler)


def labelled(cell: CellInput, rows: list[dict], label_names: tuple[str, ...], start: int) -> list[dict]:
    """``rows`` with the teacher's label, as many as the budget pays for (request indices from ``start``)."""
    task = cell.task.name
    shots = class_shots(cell.task.pool, len(label_names))
    requests = [label_request(task, row, shots, label_names, start + i, cell.seed + 17) for i, row in enumerate(rows)]
    fmt, out = LABEL_FORMATS[task], []
    for row, generation in zip(rows, cell.teacher.generate(requests)):
        parsed = fmt.parse(generation.text)
        if parsed.ok and parsed.value.get("label") in label_names:
            out.append({**row, "label": label_names.index(parsed.value["label"])})
    return out


def sample_and_label(cell: CellInput, soft: Any, targets: list[str], label_names: tuple[str, ...]) -> tuple[Inputs, list]:
    """Rounds of sampling (a share of what is left) then labelling what survived, until the budget is spent."""
    from synthlib.compare.meter import MIN_COMPLETION

    meter, inputs, rows, asked = cell.teacher, Inputs(cell.task.name, cell.task.test), [], 0
    while meter.remaining >= MIN_COMPLETION and not meter.exhausted:
        texts = sample_round(cell, soft, targets, len(inputs.texts))
        fresh = inputs.add(texts)
        rows += labelled(cell, fresh, label_names, asked)
        asked += len(fresh)
        if not texts:
            break  # what is left does not buy one sample
    return inputs, rows


def run_softsrv(cell: CellInput) -> CellOutput:
    """Train (or load) P on the pool's inputs, then sample and label in rounds until the budget is spent."""
    from synthlib.methods.s3.method import TaskData
    from synthlib.methods.s3.tasks import spec

    config, task = s3_config(cell), cell.task.name
    data = TaskData(spec(task), cell.task.pool, cell.task.test)
    frozen, encoder = frozen_model(frozen_reference(cell.config))
    targets = [input_text(task, row) for row in cell.task.pool]
    started = time.perf_counter()
    prompt, note = train_prompt(cell, frozen, encoder, targets)
    cell.teacher.seconds += time.perf_counter() - started  # P is trained on the teacher's weights: teacher time
    inputs, rows = sample_and_label(cell, soft_teacher(cell, prompt, frozen, encoder), targets, data.task.label_names)
    cell.progress(f"softsrv: {len(inputs.texts)} samples, {inputs.report.kept} parsed, {len(inputs.seen)} distinct, "
                  f"{len(rows)} labelled")
    out = finish(cell, config, data, "softsrv", rows)
    out.generated = len(inputs.texts)
    counts = (f"{inputs.report.kept} of {len(inputs.texts)} samples parsed "
              f"({', '.join(f'{k}: {v}' for k, v in inputs.report.reasons.most_common()) or 'no rejection'}), "
              f"{len(rows)} labelled")
    out.note = "; ".join(part for part in (note, counts, out.note) if part)
    return out
