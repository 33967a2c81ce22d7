"""Alembic migrations build the whole schema on an empty database."""
import sqlite3

from sqlalchemy import inspect

from kefu import create_app
from kefu.cli import upgrade_database
from kefu.extensions import db
from kefu.models import Base


def test_upgrade_creates_every_model_table_on_an_empty_database(tmp_path, trained_model_dir):
    app = create_app({"SECRET_KEY": "x", "MODEL_DIR": str(trained_model_dir)},
                     instance_path=tmp_path)
    with app.app_context():
        upgrade_database()
        tables = set(inspect(db.engine).get_table_names())
        db.engine.dispose()
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_migrated_schema_matches_the_models(app):
    """Autogenerate finds nothing to do: every model change has its migration."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with app.app_context(), db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_sqlite_runs_in_wal_mode_with_foreign_keys(app):
    with app.app_context(), db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    raw = sqlite3.connect(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"  # persistent on the file
    raw.close()
