"""Multiple-choice accuracy from answer-letter log-probabilities (MMLU style).

The question and its lettered options are shown to a causal LM, followed by ``Answer:``; the
predicted option is the letter whose token gets the highest log-probability as the next token.
No text is generated, so the score does not depend on output parsing.

Instruct models (the packaged Qwen coders) score best when the question is their user turn and the
answer turn is already open: :func:`chat_prompts` renders that (``Answer:`` prefilled, continued).
Base models (gemma-3-270m) take the plain prompt. Load either with
``synthlib.students.load_student(alias, "causal")``.
"""

from __future__ import annotations

from collections.abc import Sequence

LETTERS = ("A", "B", "C", "D")


def format_question(question: str, choices: Sequence[str], letters: Sequence[str] = LETTERS) -> str:
    """Render a question with lettered options, ending in ``Answer:``."""
    options = "\n".join(f"{letter}. {choice}" for letter, choice in zip(letters, choices))
    return f"{question.strip()}\n{options}\nAnswer:"


def chat_prompts(tokenizer, prompts: Sequence[str], prefill: str = "Answer:") -> list[str]:
    """``prompts`` for an instruct model: the question as the user turn, the assistant turn prefilled
    with ``prefill`` and left open; unchanged when the tokenizer has no chat template (a base model)."""
    if not getattr(tokenizer, "chat_template", None):
        return list(prompts)
    rendered = []
    for prompt in prompts:
        question = prompt[:-len(prefill)].rstrip() if prompt.endswith(prefill) else prompt
        messages = [{"role": "user", "content": question + "\nReply with the letter of the correct option."},
                    {"role": "assistant", "content": prefill}]
        rendered.append(tokenizer.apply_chat_template(messages, tokenize=False, continue_final_message=True))
    return rendered


def letter_token_ids(tokenizer, letters: Sequence[str] = LETTERS) -> list[int]:
    """Id of the single token that continues ``Answer:`` with each letter (`` A``, `` B`` ...)."""
    ids = []
    for letter in letters:
        encoded = tokenizer.encode(f" {letter}", add_special_tokens=False)
        if not encoded:
            raise ValueError(f"the tokenizer encodes ' {letter}' to nothing")
        ids.append(encoded[-1])  # some tokenizers emit a separate space token first
    if len(set(ids)) != len(ids):
        raise ValueError(f"answer letters share a token ({ids}); choose distinct letters")
    return ids


def letter_logprobs(model, tokenizer, prompts: Sequence[str], letters: Sequence[str] = LETTERS,
                    batch_size: int = 8, add_special_tokens: bool = True):
    """Log-probabilities [N, len(letters)] of each letter as the token after each prompt.

    ``add_special_tokens=False`` scores the prompts exactly as given (a caller that trained on rows
    without the tokenizer's end markers, e.g. BERT-style ``[SEP]``, scores them the same way).
    """
    import torch

    letter_ids = torch.tensor(letter_token_ids(tokenizer, letters))
    padding_side, tokenizer.padding_side = tokenizer.padding_side, "left"  # last position = last prompt token
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    rows = []
    try:
        model.eval()
        with torch.no_grad():
            for start in range(0, len(prompts), batch_size):
                batch = tokenizer(list(prompts[start:start + batch_size]), return_tensors="pt", padding=True,
                                  add_special_tokens=add_special_tokens)
                batch = {k: v.to(model.device) for k, v in batch.items()}
                # left padding shifts positions; count them from each row's first real token instead
                batch["position_ids"] = (batch["attention_mask"].cumsum(-1) - 1).clamp(min=0)
                logits = model(**batch).logits[:, -1, :].float()
                rows.append(torch.log_softmax(logits, dim=-1)[:, letter_ids.to(logits.device)].cpu())
    finally:
        tokenizer.padding_side = padding_side
    return torch.cat(rows)


def mc_accuracy(logprobs, labels: Sequence[int]) -> float:
    """Share of rows whose highest-scoring letter is the gold option index."""
    import torch

    predicted = torch.as_tensor(logprobs).argmax(dim=-1)
    if len(predicted) != len(labels) or not len(labels):
        raise ValueError(f"{len(predicted)} score rows for {len(labels)} labels")
    return float((predicted == torch.as_tensor(labels)).float().mean())
