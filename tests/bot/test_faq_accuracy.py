"""The demo FAQ answers realistic questions it never saw, and lets off-topic ones go to a person."""


def test_held_back_questions_get_the_right_intent_often_enough(
        demo_bot, heldout):
    questions = heldout["questions"]
    assert len(questions) >= 60
    wrong = [(q["text"], q["intent"], d.action, d.intent)
             for q in questions for d in [demo_bot.decide(q["text"])]
             if d.intent != q["intent"]]
    accuracy = 1 - len(wrong) / len(questions)
    assert accuracy >= heldout["bars"]["accuracy"], wrong


def test_held_back_questions_are_mostly_answered_outright_and_those_answers_are_right(
        demo_bot, heldout):
    decisions = [(q, demo_bot.decide(q["text"])) for q in heldout["questions"]]
    answered = [(q, d) for q, d in decisions if d.action == "answer"]
    assert len(answered) >= 0.6 * len(decisions)
    right = sum(d.intent == q["intent"] for q, d in answered)
    assert right >= 0.95 * len(answered)


def test_held_back_questions_are_answered_in_their_own_language(demo_bot, heldout):
    for q in heldout["questions"]:
        expected = "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in q["text"]) else "en"
        if expected == "en" or sum("\u4e00" <= ch <= "\u9fff" for ch in q["text"]) >= 2:
            assert demo_bot.decide(q["text"], locale="en" if expected == "zh" else "zh").language \
                == expected, q["text"]


def test_off_topic_questions_escalate_and_are_never_answered(demo_bot, heldout):
    offtopic = heldout["offtopic"]
    decisions = {text: demo_bot.decide(text) for text in offtopic}
    escalated = [t for t, d in decisions.items() if d.action == "escalate"]
    answered = [t for t, d in decisions.items() if d.action == "answer"]
    assert len(escalated) >= 0.85 * len(offtopic), sorted(set(offtopic) - set(escalated))
    assert len(answered) <= heldout["bars"]["offtopic_answered"] * len(offtopic), answered
    for text in escalated:
        assert decisions[text].reason == "low_confidence"


def test_near_miss_development_set_keeps_its_level(demo_bot):
    """nearmiss_dev.yaml: shop questions that name a provider the shop works with (PayPal,
    支付宝, DHL, a competitor's price) are answered; of the questions about other companies in
    shop words, no more are answered than when the set was written (6 of 40 with the encoder,
    9 of 40 without: a regression guard, the issue's target is at most 5%)."""
    import yaml
    from tests.bot.conftest import DATA

    data = yaml.safe_load((DATA / "nearmiss_dev.yaml").read_text(encoding="utf-8"))
    missed = [q["text"] for q in data["questions"]
              for d in [demo_bot.decide(q["text"])]
              if (d.action, d.intent) != ("answer", q["intent"])]
    assert len(missed) <= 0.1 * len(data["questions"]), missed
    answered = [t for t in data["offtopic"] if demo_bot.decide(t).action == "answer"]
    bar = 0.15 if demo_bot.classifier.uses_encoder else 0.225
    assert len(answered) <= bar * len(data["offtopic"]), answered
