"""13-gram decontamination against evaluation sets (GPT-3 style, as the CRAFT paper reports it)."""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from synthlib.filters.base import FilterReport, Sample, sample_text


def _is_unspaced(code: int) -> bool:
    """Scripts written without spaces between words: CJK ideographs and Japanese kana."""
    return (0x3040 <= code <= 0x30FF or 0x3400 <= code <= 0x4DBF or 0x4E00 <= code <= 0x9FFF
            or 0xF900 <= code <= 0xFAFF or 0x20000 <= code <= 0x3FFFF)


class _WordChars(dict):
    """``str.translate`` table, filled lazily: letters and marks stay, CJK becomes one word per
    character, everything else (punctuation, digits, symbols, separators) becomes a space."""

    def __missing__(self, code: int) -> int | str:
        if _is_unspaced(code):
            value: int | str = f" {chr(code)} "
        elif unicodedata.category(chr(code))[0] in "LM":  # letters of every script, and their combining marks
            value = code
        else:
            value = " "
        self[code] = value
        return value


_TABLE = _WordChars()


def normalise_words(text: str) -> list[str]:
    """The words of ``text``: NFKC-normalised, case-folded, punctuation, digits and symbols removed.

    Letters of every script survive ("Zürich" stays one word, Greek and Cyrillic words stay whole);
    combining marks stay with their letter. CJK ideographs and kana, written without spaces, count
    one word per character, so a copied Chinese or Japanese passage forms n-grams too.
    """
    return unicodedata.normalize("NFKC", text).casefold().translate(_TABLE).split()


def word_ngrams(text: str, n: int = 13) -> set[str]:
    """The set of ``n``-word sequences of the normalised text (empty when it has fewer words)."""
    words = normalise_words(text)
    return {" ".join(words[k:k + n]) for k in range(len(words) - n + 1)}


@dataclass
class NgramDecontaminator:
    """Drop samples sharing any ``n``-gram with the evaluation texts (``contaminated``).

    Texts are normalised first (:func:`normalise_words`: case-folded, punctuation and digits
    removed, letters of every script kept). Samples shorter than
    ``n`` words cannot share an ``n``-gram and are kept.
    """

    eval_texts: list[str] = field(default_factory=list)
    n: int = 13
    fields: tuple[str, ...] | None = ("text",)
    name: str = "decontaminate"

    def __post_init__(self) -> None:
        import numpy as np

        # a sorted array of 64-bit n-gram hashes: ~8 bytes per n-gram instead of a Python set's ~100,
        # so a 25k-review evaluation set (millions of 13-grams) fits easily
        hashes = [hash(gram) for text in self.eval_texts for gram in word_ngrams(text, self.n)]
        self._hashes = np.unique(np.asarray(hashes, dtype=np.int64))

    def contaminated(self, text: str) -> bool:
        """Whether ``text`` shares an ``n``-gram with the evaluation texts."""
        import numpy as np

        grams = word_ngrams(text, self.n)
        if not grams or not len(self._hashes):
            return False
        probe = np.fromiter((hash(g) for g in grams), dtype=np.int64, count=len(grams))
        at = np.searchsorted(self._hashes, probe).clip(max=len(self._hashes) - 1)
        return bool((self._hashes[at] == probe).any())

    def apply(self, samples: list[Sample]) -> tuple[list[Sample], FilterReport]:
        """Keep samples with no ``n``-gram in common with any evaluation text."""
        kept = [s for s in samples if not self.contaminated(sample_text(s, self.fields))]
        reasons = Counter({"contaminated": len(samples) - len(kept)})
        return kept, FilterReport(self.name, len(samples), len(kept), +reasons,
                                  details={"eval_ngrams": int(len(self._hashes)), "n": self.n})
