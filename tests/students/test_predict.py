import pytest
import torch

from synthlib.students import generate_texts, load_student


def test_seq2seq_generation_energy_equals_a_teacher_forced_recomputation():
    student = load_student("tiny-random-t5", "seq2seq", seed=1)
    sources = ["question: what is two plus two?", "premise: cats sleep. hypothesis: cats rest."]
    texts, energies = generate_texts(student, sources, max_new_tokens=6, with_energy=True)
    assert len(texts) == len(energies) == 2
    tokenizer, model = student.tokenizer, student.model
    for source, energy in zip(sources, energies):
        encoded = tokenizer(source, return_tensors="pt", return_token_type_ids=False)
        generated = model.generate(**encoded, max_new_tokens=6, do_sample=False)[0]
        with torch.no_grad():
            logits = model(**encoded, decoder_input_ids=generated[None, :-1]).logits[0]
        steps = generated[1:]
        keep = torch.ones(len(steps), dtype=torch.bool)
        keep[1:] = steps[1:] != tokenizer.pad_token_id
        expected = (-torch.logsumexp(logits, dim=-1))[keep].mean().item()
        assert energy == pytest.approx(expected, rel=1e-4, abs=1e-4)


def test_classifier_students_cannot_generate():
    student = load_student("tiny-random-bert", "classifier", ("a", "b"))
    with pytest.raises(ValueError, match="seq2seq or causal"):
        generate_texts(student, ["x"])


def test_choice_logprobs_prefer_the_choice_a_student_was_trained_on():
    import datasets

    from synthlib.students import TrainSettings, load_student, train
    from synthlib.students.predict import choice_logprobs

    student = load_student("tiny-random-gpt2", "causal", seed=0)
    rows = [{"source": "Is the sky blue? Answer:", "target": "yes"}] * 16
    before = choice_logprobs(student, ["Is the sky blue? Answer:"], ["yes", "no"])
    train(student, datasets.Dataset.from_list(rows), TrainSettings(epochs=3, batch_size=4, learning_rate=5e-3),
          inputs=("source",), target="target")
    after = choice_logprobs(student, ["Is the sky blue? Answer:"], ["yes", "no"])
    assert before.shape == (1, 2) and (after <= 0).all()
    assert after[0, 0] - after[0, 1] > before[0, 0] - before[0, 1]
    assert after[0, 0] > after[0, 1]
