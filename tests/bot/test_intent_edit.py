"""Round-trip editing of intent files: only the changed values change, byte for byte elsewhere."""
from pathlib import Path

import pytest

from bot.intent_edit import IntentDraft, add_intent, read_drafts, remove_intent, replace_intent
from bot.intents import validate_intents
from bot.yaml_lines import guess_indent

DEMO = sorted((Path(__file__).resolve().parents[2] / "intents").glob("*.yaml"))

FILE = """\
# Orders: a comment at the top stays.
intents:
  - id: order_status   # the id's comment stays
    title: {zh: 订单状态, en: Order status}
    answer:
      en: "See **My orders**."
    examples:
      - where is my order
      - order status
      - "track my order"
      - is my order on its way
      - has my order shipped   # a comment on the last example

  # The next section's heading stays above it.
  - id: cancel_order
    title: {en: Cancel}
    answer: {en: Cancel it in My orders.}
    examples: [cancel my order, cancel order, stop my order, i want to cancel, cancel it please]
"""


@pytest.mark.parametrize("path", DEMO, ids=lambda p: p.name)
def test_every_demo_intent_written_back_unchanged_is_byte_identical(path):
    text = path.read_text(encoding="utf-8")
    for draft in read_drafts(text):
        assert replace_intent(text, draft.id, draft) == text


def test_changing_one_answer_changes_one_line():
    draft = read_drafts(FILE)[0]
    draft.answers["en"] = ["See **My orders**, top right."]
    new = replace_intent(FILE, "order_status", draft)
    changed = [(a, b) for a, b in zip(FILE.splitlines(), new.splitlines()) if a != b]
    assert changed == [('      en: "See **My orders**."', '      en: "See **My orders**, top right."')]


def test_an_example_added_at_the_end_goes_before_the_blank_line_and_the_next_heading():
    draft = read_drafts(FILE)[0]
    draft.examples.append("yes")  # YAML 1.1 would read it as true: the writer quotes it
    new = replace_intent(FILE, "order_status", draft)
    assert ("      - has my order shipped   # a comment on the last example\n"
            "      - 'yes'\n\n  # The next section's heading stays above it.\n  - id: cancel_order"
            in new) or ("      - \"yes\"\n\n  # The next section" in new)
    assert new.replace("      - 'yes'\n", "").replace('      - "yes"\n', "") == FILE


def test_removing_an_example_keeps_the_others_and_their_comments():
    draft = read_drafts(FILE)[0]
    draft.examples.remove("order status")
    new = replace_intent(FILE, "order_status", draft)
    assert new == FILE.replace("      - order status\n", "")


def test_a_flow_list_stays_a_flow_list():
    draft = read_drafts(FILE)[1]
    draft.examples[1] = "cancel the order"
    new = replace_intent(FILE, "cancel_order", draft)
    assert "    examples: [cancel my order, cancel the order, stop my order," in new


def test_rename_add_and_remove(tmp_path):
    draft = read_drafts(FILE)[1]
    draft.id = "order_cancel"
    renamed = replace_intent(FILE, "cancel_order", draft)
    assert renamed == FILE.replace("id: cancel_order", "id: order_cancel")
    new = IntentDraft(id="refund_time", title={"en": "Refund time"}, answers={"en": ["3-5 days."]},
                      examples=["refund time", "when is my refund", "how long refund",
                                "refund days", "money back when"], quick_replies={"en": ["Cancel"]})
    added = add_intent(renamed, new)
    assert added.startswith(renamed.rstrip("\n") + "\n\n  - id: refund_time\n")
    (tmp_path / "orders.yaml").write_text(added, encoding="utf-8")
    assert validate_intents(tmp_path).ok
    assert remove_intent(added, "refund_time") == renamed
    removed = remove_intent(FILE, "order_status")
    assert removed.startswith("# Orders: a comment at the top stays.\nintents:\n"
                              "  # The next section's heading stays above it.\n  - id: cancel_order")


def test_the_writer_keeps_the_files_own_indentation():
    flush = "intents:\n- id: a\n  examples:\n  - one\n"
    assert guess_indent(flush) == (2, 2, 0)
    assert guess_indent(FILE) == (2, 4, 2)
    draft = read_drafts(flush)[0]
    draft.examples.append("two")
    assert replace_intent(flush, "a", draft) == flush + "  - two\n"
