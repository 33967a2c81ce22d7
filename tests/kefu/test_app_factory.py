"""The factory: configuration precedence, refusal without a secret, instance files."""
import pytest

from kefu import create_app
from kefu.config import write_instance_config


def test_test_config_sets_testing(app):
    assert app.testing
    assert app.config["ASYNC_MODE"] == "threading"


def test_defaults_are_overridden_by_instance_config_then_env(tmp_path, monkeypatch):
    (tmp_path / "config.py").write_text(
        "SECRET_KEY = 'from-instance'\nHISTORY_LIMIT = 7\nMAX_MESSAGE_LENGTH = 500\n")
    monkeypatch.setenv("KEFU_MAX_MESSAGE_LENGTH", "300")
    monkeypatch.setenv("KEFU_DATABASE_URL", f"sqlite:///{tmp_path / 'env.sqlite'}")
    app = create_app(instance_path=tmp_path)
    assert app.config["SECRET_KEY"] == "from-instance"  # instance beats defaults
    assert app.config["HISTORY_LIMIT"] == 7
    assert app.config["MAX_MESSAGE_LENGTH"] == 300  # env beats instance, parsed as int
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("env.sqlite")
    assert app.config["VISITOR_TOKEN_MAX_AGE"] == 180 * 24 * 3600  # default kept


def test_test_config_beats_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("KEFU_SECRET_KEY", "from-env")
    app = create_app({"SECRET_KEY": "from-test"}, instance_path=tmp_path)
    assert app.config["SECRET_KEY"] == "from-test"


def test_database_defaults_to_sqlite_file_in_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("KEFU_DATABASE_URL", raising=False)
    app = create_app({"SECRET_KEY": "x"}, instance_path=tmp_path)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'kefu.sqlite'}"
    assert app.config["MODEL_DIR"] == str(tmp_path / "model")


def test_missing_secret_key_refuses_to_start(tmp_path, monkeypatch):
    monkeypatch.delenv("KEFU_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(instance_path=tmp_path)


def test_unknown_async_mode_is_rejected(tmp_path):
    with pytest.raises(RuntimeError, match="ASYNC_MODE"):
        create_app({"SECRET_KEY": "x", "ASYNC_MODE": "twisted"}, instance_path=tmp_path)


def test_instance_config_is_written_once_with_a_random_secret(tmp_path):
    assert write_instance_config(tmp_path) is True
    first = (tmp_path / "config.py").read_text()
    assert "SECRET_KEY" in first and len(first) > 60
    assert write_instance_config(tmp_path) is False
    assert (tmp_path / "config.py").read_text() == first
    assert (tmp_path / "config.py").stat().st_mode & 0o077 == 0
    other = tmp_path / "other"
    write_instance_config(other)
    assert (other / "config.py").read_text() != first


def test_demo_page_embeds_the_widget_with_one_script_tag(client):
    html = client.get("/").get_data(as_text=True)
    assert html.count('src="/widget.js"') == 1
    assert "cdn" not in html.lower()


def test_widget_script_is_served_from_this_server(client):
    with client.get("/widget.js") as response:  # closes the file it streams
        assert response.status_code == 200
        assert response.mimetype == "application/javascript"
        assert b"widget/kefu-widget." in response.data  # the loader names the bundle


def test_new_passwords_are_hashed_at_production_cost_unless_the_config_lowers_it(
        tmp_path, monkeypatch):
    from kefu.models import User

    monkeypatch.delenv("KEFU_PASSWORD_HASH_METHOD", raising=False)
    production = create_app({"SECRET_KEY": "x"}, instance_path=tmp_path / "production")
    cheap = create_app({"SECRET_KEY": "x", "PASSWORD_HASH_METHOD": "scrypt:1024:8:1"},
                       instance_path=tmp_path / "cheap")
    assert production.config["PASSWORD_HASH_METHOD"] == "scrypt"
    hashes = {}
    for name, app in (("production", production), ("cheap", cheap)):
        with app.app_context():
            user = User(email=f"{name}@example.com", name=name, role="agent")
            user.set_password("correct horse battery")
            assert user.check_password("correct horse battery")
            assert not user.check_password("wrong horse battery")
            hashes[name] = user.password_hash
    assert hashes["production"].startswith("scrypt:32768:8:1$")  # werkzeug's default cost
    assert hashes["cheap"].startswith("scrypt:1024:8:1$")
