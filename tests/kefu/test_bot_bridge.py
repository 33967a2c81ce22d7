"""The running app switches to a newly trained model without a restart."""
import shutil

from kefu.extensions import socketio
from tests.conftest import INTENTS_DIR
from tests.helpers import events, send, session_of

GIFT_CARDS = """\
intents:
  - id: gift_cards
    title: {zh: 礼品卡, en: Gift cards}
    answer:
      zh: 我们有 100 元、200 元和 500 元的电子礼品卡。
      en: We sell e-gift cards of 100, 200 and 500 yuan.
    examples:
      - do you sell gift cards
      - gift card for my mum
      - can i buy a giftcard
      - how do gift vouchers work
      - e gift card options
      - 有礼品卡吗
      - 想买张礼品卡送人
      - 礼品卡怎么买
      - 电子礼品卡有哪些面额
      - 礼物卡
"""


def ask(app, text):
    sio = socketio.test_client(app, namespace="/visitor", auth={"locale": "en"})
    session_of(sio)
    send(sio, text)
    replies = events(sio, "message")
    sio.disconnect("/visitor")
    return replies[0]


def test_a_model_trained_by_another_process_is_served_without_restart(
        app_factory, tmp_path, trained_model_dir):
    import bot

    intents, model = tmp_path / "intents", tmp_path / "model"
    shutil.copytree(INTENTS_DIR, intents)
    shutil.copytree(trained_model_dir, model)
    app = app_factory(INTENTS_DIR=str(intents), MODEL_DIR=str(model),
                      BOT_RELOAD_CHECK_SECONDS=0)
    before = ask(app, "do you sell gift cards")
    assert before["intent"] != "gift_cards"
    old_fingerprint = app.extensions["kefu_bot"].get().fingerprint

    (intents / "gift_cards.yaml").write_text(GIFT_CARDS)
    bot.train(intents, model)  # what `kefu train` does in another process

    after = ask(app, "do you sell gift cards")
    assert after["sender"] == "bot" and after["intent"] == "gift_cards"
    assert app.extensions["kefu_bot"].get().fingerprint != old_fingerprint


def test_a_missing_model_is_trained_on_first_use(app_factory, tmp_path):
    app = app_factory(MODEL_DIR=str(tmp_path / "empty-model"))
    reply = ask(app, "how long does shipping take")
    assert reply["intent"] == "shipping_time"
    assert (tmp_path / "empty-model" / "metadata.json").exists()
