"""Training losses chosen by name: cross-entropy (``ce``) and symmetric cross-entropy (``sce``).

Symmetric cross-entropy (Wang et al., 2019), as GOLD uses it against noisy teacher labels:

    SCE = lambda * RCE + sigma * CE,    RCE = -sum_k p(k|x) log q(k|x)

where p is the model's distribution and q the one-hot label distribution with log 0 clamped to
``log_zero`` (A = -4 in the paper), so RCE = -A * (1 - p(y|x)). For seq2seq and causal students the
same formula is applied per target token over the vocabulary and averaged over non-ignored tokens.
"""

from __future__ import annotations

LOSSES = ("ce", "sce")
IGNORE_INDEX = -100


def cross_entropy(logits, labels):
    """Mean cross-entropy; ``logits`` [..., C], ``labels`` [...] with -100 ignored."""
    import torch.nn.functional as F

    return F.cross_entropy(logits.reshape(-1, logits.size(-1)).float(), labels.reshape(-1), ignore_index=IGNORE_INDEX)


def reverse_cross_entropy(logits, labels, log_zero: float = -4.0):
    """Mean RCE = -log_zero * (1 - p(label)) over non-ignored positions."""
    import torch

    flat_logits, flat_labels = logits.reshape(-1, logits.size(-1)).float(), labels.reshape(-1)
    keep = flat_labels != IGNORE_INDEX
    probabilities = torch.softmax(flat_logits[keep], dim=-1)
    p_label = probabilities.gather(1, flat_labels[keep].unsqueeze(1)).squeeze(1)
    return (-log_zero * (1.0 - p_label)).mean()


def symmetric_cross_entropy(logits, labels, lam: float = 1.0, sigma: float = 0.1, log_zero: float = -4.0):
    """lam * RCE + sigma * CE (GOLD's defaults: lam = 1.0, sigma = 0.1)."""
    return lam * reverse_cross_entropy(logits, labels, log_zero) + sigma * cross_entropy(logits, labels)


def compute_loss(name: str, logits, labels, lam: float = 1.0, sigma: float = 0.1):
    """Dispatch on the loss name; causal-LM callers shift logits/labels before calling."""
    if name == "ce":
        return cross_entropy(logits, labels)
    if name == "sce":
        return symmetric_cross_entropy(logits, labels, lam, sigma)
    raise ValueError(f"unknown loss '{name}'; use one of {', '.join(LOSSES)}")
