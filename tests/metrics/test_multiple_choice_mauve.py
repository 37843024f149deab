import numpy as np
import pytest
import torch

from synthlib.metrics.distribution import mauve_from_features
from synthlib.metrics.multiple_choice import format_question, letter_logprobs, letter_token_ids, mc_accuracy
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
