"""Prompt templates of SoftSRV's baselines (our wording; the structure of seed 003, Figures 8-11).

PT seeds a domain template with one training question and asks for ten different questions,
numbered ``Question 1:`` ... (the paper found "10 different questions" and a high temperature
critical). PT_SR then asks the same model to critique each question and to rewrite it from the
critique (or say ``Stop``). PT's answers use a domain answer template; SoftSRV's questions are
sent to the answering teacher as they are, with no template at all.
"""

from __future__ import annotations

#: per task: (what one sample is, singular; plural)
DOMAINS = {
    "gsm8k": ("grade-school math problem", "grade-school math problems"),
    "mbpp": ("Python programming question", "Python programming questions"),
    "boolq": ("passage with a yes/no question about it", "passages, each with a yes/no question about it"),
}

QUESTIONS = (
    "Here is an example of a {one}:\n\n{example}\n\n"
    "Write 10 different {many} like the example. Each one must be clearly different from the others and "
    "reworded, must have one well-defined answer, and must not contain its answer.\n\nQuestion 1:")

CRITIQUE = "Give concrete feedback on the clarity, difficulty and originality of this {one}:\n\n{question}\n\nFeedback:"

REFINE = (
    "Here is a {one} and a critique of it.\n\n{one_title}:\n{question}\n\nCritique:\n{critique}\n\n"
    "If the critique is clearly positive, answer only 'Stop'. Otherwise write an improved {one} that "
    "addresses the critique. Write the {one} only, without its answer.\n\nImproved {one}:")

ANSWERS = {
    "gsm8k": "Solve this grade-school math problem step by step and end with 'The answer is <number>.'\n\n{question}",
    "mbpp": ("Answer this Python question with one Python function in a ```python code block. The function "
             "must be valid Python.\n\n{question}"),
    "boolq": "Read the passage and answer the question with True or False only.\n\n{question}",
}


def questions_prompt(task: str, example: str) -> str:
    """PT's question template seeded with one training question."""
    one, many = DOMAINS[task]
    return QUESTIONS.format(one=one, many=many, example=example.strip())


def critique_prompt(task: str, question: str) -> str:
    """PT_SR's critique request."""
    return CRITIQUE.format(one=DOMAINS[task][0], question=question.strip())


def refine_prompt(task: str, question: str, critique: str) -> str:
    """PT_SR's rewrite request from the critique."""
    one = DOMAINS[task][0]
    return REFINE.format(one=one, one_title=one[0].upper() + one[1:], question=question.strip(),
                         critique=critique.strip())


def answer_prompt(task: str, question: str, template: bool) -> str:
    """What the answering teacher is sent: the question itself (SoftSRV) or the domain template (PT)."""
    return ANSWERS[task].format(question=question.strip()) if template else question.strip()
