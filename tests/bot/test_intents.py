"""Specification of bot.intents and `python -m bot validate`.

Each test writes real YAML files under ``tmp_path/intents`` and runs from
``tmp_path``, so problems read exactly as an editor sees them:
``intents/<file>:<line>: <severity>: <message>``.
"""
import os
import pickle
import random
import textwrap
from pathlib import Path

import pytest

from bot.intents import (
    Intent, IntentFileError, Problem, fingerprint_dir, load_intents, validate_intents,
)
from bot.validate_cli import main

SHIPPED_INTENTS = Path(__file__).resolve().parents[2] / "intents"


@pytest.fixture
def faq(tmp_path, monkeypatch):
    """Return ``write(name, yaml_text)``, which puts a file under ``intents/``."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "intents").mkdir()

    def write(name, text):
        path = tmp_path / "intents" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write


def problems(path="intents"):
    return [str(problem) for problem in validate_intents(path).problems]


ORDERS = """\
intents:
  - id: order_status
    title: {zh: 订单状态, en: Order status}
    answer: {zh: 在“我的订单”查看。, en: See My orders.}
    examples: [我的订单到哪了, 查订单, where is my order, order status, track my order]
"""


# --- Valid files -------------------------------------------------------------


def test_valid_files_load_recursively_in_sorted_file_order_with_every_field(faq):
    faq("orders.yaml", ORDERS)
    faq("more/shipping.yml", """
        # Shipping
        intents:
          - id: shipping_time
            title:
              zh: 发货时间
              en: Shipping time
            answer:
              zh: |
                24 小时内发货。
              en:
                - Ships within 24 hours.
                - We ship in a day.
            examples:
              - 什么时候发货
              - 几天能到
              - how long does shipping take
              - when will it ship
              - 发货要多久 how long
            quick_replies:
              zh: [运费多少]
              en: Shipping cost
            links:
              - title: {zh: 配送说明, en: Shipping policy}
                url: /help/shipping
              - title: {en: Carrier}
                url: https://carrier.example/track
            handoff: true
        """)

    intents = load_intents("intents")

    assert intents.ids == ("shipping_time", "order_status")  # "more/shipping.yml" < "orders.yaml"
    shipping = intents.by_id["shipping_time"]
    assert shipping.title == {"zh": "发货时间", "en": "Shipping time"}
    assert shipping.answers == {"zh": ("24 小时内发货。",), "en": ("Ships within 24 hours.", "We ship in a day.")}
    assert shipping.examples[-1] == "发货要多久 how long"
    assert shipping.quick_replies == {"zh": ("运费多少",), "en": ("Shipping cost",)}
    assert [(link.title, link.url) for link in shipping.links] == [
        ({"zh": "配送说明", "en": "Shipping policy"}, "/help/shipping"),
        ({"en": "Carrier"}, "https://carrier.example/track"),
    ]
    assert shipping.handoff is True
    assert (shipping.source, shipping.line) == ("intents/more/shipping.yml", 3)
    assert intents.by_id["order_status"].handoff is False
    assert len(intents) == 2 and list(intents) == list(intents.intents)


def test_answer_picks_a_variant_and_wraps_around_the_index():
    intent = Intent("x", {"en": "X"}, {"en": ("first", "second")}, ())
    assert [intent.answer("en", i) for i in range(3)] == ["first", "second", "first"]


def test_answer_and_title_fall_back_to_the_other_language():
    intent = Intent("refund", {"zh": "退款"}, {"en": ("Refunds take 3 days.",)}, ())
    assert intent.answer("zh") == "Refunds take 3 days."
    assert intent.title_for("en") == "退款"
    assert intent.title_for("fr") == "退款"


def test_training_pairs_are_raw_examples_labelled_with_their_intent_id(faq):
    faq("orders.yaml", ORDERS)
    texts, labels = load_intents("intents").training_pairs()
    assert texts == ["我的订单到哪了", "查订单", "where is my order", "order status", "track my order"]
    assert labels == ["order_status"] * 5


def test_fingerprint_changes_when_any_file_is_edited_added_renamed_or_removed(faq):
    path = faq("orders.yaml", ORDERS)
    fingerprints = [load_intents("intents").fingerprint]
    path.write_text(ORDERS + "# a comment\n", encoding="utf-8")
    fingerprints.append(load_intents("intents").fingerprint)
    extra = faq("zz.yaml", "intents: []\n")
    fingerprints.append(load_intents("intents").fingerprint)
    extra = extra.rename(extra.with_name("zz2.yaml"))
    fingerprints.append(load_intents("intents").fingerprint)
    extra.unlink()
    fingerprints.append(load_intents("intents").fingerprint)

    assert len(set(fingerprints[:4])) == 4
    assert fingerprints[4] == fingerprints[1]  # same files, same bytes: same fingerprint


def test_a_file_edited_within_the_clock_resolution_is_read_again(faq):
    """Parsed files are remembered by their bytes (bot.intent_file), never by name,
    size and modification time, which an edit within the same clock tick keeps."""
    path = faq("orders.yaml", ORDERS)
    stat = path.stat()
    assert "track my parcel" not in load_intents("intents").by_id["order_status"].examples
    edited = ORDERS.replace("where is my order", "track my parcel!!")
    assert len(edited.encode()) == stat.st_size
    path.write_text(edited, encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert "track my parcel!!" in load_intents("intents").by_id["order_status"].examples


def test_the_same_bytes_under_another_name_carry_that_name(faq, tmp_path):
    faq("orders.yaml", ORDERS)
    faq("broken.yaml", "intents: [")
    (tmp_path / "copy").mkdir()
    for name in ("orders.yaml", "broken.yaml"):
        (tmp_path / "copy" / name).write_bytes((tmp_path / "intents" / name).read_bytes())
    first, second = validate_intents("intents"), validate_intents("copy")
    assert {i.source for i in first.intents} == {"intents/orders.yaml"}
    assert {i.source for i in second.intents} == {"copy/orders.yaml"}
    assert [p.file for p in first.problems] == ["intents/broken.yaml"]
    assert [p.file for p in second.problems] == ["copy/broken.yaml"]
    assert [p.message for p in first.problems] == [p.message for p in second.problems]


def test_fingerprint_dir_matches_the_loaded_set_without_parsing(faq):
    faq("orders.yaml", ORDERS)
    assert fingerprint_dir("intents") == load_intents("intents").fingerprint
    faq("broken.yaml", "intents: [")
    assert fingerprint_dir("intents") == validate_intents("intents").intents.fingerprint


def test_intent_set_survives_pickling_for_saved_models(faq):
    faq("orders.yaml", ORDERS)
    intents = load_intents("intents")
    assert intents.by_id["order_status"].title_for("en") == "Order status"
    copy = pickle.loads(pickle.dumps(intents))
    assert copy == intents and hash(copy.intents) == hash(intents.intents)
    assert copy.by_id["order_status"] == intents.by_id["order_status"]


def test_hidden_files_and_other_extensions_are_ignored(faq):
    faq("orders.yaml", ORDERS)
    faq(".#orders.yaml", "not: [valid")
    faq(".drafts/new.yaml", "not: [valid")
    faq("notes.txt", "not: [valid")
    assert problems() == []


def test_load_intents_refuses_a_set_with_errors_and_lists_them_all(faq):
    faq("orders.yaml", ORDERS.replace("order_status", "Order-Status"))
    with pytest.raises(IntentFileError) as raised:
        load_intents("intents")
    assert [str(p) for p in raised.value.problems] == [
        'intents/orders.yaml:2: error: bad id "Order-Status": use lowercase letters, digits and _, '
        "starting with a letter",
    ]
    assert "intents/orders.yaml:2: error: bad id" in str(raised.value)


def test_problems_print_like_compiler_messages():
    problem = Problem("intents/shipping.yaml", 12, 'duplicate example "x"')
    assert str(problem) == 'intents/shipping.yaml:12: error: duplicate example "x"'
    assert str(Problem("intents", 0, "no such directory")) == "intents: error: no such directory"


def test_shipped_faq_is_valid():
    report = validate_intents(SHIPPED_INTENTS)
    assert len(report.intents) > 0, f"no intents under {SHIPPED_INTENTS}"
    assert [str(p) for p in report.errors] == []


# --- File-level errors -------------------------------------------------------


def test_bad_yaml_names_the_line_the_parser_stopped_at(faq):
    faq("orders.yaml", """
        intents:
          - id: order_status
            title: {en: Order status
            answer: {en: See My orders.}
        """)
    assert problems() == [
        "intents/orders.yaml:4: error: invalid YAML: expected ',' or '}', but got ':' "
        "(while parsing a flow mapping at line 3); inside [...] and {...}, "
        "put texts containing ? : , [ ] { } in quotes",
    ]


def test_question_mark_inside_a_flow_list_gets_a_hint(faq):
    faq("orders.yaml", ORDERS.replace("track my order]", "track my order, where is it?]"))
    assert problems() == [
        "intents/orders.yaml:5: error: invalid YAML: expected ',' or ']', but got '?' "
        "(while parsing a flow sequence at line 5); inside [...] and {...}, "
        "put texts containing ? : , [ ] { } in quotes",
    ]


def test_tab_indentation_gets_a_hint(faq):
    faq("orders.yaml", "intents:\n  - id: order_status\n\ttitle: {en: Order status}\n")
    assert problems() == [
        "intents/orders.yaml:3: error: invalid YAML: found character '\\t' that cannot start any token "
        "(while scanning for the next token); indent with spaces, not tabs",
    ]


def test_file_that_is_not_utf8_is_an_error_on_the_offending_line(faq):
    path = faq("orders.yaml", ORDERS)
    path.write_bytes(path.read_bytes().replace("订单状态".encode(), "订单状态".encode("gbk")))
    assert problems() == ["intents/orders.yaml:3: error: file is not valid UTF-8"]


@pytest.mark.parametrize("text, expected", [
    ("", "intents/x.yaml:1: error: file is empty; expected `intents:` followed by a list of intents"),
    ("- id: a\n", "intents/x.yaml:1: error: expected a mapping with an `intents:` list at the top"),
    ("# FAQ\nintent:\n  - id: a\n", "intents/x.yaml:2: error: expected a mapping with an `intents:` list at the top"),
    ("# FAQ\nintents:\n  id: a\n", "intents/x.yaml:2: error: `intents` must be a list, not a mapping"),
    ("intents:\n", "intents/x.yaml:1: error: `intents` must be a list, not empty"),
])
def test_top_level_must_be_a_mapping_with_an_intents_list(faq, text, expected):
    faq("x.yaml", text)
    assert problems() == [expected]


def test_file_without_intents_is_only_a_warning(faq):
    faq("orders.yaml", ORDERS)
    faq("later.yaml", "intents: []\n")
    assert problems() == ["intents/later.yaml:1: warning: this file defines no intents"]


def test_unknown_top_level_key_is_an_error(faq):
    faq("orders.yaml", "topic: orders\n" + ORDERS)
    assert problems() == [
        'intents/orders.yaml:1: error: unknown key "topic" at the top level (allowed: intents)',
    ]


def test_missing_or_empty_directory_is_an_error(faq):
    assert problems("nowhere") == ["nowhere: error: no such directory"]
    assert problems("intents") == ["intents: error: no .yaml or .yml files found"]


# --- Errors in one intent ----------------------------------------------------


def test_unknown_key_names_the_allowed_keys_and_the_likely_one(faq):
    faq("orders.yaml", ORDERS + "    answers: {en: typo}\n")
    assert problems() == [
        'intents/orders.yaml:6: error: unknown key "answers" in intent (did you mean "answer"? '
        "allowed: id, title, answer, examples, quick_replies, links, handoff)",
    ]


def test_missing_required_fields_point_at_the_intent(faq):
    faq("orders.yaml", """
        intents:
          - id: order_status
            examples: [where is my order, order status, track my order, my order, order please]
          - title: {en: Nameless}
            answer: {en: Hi.}
            examples: [hello there, hi, good morning, hey, hello]
        """)
    assert problems() == [
        'intents/orders.yaml:2: error: intent "order_status" is missing "title"',
        'intents/orders.yaml:2: error: intent "order_status" is missing "answer"',
        'intents/orders.yaml:4: error: intent is missing "id"',
    ]


def test_wrong_types_are_named_on_their_own_line(faq):
    faq("orders.yaml", """
        intents:
          - id: order_status
            title: Order status
            answer: {en: See My orders.}
            examples:
              where: is my order
            handoff: maybe
          - just a string
        """)
    assert problems() == [
        "intents/orders.yaml:3: error: title must map languages to text, like {zh: ..., en: ...}, "
        'not "Order status"',
        "intents/orders.yaml:5: error: examples must be a list, not a mapping",
        'intents/orders.yaml:7: error: handoff must be true or false, not "maybe"',
        "intents/orders.yaml:8: error: each intent must be a mapping with id, title, answer and examples, "
        'not "just a string"',
    ]


def test_values_yaml_reads_as_numbers_booleans_or_dates_must_be_quoted(faq):
    faq("orders.yaml", """
        intents:
          - id: order_status
            title: {en: Order status}
            answer: {en: 404}
            examples:
              - where is my order
              - yes
              - 2024-05-12
              - order status
              - track my order
              - "404"
        """)
    assert problems() == [
        "intents/orders.yaml:4: error: answer (en) must be text, not a number (put it in quotes)",
        "intents/orders.yaml:5: error: only 4 example(s); write at least 5, the way visitors would ask",
        "intents/orders.yaml:7: error: example must be text, not true/false "
        "(YAML reads yes/no/on/off as true/false; put it in quotes)",
        "intents/orders.yaml:8: error: example must be text, not a date (put it in quotes)",
    ]


def test_id_must_be_lowercase_letters_digits_and_underscores(faq):
    faq("orders.yaml", ORDERS.replace("order_status", "2nd order"))
    assert problems() == [
        'intents/orders.yaml:2: error: bad id "2nd order": use lowercase letters, digits and _, '
        "starting with a letter",
    ]


def test_key_written_twice_is_an_error_because_yaml_would_silently_keep_the_last(faq):
    faq("orders.yaml", ORDERS + "    answer: {zh: 另一个答案。, en: Second answer.}\n")
    assert problems() == [
        'intents/orders.yaml:6: error: key "answer" appears twice in the same mapping (first at line 4)',
    ]


def test_fewer_than_five_examples_is_an_error(faq):
    faq("orders.yaml", """
        intents:
          - id: order_status
            title: {en: Order status}
            answer: {en: See My orders.}
            examples:
              - where is my order
              - order status
        """)
    assert problems() == [
        "intents/orders.yaml:5: error: only 2 example(s); write at least 5, the way visitors would ask",
    ]


def test_answer_is_required_in_every_language_the_examples_use(faq):
    faq("orders.yaml", """
        intents:
          - id: order_status
            title: {en: Order status}
            answer:
              en: See My orders.
            examples:
              - where is my order
              - order status
              - track my order
              - has my order shipped
              - 我的订单到哪了
        """)
    assert problems() == [
        'intents/orders.yaml:4: error: no "zh" answer, but examples use zh (e.g. "我的订单到哪了" at line 11)',
    ]


def test_mixed_language_example_needs_answers_in_both_languages(faq):
    faq("orders.yaml", """
        intents:
          - id: order_status
            title: {zh: 订单状态}
            answer: {zh: 在“我的订单”查看。}
            examples: [我的订单到哪了, 查订单, 订单状态, 订单到哪了, 我的order到哪了]
        """)
    assert problems() == [
        'intents/orders.yaml:4: error: no "en" answer, but examples use en (e.g. "我的order到哪了" at line 5)',
    ]


def test_empty_texts_are_errors(faq):
    faq("orders.yaml", """
        intents:
          - id: order_status
            title: {zh: 订单状态, en: ""}
            answer:
              zh: "  "
              en: []
            examples: [我的订单到哪了, 查订单, where is my order, order status, track my order, ""]
            quick_replies: {}
        """)
    assert problems() == [
        "intents/orders.yaml:3: error: title (en) is empty",
        "intents/orders.yaml:5: error: answer (zh) is empty",
        "intents/orders.yaml:6: error: answer (en) is an empty list",
        "intents/orders.yaml:7: error: example is empty",
        "intents/orders.yaml:8: error: quick_replies is empty",
    ]


def test_only_zh_and_en_are_languages(faq):
    faq("orders.yaml", ORDERS.replace("{zh: 订单状态, en: Order status}", "{zh: 订单状态, fr: Commande}"))
    assert problems() == [
        'intents/orders.yaml:3: error: unknown key "fr" in title (allowed: zh, en)',
    ]


@pytest.mark.parametrize("url", ["help/shipping", "//evil.example/x", "ftp://files.example", "javascript:alert(1)",
                                 "https://", "/help/a page"])
def test_link_url_must_be_http_or_a_site_path(faq, url):
    faq("orders.yaml", ORDERS + f"""\
    links:
      - title: {{en: Help}}
        url: "{url}"
""")
    assert problems() == [
        f'intents/orders.yaml:8: error: bad url "{url}": use http:// or https://, or a path starting with /',
    ]


@pytest.mark.parametrize("url", ["/help/shipping", "/", "https://kefu.example/help?q=1", "http://kefu.example"])
def test_link_url_may_be_http_or_a_site_path(faq, url):
    faq("orders.yaml", ORDERS + f"""\
    links:
      - title: {{en: Help}}
        url: "{url}"
""")
    assert problems() == []


def test_link_needs_a_title_and_a_url_and_nothing_else(faq):
    faq("orders.yaml", ORDERS + """\
    links:
      - url: /help
        target: _blank
      - Help page
""")
    assert problems() == [
        'intents/orders.yaml:7: error: link is missing "title"',
        'intents/orders.yaml:8: error: unknown key "target" in link (allowed: title, url)',
        'intents/orders.yaml:9: error: each link must be a mapping with title and url, not "Help page"',
    ]


def test_every_problem_in_every_file_is_reported_in_one_run(faq):
    faq("a.yaml", ORDERS.replace("order_status", "Bad-Id"))
    faq("b.yaml", "intents: [")
    faq("c.yaml", """
        intents:
          - id: refund
            title: Refund
            answer: {en: Three days.}
            examples: [refund, money back, return money, refund status, when is my refund]
        """)
    assert [p.split(": error")[0] for p in problems()] == ["intents/a.yaml:2", "intents/b.yaml:1", "intents/c.yaml:3"]


# --- Problems across intents and files ---------------------------------------


def test_duplicate_id_across_files_names_both_places(faq):
    faq("orders.yaml", ORDERS)
    faq("shipping.yaml", """
        intents:
          - id: shipping_time
            title: {en: Shipping time}
            answer: {en: A day.}
            examples: [when will it ship, how long is shipping, shipping time, delivery time, how fast]

          - id: order_status
            title: {en: Order status}
            answer: {en: Elsewhere.}
            examples: [order state, what state is my order, status please, is it done, progress]
        """)
    assert problems() == [
        'intents/shipping.yaml:7: error: duplicate id "order_status" (also at intents/orders.yaml:2)',
    ]


def test_same_example_under_two_intents_names_both_places_even_if_written_differently(faq):
    faq("orders.yaml", ORDERS)
    faq("tracking.yaml", """
        intents:
          - id: tracking
            title: {en: Tracking}
            answer: {en: Use the tracking number.}
            examples:
              - tracking number
              - Where  is my ORDER
              - track parcel
              - courier status
              - parcel location
        """)
    assert problems() == [
        'intents/tracking.yaml:7: error: duplicate example "Where  is my ORDER" '
        "(also under order_status at intents/orders.yaml:5)",
    ]


def test_same_example_twice_in_one_intent_is_a_warning(faq):
    faq("orders.yaml", ORDERS.replace("track my order]", "track my order, Order Status]"))
    assert problems() == [
        'intents/orders.yaml:5: warning: example "Order Status" repeats line 5 of the same intent',
    ]


def test_near_duplicate_examples_across_intents_are_warnings_that_do_not_stop_loading(faq):
    faq("orders.yaml", ORDERS)
    faq("tracking.yaml", """
        intents:
          - id: tracking
            title: {en: Tracking}
            answer: {en: Use the tracking number.}
            examples:
              - tracking number
              - where is my order?!
              - track parcel
              - courier status
              - parcel location
        """)
    assert problems() == [
        'intents/tracking.yaml:7: warning: example "where is my order?!" is nearly the same as '
        '"where is my order" under order_status at intents/orders.yaml:5',
    ]
    assert load_intents("intents").ids == ("order_status", "tracking")


def test_example_that_adds_one_word_to_another_intents_example_is_a_near_duplicate(faq):
    faq("orders.yaml", ORDERS)
    faq("tracking.yaml", """
        intents:
          - id: tracking
            title: {zh: 物流, en: Tracking}
            answer: {zh: 查看物流。, en: Use the tracking number.}
            examples:
              - track my order please
              - 我的订单到哪了呀
              - track parcel
              - courier status
              - parcel location
        """)
    assert problems() == [
        'intents/tracking.yaml:6: warning: example "track my order please" is nearly the same as '
        '"track my order" under order_status at intents/orders.yaml:5',
        'intents/tracking.yaml:7: warning: example "我的订单到哪了呀" is nearly the same as '
        '"我的订单到哪了" under order_status at intents/orders.yaml:5',
    ]


def test_similar_examples_within_one_intent_are_welcome(faq):
    faq("orders.yaml", ORDERS.replace("track my order]", "track my order, where is my order now]"))
    assert problems() == []


def test_short_examples_one_word_apart_are_different_questions(faq):
    faq("shipping.yaml", """
        intents:
          - id: shipping_time
            title: {en: Shipping time}
            answer: {en: A day.}
            examples: [shipping, when will it ship, how long is shipping, delivery time, how fast]
          - id: shipping_cost
            title: {en: Shipping cost}
            answer: {en: Free over 99.}
            examples: [shipping cost, how much is shipping, delivery fee, postage, is shipping free]
        """)
    assert problems() == []


def test_a_large_faq_of_2000_examples_in_both_scripts_validates_clean(faq):
    rng = random.Random(0)
    words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 8)))
             for _ in range(600)]
    hanzi = [chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(300)]
    lines = ["intents:"]
    for i in range(400):
        examples = [" ".join(rng.sample(words, rng.randint(2, 7))) for _ in range(3)]
        examples += ["".join(rng.sample(hanzi, rng.randint(3, 10))) for _ in range(2)]
        lines += [f"  - id: intent_{i}", "    title: {en: T}", "    answer: {zh: 答, en: A}",
                  "    examples:"] + [f"      - {example}" for example in examples]
    faq("big.yaml", "\n".join(lines) + "\n")

    report = validate_intents("intents")  # its speed: benchmarks, not a timed test

    assert sum(len(intent.examples) for intent in report.intents) == 2000
    assert report.ok


# --- python -m bot validate --------------------------------------------------


def test_cli_prints_each_problem_and_a_summary_and_fails_on_errors(faq, capsys):
    faq("orders.yaml", ORDERS)
    faq("shipping.yaml", ORDERS.replace("track my order", "ship it"))
    assert main(["intents"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        'intents/shipping.yaml:2: error: duplicate id "order_status" (also at intents/orders.yaml:2)',
        'intents/shipping.yaml:5: error: duplicate example "我的订单到哪了" '
        "(also under order_status at intents/orders.yaml:5)",
        'intents/shipping.yaml:5: error: duplicate example "查订单" (also under order_status at intents/orders.yaml:5)',
        'intents/shipping.yaml:5: error: duplicate example "where is my order" '
        "(also under order_status at intents/orders.yaml:5)",
        'intents/shipping.yaml:5: error: duplicate example "order status" '
        "(also under order_status at intents/orders.yaml:5)",
        "1 intent, 5 examples, 5 errors, 0 warnings",
    ]


def test_cli_passes_with_warnings_only_and_reads_intents_by_default(faq, capsys):
    faq("orders.yaml", ORDERS)
    faq("empty.yaml", "intents: []\n")
    assert main([]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "intents/empty.yaml:1: warning: this file defines no intents",
        "1 intent, 5 examples, 0 errors, 1 warning",
    ]


def test_cli_usage_error_exits_2(capsys):
    assert main(["a", "b"]) == 2
    assert "usage: python -m bot validate" in capsys.readouterr().err


def test_shipped_faq_passes_the_cli(capsys):
    assert main([str(SHIPPED_INTENTS)]) == 0
    assert ", 0 errors, " in capsys.readouterr().out.splitlines()[-1]
