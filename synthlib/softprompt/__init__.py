"""Soft prompts for a frozen decoder LLM (a shared layer; SoftSRV is its first user).

A soft prompt is a matrix of ``t`` vectors in the LLM's input-embedding space (the paper's
P in R^{d x t}; stored here as ``[t, d]``, the layout ``inputs_embeds`` wants) that is prepended
to a sequence in place of token embeddings. Three parameterizations (:mod:`.params`): **NP**
(P itself), **MPk** (a softmax mixture of k basis prompts, weights from a linear map of a context
vector z), **MC** (t small MLPs, each mapping z to one column of P). The context z = E(x) comes
from :mod:`.context` (the mean of the frozen LLM's own input embeddings of x: lossy on purpose).

* :mod:`.frozen`: load the frozen LLM and its tokenizer from a model reference.
* :mod:`.training`: train P so that the frozen LLM reproduces each x (next-token loss, only P
  learns); save and load P.
* :mod:`.generation`: :class:`SoftPromptTeacher`, a :class:`~synthlib.teachers.base.Teacher`
  that samples from P(E(x)) through ``inputs_embeds``, so generations go through the SQLite
  teacher cache like any teacher call (the key holds a hash of P's weights).

torch and transformers load inside the functions.
"""

from synthlib.softprompt.params import KINDS, PromptSpec, build_prompt, parameter_count

__all__ = ["KINDS", "PromptSpec", "build_prompt", "parameter_count"]
