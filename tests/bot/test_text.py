"""Specification of bot.text: what training and prediction both see of a message."""
import time

import pytest

from bot.text import detect_language, example_languages, normalize


def test_normalize_turns_full_width_letters_digits_and_punctuation_into_ascii():
    assert normalize("ＷＨＥＲＥ　ｉｓ　ｏｒｄｅｒ　１２３？！") == "where is order 123?!"


def test_normalize_maps_chinese_punctuation_to_ascii():
    assert normalize("你好，请问。订单、发票“急”《说明》【急】——") == '你好,请问.订单,发票"急"<说明>[急]--'


def test_normalize_lowercases_collapses_whitespace_and_strips():
    assert normalize("  Where\tIS \n my   ORDER  ") == "where is my order"


def test_normalize_case_folds_beyond_ascii():
    assert normalize("STRASSE Straße") == "strasse strasse"


def test_normalize_keeps_cjk_characters_as_they_are():
    assert normalize("我的订单到哪了") == "我的订单到哪了"


def test_normalize_removes_zero_width_characters_pasted_from_elsewhere():
    assert normalize("退\u200b款\ufeff") == "退款"


@pytest.mark.parametrize("text", ["ＷＨＥＲＥ ｉｓ", "你好，请问。", "  A  b ", "我的order到哪了？", ""])
def test_normalize_is_idempotent(text):
    assert normalize(normalize(text)) == normalize(text)


def test_normalize_is_fast_enough_to_run_on_every_message():
    messages = ["我的ORDER到哪了？", "Where is my order?", "ｒｅｆｕｎｄ　please"] * 10_000
    start = time.perf_counter()
    for message in messages:
        normalize(message)
    assert time.perf_counter() - start < 1.0


def test_detect_language_calls_chinese_with_english_words_chinese():
    assert detect_language("我的order到哪了") == "zh"
    assert detect_language("iPhone 15 什么时候到货") == "zh"


def test_detect_language_calls_latin_only_text_english():
    assert detect_language("where is my order?") == "en"
    assert detect_language("Où est ma commande") == "en"


def test_detect_language_calls_english_with_a_stray_chinese_word_english():
    assert detect_language("what does 退款 mean in english") == "en"


def test_detect_language_reads_full_width_letters_as_latin():
    assert detect_language("ｗｈｅｒｅ ｉｓ ｍｙ ｏｒｄｅｒ") == "en"


@pytest.mark.parametrize("text", ["", "   ", "12345", "👍👍", "?!", "2024-05-12"])
def test_detect_language_returns_the_fallback_when_there_are_no_letters(text):
    assert detect_language(text) == "en"
    assert detect_language(text, fallback="zh") == "zh"


def test_example_languages_names_every_script_the_example_uses():
    assert example_languages("什么时候发货") == {"zh"}
    assert example_languages("when will it ship") == {"en"}
    assert example_languages("发货要多久 how long") == {"zh", "en"}
    assert example_languages("12345 👍") == set()
