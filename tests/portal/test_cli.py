from sqlalchemy import select

from portal.accounts.models import User
from portal.extensions import db
from tests.factories import make_agency, make_user


def test_create_user_asks_for_password(app):
    make_agency("police")
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["create-user", "zhang", "--role", "liaison", "--agency", "police"],
        input="a-good-password\na-good-password\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "zhang"))
    assert user.roles == {"liaison"} and user.check_password("a-good-password")


def test_create_user_refuses_unknown_agency(app):
    result = app.test_cli_runner().invoke(
        args=["create-user", "zhang", "--role", "lead", "--agency", "nope"],
        input="a-good-password\na-good-password\n",
    )
    assert result.exit_code != 0
    assert "No agency with code 'nope'" in result.output


def test_demo_refuses_database_with_other_data(app):
    make_user(username="real-person")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code != 0
    assert "not the demo" in result.output


def test_create_token_prints_a_token(app):
    make_user(username="robot")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["create-token", "robot"])
    assert result.exit_code == 0
    assert result.output.strip().startswith("ept_")
