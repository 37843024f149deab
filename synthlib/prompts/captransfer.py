"""Capability-transfer prompts (our wording; the structure of the paper's Figure 6 and Appendix A.3).

The teacher gets one news article and answers in a tagged format that ``synthlib.teachers.parsing``
reads: ``[keywords]`` + ``[summary]`` for summarization, ``[summary]`` + ``[q1]``/``[a1]`` ...
``[q5]``/``[a5]`` for yes/no questions. The student prompts are what the student sees in training
and at every checkpoint; the same prompt is used for synthetic, human and GPT-4 targets.
"""

from __future__ import annotations

#: the Qwen coder models refuse some prose requests; a data-writer system turn makes that rarer
SYSTEM = ("You write training data for a text-summarization dataset. You always answer in the exact tagged "
          "format requested, with no other text.")

SUMMARY_REQUEST = (
    "Read the news article below.\n"
    "1) Name {keywords} keywords that a good summary of it must contain.\n"
    "2) Write a summary of about {sentences} sentences that contains all of those keywords.\n"
    "Answer in exactly this format:\n"
    "[keywords] keyword1, keyword2, keyword3, keyword4, keyword5\n"
    "[summary] your summary\n\n"
    "Article:\n{article}\n")

QA_REQUEST = (
    "Read the news article below.\n"
    "1) Write a summary of about {sentences} sentences.\n"
    "2) Write {questions} questions that can be answered with yes or no from the summary alone, each with its "
    "answer. Mix questions whose answer is yes with questions whose answer is no.\n"
    "Answer in exactly this format:\n"
    "[summary] your summary\n"
    "{pairs}\n\n"
    "Article:\n{article}\n")

#: what a base (non-chat) teacher continues; instruct teachers get the same text as the user turn
BASE_SUFFIX = "\nAnswer:\n"

STUDENT_SUMMARY = "Summarize this news article in about three sentences.\nArticle: {article}\nSummary:"
STUDENT_QA = "Summary: {summary}\nQuestion: {question}\nAnswer yes or no:"


def qa_pairs_template(questions: int) -> str:
    """The ``[q1] ... [a1] yes or no`` lines of the Q&A request."""
    return "\n".join(f"[q{i}] question {i}\n[a{i}] yes or no" for i in range(1, questions + 1))
