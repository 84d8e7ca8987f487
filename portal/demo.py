"""Demo data (CONTRACTS C1): reference agencies and regions, demo accounts, demo campaigns."""

from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from portal.accounts.models import PortalMeta, Role, User
from portal.accounts.operations import create_user
from portal.directory import reference
from portal.extensions import db

PASSWORD = "portal-demo"  # noqa: S105 - the published demo password (CONTRACTS C1)

# username, roles, agency code, display name (CONTRACTS C1 names the first five)
ACCOUNTS = [
    ("admin", [Role.ADMIN], "plc", "系统管理员"),
    ("lead", [Role.LEAD], "plc", "政法委牵头人"),
    ("inspector", [Role.INSPECTOR], "emergency", "督导组检查员"),
    ("liaison-police", [Role.LIAISON], "police", "公安局联络员"),
    ("liaison-env", [Role.LIAISON], "env", "生态环境局联络员"),
]
# Further team members and liaisons so that every team and agency has people.
EXTRA_INSPECTORS = [
    ("inspector-wang", "procuratorate", "王检察官"),
    ("inspector-li", "police", "李警官"),
    ("inspector-zhao", "env", "赵科长"),
    ("inspector-sun", "transport", "孙科长"),
    ("inspector-zhou", "finance", "周处长"),
    ("inspector-wu", "supervision", "吴监察员"),
]


class NotADemoDatabase(Exception):
    pass


def is_empty() -> bool:
    return not db.session.scalar(select(func.count()).select_from(User))


def is_demo() -> bool:
    return db.session.get(PortalMeta, "demo") is not None


def load() -> bool:
    """Load the demo once; False when it is already there. Refuses a database with real data."""
    if is_demo():
        return False
    if not is_empty():
        raise NotADemoDatabase(
            "This database holds data that is not the demo; the demo is not loaded into it."
        )
    hashed = generate_password_hash(PASSWORD)  # one hash (own salt) for every demo account
    agencies = reference.load_agencies()
    reference.load_regions()
    users = {}
    for username, roles, agency, name in ACCOUNTS:
        users[username] = create_user(
            username=username,
            display_name=name,
            agency=agencies[agency],
            roles=roles,
            password_hash=hashed,
        )
    for username, agency, name in EXTRA_INSPECTORS:
        users[username] = create_user(
            username=username,
            display_name=name,
            agency=agencies[agency],
            roles=[Role.INSPECTOR],
            password_hash=hashed,
        )
    for code, agency in agencies.items():
        username = f"liaison-{code}"
        if username not in users:
            users[username] = create_user(
                username=username,
                display_name=f"{agency.name_zh}联络员",
                agency=agency,
                roles=[Role.LIAISON],
                password_hash=hashed,
            )
    from campaigns import demo as campaign_demo

    campaign_demo.build(users=users, agencies=agencies)
    db.session.add(PortalMeta(key="demo", value="1"))
    db.session.commit()
    return True


def print_logins(echo) -> None:
    echo(f"Demo logins (password: {PASSWORD}):")
    for username, roles, agency, _name in ACCOUNTS:
        echo(f"  {username:<16} {', '.join(roles):<10} {agency}")
