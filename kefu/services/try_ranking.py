"""The studio's "Try it": the live model with the answers the files hold now, and its top five.

An editor who changes an answer wants to see it at once, without a retrain: the
classifier only learned the examples, so the live model can rank a question
and the intents read from the files now can answer it, as long as every
intent the model knows is still in the files. When examples changed, the
ranking is the old model's until a retrain, and the page says so.
"""
import copy

import numpy as np

__all__ = ["bot_with_intents", "top_intents"]


def bot_with_intents(live, intents_dir):
    """``(bot, behind)``: ``live`` answering from the files' intents, and whether a retrain is due.

    Falls back to ``live`` itself (``behind`` True) when the files have errors
    or lack an intent the model can predict.
    """
    from bot.intents import IntentFileError, load_intents

    try:
        intents = load_intents(intents_dir)
    except IntentFileError:
        return live, True
    if not set(live.intents.ids) <= set(intents.ids):
        return live, True
    behind = intents.training_pairs() != live.intents.training_pairs()
    bot = copy.copy(live)  # a FaqBot never changes after it is built; this one answers anew
    bot.intents = intents
    return bot, behind


def top_intents(bot, text, k=5):
    """The ``k`` likeliest intents for ``text`` with their probabilities, best first.

    `FaqBot.classify` gives the first three; the rest come from the same
    scores (temperature-scaled softmax over the intents, the off-topic class
    left out), so the first three agree with what the bot decides on.
    """
    top3, _ = bot.classify(text)
    try:
        scores, _, _ = bot.classifier.analyze_one(text)
        classes = [str(c) for c in bot.classifier.classes_]
        z = np.exp((scores - scores.max()) / float(bot.classifier.temperature_))
    except (AttributeError, TypeError, ValueError):  # a classifier without these parts
        return top3[:k]
    keep = [i for i, name in enumerate(classes) if name in bot.intents.by_id]
    total = float(sum(z[i] for i in keep)) or 1.0
    ranked = sorted(((classes[i], float(z[i]) / total) for i in keep), key=lambda r: -r[1])
    return ranked[:k]


def pending_examples(live, intents_dir) -> int:
    """How many examples the files have that the live model was not trained on, or lost since."""
    from bot.intents import IntentFileError, load_intents

    try:
        intents = load_intents(intents_dir)
    except IntentFileError:
        return 0
    now = set(zip(*intents.training_pairs()))
    trained = set(zip(*live.intents.training_pairs()))
    return len(now ^ trained)
