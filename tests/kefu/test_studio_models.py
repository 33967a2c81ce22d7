"""Retrain, publish and roll back from the studio, on the real app with real trainings.

Each training is a real ``python -m bot train`` and ``bot eval`` in a child process
(about half a minute); the second "process" is a second `BotService` on the same
instance folder, which is all a server process holds of the model.
"""
import shutil
import time

import pytest

from bot.embedding_store import EMBEDDINGS_FILE, SEED_ENV_VAR
from tests.helpers import login, make_user

pytestmark = pytest.mark.slow


@pytest.fixture
def own_app(app_factory, tmp_path, trained_model_dir, monkeypatch):
    model = tmp_path / "own-model"
    shutil.copytree(trained_model_dir, model)
    # Each version trains in a new folder: its `bot train` and `bot eval` children find the
    # session model's sentence embeddings there instead of embedding the FAQ again (2.8 s).
    monkeypatch.setenv(SEED_ENV_VAR, str(trained_model_dir / EMBEDDINGS_FILE))
    app = app_factory(MODEL_DIR=str(model))
    yield app
    with app.app_context():
        from kefu.extensions import db

        db.engine.dispose()


def editor_of(app, role="editor"):
    user_id, email, password = make_user(app, role=role)
    http = app.test_client()
    csrf = login(http, email, password)
    return user_id, http, csrf


def wait_for(sio, name, timeout=180):
    deadline, seen = time.monotonic() + timeout, []
    while time.monotonic() < deadline:
        for event in sio.get_received("/studio"):
            seen.append(event)
            if event["name"] == name:
                return seen
        time.sleep(0.2)
    raise TimeoutError(f"no {name} event; got {[e['name'] for e in seen]}")


def test_only_editors_and_admins_follow_trainings(own_app):
    from kefu.extensions import socketio

    for role, allowed in [("editor", True), ("admin", True), ("agent", False)]:
        _, http, _ = editor_of(own_app, role)
        sio = socketio.test_client(own_app, namespace="/studio", flask_test_client=http)
        assert sio.is_connected("/studio") is allowed, role
    anonymous = socketio.test_client(own_app, namespace="/studio",
                                     flask_test_client=own_app.test_client())
    assert not anonymous.is_connected("/studio")
    _, agent, csrf = editor_of(own_app, "agent")
    assert agent.post("/studio/models/train", data={"csrf_token": csrf}).status_code == 403


def test_one_training_at_a_time(own_app):
    from kefu.services import model_versions
    from kefu.services.errors import ServiceError

    with own_app.app_context():
        first = model_versions.start_training(None)
        with pytest.raises(ServiceError) as refused:
            model_versions.start_training(None)
        assert refused.value.code == "invalid_state"
        assert (own_app.instance_path + f"/models/{first}/intents/store.yaml")


def test_retrain_shows_progress_then_publish_and_rollback_switch_every_process(own_app):
    from bot.intent_edit import read_drafts, replace_intent
    from kefu.extensions import socketio
    from kefu.services import model_versions
    from kefu.services.bot_bridge import BotService, current_bot
    from kefu.services.intent_store import IntentStore

    user_id, http, csrf = editor_of(own_app)
    sio = socketio.test_client(own_app, namespace="/studio", flask_test_client=http)
    assert http.post("/studio/models/train", data={"csrf_token": csrf}).status_code == 302
    events = wait_for(sio, "trained")
    steps = [e["args"][0] for e in events if e["name"] == "training"]
    assert {step["stage"] for step in steps} == {"train", "evaluate"}
    assert events[-1]["args"][0]["status"] == "ready", events[-1]
    first = events[-1]["args"][0]["version"]
    page = http.get("/studio/models").get_data(as_text=True)
    assert f'data-version="{first}" data-status="ready"' in page and "macro F1" in page

    cfg = own_app.config
    other = BotService(cfg["INTENTS_DIR"], cfg["MODEL_DIR"], 0.0, own_app.instance_path)
    assert http.post(f"/studio/models/{first}/publish", data={"csrf_token": csrf}
                     ).status_code == 302
    question = "what are your opening hours"
    with own_app.app_context():
        old_answer = other.get().decide(question).text
        assert old_answer and current_bot().decide(question).text == old_answer

        store = IntentStore(cfg["INTENTS_DIR"])
        snapshot = store.read("store.yaml")
        draft = next(d for d in read_drafts(snapshot.text) if d.id == "opening_hours")
        draft.answers["en"] = ["Published answer: every day **8:00-22:00**."]
        store.write({"store.yaml": replace_intent(snapshot.text, "opening_hours", draft)},
                    {"store.yaml": snapshot.version})
        assert other.get().decide(question).text == old_answer  # files alone change nothing
        second = model_versions.start_training(user_id)
        assert model_versions.run_training(second, lambda step: None)["status"] == "ready"
        model_versions.publish(second, user_id, confirmed=True)
        assert other.get().decide(question).text.startswith("Published answer")
        time.sleep(cfg["BOT_RELOAD_CHECK_SECONDS"] + 0.1)
        assert current_bot().decide(question).text.startswith("Published answer")
    page = http.get("/studio/models").get_data(as_text=True)
    assert "Roll back to this one" in page
    assert http.post(f"/studio/models/{first}/publish", data={"csrf_token": csrf}
                     ).status_code == 302
    with own_app.app_context():
        assert other.get().decide(question).text == old_answer  # rolled back, answers too
        time.sleep(cfg["BOT_RELOAD_CHECK_SECONDS"] + 0.1)
        assert current_bot().decide(question).text == old_answer
