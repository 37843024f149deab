"""SoftSRV's three tasks offline: target questions, test rows, student formats, answer parsing, scores.

==========  ==========================================  ===========================================
task        targets (the soft prompt learns these)      test set and metric
==========  ==========================================  ===========================================
gsm8k       GSM8K train questions                       GSM8K test: pass@1 by final-number match
mbpp        MBPP train questions (task_id 601-974)      MBPP test (11-510): pass@1, run in the sandbox
boolq       passage + question, a slice of BoolQ dev    a disjoint slice of BoolQ dev: accuracy
==========  ==========================================  ===========================================

BoolQ has no train split offline (``SOURCES.md``), so a seeded half of the 3,270 dev rows plays
the train fold and the other half the test set. As in the paper, a BoolQ sample is a *passage and
its question*: the passage is part of what the soft prompt learns to write, not a given context.
A student sees ``Question: ...\\nAnswer:`` and writes the answer (GSM8K: a worked solution ending
in a number; MBPP: a function, shown the first test assert so that it knows the function's name,
as the usual MBPP prompt does; BoolQ: ``true``/``false``, scored by which word it finds likelier).
"""

from __future__ import annotations

import ast
import random
import re
from dataclasses import dataclass

from synthlib.teachers.parsing import Parsed, parse_label, parse_number

TASKS = ("gsm8k", "mbpp", "boolq")
BOOL_WORDS = ("false", "true")  # label 0, 1
_CODE_BLOCK = re.compile(r"```(?:python|py)?\s*\n(.*?)(?:```|$)", re.S)


@dataclass
class TaskData:
    """Targets (train questions with their real answers) and test rows of one task."""

    name: str
    train: list[dict]  # {"question", "answer"}: the real (question, answer) pairs
    test: list[dict]  # {"question", "prompt", ...}: prompt = what the student is shown

    @property
    def targets(self) -> list[str]:
        """The training questions, the soft prompt's targets."""
        return [row["question"] for row in self.train]


def load_task(task: str, train_rows: int, test_rows: int, seed: int) -> TaskData:
    """Seeded subsamples (0 = all) of the task's train fold and test set."""
    from synthlib.data import load_dataset

    if task not in TASKS:
        raise ValueError(f"unknown SoftSRV task '{task}'; use one of {', '.join(TASKS)}")
    if task == "gsm8k":
        train = [{"question": r["question"], "answer": _gsm8k_solution(r["answer"])} for r in load_dataset("gsm8k", "train")]
        test = [{"question": r["question"], "final": r["final_answer"]} for r in load_dataset("gsm8k", "test")]
    elif task == "mbpp":
        train = [{"question": r["text"], "answer": r["code"]} for r in load_dataset("mbpp", "train")]
        test = [{"question": r["text"], "tests": r["test_list"], "setup": r["test_setup_code"]}
                for r in load_dataset("mbpp", "test")]
    else:
        rows = [{"question": boolq_sample(r["passage"], r["question"]), "answer": BOOL_WORDS[r["label"]],
                 "label": r["label"]} for r in load_dataset("boolq", "validation")]
        random.Random(seed).shuffle(rows)
        train, test = rows[: len(rows) // 2], rows[len(rows) // 2:]
    train, test = _take(train, train_rows, seed), _take(test, test_rows, seed)
    for row in test:
        row["prompt"] = student_prompt(task, row["question"], row.get("tests"))
    return TaskData(task, train, test)


def boolq_sample(passage: str, question: str) -> str:
    """A BoolQ sample as one text: the passage, then the question."""
    question = question.strip()
    return f"{passage.strip()}\nQuestion: {question[0].upper() + question[1:]}?"


def student_prompt(task: str, question: str, tests: list[str] | None = None) -> str:
    """What the student sees (training and test): the question, for MBPP with its first test assert."""
    if task == "mbpp" and tests:
        question = f"{question}\nYour code should pass this test: {tests[0]}"
    return f"Question: {question.strip()}\nAnswer:"


def parse_answer(task: str, text: str) -> Parsed:
    """The student's training target from a teacher answer, or the reason it is unusable.

    GSM8K: the text, which must end in a number (``no number``); MBPP: the first code block (or
    the whole text) when it parses as Python with a ``def`` (``no function``, ``syntax error``;
    parsing is not running: no generated code executes here); BoolQ: ``true`` or ``false``.
    """
    if task == "gsm8k":
        number = parse_number(text)
        return Parsed(True, " ".join(text.split())) if number.ok else number
    if task == "mbpp":
        return _code(text)
    label = parse_label(text[:200], BOOL_WORDS, synonyms={"yes": "true", "no": "false"})
    return Parsed(True, label.value) if label.ok else label


def _code(text: str) -> Parsed:
    match = _CODE_BLOCK.search(text)
    code = (match.group(1) if match else text).strip("\n")
    if "def " not in code:
        return Parsed.reject("no function")
    try:
        ast.parse(code)
    except SyntaxError:
        return Parsed.reject("syntax error")
    return Parsed(True, code)


def final_number(text: str) -> str | None:
    """The last number in ``text`` as canonical text (``1,200.0`` -> ``1200``), or None."""
    parsed = parse_number(text)
    if not parsed.ok:
        return None
    value = float(parsed.value)
    return str(int(value)) if value.is_integer() else f"{value:g}"


def extract_code(text: str) -> str:
    """The program in a student's answer: a code block's body, else the text up to a new question."""
    match = _CODE_BLOCK.search(text)
    return (match.group(1) if match else text.split("Question:")[0]).strip("\n")


def _gsm8k_solution(answer: str) -> str:
    # the real solution without the calculator annotations, its '#### n' line as a sentence
    body, _, final = answer.partition("####")
    body = re.sub(r"<<[^>]*>>", "", body).strip()
    return f"{body}\nThe answer is {final.strip()}." if final else body


def _take(rows: list[dict], n: int, seed: int) -> list[dict]:
    if not n or n >= len(rows):
        return rows
    picked = sorted(random.Random(seed).sample(range(len(rows)), n))
    return [rows[i] for i in picked]
