"""A process holds ``KEFU_MAX_CONNECTIONS`` connections and refuses the next one cleanly.

Refusing means an immediate ``503`` with the protocol's error shape, never a connection
left hanging in the accept queue (eventlet's default pool made the 1,025th visitor wait
until it timed out); a slot is free again as soon as a visitor leaves.
"""
import json
import urllib.error
import urllib.request

import pytest
import socketio

from kefu.serve import raise_file_limit
from tests.live import LiveServer

LIMIT = 3


@pytest.fixture(params=["eventlet", "gevent"])
def small_server(request, tmp_path, trained_model_dir):
    server = LiveServer(tmp_path / "instance", trained_model_dir, async_mode=request.param,
                        env={"KEFU_MAX_CONNECTIONS": str(LIMIT)}).start()
    yield server
    server.stop()


def visitor(server):
    client = socketio.SimpleClient()
    client.connect(server.url, namespace="/visitor", auth={"locale": "en"},
                   transports=["websocket"], wait_timeout=10)
    assert client.receive(timeout=10)[0] == "session"
    return client


def test_the_connection_over_the_limit_gets_server_full_at_once(small_server):
    visitors = [visitor(small_server) for _ in range(LIMIT)]
    try:
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(small_server.url + "/healthz", timeout=5)
        assert refused.value.code == 503
        assert refused.value.headers["Retry-After"] == "5"
        assert json.loads(refused.value.read())["error"]["code"] == "server_full"
        with pytest.raises(socketio.exceptions.ConnectionError):
            visitor(small_server)
    finally:
        for client in visitors:
            client.disconnect()


def test_a_slot_is_free_again_when_a_visitor_leaves(small_server):
    visitors = [visitor(small_server) for _ in range(LIMIT)]
    try:
        visitors.pop().disconnect()
        visitors.append(visitor(small_server))  # would raise if the slot were still taken
        assert len(visitors) == LIMIT
    finally:
        for client in visitors:
            client.disconnect()


def test_the_open_files_limit_is_raised_towards_the_connection_limit():
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = min(hard, soft + 10) if hard != resource.RLIM_INFINITY else soft + 10
    assert raise_file_limit(wanted) == wanted
    assert resource.getrlimit(resource.RLIMIT_NOFILE)[0] == wanted
