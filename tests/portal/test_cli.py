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


def test_a_new_installation_gets_its_agencies_then_its_first_admin(app):
    runner = app.test_cli_runner()
    refused = runner.invoke(
        args=["create-user", "it-admin", "--role", "admin", "--agency", "plc"],
        input="a-good-password\na-good-password\n",
    )
    assert refused.exit_code != 0 and "load-reference" in refused.output

    loaded = runner.invoke(args=["load-reference"])
    assert loaded.exit_code == 0, loaded.output
    assert "Agencies: 17 (17 added). Regions: 0 (0 added)." in loaded.output
    again = runner.invoke(args=["load-reference", "--regions"])
    assert "Agencies: 17 (0 added)." in again.output and "Regions: 0 (" not in again.output

    created = runner.invoke(
        args=["create-user", "it-admin", "--role", "admin", "--agency", "plc"],
        input="a-good-password\na-good-password\n",
    )
    assert created.exit_code == 0, created.output
    assert db.session.scalar(select(User).where(User.username == "it-admin")).is_admin
