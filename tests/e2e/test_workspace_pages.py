"""The workspace's search and left-messages pages, on screen."""
import pytest

from tests.e2e.pages import ask_for_a_person, new_agent, open_widget, open_workspace, visitor_says

pytestmark = pytest.mark.browser


def test_an_agent_finds_a_past_conversation_and_sees_a_left_message(browser, live_server):
    visitor = browser.new_context(locale="en-US").new_page()
    open_widget(visitor, live_server.url)
    visitor_says(visitor, "my parcel zebracorn-4711 never arrived")
    ask_for_a_person(visitor)

    email, password = new_agent(live_server, name="Searcher")
    context = browser.new_context(locale="en-US")
    agent = context.new_page()
    open_workspace(agent, live_server.url, email, password)

    agent.locator(".tabs [data-view=search]").click()
    agent.locator("[data-role=search] input").fill("zebracorn-4711")
    agent.locator("[data-role=search] button").click()
    agent.locator("[data-role=search] li.result").first.wait_for()
    assert "zebracorn-4711" in agent.locator("[data-role=search] li.result").first.inner_text()

    agent.locator(".tabs [data-view=tickets]").click()
    # the list loaded: either its tickets or the "no messages" notice, never an error
    agent.locator("[data-role=tickets] article.ticket, [data-role=tickets] p.muted").first.wait_for()
    assert agent.locator("[data-role=tickets] .error").count() == 0
    visitor.context.close()
    context.close()
