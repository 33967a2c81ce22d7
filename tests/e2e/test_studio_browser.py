"""An editor in a real browser: log in, change an answer, check the diff, save, and try it.

The server is a real ``kefu run`` on its own copy of ``intents/``. With
KEFU_SCREENSHOTS=1 the test also refreshes the studio screenshots in
docs/screenshots/.
"""
import os
import re
import shutil
from urllib.parse import quote_plus

import pytest

from bot.embedding_store import EMBEDDINGS_FILE, SEED_ENV_VAR
from kefu.config import PROJECT_ROOT
from tests.conftest import copy_intents
from tests.e2e.pages import log_in, new_agent
from tests.live import LiveServer

pytestmark = pytest.mark.browser

SHOTS = PROJECT_ROOT / "docs" / "screenshots"


def screenshot(page, name):
    """Refresh docs/screenshots/<name>.png when asked to (KEFU_SCREENSHOTS=1)."""
    if os.environ.get("KEFU_SCREENSHOTS") == "1":
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


@pytest.fixture(scope="module")
def studio_server(tmp_path_factory, trained_model_dir):
    """A live server whose intent files are a copy the test may change."""
    root = tmp_path_factory.mktemp("studio-live")
    intents = copy_intents(root / "intents")
    model = root / "model"
    shutil.copytree(trained_model_dir, model)
    # Retrain's `bot train` and `bot eval` children reuse the session model's embeddings.
    server = LiveServer(root / "instance", model, env={
        "KEFU_INTENTS_DIR": str(intents),
        SEED_ENV_VAR: str(trained_model_dir / EMBEDDINGS_FILE)}).start()
    server.intents = intents
    yield server
    server.stop()


def test_an_editor_changes_an_answer_and_try_it_shows_the_new_one(browser, studio_server):
    email, password = new_agent(studio_server, name="Eda", role="editor")
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, studio_server.url, email, password)
    page.wait_for_url(re.compile(r".*/studio/$"))
    assert page.locator("[data-role=intents] tbody tr").count() == 36
    screenshot(page, "studio-list-en")
    # A running server has its model loaded; this fresh one loads it now, before any edit
    # (a first load after an edit retrains from the files, which takes a while).
    page.goto(studio_server.url + "/studio/try?q=hello")
    page.locator("[data-role=result]").wait_for()
    page.goto(studio_server.url + "/studio/")

    page.fill("input[name=q]", "hours")
    page.click(".filters button[type=submit]")
    page.click("a[href='/studio/intents/opening_hours']")
    page.wait_for_url(re.compile(r".*/studio/intents/opening_hours$"))
    answer = page.locator("[data-lang=en] textarea[name=answer_en]").first
    answer.fill("We are here **every day from 8:00 to 22:00**, Beijing time.")
    page.click("button[value=check]")
    page.locator("[data-role=checked]").wait_for()
    assert "+        We are here **every day from 8:00 to 22:00**, Beijing time." in \
        page.locator("[data-role=diff]").text_content()
    screenshot(page, "studio-edit-diff-en")
    page.click("button[value=save]")
    page.locator("[data-role=saved]").wait_for()
    assert "We are here **every day from 8:00 to 22:00**" in (
        studio_server.intents / "store.yaml").read_text(encoding="utf-8")
    assert page.locator("[data-lang=en] [data-role=preview] strong").first.text_content() \
        == "every day from 8:00 to 22:00"

    page.click("[data-nav=try]")
    page.fill("input[name=q]", "what are your opening hours")
    page.select_option("select[name=locale]", "en")
    page.click(".try-form button[type=submit]")
    page.locator("[data-role=result]").wait_for()
    assert page.locator("[data-role=result]").get_attribute("data-action") == "answer"
    assert page.locator("[data-role=answer] strong").text_content() == "every day from 8:00 to 22:00"
    ranking = page.locator("[data-role=ranking] li a")
    assert ranking.count() == 5 and ranking.first.text_content() == "opening_hours"
    screenshot(page, "studio-try-en")

    page.goto(studio_server.url + "/studio/?lang=zh")
    assert page.locator("h1").first.text_content().startswith("意图")
    screenshot(page, "studio-list-zh")
    response = page.goto(studio_server.url + "/agent/")
    assert response.status == 403
    assert "您的账号（内容编辑）不能打开这个页面。" in page.content()
    screenshot(page, "studio-403")
    context.close()


CANDIDATES = ["the thing i bought", "info please", "about the product",
              "can you check something for me", "i have a question about my purchase",
              "question about my thing", "regarding my stuff", "a question about it"]


def test_an_unanswered_question_becomes_an_example_and_the_widget_answers_it(browser,
                                                                              studio_server):
    """The whole loop: a visitor's miss, the inbox, Retrain with live progress, Publish."""
    from tests.e2e.pages import open_widget, visitor_says

    email, password = new_agent(studio_server, name="Eli", role="editor")
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, studio_server.url, email, password)
    page.wait_for_url(re.compile(r".*/studio/$"))
    question = None

    def answered(text):
        page.goto(studio_server.url + "/studio/try?locale=en&q=" + quote_plus(text))
        return page.locator("[data-role=result]").get_attribute("data-action") == "answer"

    for candidate in CANDIDATES:  # one the live bot does not answer (found, not assumed)
        if not answered(candidate) and not answered(candidate + "?"):
            question = candidate
            break
    assert question, "the bot answers every candidate: add one it cannot place"

    shop = context.new_page()
    open_widget(shop, studio_server.url)
    visitor_says(shop, question)
    visitor_says(shop, question + "?")
    # A clarifying turn, then (a second miss, nobody online) the offer to leave a message.
    shop.locator(".msg.system").first.wait_for()

    page.goto(studio_server.url + "/studio/inbox")
    group = page.locator("[data-role=group]").first
    assert group.locator("[data-role=count]").text_content() == "2"
    screenshot(page, "studio-inbox-en")
    group.locator("select[name=intent]").select_option("order_status")
    # Why it is there, in words: the clarifying turn, then the hand-off offered as a form.
    assert "handed off, unsure" in group.locator("[data-role=kinds]").inner_text()
    group.get_by_role("button", name="Add", exact=True).click()
    page.wait_for_url(re.compile(r".*/studio/inbox$"))
    page.locator("[data-role=pending]").wait_for()
    assert page.locator("[data-role=group]").count() == 0 or question not in page.content()

    page.click("[data-nav=models]")
    page.click("[data-role=retrain]")
    page.wait_for_url(re.compile(r".*/studio/models$"))
    page.locator("[data-role=training]:not([hidden]) [data-role=step]:not(:empty)").wait_for(
        timeout=60_000)
    screenshot(page, "studio-training-en")
    page.locator("tr[data-status=ready] [data-role=publish]").wait_for(timeout=180_000)
    page.click("tr[data-status=ready] [data-role=publish]")
    page.locator("tr[data-status=published]").wait_for()
    screenshot(page, "studio-models-en")

    page.wait_for_timeout(2500)  # BOT_RELOAD_CHECK_SECONDS: every process looks again
    fresh = browser.new_context(locale="en-US")
    visitor = fresh.new_page()
    open_widget(visitor, studio_server.url)
    visitor_says(visitor, question)
    visitor.locator(".msg.bot[data-intent=order_status]").wait_for(timeout=15_000)
    fresh.close()
    context.close()
