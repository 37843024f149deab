"""Word normalisation of the 13-gram filter and the contamination measure: every script survives."""

import pytest

from synthlib.filters.decontaminate import NgramDecontaminator, normalise_words, word_ngrams
from synthlib.metrics.text import ngram_contamination


def test_accented_letters_stay_inside_their_words():
    assert normalise_words("Zürich Müller, São Paulo; Dvořák's Ångström 2nd café") == [
        "zürich", "müller", "são", "paulo", "dvořák", "s", "ångström", "nd", "café"]


def test_composed_and_decomposed_accents_give_the_same_word():
    assert normalise_words("e\u0301te\u0301") == normalise_words("\u00e9t\u00e9") == ["été"]


def test_greek_and_cyrillic_words_survive_and_fold_case():
    assert normalise_words("«ΟΔΥΣΣΕΥΣ» ταξίδεψε, 10 χρόνια!") == ["οδυσσευσ", "ταξίδεψε", "χρόνια"]
    assert normalise_words("Привет, МИР — 2024 год.") == ["привет", "мир", "год"]


def test_cjk_counts_one_word_per_character_and_odd_whitespace_separates():
    assert normalise_words("東京都に住む。") == ["東", "京", "都", "に", "住", "む"]
    assert normalise_words("one\u00a0two\u2009three\u3000four\tfive\u200bsix") == [
        "one", "two", "three", "four", "five", "six"]


@pytest.mark.parametrize("text", ["", "   ", "123 456", "!!! ... ---", "\u00a0\u2028"])
def test_texts_without_letters_have_no_words_and_no_ngrams(text):
    assert normalise_words(text) == []
    assert word_ngrams(text, 2) == set()


def test_twelve_accented_words_are_not_counted_as_thirteen():
    # the old ASCII-only rule split every word at its accent: 12 words became 13+ "words"
    text = "Jürgen Müller fährt über die Brücke nach Zürich und später zurück nach Köln"
    assert len(normalise_words(text)) == 13
    twelve = "Jürgen Müller fährt über die Brücke nach Zürich und später zurück nach"
    assert len(normalise_words(twelve)) == 12 and word_ngrams(twelve) == set()


@pytest.mark.parametrize("language,test_text", [
    ("greek", "Η γρήγορη καφέ αλεπού πηδά πάνω από τον τεμπέλη σκύλο δίπλα στο ποτάμι κάθε πρωί του καλοκαιριού"),
    ("russian", "Быстрая коричневая лиса прыгает через ленивую собаку возле реки каждое утро прошлым летом снова"),
    ("chinese", "敏捷的棕色狐狸每天早上都跳过河边那只懒惰的狗"),
])
def test_a_verbatim_non_latin_copy_is_caught_and_a_different_text_is_not(language, test_text):
    copy = f"Intro: {test_text.upper()} — end."
    other = "Совсем другой текст без общих слов с проверочным набором, в нём ровно столько слов, сколько нужно."
    guard = NgramDecontaminator([test_text])
    assert guard.contaminated(copy), language
    assert not guard.contaminated(other)
    assert ngram_contamination([copy, other], [test_text]) == 0.5
