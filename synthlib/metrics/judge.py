"""Pairwise LLM-judge win rate with both orderings asked and ties counted (CRAFT's generation metric).

For each (candidate, reference) pair the judge is asked twice, once with the candidate shown
first and once second, so that a judge's position bias cancels. A candidate *wins* a pair when the
two verdicts agree on it, *loses* when they agree on the reference, and anything else (a tie
verdict, disagreeing verdicts, an unparseable reply) is a *tie*. Win rate = (wins + ties / 2) / pairs.

:func:`ask_teacher` turns any (cached) teacher into the judge: a packaged instruct model
(``load_teacher("qwen2.5-coder-1.5b-instruct")``) gets each comparison as its user turn and an
answer turn prefilled with ``Verdict:``, decoded greedily, so it answers with the verdict at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

JUDGE_PROMPT = """You compare two responses to the same instruction.

Instruction:
{instruction}

Response 1:
{first}

Response 2:
{second}

Which response follows the instruction better? Reply with exactly one of: "1", "2" or "tie"."""

VERDICT_PREFILL = "Verdict:"

_VERDICT = re.compile(r"\b(1|2|tie)\b", re.IGNORECASE)


@dataclass
class WinRate:
    """Outcome counts and the win rate (ties count half)."""

    wins: int = 0
    losses: int = 0
    ties: int = 0
    unparsed: int = 0
    outcomes: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        """(wins + ties / 2) / pairs."""
        pairs = self.wins + self.losses + self.ties
        return (self.wins + self.ties / 2) / pairs if pairs else float("nan")


def parse_verdict(reply: str) -> str | None:
    """``"1"``, ``"2"``, ``"tie"`` or None when the reply names none of them."""
    match = _VERDICT.search(reply)
    return match.group(1).lower() if match else None


def win_rate(instructions: Sequence[str], candidates: Sequence[str], references: Sequence[str],
             ask: Callable[[list[str]], list[str]]) -> WinRate:
    """Judge every pair in both orders with ``ask`` (prompts -> replies, e.g. a teacher's generate)."""
    if not (len(instructions) == len(candidates) == len(references)) or not candidates:
        raise ValueError("instructions, candidates and references must be aligned, non-empty lists")
    prompts = []
    for instruction, candidate, reference in zip(instructions, candidates, references):
        prompts.append(JUDGE_PROMPT.format(instruction=instruction, first=candidate, second=reference))
        prompts.append(JUDGE_PROMPT.format(instruction=instruction, first=reference, second=candidate))
    replies = ask(prompts)
    result = WinRate()
    for candidate_first, candidate_second in zip(replies[0::2], replies[1::2]):
        verdicts = (parse_verdict(candidate_first), _swap(parse_verdict(candidate_second)))
        result.unparsed += sum(v is None for v in verdicts)
        outcome = _combine(*verdicts)
        result.outcomes.append(outcome)
        result.wins += outcome == "win"
        result.losses += outcome == "loss"
        result.ties += outcome == "tie"
    return result


def _swap(verdict: str | None) -> str | None:
    # in the second ordering the candidate is "2"; map it back to the candidate's point of view
    return {"1": "2", "2": "1"}.get(verdict, verdict)


def _combine(first: str | None, second: str | None) -> str:
    if first == second == "1":
        return "win"
    if first == second == "2":
        return "loss"
    return "tie"


def ask_teacher(teacher, max_new_tokens: int = 6, seed: int = 0) -> Callable[[list[str]], list[str]]:
    """An ``ask`` for :func:`win_rate` backed by ``teacher`` (cached: a rerun asks no model twice).

    Each prompt is the user turn; the answer turn starts with :data:`VERDICT_PREFILL` and is continued
    greedily for a few tokens; the reply returned is what follows the prefill.
    """
    from synthlib.teachers.base import Request, SamplingParams

    sampling = SamplingParams(max_new_tokens=max_new_tokens, temperature=0)

    def ask(prompts: list[str]) -> list[str]:
        requests = [Request(messages=({"role": "user", "content": prompt},
                                      {"role": "assistant", "content": VERDICT_PREFILL}), sampling=sampling, seed=seed)
                    for prompt in prompts]
        replies = [g.text for g in teacher.generate(requests)]
        return [r[len(VERDICT_PREFILL):] if r.startswith(VERDICT_PREFILL) else r for r in replies]

    return ask
