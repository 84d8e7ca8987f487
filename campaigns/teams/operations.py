"""Supervision teams: form them and change their people and assignments."""

from sqlalchemy import case, func, select

from campaigns.teams.models import Team
from portal import audit
from portal.errors import ValidationFailed
from portal.extensions import db


def team_problems(campaign, name: str, team: Team | None = None) -> dict[str, str]:
    """What is wrong with a team's name in its campaign (another team has it)."""
    clash = db.session.scalar(
        select(Team).where(Team.campaign_id == campaign.id, Team.name == name.strip())
    )
    return {"name": "taken"} if clash is not None and clash is not team else {}


def save_team(
    team: Team | None, *, campaign, by, name: str, leader, members=(), towns=(), targets=()
) -> Team:
    """Create or update a team; the leader is always one of its members."""
    if problems := team_problems(campaign, name, team):
        raise ValidationFailed("invalid team", fields=problems)
    name = name.strip()
    created = team is None
    team = team or Team(campaign=campaign)
    team.name = name
    team.leader = leader
    people = {u.id: u for u in members}
    if leader is not None:
        people[leader.id] = leader
    team.members = list(people.values())
    team.towns = list({t.id: t for t in towns}.values())
    team.targets = list({t.id: t for t in targets}.values())
    db.session.add(team)
    db.session.flush()
    audit.record(
        "team_created" if created else "team_updated",
        actor=by,
        obj=team,
        members=sorted(u.username for u in team.members),
    )
    return team


def workload(team: Team, item_filter) -> dict[int, dict[str, int]]:
    """Per member who flagged items for the team: {user id: {"open": n, "verified": n}}.

    One grouped query; `item_filter` (access.visible_items(user)) keeps the numbers to what
    the viewer may see.
    """
    from campaigns.items.lifecycle import OPEN_STATES, Status
    from campaigns.items.models import Item

    rows = db.session.execute(
        select(
            Item.flagged_by_id,
            func.sum(case((Item.status.in_(OPEN_STATES), 1), else_=0)),
            func.sum(case((Item.status == Status.VERIFIED, 1), else_=0)),
        )
        .where(Item.team_id == team.id, Item.flagged_by_id.is_not(None), item_filter)
        .group_by(Item.flagged_by_id)
    )
    return {
        user_id: {"open": n_open or 0, "verified": n_done or 0} for user_id, n_open, n_done in rows
    }
