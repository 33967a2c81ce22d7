"""The load generator of benchmarks/load.py: asyncio visitors in a process of their own.

It runs apart from the server so that on a 2-core machine each can use a core (a
generator in the server's process would make the server look slower by what the
generator costs). One python-socketio ``AsyncClient`` per visitor, websocket transport,
on ``/visitor``; each question's ``client_msg_id`` is unique in the whole run, so the
bot's ``message`` with that ``reply_to`` is its answer, a second one is a duplicate,
and none within the timeout is a lost reply.

Two ways to ask (``spec["kind"]``):

- ``closed``: every visitor sends, waits for the reply (or the timeout), sends again.
- ``open``: every visitor sends every ``period`` seconds from a random phase, whether
  or not the last question was answered: the offered rate is visitors / period.

Behind nginx (``spec["spread_addresses"]``) each visitor connects from its own loopback
address (:func:`source_address`): nginx sticks a client to a process by its address, so
visitors all from 127.0.0.1 would all reach one process, where real visitors come from
many addresses.

Run by load.py as ``python benchmarks/loadgen.py SPEC.json``; the conversation with the
parent is one JSON line each way on stdout/stdin: ``{"connected": ...}`` once every
visitor connected (or was refused), then it waits for ``go`` on stdin, asks for
``seconds``, waits for the outstanding replies and prints ``{"result": ...}``.
"""
import asyncio
import json
import random
import resource
import sys
import time
from collections import Counter

import aiohttp
import socketio

NAMESPACE = "/visitor"
CONNECT_TIMEOUT = 15.0  # seconds for the websocket handshake and the session event
CONNECTS_AT_ONCE = 20  # handshakes in flight: more only queue in the server's accept loop
CLOSE_TIMEOUT = 5.0  # seconds every visitor gets to disconnect before the process ends


def source_address(i: int) -> str:
    """Visitor ``i``'s own address in 127.0.0.0/8 (all of it is loopback on Linux)."""
    return f"127.0.{1 + i // 250}.{2 + i % 250}"


class Tally:
    """What every visitor of this process sent and got back, by ``client_msg_id``."""

    def __init__(self):
        self.origin = time.monotonic()
        self.sent = {}  # client_msg_id -> send time (s since origin)
        self.first_reply = {}  # client_msg_id -> (receive time, latency in ms)
        self.replies = Counter()  # client_msg_id -> bot replies received
        self.acked = 0
        self.ack_errors = Counter()
        self.unknown_replies = 0  # a reply_to this run never sent

    def now(self):
        return time.monotonic() - self.origin

    def outstanding(self):
        """Questions still waiting for their reply or their ack."""
        acks = self.acked + sum(self.ack_errors.values())
        return max(len(self.sent) - len(self.first_reply), len(self.sent) - acks)


class Visitor:
    """One widget stand-in; ``waiting`` is set when the current question is answered."""

    def __init__(self, tag, url, locale, tally, source=None):
        self.tag, self.url, self.locale, self.tally = tag, url, locale, tally
        self.http = None
        if source:  # created in the running loop, as aiohttp wants
            self.http = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(local_addr=(source, 0)))
        self.client = socketio.AsyncClient(reconnection=False, http_session=self.http)
        self.session = asyncio.Event()
        self.waiting = {}  # client_msg_id -> asyncio.Event, for the closed loop
        self.count = 0
        self.client.on("session", self._on_session, namespace=NAMESPACE)
        self.client.on("message", self._on_message, namespace=NAMESPACE)

    async def _on_session(self, data):
        self.session.set()

    async def _on_message(self, message):
        msg_id = message.get("reply_to") if isinstance(message, dict) else None
        if not msg_id or message.get("sender") != "bot":
            return
        tally = self.tally
        if msg_id not in tally.sent:
            tally.unknown_replies += 1
            return
        tally.replies[msg_id] += 1
        if msg_id not in tally.first_reply:
            received = tally.now()
            tally.first_reply[msg_id] = (received, (received - tally.sent[msg_id]) * 1000)
        event = self.waiting.pop(msg_id, None)
        if event:
            event.set()

    async def connect(self):
        """Handshake and wait for ``session``; raises on a refusal or a timeout."""
        await self.client.connect(self.url, namespaces=[NAMESPACE], transports=["websocket"],
                                  auth={"locale": self.locale}, wait_timeout=CONNECT_TIMEOUT)
        await asyncio.wait_for(self.session.wait(), CONNECT_TIMEOUT)

    async def ask(self, text):
        """Send one question; returns an event set when its reply arrives."""
        self.count += 1
        msg_id = f"{self.tag}-{self.count}"
        event = self.waiting[msg_id] = asyncio.Event()
        self.tally.sent[msg_id] = self.tally.now()
        await self.client.emit("message", {"client_msg_id": msg_id, "text": text},
                               namespace=NAMESPACE, callback=self._on_ack)
        return event

    def _on_ack(self, ack=None):
        if isinstance(ack, dict) and ack.get("ok"):
            self.tally.acked += 1
        else:
            code = (ack or {}).get("error", {}).get("code") if isinstance(ack, dict) else None
            self.tally.ack_errors[str(code)] += 1

    async def close(self):
        try:
            await self.client.disconnect()
        except Exception:  # the run is over; a hung close frame must not hold the report
            pass
        if self.http:
            await self.http.close()


