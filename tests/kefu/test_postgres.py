"""The same specifications, run on PostgreSQL instead of SQLite.

kefu's production shape is several processes sharing PostgreSQL; these tests import
the SQLite specifications that matter most for that (schema, idempotent messages,
visitor isolation, atomic claims, the handoff flow) and run them here with ``app``
overridden to use a fresh PostgreSQL database cloned from a migrated template.
"""
import uuid

import pytest

from kefu import create_app
from tests.conftest import make_config
from tests.kefu.test_answered_turn import (  # noqa: F401
    test_a_chat_an_agent_took_over_is_left_to_the_orm_path_and_the_bot_says_nothing,
    test_the_core_path_stores_what_the_orm_path_stores,
)
from tests.kefu.test_assignment import (  # noqa: F401  (collected again, on PostgreSQL)
    test_rivals_claiming_at_the_same_instant_exactly_one_wins,
    test_two_agents_claim_over_sockets_and_one_wins,
)
from tests.kefu.test_migrations import test_migrated_schema_matches_the_models  # noqa: F401
from tests.kefu.test_unstorable_text import (  # noqa: F401
    test_a_search_for_a_nul_is_invalid_text,
    test_a_visitor_message_with_unstorable_text_is_invalid_text_and_stores_nothing,
    test_leave_message_with_unstorable_text_is_invalid_text,
    test_rest_bodies_with_unstorable_text_are_invalid_text,
)
from tests.kefu.test_client_msg_id_scopes import (  # noqa: F401
    test_a_visitor_reusing_an_agents_note_id_is_stored_and_sees_no_note,
    test_an_agent_reusing_a_visitors_id_is_stored_not_taken_for_a_duplicate,
)
from tests.kefu.test_lease import (  # noqa: F401
    test_many_processes_asking_at_the_same_instant_get_one_holder,
    test_one_holder_at_a_time_until_the_lease_expires,
)
from tests.kefu.test_lifecycle import (  # noqa: F401
    test_a_visitor_on_a_server_that_died_counts_as_gone_from_its_last_beat,
    test_a_waiting_visitor_gone_longer_than_the_setting_leaves_the_queue_and_it_moves_up,
    test_an_idle_agent_chat_closes_with_a_notice_to_both_sides_in_the_visitor_language,
    test_the_idle_time_counts_from_the_latest_message_of_either_side,
)
from tests.kefu.test_returning_agent import (  # noqa: F401
    test_asking_again_soon_after_a_release_goes_back_to_the_same_agent,
)
from tests.kefu.test_lost_reply import (  # noqa: F401
    test_a_resend_of_a_message_that_lost_its_reply_is_answered_once,
    test_resends_racing_in_threads_store_one_reply,
)
from tests.kefu.test_one_open_conversation import (  # noqa: F401
    test_racing_first_messages_and_a_handoff_request_share_one_conversation,
    test_the_database_refuses_a_second_open_conversation,
)
from tests.kefu.test_private_notes import (  # noqa: F401
    chat_with_notes,
    test_a_resend_after_reconnecting_answers_without_any_note,
    test_reconnecting_visitor_gets_the_chat_without_any_note,
)
from tests.kefu.test_visitor_protocol import (  # noqa: F401
    test_a_token_only_ever_reaches_its_own_conversation,
    test_message_is_acknowledged_after_it_is_stored_and_the_bot_replies,
    test_reconnecting_with_the_token_resumes_the_conversation,
    test_repeated_client_msg_id_is_acked_with_the_stored_message_and_not_answered_twice,
)

TEMPLATE = "kefu_template"


@pytest.fixture(scope="module")
def pg_template(postgres, trained_model_dir, tmp_path_factory):
    """A database migrated by Alembic once, used as the template of each test's database."""
    from kefu.cli import upgrade_database
    from kefu.extensions import db

    postgres.execute(f"CREATE DATABASE {TEMPLATE}")
    instance = tmp_path_factory.mktemp("pg-template")
    app = create_app(make_config(instance, trained_model_dir,
                                 SQLALCHEMY_DATABASE_URI=postgres.url(TEMPLATE)),
                     instance_path=instance)
    with app.app_context():
        upgrade_database()
        db.engine.dispose()
    yield TEMPLATE
    postgres.execute(f"DROP DATABASE {TEMPLATE}")


@pytest.fixture
def app(postgres, pg_template, trained_model_dir, tmp_path):
    """The app on a fresh PostgreSQL database (overrides the SQLite ``app``)."""
    from kefu.extensions import db

    name = f"t_{uuid.uuid4().hex[:12]}"
    postgres.execute(f"CREATE DATABASE {name} TEMPLATE {pg_template}")
    app = create_app(make_config(tmp_path, trained_model_dir,
                                 SQLALCHEMY_DATABASE_URI=postgres.url(name)),
                     instance_path=tmp_path)
    yield app
    with app.app_context():
        db.engine.dispose()
    postgres.execute(f"DROP DATABASE {name} WITH (FORCE)")


def test_the_app_really_runs_on_postgresql(app):
    from kefu.extensions import db

    with app.app_context():
        assert db.engine.dialect.name == "postgresql"
        version = db.session.execute(db.text("SHOW server_version")).scalar()
    assert int(version.split(".")[0]) >= 13


def test_a_chats_messages_commit_in_id_order_so_a_sync_by_id_misses_none(app):
    """Two writers to one chat: the second waits for the first's commit before it takes an
    id.  Were it not held, it could commit id N+1 while N is still open, and a visitor's
    ``sync`` after N+1 would never see N."""
    import threading

    from kefu.extensions import db
    from kefu.models import Conversation, Message, Visitor
    from kefu.services.visitor_history import visitor_messages_after

    with app.app_context():
        visitor = Visitor()
        chat = Conversation(visitor=visitor)
        db.session.add(chat)
        db.session.commit()
        visitor_id, chat_id = visitor.id, chat.id

    first_open, release = threading.Event(), threading.Event()
    ids = {}

    def first_writer():
        with app.app_context():
            message = Message(conversation_id=chat_id, sender="system", text="first")
            db.session.add(message)
            db.session.flush()  # the id is taken, the transaction still open
            ids["first"] = message.id
            first_open.set()
            release.wait(10)
            db.session.commit()

    def second_writer():
        with app.app_context():
            message = Message(conversation_id=chat_id, sender="system", text="second")
            db.session.add(message)
            db.session.commit()
            ids["second"] = message.id

    first = threading.Thread(target=first_writer)
    first.start()
    assert first_open.wait(10)
    second = threading.Thread(target=second_writer)
    second.start()
    second.join(0.5)
    with app.app_context():  # what a sync sees while the first writer is still open
        seen, _ = visitor_messages_after(visitor_id, 0, 50)
    assert [m["text"] for m in seen] == []
    assert second.is_alive(), "the second writer committed while the first was open"
    release.set()
    first.join(10)
    second.join(10)
    assert ids["second"] > ids["first"]
    with app.app_context():
        seen, _ = visitor_messages_after(visitor_id, 0, 50)
    assert [m["text"] for m in seen] == ["first", "second"]
