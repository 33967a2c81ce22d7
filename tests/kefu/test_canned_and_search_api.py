"""REST: canned replies with variables, and search in past conversations."""
from tests.helpers import send, session_of


def test_admins_manage_canned_replies_and_agents_list_them(desk):
    admin = desk(role="admin")
    headers = {"X-CSRFToken": admin.csrf}
    created = admin.http.post("/api/v1/canned", json={"shortcut": "/Hello",
                                                      "text": "Hi {visitor_name}!"},
                              headers=headers).get_json()["canned"]
    assert created["shortcut"] == "hello"
    duplicate = admin.http.post("/api/v1/canned", json={"shortcut": "hello", "text": "x"},
                                headers=headers)
    assert duplicate.status_code == 409
    bad = admin.http.post("/api/v1/canned", json={"shortcut": "two words", "text": "x"},
                          headers=headers)
    assert bad.get_json()["error"]["code"] == "invalid_shortcut"
    updated = admin.http.put(f"/api/v1/canned/{created['id']}",
                             json={"shortcut": "hi", "text": "Hello {visitor_name}, "
                                                             "I am {agent_name}."},
                             headers=headers)
    assert updated.status_code == 200
    agent = desk()
    listing = agent.http.get("/api/v1/canned").get_json()["canned"]
    assert [(c["shortcut"], c["text"]) for c in listing] == [
        ("hi", "Hello {visitor_name}, I am {agent_name}.")]
    assert admin.http.delete(f"/api/v1/canned/{created['id']}",
                             headers=headers).status_code == 200
    assert agent.http.get("/api/v1/canned").get_json()["canned"] == []


def test_canned_replies_are_rendered_for_a_conversation(desk, waiting_visitor, visitor):
    admin = desk(role="admin", name="小王")
    admin.http.post("/api/v1/canned", json={"shortcut": "hi",
                                            "text": "{visitor_name}，我是{agent_name}。{x}"},
                    headers={"X-CSRFToken": admin.csrf})
    vis, conversation_id = waiting_visitor(locale="zh")
    rendered = admin.http.get(f"/api/v1/canned?conversation_id={conversation_id}"
                              ).get_json()["canned"][0]["rendered"]
    assert rendered == "您，我是小王。{x}"
    vis.emit("leave_message", {"name": "李雷", "email": "li@example.com", "text": "hi"},
             namespace="/visitor", callback=True)
    rendered = admin.http.get(f"/api/v1/canned?conversation_id={conversation_id}"
                              ).get_json()["canned"][0]["rendered"]
    assert rendered == "李雷，我是小王。{x}"


def test_search_finds_past_conversations_by_their_words(desk, visitor):
    first = visitor()
    session_of(first)
    send(first, "my parcel 50% off coupon broke")
    second = visitor()
    session_of(second)
    send(second, "how long does shipping take")
    agent = desk()
    results = agent.http.get("/api/v1/conversations/search?q=COUPON").get_json()["results"]
    assert len(results) == 1 and "coupon" in results[0]["match"]["text"]
    assert agent.http.get("/api/v1/conversations/search?q=50%25").get_json()["results"]
    assert agent.http.get("/api/v1/conversations/search?q=5_%25").get_json()["results"] == []
    empty = agent.http.get("/api/v1/conversations/search?q=")
    assert empty.status_code == 400 and empty.get_json()["error"]["code"] == "empty_field"


def test_admins_change_settings_through_the_api(desk):
    admin = desk(role="admin")
    response = admin.http.put("/api/v1/settings/auto_assign", json={"value": True},
                              headers={"X-CSRFToken": admin.csrf})
    assert response.get_json()["settings"]["auto_assign"] is True
    bad = admin.http.put("/api/v1/settings/business_hours", json={"value": {"tz": "Mars/Base"}},
                         headers={"X-CSRFToken": admin.csrf})
    assert bad.status_code == 400
    assert bad.get_json()["error"]["code"] == "invalid_business_hours"
    assert desk().http.get("/api/v1/settings").status_code == 403
