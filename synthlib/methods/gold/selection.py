"""GOLD's feedback function: energy of each OOD validation sample, then the samples in a band.

Energy (``synthlib.metrics.energy``): a classifier's E(x) = -logsumexp over its class logits; a
seq2seq student's E(x) = the mean over generated tokens of -logsumexp over the vocabulary. Low
negative energy -E(x) means the student finds x unfamiliar (out of distribution).

The band (paper Eq. 7 with its 50%-80% setting) is taken over the batch's negative energies in
ascending order: a sample's **percentile** is the share of the batch whose -E is strictly lower,
and a sample is selected when ``low <= percentile < high``. The lowest half (the most drastically
OOD, likely noise) and the top fifth (familiar, high-likelihood) are left out. Tied scores share a
percentile, so ties are always selected or left out together. With 8 samples and the default band
this selects ranks 4-6 of 0-7: the 3 feedback examples the paper appends (2-3 per prompt).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

DEFAULT_BAND = (0.5, 0.8)


def classifier_energies(logits: Any) -> list[float]:
    """E(x) = -logsumexp over class logits, one float per row of ``logits`` [N, classes]."""
    from synthlib.metrics.energy import classifier_energy

    return [float(e) for e in classifier_energy(logits)]


def percentiles(energies: Sequence[float]) -> list[float]:
    """For each sample, the share of the batch whose negative energy is strictly lower than its own."""
    scores = [-float(e) for e in energies]
    n = len(scores)
    return [sum(other < score for other in scores) / n for score in scores] if n else []


def band_select(energies: Sequence[float], low: float = DEFAULT_BAND[0], high: float = DEFAULT_BAND[1],
                limit: int = 0) -> list[int]:
    """Indices of the samples whose negative-energy percentile lies in ``[low, high)``.

    Ordered by ascending negative energy (most unfamiliar first, ties by index); ``limit`` > 0 keeps
    only the first ``limit`` of them.
    """
    if not 0.0 <= low < high <= 1.0:
        raise ValueError(f"the band needs 0 <= low < high <= 1, got [{low}, {high})")
    ranks = percentiles(energies)
    inside = [i for i, p in enumerate(ranks) if low <= p < high]
    inside.sort(key=lambda i: (-float(energies[i]), i))
    return inside[:limit] if limit > 0 else inside


@dataclass
class EnergyBandSelector:
    """A :class:`synthlib.loop.Selector`: the rows of an evaluation whose energy lies in the band.

    Reads the energies from ``evaluation.extra["energy"]`` (one per ``evaluation.probe`` row).
    """

    low: float = DEFAULT_BAND[0]
    high: float = DEFAULT_BAND[1]
    limit: int = 3
    name: str = "energy_band"

    def select(self, evaluation: Any) -> list[dict]:
        """The probe rows inside the band (at most ``limit``)."""
        picked = band_select(evaluation.extra["energy"], self.low, self.high, self.limit)
        return [evaluation.probe[i] for i in picked]
