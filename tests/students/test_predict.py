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
