"""System notices follow the visitor's language: that of its latest message, else the locale.

A visitor on an English widget who typed "转人工" used to get the handoff and offline
notices in Chinese but "has joined" in English.  Now every notice of the conversation
is in the language the visitor last wrote in (docs/protocol.md, "System notices").
"""
from tests.helpers import events, send, session_of


def notices(sio):
    return [(m["notice"]["kind"], m["text"]) for m in events(sio, "message")
            if m["sender"] == "system"]


def test_typing_zhuanrengong_on_an_english_widget_gets_every_notice_in_chinese(
        app, visitor, desk):
    vis = visitor(locale="en")
    session_of(vis)
    assert send(vis, "转人工")["ok"] is True
    first = notices(vis)
    assert [kind for kind, _ in first] == ["handoff", "offline_no_agents"]
    assert first[0][1] == "正在为您转接人工客服，请稍候，您不用重复问题。"
    assert all("您" in text for _, text in first), first

    agent, other = desk(name="小王"), desk(name="Li")
    conversation_id = agent.hello["queue"][0]["id"]
    assert agent.call("claim", {"conversation_id": conversation_id})["ok"] is True
    assert agent.call("transfer", {"conversation_id": conversation_id,
                                   "to_agent_id": other.id})["ok"] is True
    assert other.call("release", {"conversation_id": conversation_id})["ok"] is True
    assert send(vis, "转人工")["ok"] is True  # back to Li, who released it just now
    assert other.call("close", {"conversation_id": conversation_id})["ok"] is True
    later = notices(vis)
    assert [kind for kind, _ in later] == ["agent_joined", "agent_joined", "released",
                                           "handoff", "queue_place", "agent_joined", "closed"]
    assert later[0][1] == "小王 已加入对话。" and later[1][1] == "Li 已加入对话。"
    assert later[2][1] == "您现在又在和智能客服对话了。"
    assert later[-1][1].startswith("对话已结束")


def test_notices_switch_to_the_language_the_visitor_writes_in_next(app, visitor, desk):
    vis = visitor(locale="zh")
    session_of(vis)
    send(vis, "转人工")
    agent = desk()
    conversation_id = agent.hello["queue"][0]["id"]
    agent.call("claim", {"conversation_id": conversation_id})
    send(vis, "thanks, I still need help with my order")
    events(vis, "message")
    agent.call("close", {"conversation_id": conversation_id})
    assert notices(vis) == [("closed", "This chat was closed. How did we do? "
                                       "Rate us from 1 to 5.")]


def test_before_any_message_notices_use_the_widget_locale(visitor, desk):
    desk()  # someone is online: the queue notice, not the offline one
    vis = visitor(locale="zh-CN")
    session_of(vis)
    assert vis.emit("request_human", {}, namespace="/visitor", callback=True)["ok"] is True
    kinds = notices(vis)
    assert [kind for kind, _ in kinds] == ["handoff", "queue_place"]
    assert kinds[1][1].startswith("您在排队中的位置")


def test_every_notice_kind_is_documented_and_worded_in_the_workspace_in_both_languages():
    import re

    from kefu import i18n
    from kefu.config import PROJECT_ROOT

    doc = (PROJECT_ROOT / "docs" / "protocol.md").read_text()
    table = doc.split("| `kind` | `params` | when |", 1)[1].split("\n\n", 1)[0]
    documented = {k for row in table.splitlines()[2:]
                  for k in re.findall(r"`(\w+)`", row.split("|")[1])}
    assert documented == set(i18n.NOTICE_KINDS)
    workspace = (PROJECT_ROOT / "static" / "src" / "agent" / "i18n.js").read_text()
    for kind in i18n.NOTICE_KINDS:
        assert workspace.count(f"notice_{kind}:") == 2, kind  # zh and en
        assert set(i18n.TEXTS[kind]) == set(i18n.LANGUAGES), kind
