"""CRAFT's students: LoRA on a causal LM, scored by answer-letter log-probabilities or a judged summary.

Training goes through :func:`synthlib.students.train` (HF Trainer with its progress bar; AdamW, a
linear schedule with warm-up); the loss covers the answer tokens only. A multiple-choice test row
is shown exactly like a training sample (question, lettered options, ``Answer:``) and the predicted
option is the letter whose token is most likely next (MMLU style; nothing is generated).
"""

from __future__ import annotations

from typing import Any

from synthlib.methods.craft.tasks import CraftTask


def lora_settings(config: Any):
    """LoRA on every linear layer (paper: r 64, alpha 64, dropout 0.1, no bias)."""
    from synthlib.students.loading import LoraSettings

    return LoraSettings(r=config.lora_r, alpha=config.lora_alpha, dropout=config.lora_dropout)


def train_settings(config: Any, batch_size: int, seed: int):
    """AdamW with the paper's learning rate, weight decay and linear schedule with 10% warm-up."""
    from synthlib.students import TrainSettings

    return TrainSettings(epochs=config.epochs, learning_rate=config.learning_rate, batch_size=batch_size,
                         weight_decay=config.weight_decay, warmup_ratio=config.warmup_ratio, scheduler="linear",
                         max_length=config.max_length, seed=seed)


def fresh_student(reference: str, lora: Any = None, seed: int = 0):
    """A causal student, with LoRA adapters when ``lora`` is given."""
    from synthlib.students import load_student

    return load_student(reference, "causal", lora=lora, seed=seed)


def train_student(task: CraftTask, samples: list[dict], config: Any, batch_size: int, seed: int):
    """A fresh LoRA student trained on ``samples``; returns (student, TrainResult)."""
    import datasets

    from synthlib.students import train

    student = fresh_student(config.student, lora_settings(config), seed)
    table = datasets.Dataset.from_list([{"source": task.source(s), "target": task.target(s)} for s in samples])
    result = train(student, table, train_settings(config, batch_size, seed), inputs=("source",), target="target")
    return student, result


def mc_prompts(task: CraftTask, rows: list[dict], tokenizer) -> list[str]:
    """Test rows as the student saw its training rows: BOS where its tokenizer uses one, then the question."""
    from synthlib.metrics.multiple_choice import format_question
    from synthlib.tokens import leading_bos

    bos = leading_bos(tokenizer)
    return [bos + format_question(r["question"], r["choices"], task.letters) for r in rows]


def score_mc(student, task: CraftTask, rows: list[dict], batch_size: int = 8) -> dict[str, float]:
    """Accuracy (%) by answer-letter log-probabilities, and the rows scored."""
    from synthlib.metrics.multiple_choice import letter_logprobs, mc_accuracy

    prompts = mc_prompts(task, rows, student.tokenizer)
    logprobs = letter_logprobs(student.model, student.tokenizer, prompts, task.letters, batch_size,
                               add_special_tokens=False)
    return {"accuracy": 100 * mc_accuracy(logprobs, [int(r["label"]) for r in rows]), "test_rows": len(rows)}


def student_summaries(student, task: CraftTask, rows: list[dict], config: Any) -> list[str]:
    """The student's greedy TLDR of every test article."""
    from synthlib.students import generate_texts

    sources = [task.source({"section": r["article"][: config.document_chars]}) for r in rows]
    return [t.strip() for t in generate_texts(student, sources, max_new_tokens=config.summary_tokens,
                                              max_length=config.max_length)]


def judged(judge, rows: list[dict], candidates: list[str], config: Any) -> dict[str, float]:
    """Win rate (%) of ``candidates`` against the references, judged in both orders, ties counted half."""
    from synthlib.metrics.judge import win_rate
    from synthlib.teachers.base import Request, SamplingParams

    params = SamplingParams(max_new_tokens=8, temperature=0.0)

    def ask(prompts: list[str]) -> list[str]:
        requests = [Request(messages=({"role": "user", "content": p},), sampling=params,
                            metadata={"craft": {"step": "judge"}}) if config.chat else
                    Request(prompt=p, sampling=params, metadata={"craft": {"step": "judge"}}) for p in prompts]
        return [g.text for g in judge.generate(requests)]

    instructions = [f"Write a TLDR for the following text.\n\n{r['article'][: config.document_chars]}" for r in rows]
    result = win_rate(instructions, candidates, [r["reference"] for r in rows], ask)
    return {"win_rate": 100 * result.rate, "wins": result.wins, "losses": result.losses, "ties": result.ties,
            "test_rows": len(rows)}
