"""The deployment-wide lease: one holder at a time, renewed by it, taken over once expired."""
import threading
from datetime import timedelta

from kefu.extensions import db
from kefu.models import utcnow


def test_one_holder_at_a_time_until_the_lease_expires(app):
    from kefu.services import lease

    t0 = utcnow()
    with app.app_context():
        assert lease.acquire("jobs", "a", 30, now=t0) is True
        assert lease.acquire("jobs", "b", 30, now=t0 + timedelta(seconds=10)) is False
        assert lease.holder_of("jobs", now=t0 + timedelta(seconds=10)) == "a"
        assert lease.acquire("jobs", "a", 30, now=t0 + timedelta(seconds=20)) is True  # renewed
        assert lease.acquire("jobs", "b", 30, now=t0 + timedelta(seconds=45)) is False
        assert lease.acquire("jobs", "b", 30, now=t0 + timedelta(seconds=51)) is True  # a died
        assert lease.holder_of("jobs", now=t0 + timedelta(seconds=51)) == "b"
        assert lease.acquire("jobs", "a", 30, now=t0 + timedelta(seconds=52)) is False


def test_a_released_lease_is_free_at_once(app):
    from kefu.services import lease

    with app.app_context():
        assert lease.acquire("jobs", "a", 30)
        lease.release("jobs", "b")  # not theirs to give up
        assert lease.acquire("jobs", "b", 30) is False
        lease.release("jobs", "a")
        assert lease.acquire("jobs", "b", 30) is True


def test_many_processes_asking_at_the_same_instant_get_one_holder(app):
    from kefu.services import lease

    start = threading.Barrier(8)
    won = []

    def ask(name):
        with app.app_context():
            start.wait()
            if lease.acquire("jobs", name, 30):
                won.append(name)
            db.session.remove()

    for round_ in range(2):  # a fresh lease (INSERT race), then an expired one (UPDATE race)
        if round_:
            with app.app_context():
                lease.release("jobs", won[0])
            won.clear()
        threads = [threading.Thread(target=ask, args=(f"p{i}",)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert len(won) == 1, won


def test_only_the_lease_holder_runs_the_jobs(app, waiting_visitor):
    from kefu.services import lifecycle_jobs

    sio, conversation_id = waiting_visitor()
    sio.disconnect("/visitor")
    when = utcnow() + timedelta(seconds=app.config["ABANDON_AFTER_SECONDS"] + 1)
    with app.app_context():
        assert lifecycle_jobs.run_jobs(holder="other", now=when - timedelta(seconds=5)).held
        refused = lifecycle_jobs.run_jobs(holder="me", now=when)
        assert (refused.held, refused.abandoned) == (False, [])
        ran = lifecycle_jobs.run_jobs(holder="other", now=when)
        assert [o.card["id"] for o in ran.abandoned] == [conversation_id]
