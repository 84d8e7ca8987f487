"""Who is told what. Every notification has a key; a (user, key) pair is sent at most once.

Inserts use ON CONFLICT DO NOTHING on (user_id, key), so two schedulers, a retry or a
repeated sweep never send the same notification twice.
"""

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from campaigns.campaigns.models import campaign_leads
from campaigns.notifications.models import Notification
from campaigns.teams.models import Team, team_members
from portal import clock
from portal.accounts.models import Role, User, UserRole
from portal.extensions import db


def send(user_ids, *, key: str, kind: str, item=None, campaign_id=None, params=None) -> int:
    """Queue a notification for each user (once per key); return how many were new."""
    user_ids = sorted(set(user_ids))
    if not user_ids:
        return 0
    rows = [
        {
            "user_id": uid,
            "key": key,
            "kind": kind,
            "item_id": getattr(item, "id", None),
            "campaign_id": campaign_id or getattr(item, "campaign_id", None),
            "params": params or {},
            "created_at": clock.now(),
        }
        for uid in user_ids
    ]
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(Notification).values(rows).on_conflict_do_nothing(index_elements=["user_id", "key"])
    )
    result = db.session.execute(statement)
    return result.rowcount or 0


# --- Recipients ----------------------------------------------------------------------------------


def liaisons_of(agency_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(User.id)
            .join(UserRole, UserRole.user_id == User.id)
            .where(User.agency_id == agency_id, User.active, UserRole.role == Role.LIAISON)
        )
    )


def team_of(team_id: int) -> list[int]:
    members = set(
        db.session.scalars(select(team_members.c.user_id).where(team_members.c.team_id == team_id))
    )
    leader = db.session.scalar(select(Team.leader_id).where(Team.id == team_id))
    if leader:
        members.add(leader)
    return sorted(members)


def leads_of(campaign_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(campaign_leads.c.user_id).where(campaign_leads.c.campaign_id == campaign_id)
        )
    )


# --- Events ----------------------------------------------------------------------------------------


def rectification_submitted(item) -> None:
    send(
        team_of(item.team_id),
        key=f"submitted:{item.id}:{item.submitted_at.timestamp():.0f}",
        kind="submitted",
        item=item,
        params={"ref": item.ref, "title": item.title},
    )


def extension_requested(item, request_) -> None:
    send(
        leads_of(item.campaign_id),
        key=f"extension:{request_.id}",
        kind="extension_requested",
        item=item,
        params={"ref": item.ref, "new_deadline": request_.new_deadline.isoformat()},
    )


def transfer_event(item, transfer, event: str) -> None:
    recipients = liaisons_of(transfer.from_agency_id) + liaisons_of(transfer.to_agency_id)
    send(
        recipients,
        key=f"transfer:{transfer.id}:{event}",
        kind=f"transfer_{event}",
        item=item,
        params={"ref": item.ref, "from": transfer.from_agency.code, "to": transfer.to_agency.code},
    )
