"""S3's prompts, in the project's own words, following the structure of the paper's Table 1.

=================  ==========================================================================
template           role (paper's notation)
=================  ==========================================================================
RATIONALE          T_ration(y): ask for K reasons a sample could have label y (single-sentence)
QUERY_RATIONALE    T_query^(1)(r, y): write a sample with label y that shows rationales r
QUERY_PLAIN        ZeroGen / "without rationales": write a sample with label y, nothing more
QUERY_CONTEXT      T_query^(2)(c, y): given a context, write the missing part for label y
MIS_SINGLE         T_mis^(1)(x, y): write a new sample with label y similar to the error x
MIS_CONTEXT        T_mis^(2)(c, x, y): given the error's context and part, write a similar part
=================  ==========================================================================

Each template asks for a tagged answer (``[text] ...``, ``[hypothesis] ...``, ``[question] ...``)
so that parsing is the same everywhere; rationales come as a numbered list.
"""

from __future__ import annotations

RATIONALE = {
    "imdb": ("Imagine you are watching a movie. List {k} different reasons that could leave a viewer with a "
             "{label} impression of it, one short phrase per line, numbered 1. to {k}."),
}

QUERY_RATIONALE = {
    "imdb": ("Imagine you have just watched a movie that has {rationales}. Write a {label} review of this movie."
             "\nAnswer in the form: [text] <the review>"),
}

QUERY_PLAIN = {
    "imdb": "Write a {label} movie review.\nAnswer in the form: [text] <the review>",
    "rte": ("Write a premise of one or two sentences and a hypothesis that is {label} given the premise."
            "\nAnswer in the form: [premise] <premise> [hypothesis] <hypothesis>"),
    "qnli": ("Write a sentence from an encyclopedia and a question whose answer is {label}."
             "\nAnswer in the form: [sentence] <sentence> [question] <question>"),
    "adversarial_qa": ("Write a short encyclopedia paragraph, a question about it and the answer, a span copied "
                       "from the paragraph.\nAnswer in the form: [context] <paragraph> [question] <question> "
                       "[answer] <span>"),
}

QUERY_CONTEXT = {
    "rte": ("{context}\nBased on the description above, write one sentence that is definitely {label}."
            "\nAnswer in the form: [hypothesis] <sentence>"),
    "qnli": ("Here is an information paragraph: {context}\nAsk a question whose answer is {label}."
             "\nAnswer in the form: [question] <question>"),
    "adversarial_qa": ("Here is a context: {context}\n\"{answer}\" is the answer to a question about it. "
                       "Write that question.\nAnswer in the form: [question] <question>"),
}

MIS_SINGLE = {
    "imdb": ("Here is a {label} movie review:\n{text}\nWrite a new {label} movie review similar to it."
             "\nAnswer in the form: [text] <the review>"),
}

MIS_CONTEXT = {
    "rte": ("{context}\nBased on the description above, the sentence \"{part}\" is definitely {label}. Write a "
            "different sentence, similar to it, that is also definitely {label} based on the description."
            "\nAnswer in the form: [hypothesis] <sentence>"),
    "qnli": ("Here is an information paragraph: {context}\nThe answer to the question \"{part}\" is {label}. "
             "Write another question, similar to it, whose answer is also {label}."
             "\nAnswer in the form: [question] <question>"),
    "adversarial_qa": ("Here is a context: {context}\n\"{answer}\" is the answer to: {part}\nWrite another question "
                       "that has the same answer in the context.\nAnswer in the form: [question] <question>"),
}

#: how each task's label is worded inside prompts (paper: positive/negative, correct/wrong, in/not in)
LABEL_WORDS = {
    "imdb": ("negative", "positive"),
    "rte": ("correct", "wrong"),
    "qnli": ("in the paragraph", "not in the paragraph"),
}

#: the tag each task's generated part is written under
PART_TAG = {"imdb": "text", "rte": "hypothesis", "qnli": "question", "adversarial_qa": "question"}
