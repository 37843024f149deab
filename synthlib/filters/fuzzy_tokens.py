"""The tokens rapidfuzz's ``token_set_ratio`` compares, and a text's canonical form.

``token_set_ratio`` splits at the whitespace of :data:`RAPIDFUZZ_SEPARATORS` (Python's
``str.isspace`` set minus U+0085 and the no-break space U+00A0, measured over every code point in
``tests/filters``) and compares the *sets* of tokens. U+0085 and U+00A0 are separators after all in
a text that holds any code point above U+00FF (rapidfuzz reads such a string with wider characters
and a fuller whitespace table): one Cyrillic or CJK letter makes "model\\u00a0river" two tokens,
while in Latin-1 text it stays one. Python's ``str.split()`` always splits at U+00A0, which changes
the token sets (and the scores) of Wikipedia-like text; :func:`rapidfuzz_tokens` follows rapidfuzz
in both cases.
"""

from __future__ import annotations

import re

#: the characters rapidfuzz's token scorers split at (not U+0085 NEL, not U+00A0 NO-BREAK SPACE)
RAPIDFUZZ_SEPARATORS = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
                        "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
_SPLIT = re.compile("[" + re.escape(RAPIDFUZZ_SEPARATORS) + "]+")
#: in a text with a code point above U+00FF rapidfuzz also splits at U+0085 and U+00A0
_SPLIT_WIDE = re.compile("[" + re.escape(RAPIDFUZZ_SEPARATORS + "\x85\xa0") + "]+")


def rapidfuzz_tokens(text: str) -> list[str]:
    """The tokens ``rapidfuzz.fuzz.token_set_ratio`` compares (with duplicates, in text order)."""
    splitter = _SPLIT_WIDE if text and max(text) > "\xff" else _SPLIT
    return [token for token in splitter.split(text) if token]


def unique_tokens(text: str) -> list[str]:
    """The token *set* of ``text`` as rapidfuzz builds it, sorted by code point (rapidfuzz's order)."""
    return sorted(set(rapidfuzz_tokens(text)))


def token_weight(tokens: list[str]) -> int:
    """Sum of ``len(token) + 1`` over distinct tokens: the canonical form's length plus one (0 when empty)."""
    return sum(len(token) + 1 for token in tokens)


def canonical(tokens: list[str]) -> str:
    """The distinct tokens joined by spaces; ``token_set_ratio`` scores it exactly as the original text.

    Re-splitting it gives the same token set (no token holds a U+0020 space, and the set is the
    same whichever whitespace table applies), and the score depends only on the sets.
    """
    return " ".join(tokens)
