"""CRAFT's prompt templates (our wording; the structure of the paper's augmentation prompt).

An augmentation prompt holds, in this order: the task instruction, exactly three few-shots (each
its source text, then the sample written from it as JSON), and the retrieved document, ending
where the teacher starts its JSON. Summarization takes two prompts: one extracts a section of the
document, the next summarizes that section. Self-Instruct and Evol-Instruct, the baselines, see
the same instruction and JSON format but no document.
"""

from __future__ import annotations

SYSTEM = ("You write training data for a language model. You read a text and turn it into one task sample. "
          "Reply with a single JSON object and nothing else.")

#: what the teacher is asked to write, per task
TASK_INSTRUCTIONS = {
    "bioqa": ("Write one biology exam question answerable from the text, with four options and exactly one "
              "correct option."),
    "medqa": ("Write one medical exam question (a clinical vignette or a fact a physician must know) answerable "
              "from the text, with four options and exactly one correct option."),
    "csqa": ("Write one common-sense yes/no question or statement that the text settles, with the options "
             "Yes and No."),
    "summarization_extract": ("Copy one self-contained passage of the text, between 100 and 400 words long, that "
                              "is worth summarizing. Copy it word for word."),
    "summarization_summarize": "Write a short TLDR of the passage in two to four sentences.",
}

#: the JSON keys each step's answer must have, shown to the teacher
KEYS_HINT = {
    "mc4": '{"question": "...", "options": ["...", "...", "...", "..."], "answer": "A"}',
    "mc2": '{"question": "...", "options": ["Yes", "No"], "answer": "A"}',
    "extract": '{"section": "..."}',
    "summarize": '{"summary": "..."}',
}

EXAMPLE = "Example {number}\nText:\n{text}\nJSON:\n{json}\n"

AUGMENT = ("{instruction}\n\nThree examples follow. Each shows a text and the sample written from it.\n\n"
           "{examples}\nNow do the same for the text below: the sample must rest on this text, not on the "
           "examples. Reply with JSON of the form {keys}.\nText:\n{document}\nJSON:\n")
ANSWER_NOTE = " The answer field is the letter of the correct option."

SELF_INSTRUCT = ("{instruction}\n\nHere are three samples of this task:\n\n{examples}\n"
                 "Write one new sample of the same task on a different topic than all three. "
                 "Reply with JSON of the form {keys}.\nJSON:\n")

#: Evol-Instruct's in-depth operations (our wording of its five kinds) and its in-breadth one
EVOL_DEPTH = (
    "Add one more constraint or condition to it, so that answering needs more care.",
    "Make it ask about the topic in more depth.",
    "Replace general concepts in it by more specific ones.",
    "Rewrite it so that answering needs several steps of reasoning.",
    "Make the wrong options more plausible, so that only real understanding finds the answer.",
)
EVOL_BREADTH = "Write a brand-new sample in the same domain, on a rarer topic than this one."
EVOL = ("{instruction}\n\nHere is a sample of this task:\n{sample}\n\nRewrite it into a harder sample. "
        "{operation} Keep it answerable and keep exactly one correct option. "
        "Reply with JSON of the form {keys}.\nJSON:\n")


def examples_block(shots: list[tuple[str, str]], text_chars: int = 1500) -> str:
    """``Example k`` blocks of (source text, JSON) pairs; long source texts are cut to ``text_chars``."""
    return "\n".join(EXAMPLE.format(number=i + 1, text=_cut(text, text_chars), json=json_text)
                     for i, (text, json_text) in enumerate(shots))


def samples_block(samples: list[str]) -> str:
    """``Sample k`` blocks of JSON samples (Self-Instruct)."""
    return "\n".join(f"Sample {i + 1}:\n{text}\n" for i, text in enumerate(samples))


def _cut(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[:chars].rsplit(" ", 1)[0] + " ..."
