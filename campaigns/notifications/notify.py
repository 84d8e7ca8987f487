"""Who is told what. Every notification has a key; a (user, key) pair is sent at most once.

Inserts use ON CONFLICT DO NOTHING on (user_id, key), so two schedulers, a retry or a
repeated sweep never send the same notification twice.
"""

from datetime import date

from flask import g, has_request_context
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from campaigns.campaigns.models import campaign_leads
from campaigns.notifications.models import Notification
from campaigns.teams.models import Team, team_members
from portal import clock
from portal.accounts.models import Role, User, UserRole
from portal.database import on_postgresql
from portal.extensions import db


def send(user_ids, *, key: str, kind: str, item=None, campaign_id=None, params=None) -> int:
    """Queue a notification for each user (once per key); return how many were new.

    E-mail (when MAIL_SERVER is set) goes out after the transaction commits: at the end of
    the request, or on the scheduler's tick for everything else and for retries.
    """
    user_ids = sorted(set(user_ids))
    if not user_ids:
        return 0
    if has_request_context():
        g.notifications_queued = True
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
    insert = pg_insert if on_postgresql() else sqlite_insert
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
            select(campaign_leads.c.user_id)
            .join(User, User.id == campaign_leads.c.user_id)
            .where(campaign_leads.c.campaign_id == campaign_id, User.active)
        )
    )


def teams_of_campaign(campaign_id: int) -> dict[int, list[int]]:
    """Every team of a campaign with its people (members and leader): {team id: user ids}."""
    people: dict[int, set[int]] = {
        team_id: {leader} if leader else set()
        for team_id, leader in db.session.execute(
            select(Team.id, Team.leader_id).where(Team.campaign_id == campaign_id)
        )
    }
    for team_id, user_id in db.session.execute(
        select(team_members.c.team_id, team_members.c.user_id)
        .join(Team, Team.id == team_members.c.team_id)
        .where(Team.campaign_id == campaign_id)
    ):
        people[team_id].add(user_id)
    return {team_id: sorted(users) for team_id, users in people.items()}


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


def light_key(kind: str, item_id: int, deadline: date) -> str:
    """Yellow and red notices carry the deadline: an item whose deadline moves warns again."""
    return f"{kind}:{item_id}:{deadline.isoformat()}"


def item_turned(item, light: str, *, liaisons=None, team=None, leads=None) -> int:
    """The item turned yellow (due soon) or red (overdue): its lead agency's liaisons and the
    flagging team; for red, the campaign leads as well. Recipient lists may be passed in by a
    sweep that has them cached."""
    recipients = list(liaisons if liaisons is not None else liaisons_of(item.lead_agency_id))
    recipients += team if team is not None else team_of(item.team_id)
    if light == "red":
        recipients += leads if leads is not None else leads_of(item.campaign_id)
    return send(
        recipients,
        key=light_key(light, item.id, item.deadline),
        kind=light,
        item=item,
        params={"ref": item.ref, "title": item.title, "deadline": item.deadline.isoformat()},
    )


def transfer_unanswered(item, transfer, days: int) -> int:
    return send(
        leads_of(item.campaign_id),
        key=f"transfer:{transfer.id}:unanswered",
        kind="transfer_unanswered",
        item=item,
        params={
            "ref": item.ref,
            "from": transfer.from_agency.code,
            "to": transfer.to_agency.code,
            "days": days,
        },
    )


def review_opened(review, campaign) -> int:
    recipients = [uid for users in teams_of_campaign(campaign.id).values() for uid in users]
    return send(
        recipients,
        key=f"review:{review.id}:opened",
        kind="review_opened",
        campaign_id=campaign.id,
        params={
            "code": campaign.code,
            "title": campaign.title,
            "closes_on": review.closes_on.isoformat(),
        },
    )


def review_closing(review, campaign, team_id: int, unchecked: int) -> int:
    return send(
        team_of(team_id),
        key=f"review:{review.id}:closing:{team_id}",
        kind="review_closing",
        campaign_id=campaign.id,
        params={
            "code": campaign.code,
            "title": campaign.title,
            "closes_on": review.closes_on.isoformat(),
            "unchecked": unchecked,
        },
    )


def item_relapsed(item, check) -> int:
    """A look-back check sent the item back: its lead agency's liaisons and the campaign leads."""
    return send(
        liaisons_of(item.lead_agency_id) + leads_of(item.campaign_id),
        key=f"relapse:{check.id}",
        kind="relapsed",
        item=item,
        params={
            "ref": item.ref,
            "title": item.title,
            "result": check.result,
            "deadline": item.deadline.isoformat(),
        },
    )
