"""The server goes away while the visitor types, and comes back: nothing is lost, nothing
is doubled.  The widget keeps what the visitor sent while it was down in its outbox,
resends it on the reconnect, and the panel then shows exactly what the database holds."""
import pytest
from sqlalchemy import create_engine, text

from tests.e2e.pages import open_widget, reload_widget, visitor_says, wait_until
from tests.live import LiveServer
from tests.pg import database_url

pytestmark = pytest.mark.browser

WHILE_DOWN = ["first while you were away", "second while you were away"]


@pytest.fixture
def restartable(request, tmp_path, trained_model_dir):
    """A ``kefu run`` of this test's own, on a SQLite file, that it stops and starts again."""
    url = database_url(request, "sqlite", tmp_path, "restart")
    server = LiveServer(tmp_path, trained_model_dir, env={"KEFU_DATABASE_URL": url})
    server.db = create_engine(url)
    yield server.start()
    server.db.dispose()
    server.stop()


def stored_visitor_lines(server):
    with server.db.connect() as db:
        return [row[0] for row in db.execute(text(
            "SELECT text FROM messages WHERE sender = 'visitor' ORDER BY id"))]


def assert_panel_equals(visitor, stored):
    """The visitor's lines on screen are the stored ones: each once, none besides."""
    for line in stored:
        assert visitor.locator(".msg.visitor", has_text=line).count() == 1, line
    assert visitor.locator(".msg.visitor").count() == len(stored)


def test_messages_typed_while_the_server_was_down_are_stored_once_and_shown_as_stored(
        browser, restartable):
    context = browser.new_context(locale="en-US")
    visitor = context.new_page()
    open_widget(visitor, restartable.url)
    visitor_says(visitor, "how much is shipping")
    visitor.locator(".msg.bot").nth(1).wait_for()  # the bot's answer, after the greeting

    restartable.kill9()
    wait_until(visitor, "!window.__kefuWidget.socket.connected")
    for line in WHILE_DOWN:
        visitor.locator("[data-kefu=input]").fill(line)
        visitor.locator("[data-kefu=send]").click()
    pending = visitor.locator(".msg.visitor.pending")
    assert pending.count() == 2  # shown at once, marked as not yet delivered

    restartable.start()
    wait_until(visitor, "window.__kefuWidget.socket.connected", timeout=60)
    pending.first.wait_for(state="detached", timeout=30_000)
    assert pending.count() == 0

    stored = stored_visitor_lines(restartable)
    assert stored == ["how much is shipping", *WHILE_DOWN]  # each exactly once, in order
    assert_panel_equals(visitor, stored)

    reload_widget(visitor)
    visitor.locator(".msg.visitor", has_text=WHILE_DOWN[1]).wait_for()
    assert_panel_equals(visitor, stored)
    context.close()
