"""Tiny-model training: parameters change as they should, losses match their formulas, trajectories."""

import math

import pytest
import torch
from datasets import Dataset

from synthlib.students import TrainSettings, load_student, predict_classes, train
from synthlib.students.loading import LoraSettings
from synthlib.students.losses import cross_entropy, reverse_cross_entropy, symmetric_cross_entropy

TEXTS = ["good film", "great acting", "bad plot", "awful ending", "lovely", "terrible", "fine work", "poor taste"]
LABELS = [1, 1, 0, 0, 1, 0, 1, 0]


def _data():
    return Dataset.from_dict({"text": TEXTS, "label": LABELS})


def _snapshot(model):
    return {n: p.detach().clone() for n, p in model.named_parameters()}


def test_sce_matches_its_formula():
    logits = torch.tensor([[2.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    labels = torch.tensor([0, 0, -100])
    p = torch.softmax(logits[:2], dim=-1)
    ce = -(math.log(p[0, 0]) + math.log(p[1, 0])) / 2
    rce = (4 * (1 - p[0, 0]) + 4 * (1 - p[1, 0])) / 2
    assert cross_entropy(logits, labels).item() == pytest.approx(ce, rel=1e-5)
    assert reverse_cross_entropy(logits, labels).item() == pytest.approx(float(rce), rel=1e-5)
    assert symmetric_cross_entropy(logits, labels, 1.0, 0.1).item() == pytest.approx(float(rce) + 0.1 * ce, rel=1e-5)


@pytest.mark.parametrize("loss", ["ce", "sce"])
def test_one_training_step_changes_every_trainable_parameter(loss):
    student = load_student("tiny-random-bert", "classifier", ("negative", "positive"), seed=0)
    before = _snapshot(student.model)
    train(student, _data(), TrainSettings(max_steps=1, batch_size=8, learning_rate=1e-2, loss=loss,
                                          group_by_length=False))
    after = _snapshot(student.model)
    embeddings_seen = "bert.embeddings.word_embeddings.weight"
    unchanged = [n for n in before if n != embeddings_seen and torch.equal(before[n], after[n])]
    assert not unchanged, f"parameters that did not train: {unchanged}"
    # only the rows of tokens in the batch receive gradient: the rest of the vocabulary must stay put
    changed_rows = (before[embeddings_seen] != after[embeddings_seen]).any(dim=1).sum().item()
    assert 0 < changed_rows < before[embeddings_seen].shape[0] // 10


def test_lora_trains_adapters_and_leaves_the_frozen_base_untouched():
    student = load_student("tiny-random-gpt2", "causal", lora=LoraSettings(r=4, alpha=4, dropout=0.0), seed=0)
    trainable = {n for n, p in student.model.named_parameters() if p.requires_grad}
    assert trainable and all("lora_" in n for n in trainable)
    before = _snapshot(student.model)
    data = Dataset.from_dict({"prompt": ["Q: capital of France?\nA:"] * 4, "answer": ["Paris"] * 4})
    train(student, data, TrainSettings(max_steps=2, batch_size=4, learning_rate=1e-2),
          inputs=("prompt",), target="answer")
    after = _snapshot(student.model)
    for name in before:
        changed = not torch.equal(before[name], after[name])
        # lora_B starts at zero, so after the first step both A and B have moved
        assert changed == (name in trainable), name


def test_seq2seq_student_trains_on_text_targets():
    student = load_student("tiny-random-t5", "seq2seq", seed=0)
    data = Dataset.from_dict({"source": ["premise: a. hypothesis: b."] * 8, "target": ["entailment"] * 8})
    before = _snapshot(student.model)
    result = train(student, data, TrainSettings(max_steps=2, batch_size=4, learning_rate=1e-2, loss="sce"),
                   inputs=("source",), target="target")
    assert result.steps == 2
    assert any(not torch.equal(before[n], p) for n, p in student.model.named_parameters())


def test_trajectory_is_evaluated_on_the_checkpoint_schedule():
    student = load_student("tiny-random-bert", "classifier", ("negative", "positive"), seed=0)
    calls = []

    def evaluate(s):
        calls.append(1)
        predictions = predict_classes(s, _data())
        return {"accuracy": float((predictions.predictions == LABELS).mean())}

    result = train(student, _data(), TrainSettings(epochs=4, batch_size=2, checkpoints=5), evaluate=evaluate)
    assert [p["step"] for p in result.trajectory] == [0, 4, 8, 12, 16]
    assert len(calls) == 5 and result.final["step"] == 16 and 0.0 <= result.final["accuracy"] <= 1.0


def test_training_is_reproducible_with_a_seed():
    runs = []
    for _ in range(2):
        student = load_student("tiny-random-bert", "classifier", ("negative", "positive"), seed=7)
        train(student, _data(), TrainSettings(epochs=2, batch_size=4, seed=7))
        runs.append(predict_classes(student, _data()).logits)
    assert (runs[0] == runs[1]).all()


def test_predictions_keep_row_order_despite_length_sorting():
    student = load_student("tiny-random-bert", "classifier", ("negative", "positive"), seed=0)
    data = Dataset.from_dict({"text": ["a", "a much longer sentence with many words in it", "mid size text"],
                              "label": [0, 1, 0]})
    together = predict_classes(student, data, batch_size=2).logits
    one_by_one = [predict_classes(student, data.select([i]), batch_size=1).logits[0] for i in range(3)]
    assert all(torch.allclose(torch.tensor(together[i]), torch.tensor(one_by_one[i]), atol=1e-5) for i in range(3))


def test_bad_settings_and_kinds_fail_clearly():
    with pytest.raises(ValueError, match="unknown loss"):
        TrainSettings(loss="mse")
    from synthlib.config import ConfigError

    with pytest.raises(ConfigError, match="needs label_names"):
        load_student("tiny-random-bert", "classifier")
    with pytest.raises(ConfigError, match="is a classifier model, not a seq2seq"):
        load_student("tiny-random-bert", "seq2seq")
    with pytest.raises(ConfigError, match="is a teacher"):
        load_student("stand-in-scripted", "causal")


def _causal_batch(vocab=100):
    torch.manual_seed(0)
    ids = torch.randint(0, vocab, (3, 12))
    mask = torch.ones_like(ids)
    mask[2, 9:] = 0  # a right-padded row
    labels = ids.clone()
    labels[:, :5] = -100  # prompt positions carry no loss
    labels[2, 9:] = -100
    return {"input_ids": ids, "attention_mask": mask}, labels


def _tiny_causal_models():
    from peft import LoraConfig, get_peft_model
    from transformers import Gemma3ForCausalLM, Gemma3TextConfig, GPT2Config, GPT2LMHeadModel

    torch.manual_seed(0)
    gpt2 = GPT2LMHeadModel(GPT2Config(n_layer=2, n_embd=32, n_head=2, vocab_size=100))
    gemma = Gemma3ForCausalLM(Gemma3TextConfig(num_hidden_layers=2, hidden_size=32, intermediate_size=64, head_dim=16,
                                               num_attention_heads=2, num_key_value_heads=1, vocab_size=100,
                                               final_logit_softcapping=30.0))
    lora = get_peft_model(GPT2LMHeadModel(GPT2Config(n_layer=2, n_embd=32, n_head=2, vocab_size=100)),
                          LoraConfig(r=4, lora_alpha=4, target_modules="all-linear", init_lora_weights=False))
    return {"gpt2": gpt2, "gemma-softcapped": gemma, "gpt2-lora": lora}


@pytest.mark.parametrize("name", ["gpt2", "gemma-softcapped", "gpt2-lora"])
@pytest.mark.parametrize("loss", ["ce", "sce"])
def test_loss_on_labelled_positions_equals_the_full_computation(name, loss):
    from synthlib.students.losses import compute_loss
    from synthlib.students.training import labelled_logits

    model = _tiny_causal_models()[name].eval()
    inputs, labels = _causal_batch()
    full = model(**inputs).logits[:, :-1, :]
    expected = compute_loss(loss, full, labels[:, 1:])
    logits, kept = labelled_logits(model, inputs, labels)
    assert logits.shape[0] == int((labels[:, 1:] != -100).sum()) < full.shape[0] * full.shape[1]
    assert compute_loss(loss, logits, kept).item() == pytest.approx(expected.item(), rel=1e-5)
    # gradients agree too (LoRA: only the adapters train)
    grads = []
    for value in (compute_loss(loss, model(**inputs).logits[:, :-1, :], labels[:, 1:]),
                  compute_loss(loss, *labelled_logits(model, inputs, labels))):
        model.zero_grad()
        value.backward()
        grads.append([p.grad.clone() for p in model.parameters() if p.requires_grad and p.grad is not None])
    assert len(grads[0]) == len(grads[1]) > 0
    assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(*grads, strict=True))
