"""The teacher output formats GOLD asks for, one per task, registered with ``synthlib.tasks.formats``.

A sample format makes the teacher write a whole sample (``[premise] ... [hypothesis] ... [label]
entailment``); an answer format (``gold_<task>_answer``) makes it answer a test item (the teacher's
few-shot baseline). Field names are the tags; ``TaskSpec.fields`` maps them to row
columns. SVAMP uses the shared ``math_qa`` format. Backends with constrained decoding
(the hf backend) forces these skeletons; API backends read the instruction.
"""

from __future__ import annotations

from synthlib.methods.gold.tasks import SPECS, TaskSpec
from synthlib.tasks.formats import OutputFormat, Segment, _choice, _tagged, _text, get_format, register_format

#: longest generated text per field (tokens) when the skeleton is forced
_FIELD_TOKENS = {"context": 96, "problem": 110, "formulation": 90, "question": 40, "answer": 12,
                 "premise": 60, "sentence": 50, "sentence1": 50, "sentence2": 50, "hypothesis": 40}
MIN_WORDS = {"context": 8, "problem": 8, "formulation": 3, "question": 3, "answer": 1}


def _sample_format(task: TaskSpec) -> OutputFormat:
    fields = []
    for tag, column in task.fields:
        if column == "label":
            fields.append((tag, _choice(tag, *task.label_names)))
        else:
            fields.append((tag, _text(tag, _FIELD_TOKENS.get(tag, 48))))
    minimum = {tag: MIN_WORDS.get(tag, 3) for tag, column in task.fields if column != "label"}
    template = f"{task.definition}\nFormat: " + " ".join(f"[{tag}] ..." for tag, _ in task.fields) + "\nAnswer:\n"
    return OutputFormat(f"gold_{task.name}", f"a whole {task.name} sample (GOLD)", ("gold",), "tagged",
                        _tagged(fields), template, minimum)


def _answer_format(task: TaskSpec) -> OutputFormat:
    tag = task.fields[-1][0]
    if task.is_classification:
        body = _choice(tag, *task.label_names)
    elif task.kind == "math":
        body = Segment("number", name=tag, max_tokens=6)
    else:
        body = _text(tag, _FIELD_TOKENS.get(tag, 48))
    return OutputFormat(f"gold_{task.name}_answer", f"the answer to one {task.name} item (teacher few-shot)",
                        ("gold",), "tagged", _tagged([(tag, body)]), f"{task.definition}\nAnswer:\n")


def sample_format(task: TaskSpec) -> OutputFormat:
    """The format of a whole sample of ``task`` (SVAMP: the shared ``math_qa``)."""
    return get_format("math_qa" if task.name == "svamp" else f"gold_{task.name}")


def answer_format(task: TaskSpec) -> OutputFormat:
    """The format of the teacher's answer to one test item of ``task``."""
    return get_format(f"gold_{task.name}_answer")


for _task in SPECS.values():
    if _task.name != "svamp":
        register_format(_sample_format(_task))
    register_format(_answer_format(_task))
