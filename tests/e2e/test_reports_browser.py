"""The reports page on screen: the charts are drawn, a bar and a heat cell open their
conversations, and the CSV export downloads."""
import re

import pytest

from tests.e2e.pages import log_in, new_agent, open_widget, visitor_says
from tests.e2e.test_admin_browser import screenshot

pytestmark = pytest.mark.browser


def test_a_click_on_a_days_bar_lists_that_days_conversations(browser, live_server):
    shop = browser.new_context(locale="en-US").new_page()
    open_widget(shop, live_server.url)
    visitor_says(shop, "how long does shipping take")
    conversation = shop.evaluate("window.__kefuWidget.conversationId")
    shop.context.close()

    email, password = new_agent(live_server, name="Lead", role="admin")
    context = browser.new_context(locale="en-US", viewport={"width": 1200, "height": 900})
    page = context.new_page()
    log_in(page, live_server.url, email, password)
    page.wait_for_url(re.compile(r".*/agent/$"))
    page.goto(live_server.url + "/reports/")
    canvas = page.locator("canvas#per-day")
    canvas.wait_for()
    # Every chart card (one Jinja macro) is drawn: per day, ratings, reasons, top intents,
    # helpful ratio.
    drawn = page.evaluate("""[document.querySelectorAll('canvas[data-chart]').length,
        document.querySelectorAll('canvas[data-drawn=true]').length]""")
    assert drawn == [5, 5]
    # Something was painted: the canvas is not blank.
    painted = page.evaluate("""(() => { const c = document.querySelector('canvas#per-day');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n; })()""")
    assert painted > 100
    screenshot(page, "reports")
    # Today's bar is the last one; click its middle.
    bar = page.evaluate("""(() => { const chart = window.__kefuReports.charts[0];
        const meta = chart.getDatasetMeta(0).data; const last = meta[meta.length - 1];
        return {x: last.x, y: (last.y + last.base) / 2,
                value: chart.data.datasets[0].data[meta.length - 1],
                day: chart.data.labels[meta.length - 1]}; })()""")
    assert bar["value"] >= 1
    box = canvas.bounding_box()
    page.mouse.click(box["x"] + bar["x"], box["y"] + bar["y"])
    page.wait_for_url(re.compile(r".*/reports/conversations\?.*metric=day.*"))
    assert f"value={bar['day']}" in page.url
    rows = page.locator("[data-role=conversations] tr[data-conversation-id]")
    assert str(conversation) in rows.evaluate_all("rs => rs.map(r => r.dataset.conversationId)")
    assert rows.count() == bar["value"]
    # The hour-of-week cell of that chat opens it too.
    page.go_back()
    page.locator("[data-role=hour-of-week] a[data-hour]").first.click()
    page.wait_for_url(re.compile(r".*/reports/conversations\?.*metric=hour.*"))
    assert str(conversation) in page.locator(
        "[data-role=conversations] tr[data-conversation-id]").evaluate_all(
        "rs => rs.map(r => r.dataset.conversationId)")
    # The export button downloads the period's conversations as CSV.
    page.go_back()
    with page.expect_download() as download:
        page.locator("a[data-link=export]").click()
    with open(download.value.path(), encoding="utf-8-sig") as downloaded:
        text = downloaded.read()
    assert text.startswith("id,created,state") and f"\n{conversation}," in text
    context.close()
