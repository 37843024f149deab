import numpy as np
import pytest
import torch

from synthlib.metrics.distribution import mauve_from_features
from synthlib.metrics.multiple_choice import (
    chat_prompts,
    format_question,
    letter_logprobs,
    letter_token_ids,
    mc_accuracy,
)
from synthlib.students import load_student


@pytest.fixture(scope="module")
def tiny_lm():
    return load_student("tiny-random-gpt2", "causal", seed=3)


def test_letter_logprobs_equal_the_next_token_distribution(tiny_lm):
    prompts = [format_question("Which is a fruit?", ["apple", "chair", "car", "road"]),
               format_question("Short?", ["a", "b", "c", "d"])]
    scores = letter_logprobs(tiny_lm.model, tiny_lm.tokenizer, prompts, batch_size=2)
    ids = letter_token_ids(tiny_lm.tokenizer)
    for row, prompt in enumerate(prompts):  # reference: one unpadded forward pass per prompt
        encoded = tiny_lm.tokenizer(prompt, return_tensors="pt")
        with torch.no_grad():
            logits = tiny_lm.model(**encoded).logits[0, -1]
        expected = torch.log_softmax(logits.float(), dim=-1)[ids]
        assert torch.allclose(scores[row], expected, atol=1e-4)


def test_chat_prompts_open_the_answer_turn_for_instruct_models_only(tiny_lm):
    prompt = format_question("Which is a fruit?", ["apple", "chair", "car", "road"])
    assert chat_prompts(tiny_lm.tokenizer, [prompt]) == [prompt]  # no chat template: a base model
    tiny_lm.tokenizer.chat_template = ("{% for m in messages %}<{{ m['role'] }}>{{ m['content'] }}"
                                       "{% if not loop.last %}</{{ m['role'] }}>{% endif %}{% endfor %}")
    try:
        [rendered] = chat_prompts(tiny_lm.tokenizer, [prompt])
        scores = letter_logprobs(tiny_lm.model, tiny_lm.tokenizer, [rendered])
    finally:
        tiny_lm.tokenizer.chat_template = None
    assert rendered.startswith("<user>Which is a fruit?\nA. apple") and rendered.endswith("</user><assistant>Answer:")
    assert scores.shape == (1, 4) and torch.isfinite(scores).all()


@pytest.mark.slow
def test_letter_scores_of_the_packaged_instruct_model_agree_with_what_it_writes():
    """The best-scored letter is the letter the model writes greedily after the same prompt.

    (The Q4 0.5B coder model is a weak quiz taker, so its accuracy is no test of the scoring: it
    answers "C" to "Which animal barks?". Agreement with its own greedy answer is.)
    """
    model = load_student("qwen2.5-coder-0.5b-instruct", "causal")
    questions = [("What is 2 + 2?", ["3", "4", "5", "22"]),
                 ("Which of these is a colour?", ["table", "run", "blue", "seven"]),
                 ("Which animal barks?", ["dog", "fish", "snake", "bird"]),
                 ("What is the capital of France?", ["Berlin", "Madrid", "Rome", "Paris"])]
    prompts = chat_prompts(model.tokenizer, [format_question(q, c) for q, c in questions])
    scores = letter_logprobs(model.model, model.tokenizer, prompts, batch_size=4)
    alone = letter_logprobs(model.model, model.tokenizer, prompts, batch_size=1)
    assert torch.allclose(scores, alone, atol=1e-4)  # left padding changes nothing but rounding
    for prompt, row in zip(prompts, scores, strict=True):
        ids = model.tokenizer(prompt, return_tensors="pt")
        written = model.model.generate(**ids, max_new_tokens=2, do_sample=False)[0, ids["input_ids"].shape[1]:]
        assert model.tokenizer.decode(written).strip()[:1] == "ABCD"[int(row.argmax())]


def test_mc_accuracy_takes_the_best_letter():
    logprobs = torch.tensor([[-1.0, -0.1, -3.0, -2.0], [-0.5, -2.0, -2.0, -2.0]])
    assert mc_accuracy(logprobs, [1, 2]) == 0.5


def test_mauve_separates_different_distributions_and_reports_spread():
    rng = np.random.default_rng(0)
    p = rng.normal(size=(300, 16))
    same = mauve_from_features(p, rng.normal(size=(300, 16)), seeds=(0, 1), num_buckets=8)
    shifted = mauve_from_features(p, rng.normal(loc=3.0, size=(300, 16)), seeds=(0, 1), num_buckets=8)
    assert same.mean > 0.8 > 0.2 > shifted.mean
    assert len(same.scores) == 2 and same.std >= 0.0


@pytest.mark.slow
def test_mauve_on_minilm_features_of_real_text(use_mirror):
    from synthlib.data import load_dataset
    from synthlib.metrics.distribution import mauve_texts

    sst2 = load_dataset("sst2", "validation")["text"]
    news = [t[:300] for t in load_dataset("wikinews", "train", max_rows=120)["text"]]
    same = mauve_texts(sst2[:120], sst2[120:240], seeds=(0, 1), num_buckets=6)
    different = mauve_texts(sst2[:120], news, seeds=(0, 1), num_buckets=6)
    assert same.mean > different.mean + 0.3
