"""GOLD's prompt templates (our wording; the structure of the paper's Table 1 and Tables 13-15).

Every prompt starts with the task definition and a few real examples written in the sample
format; the training prompt adds last iteration's feedback examples, the OOD prompt adds the
current training batch and asks for samples that differ in topic and style. Prompts end with
``Answer:`` and a newline, like the stand-in teacher's training prompts.
"""

from __future__ import annotations

EXAMPLES = "Examples of this task:\n{examples}\n"
FEEDBACK = ("The student model found the following examples unfamiliar. Write new data that explores the same "
            "direction:\n{examples}\n")
EARLIER = "Examples written earlier for this dataset:\n{examples}\n"
BATCH = "Examples already written for the training set:\n{examples}\n"

NEW_SAMPLE = "Write one new example of this task in the same format{label_clause}. Make it original.\nAnswer:\n"
NEW_OOD = ("Write one new example of this task in the same format whose topic and writing style are clearly "
           "different from every example above.\nAnswer:\n")
LABEL_CLAUSE = ", with the label {label}"
FEWSHOT = "{examples}Now give the {what} of this sample.\n{sample}\nAnswer:\n"


def numbered(rendered: list[str], start: int = 1) -> str:
    """Rendered samples as ``Example k:`` blocks."""
    return "\n".join(f"Example {start + i}:\n{text}" for i, text in enumerate(rendered))
