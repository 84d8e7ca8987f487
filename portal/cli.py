"""The command-line commands of CONTRACTS C2 (plus `start`, the development server)."""

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from portal.extensions import db


def register(app):
    app.cli.add_command(demo_command)
    app.cli.add_command(load_reference_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(create_token_command)
    app.cli.add_command(start_command)
    app.cli.add_command(scheduler_command)
    app.cli.add_command(jobs_group)

    from portal.backup import backup_command, restore_command

    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)


@click.command("demo")
@with_appcontext
def demo_command():
    """Load the demo data (CONTRACTS C1). Refuses a database that holds other data."""
    from portal import demo

    try:
        loaded = demo.load()
    except demo.NotADemoDatabase as error:
        raise click.ClickException(str(error)) from error
    if loaded:
        click.echo("Demo data loaded.")
    else:
        click.echo("Demo data is already loaded; nothing to do.")
    demo.print_logins(click.echo)


@click.command("load-reference")
@click.option(
    "--regions/--no-regions",
    default=False,
    show_default=True,
    help="Also the region tree of the example city (Zibo) shipped with the portal.",
)
@with_appcontext
def load_reference_command(regions):
    """A new installation's agencies (and, if asked, regions): only what is missing is added."""
    from sqlalchemy import func

    from portal.directory import reference
    from portal.directory.models import Agency, Region

    def count(model):
        return db.session.scalar(select(func.count()).select_from(model))

    agencies_before, regions_before = count(Agency), count(Region)
    reference.load_agencies()
    if regions:
        reference.load_regions()
    db.session.commit()
    click.echo(
        f"Agencies: {count(Agency)} ({count(Agency) - agencies_before} added). "
        f"Regions: {count(Region)} ({count(Region) - regions_before} added)."
    )


@click.command("create-user")
@click.argument("username")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice(["admin", "lead", "inspector", "liaison"]),
    help="A role; repeat for several.",
)
@click.option("--agency", "agency_code", required=True, help="The user's agency code.")
@click.option("--name", "display_name", default="", help="Full name (defaults to the username).")
@click.password_option(help="Asked for when not given.")
@with_appcontext
def create_user_command(username, roles, agency_code, display_name, password):
    """Create a user (asks for the password)."""
    from portal.accounts.models import PASSWORD_MAX, PASSWORD_MIN
    from portal.accounts.operations import create_user
    from portal.directory.models import Agency
    from portal.errors import ValidationFailed

    agency = db.session.scalar(select(Agency).where(Agency.code == agency_code))
    if agency is None:
        hint = ""
        if db.session.scalar(select(Agency.id).limit(1)) is None:
            hint = (
                " There are no agencies yet: `flask --app app load-reference` adds the usual ones."
            )
        raise click.ClickException(f"No agency with code {agency_code!r}.{hint}")
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise click.ClickException(
            f"The password must have {PASSWORD_MIN} to {PASSWORD_MAX} characters."
        )
    try:
        user = create_user(
            username=username,
            display_name=display_name or username,
            agency=agency,
            roles=roles,
            password=password,
        )
    except ValidationFailed as error:
        raise click.ClickException(f"The username {username!r} is taken.") from error
    db.session.commit()
    click.echo(f"Created {user.username} ({', '.join(sorted(user.roles))}, {agency.code}).")


@click.command("create-token")
@click.argument("username")
@click.option("--name", default="command line", help="What the token is for.")
@with_appcontext
def create_token_command(username, name):
    """Print a new API token for a user."""
    from portal.accounts.models import User
    from portal.accounts.operations import issue_token

    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        raise click.ClickException(f"No active user {username!r}.")
    _token, plain = issue_token(user, name)
    db.session.commit()
    click.echo(plain)


@click.command("start")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def start_command(host, port):
    """Development server: migrate, load the demo on first start, run the scheduler inside."""
    from flask_migrate import upgrade

    from portal import demo

    upgrade()
    if demo.is_empty():
        click.echo("First start: loading the demo data (a minute at most) …")
        demo.load()
    # End this command's transaction: on SQLite it holds the write lock (BEGIN IMMEDIATE)
    # for as long as the server runs otherwise, and every request that writes would wait.
    db.session.remove()
    app = current_app._get_current_object()
    # The development server speaks plain http: a Secure cookie would never come back.
    app.config["SESSION_COOKIE_SECURE"] = False
    if app.config["SCHEDULER_MODE"] == "embedded":
        from portal.scheduler import runner

        runner.start_in_background(app)
    shown = "localhost" if host in {"127.0.0.1", "0.0.0.0"} else host  # noqa: S104
    click.echo(f"\nThe portal runs at http://{shown}:{port}/  (Ctrl+C stops it)\n")
    demo.print_logins(click.echo)
    from werkzeug.serving import run_simple

    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)


@click.command("scheduler")
@click.option(
    "--every",
    "minutes",
    default=5.0,
    show_default=True,
    type=click.FloatRange(min=0.05),
    help="Minutes between ticks.",
)
@with_appcontext
def scheduler_command(minutes):
    """Run the scheduler as its own process (production: exactly one, beside the web workers)."""
    from portal.scheduler import runner

    app = current_app._get_current_object()
    click.echo(f"Scheduler running: a tick every {minutes:g} minutes (Ctrl+C stops it).")
    runner.run_forever(app, minutes=minutes)


@click.group("jobs")
def jobs_group():
    """Scheduled jobs."""


@jobs_group.command("run")
@click.option(
    "--date",
    "day",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The day to run the jobs for (YYYY-MM-DD).",
)
@with_appcontext
def jobs_run_command(day):
    """Run one day's scheduled jobs now; prints what ran and what was already done."""
    from campaigns.notifications import mail
    from portal import scheduler

    day = day.date()
    report = scheduler.run_day_report(day)
    for name, outcome in report.items():
        click.echo(f"{day.isoformat()}  {name:<28} {outcome}")
    sent = mail.deliver_pending()
    if sent:
        click.echo(f"{sent} notification e-mail(s) sent.")
    if scheduler.FAILED in report.values():
        raise click.ClickException("some jobs failed; see the log above")
