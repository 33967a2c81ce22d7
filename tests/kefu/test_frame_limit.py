"""Oversized frames: the Engine.IO limit is a setting kept far above any valid frame.

A frame over ``MAX_FRAME_BYTES`` makes the transport close the connection (documented
in docs/protocol.md); so the limit must leave room for the largest valid event, and a
text just over MAX_MESSAGE_LENGTH, however it is escaped, gets a ``text_too_long`` ack.
"""
import json

import pytest
import socketio

from kefu.config import frame_bytes_needed
from kefu.extensions import socketio as server_socketio


def test_the_frame_limit_is_a_setting_that_reaches_engine_io(app_factory):
    app_factory(MAX_FRAME_BYTES=500_000)
    assert server_socketio.server.eio.max_http_buffer_size == 500_000


def test_a_frame_limit_too_small_for_valid_events_is_refused_at_startup(app_factory):
    with pytest.raises(RuntimeError, match="MAX_FRAME_BYTES"):
        app_factory(MAX_FRAME_BYTES=20_000)


def test_the_default_limit_is_far_above_the_worst_case_escaped_frame(app):
    worst = {"name": "😀" * 120, "email": "😀" * 255, "text": "😀" * app.config[
        "MAX_MESSAGE_LENGTH"], "client_msg_id": "😀" * 64}
    frame = len(b'42/visitor,99["leave_message",' + json.dumps(worst).encode() + b"]")
    assert frame <= frame_bytes_needed(app.config)
    assert 4 * frame_bytes_needed(app.config) <= app.config["MAX_FRAME_BYTES"]


def test_a_text_one_over_the_limit_in_escaped_emoji_gets_text_too_long_on_a_real_server(
        live_server):
    client = socketio.Client()
    sessions = []
    client.on("session", sessions.append, namespace="/visitor")
    client.connect(live_server.url, namespaces=["/visitor"], auth={"locale": "en"},
                   transports=["websocket"], wait_timeout=10)
    try:
        text = "😀" * 2001  # json.dumps escapes each as \\ud83d\\ude00: 24 KB
        ack = client.call("message", {"client_msg_id": "big-1", "text": text},
                          namespace="/visitor", timeout=10)
        assert ack["ok"] is False and ack["error"]["code"] == "text_too_long"
        assert client.connected
        ok = client.call("message", {"client_msg_id": "big-2", "text": "😀" * 2000},
                         namespace="/visitor", timeout=10)
        assert ok["ok"] is True
        assert sessions[0]["limits"]["max_message_length"] == 2000
    finally:
        client.disconnect()
