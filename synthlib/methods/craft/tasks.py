"""CRAFT's tasks offline: few-shots, the sample format, honest test sets and in-domain human data.

A *sample* is what the teacher writes and the student learns:

* multiple choice (BioQA, MedQA, CSQA): ``{"question", "options": [...], "answer": "A"}``;
* summarization: ``{"section", "summary"}``.

Test rows are ``{"question", "choices", "label"}`` (MC) or ``{"article", "reference"}``.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from synthlib.metrics.multiple_choice import format_question

MMLU_BIOLOGY = ("high_school_biology", "college_biology", "medical_genetics", "anatomy")
_OPTION = re.compile(r"^\s*([A-D])[.)]\s*(.*)$")
TLDR_PROMPT = "Write a TLDR for the following text.\n\n{text}\nTLDR:"


@dataclass(frozen=True)
class CraftTask:
    """One CRAFT task: its kind, answer letters and where its data come from."""

    name: str
    kind: str  # "mc" or "summarization"
    letters: tuple[str, ...] = ()
    test_note: str = ""
    in_domain_note: str = ""

    @property
    def is_mc(self) -> bool:
        """Multiple choice (scored by answer-letter log-probabilities)."""
        return self.kind == "mc"

    def keys(self) -> dict[str, str]:
        """The JSON keys the teacher must return, with their types."""
        if self.is_mc:
            return {"question": "str", "options": "list", "answer": "str"}
        return {"section": "str", "summary": "str"}

    def text(self, sample: dict) -> str:
        """The sample as one text (for filters and contamination)."""
        if self.is_mc:
            return "\n".join([str(sample["question"]), *map(str, sample["options"])])
        return f"{sample['section']}\n{sample['summary']}"

    def source(self, sample: dict) -> str:
        """What the student reads: the question with lettered options, or the TLDR instruction."""
        if self.is_mc:
            return format_question(str(sample["question"]), [str(o) for o in sample["options"]], self.letters)
        return TLDR_PROMPT.format(text=sample["section"])

    def target(self, sample: dict) -> str:
        """What the student learns to write: the answer letter, or the summary."""
        return str(sample["answer"]) if self.is_mc else str(sample["summary"])


TASKS = {
    "bioqa": CraftTask("bioqa", "mc", ("A", "B", "C", "D"),
                       test_note="MMLU test, biology subjects (CRAFT's BioQA test, ScienceQA biology, is not in "
                                 "the mirror; the paper reports these MMLU subjects as its out-of-domain check)",
                       in_domain_note="none: ScienceQA (the paper's in-domain set) is not in the mirror"),
    "medqa": CraftTask("medqa", "mc", ("A", "B", "C", "D"),
                       test_note="MedMCQA validation (CRAFT's MedQA test set)",
                       in_domain_note="none: the mirror holds only MedMCQA's validation split"),
    "csqa": CraftTask("csqa", "mc", ("A", "B"),
                      test_note="CommonsenseQA 2.0 dev (the same 2,541 yes/no questions CRAFT tests on)",
                      in_domain_note="CommonsenseQA 2.0 train (9,264 rows, disjoint from dev)"),
    "summarization": CraftTask("summarization", "summarization",
                               test_note="100 CNN/DailyMail test articles; reference = GPT-4's summary (SumLLM), "
                                         "not the human highlights CRAFT compares with",
                               in_domain_note="CNN/DailyMail train articles with GPT-4 summaries (SumLLM, 1,000)"),
}


def task_spec(name: str) -> CraftTask:
    """The task named ``name``."""
    return TASKS[name]


def fewshots(task: CraftTask, n: int) -> list[dict]:
    """The first ``n`` of CRAFT's 32 human-written few-shots (8-shot = the first 8), each with its sample."""
    from synthlib.data import load_dataset

    rows = list(load_dataset("craft_fewshots", "train", subset=task.name))[:n]
    return [{"text": r["text"], "sample": fewshot_sample(task, r)} for r in rows]


def fewshot_sample(task: CraftTask, row: dict) -> dict:
    """A few-shot's instruction and output as a sample (question/options/answer, or section/summary)."""
    if not task.is_mc:
        _, _, section = row["instruction"].partition("\n\n")
        return {"section": section.strip() or row["instruction"], "summary": row["output"].strip()}
    question, options = [], []
    for line in row["instruction"].splitlines():
        match = _OPTION.match(line)
        if match and (options or len(question)):
            options.append(match.group(2).strip())
        elif options:
            options[-1] += " " + line.strip()
        else:
            question.append(line)
    answer = row["output"].strip().rstrip(".").strip()
    lowered = [o.lower().rstrip(".") for o in options]
    if answer not in task.letters and answer.lower() in lowered:  # one CSQA few-shot answers "No." not "B."
        answer = task.letters[lowered.index(answer.lower())]
    return {"question": "\n".join(question).strip(), "options": options, "answer": answer}


def test_rows(task: CraftTask, rows: int, seed: int, subjects: tuple[str, ...] = MMLU_BIOLOGY) -> list[dict]:
    """The task's test rows: all, or ``rows`` drawn with ``seed`` (the same draw for every method)."""
    from synthlib.data import load_dataset

    if task.name == "bioqa":
        data = [dict(r) for s in subjects for r in load_dataset("mmlu", "test", subset=s)]
    elif task.name == "medqa":
        data = [dict(r) for r in load_dataset("medmcqa", "validation")]
    elif task.name == "csqa":
        data = [{"question": r["question"], "choices": ["Yes", "No"], "label": 0 if r["label"] == 1 else 1}
                for r in load_dataset("csqa2", "validation")]
    else:
        data = [{"article": r["article"], "reference": r["summary_gpt4"]} for r in load_dataset("cnndm_test100", "test")]
    return _draw(data, rows, seed)


def in_domain(task: CraftTask, rows: int, seed: int) -> list[dict] | None:
    """Human-written in-domain samples disjoint from the test set, or None where the mirror has none."""
    from synthlib.data import load_dataset

    if task.name == "csqa":
        data = [{"question": r["question"], "options": ["Yes", "No"], "answer": "A" if r["label"] == 1 else "B"}
                for r in load_dataset("csqa2", "train")]
    elif task.name == "summarization":
        data = [{"section": r["article"], "summary": r["summary"]}
                for r in load_dataset("cnndm_sumllm", "train", subset="gpt4")]
    else:
        return None
    return _draw(data, rows, seed)


def test_texts(task: CraftTask, rows: list[dict]) -> list[str]:
    """The test rows as texts (for contamination)."""
    if task.is_mc:
        return ["\n".join([r["question"], *r["choices"]]) for r in rows]
    return [r["article"] for r in rows]


def _draw(data: list[dict], rows: int, seed: int) -> list[dict]:
    if not rows or rows >= len(data):
        return data
    picked = sorted(random.Random(seed).sample(range(len(data)), rows))
    return [data[i] for i in picked]
