"""Supervision teams (督导组): a leader and members from any agencies, sent into towns."""

from sqlalchemy import Column, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaigns.campaigns.models import Campaign
from campaigns.targets.models import Target
from portal.accounts.models import User
from portal.directory.models import Region
from portal.extensions import db

team_members = Table(
    "team_members",
    db.metadata,
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id"), primary_key=True, index=True),
)

team_towns = Table(
    "team_towns",
    db.metadata,
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    Column("region_id", ForeignKey("regions.id"), primary_key=True),
)

team_targets = Table(
    "team_targets",
    db.metadata,
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    Column("target_id", ForeignKey("targets.id"), primary_key=True),
)


class Team(db.Model):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("campaign_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    campaign: Mapped[Campaign] = relationship()
    leader: Mapped[User | None] = relationship(foreign_keys=[leader_id])
    members: Mapped[list[User]] = relationship(secondary=team_members, order_by=User.username)
    towns: Mapped[list[Region]] = relationship(secondary=team_towns, order_by=Region.id)
    targets: Mapped[list[Target]] = relationship(secondary=team_targets, order_by=Target.name)

    def __repr__(self) -> str:
        return f"<Team {self.name}>"