async def connect_all(spec, tally):
    """Connect ``spec["visitors"]`` visitors, a few at a time; return them and the refusals."""
    gate = asyncio.Semaphore(CONNECTS_AT_ONCE)
    urls = spec["urls"]
    refused = Counter()
    first = spec.get("first_index", 0)

    async def one(i):
        visitor = Visitor(f"{spec['tag']}v{i}", urls[i % len(urls)],
                          "zh" if i % 2 else "en", tally,
                          source_address(i) if spec.get("spread_addresses") else None)
        async with gate:
            try:
                await visitor.connect()
                return visitor
            except Exception as error:  # counted and reported: a refusal is a figure here
                refused[f"{type(error).__name__}: {error}"[:120]] += 1
                await visitor.close()
                return None

    visitors = await asyncio.gather(*(one(i) for i in range(first, first + spec["visitors"])))
    return [v for v in visitors if v], refused


async def closed_loop(visitor, questions, end, timeout, rng):
    """Ask, wait for the answer, ask again, until ``end``."""
    while visitor.tally.now() < end:
        event = await visitor.ask(rng.choice(questions))
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except asyncio.TimeoutError:
            pass


async def open_loop(visitor, questions, end, period, rng):
    """Ask every ``period`` seconds from a random phase, answered or not, until ``end``."""
    start = visitor.tally.now()
    due = start + rng.uniform(0, period)
    while due < end:
        await asyncio.sleep(max(0.0, due - visitor.tally.now()))
        await visitor.ask(rng.choice(questions))
        due += period


async def run_load(spec, tally, visitors, go_at):
    """Drive the load from ``go_at`` for ``spec["seconds"]``, then wait for the replies."""
    rng = random.Random(spec.get("seed", 0))
    end = go_at + spec["seconds"]
    timeout = spec["timeout"]
    if spec["kind"] == "closed":
        tasks = [closed_loop(v, spec["questions"], end, timeout, rng) for v in visitors]
    else:
        tasks = [open_loop(v, spec["questions"], end, spec["period"], rng) for v in visitors]
    await asyncio.gather(*tasks)
    last_send = tally.now()
    while tally.outstanding() and tally.now() < last_send + timeout:
        await asyncio.sleep(0.05)
    return summarise(spec, tally, go_at, end)


def summarise(spec, tally, go_at, end):
    """Raw figures (latencies in ms) for the parent to merge across generator processes."""
    timeout_ms = spec["timeout"] * 1000
    on_time = {k: v for k, v in tally.first_reply.items() if v[1] <= timeout_ms}
    in_window = [latency for received, latency in on_time.values() if go_at <= received <= end]
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "sent": len(tally.sent), "answered": len(on_time),
        "lost": len(tally.sent) - len(on_time), "late": len(tally.first_reply) - len(on_time),
        "duplicated": sum(n - 1 for n in tally.replies.values() if n > 1),
        "unknown_replies": tally.unknown_replies, "acked": tally.acked,
        "ack_errors": dict(tally.ack_errors),
        "lost_sample": sorted(set(tally.sent) - set(on_time))[:5],  # to find them in logs
        "window_latencies_ms": in_window,
        "latencies_ms": [latency for _, latency in on_time.values()],
        "generator_cpu_s": usage.ru_utime + usage.ru_stime,
    }


async def close_all(visitors):
    """Disconnect every visitor, giving up after :data:`CLOSE_TIMEOUT`."""
    try:
        await asyncio.wait_for(asyncio.gather(*(v.close() for v in visitors)), CLOSE_TIMEOUT)
    except asyncio.TimeoutError:
        pass


async def run(spec, wait_for_go):
    """Connect, report, wait for the go signal, load, return the figures."""
    tally = Tally()
    visitors, refused = await connect_all(spec, tally)
    report = {"connected": len(visitors), "refused": sum(refused.values()),
              "refusals": dict(refused)}
    await wait_for_go(report)
    try:
        result = await run_load(spec, tally, visitors, tally.now())
    finally:
        closing = asyncio.ensure_future(close_all(visitors))
    return {**report, **result}, closing


def run_here(spec):
    """:func:`run` in this process, at once (no go signal), until every visitor has closed."""
    async def go_now(report):
        pass

    async def body():
        result, closing = await run(spec, go_now)
        await closing
        return result

    return asyncio.run(body())


def main(argv=None):
    """Child-process entry point (see the module docstring for the line protocol)."""
    argv = sys.argv[1:] if argv is None else argv
    with open(argv[0], encoding="utf-8") as f:
        spec = json.load(f)

    async def wait_for_go(report):
        print(json.dumps(report), flush=True)
        line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        if line.strip() != "go":
            raise SystemExit("no go from the parent")

    async def body():
        result, closing = await run(spec, wait_for_go)
        print(json.dumps({"result": result}), flush=True)
        await closing

    asyncio.run(body())


if __name__ == "__main__":
    main()
