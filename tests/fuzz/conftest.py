"""Hypothesis profiles for the fuzz tests, chosen with ``KEFU_FUZZ_PROFILE``.

``ci`` (the default): few examples, derandomized, so CI is fast and repeatable.
``long``: many random examples, for a local hunt:
``KEFU_FUZZ_PROFILE=long .venv/bin/python -m pytest tests/fuzz``.
"""
import os
import shutil

import pytest
from hypothesis import HealthCheck, settings

from kefu import create_app
from tests.conftest import copy_intents, make_config

_common = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                    HealthCheck.data_too_large,
                                                    HealthCheck.filter_too_much])
settings.register_profile("ci", max_examples=60, derandomize=True, **_common)
settings.register_profile("long", max_examples=2000, **_common)
settings.load_profile(os.environ.get("KEFU_FUZZ_PROFILE", "ci"))

#: Limits high enough that fuzzing reaches the handlers instead of the rate limiter.
UNLIMITED = {name: "100000 per second" for name in (
    "LOGIN_RATE_LIMIT", "SEARCH_RATE_LIMIT", "VISITOR_MESSAGE_RATE_LIMIT",
    "VISITOR_CONNECT_RATE_LIMIT", "AGENT_MESSAGE_RATE_LIMIT", "VISITOR_EVENT_RATE_LIMIT",
    "AGENT_EVENT_RATE_LIMIT", "VISITOR_TICKET_RATE_LIMIT",
    "VISITOR_TICKET_ADDRESS_RATE_LIMIT")}


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def fuzz_app(request, tmp_path_factory, trained_model_dir, migrated_db):
    """One app per database for a whole fuzz module (hypothesis reuses it per example)."""
    from kefu.extensions import db

    instance = tmp_path_factory.mktemp(f"fuzz-{request.param}")
    extra = dict(UNLIMITED, INTENTS_DIR=str(copy_intents(instance / "intents")))
    if request.param == "sqlite":
        shutil.copy(migrated_db, instance / "kefu.sqlite")
    else:
        from kefu.cli import upgrade_database

        extra["SQLALCHEMY_DATABASE_URI"] = request.getfixturevalue("postgres").new_database("fuzz")
    app = create_app(make_config(instance, trained_model_dir, **extra), instance_path=instance)
    if request.param == "postgres":
        with app.app_context():
            upgrade_database()
    yield app
    with app.app_context():
        db.engine.dispose()
