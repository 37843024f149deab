"""Energy scores (GOLD): low energy = in-distribution for the student, high = out of distribution.

Classifier: E(x) = -logsumexp_k f_k(x) over the class logits. Seq2seq: the mean over generated
tokens of -logsumexp over the vocabulary logits at each step (padding excluded).
"""

from __future__ import annotations


def classifier_energy(logits):
    """E(x) = -logsumexp over the last axis; ``logits`` is a torch tensor or array [N, classes]."""
    import torch

    logits = torch.as_tensor(logits, dtype=torch.float32)
    return -torch.logsumexp(logits, dim=-1)


def sequence_energy(step_logits, mask=None):
    """Mean over generated tokens of -logsumexp over the vocabulary.

    ``step_logits``: [N, steps, vocab]; ``mask``: [N, steps], 1 for generated tokens and 0 for
    padding after the end of a sequence (all ones when omitted). Returns [N].
    """
    import torch

    step_logits = torch.as_tensor(step_logits, dtype=torch.float32)
    per_step = -torch.logsumexp(step_logits, dim=-1)
    if mask is None:
        return per_step.mean(dim=-1)
    mask = torch.as_tensor(mask, dtype=torch.float32)
    if bool((mask.sum(dim=-1) == 0).any()):
        raise ValueError("a sequence has no generated token to score; check the mask")
    return (per_step * mask).sum(dim=-1) / mask.sum(dim=-1)
