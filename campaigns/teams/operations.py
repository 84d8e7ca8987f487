"""Supervision teams: form them and change their people and assignments."""

from sqlalchemy import select

from campaigns.teams.models import Team
from portal import audit
from portal.errors import ValidationFailed
from portal.extensions import db


def save_team(
    team: Team | None, *, campaign, by, name: str, leader, members=(), towns=(), targets=()
) -> Team:
    """Create or update a team; the leader is always one of its members."""
    name = name.strip()
    clash = db.session.scalar(
        select(Team).where(Team.campaign_id == campaign.id, Team.name == name)
    )
    if clash is not None and clash is not team:
        raise ValidationFailed("name taken", fields={"name": "taken"})
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
