"""The kefu commands: setup, create-user, train."""
from sqlalchemy import select

from kefu.extensions import db
from kefu.models import User


def users(app):
    with app.app_context():
        return [(u.email, u.role) for u in db.session.scalars(select(User).order_by(User.id))]


def test_setup_creates_the_first_admin_once_and_prints_its_password(app, runner):
    first = runner.invoke(args=["setup"])
    assert first.exit_code == 0, first.output
    assert "password:" in first.output
    assert users(app) == [("admin@example.com", "admin")]
    again = runner.invoke(args=["setup"])
    assert again.exit_code == 0 and "password:" not in again.output
    assert len(users(app)) == 1


def test_create_user_with_a_generated_password_that_works(app, runner):
    result = runner.invoke(args=["create-user", "Xiao.Wang@Example.com", "--name", "小王",
                                 "--role", "agent"])
    assert result.exit_code == 0, result.output
    password = result.output.split("Password:")[1].strip()
    with app.app_context():
        user = db.session.scalars(select(User)).one()
        assert user.email == "xiao.wang@example.com" and user.check_password(password)
        assert user.password_hash != password


def test_create_user_refuses_a_duplicate_email_and_an_unknown_role(app, runner):
    runner.invoke(args=["create-user", "a@example.com", "--name", "A", "--password", "pw-123456"])
    duplicate = runner.invoke(args=["create-user", "A@example.com", "--name", "B"])
    assert duplicate.exit_code != 0 and "exists" in duplicate.output
    bad_role = runner.invoke(args=["create-user", "c@example.com", "--name", "C", "--role", "boss"])
    assert bad_role.exit_code != 0
    assert len(users(app)) == 1


def test_train_if_stale_leaves_a_fresh_model_alone(runner):
    result = runner.invoke(args=["train", "--if-stale"])
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output
