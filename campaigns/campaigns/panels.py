"""Home page panels: a lead's campaigns at a glance, and the admin's counts."""

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from campaigns.campaigns import queries
from campaigns.campaigns.models import Campaign, CampaignStatus, campaign_leads
from portal import access, clock
from portal.accounts.models import Role, User
from portal.directory.models import Agency, Region
from portal.extensions import db
from portal.home.panels import Panel, provides


def days_left(campaign: Campaign, day) -> int | None:
    """Days until the campaign starts (draft), or left in its current phase, counting `day`."""
    status = campaign.status_on(day)
    if status == CampaignStatus.DRAFT:
        return (campaign.action_starts - day).days
    if status == CampaignStatus.ACTIVE:
        return (campaign.review_starts - day).days
    if status == CampaignStatus.REVIEW:
        return (campaign.review_ends - day).days + 1
    return None


@provides(Role.LEAD)
def lead_campaigns(user) -> Panel | None:
    """The campaigns this person leads that are not closed, with their items per status."""
    if not user.has_role(Role.LEAD):
        return None
    today = clock.today()
    led = select(campaign_leads.c.campaign_id).where(campaign_leads.c.user_id == user.id)
    campaigns = db.session.scalars(
        select(Campaign)
        .where(Campaign.id.in_(led), ~queries.status_is(CampaignStatus.CLOSED, today))
        .options(joinedload(Campaign.lead_agency))
        .order_by(Campaign.action_starts, Campaign.code)
    ).all()
    closed = db.session.scalar(
        select(func.count())
        .select_from(Campaign)
        .where(Campaign.id.in_(led), queries.status_is(CampaignStatus.CLOSED, today))
    )
    counts = queries.status_counts([c.id for c in campaigns], access.visible_items(user), today)
    rows = [(c, c.status_on(today), counts[c.id], days_left(c, today)) for c in campaigns]
    return Panel(
        template="campaigns/_lead_panel.html",
        order=10,
        context={"rows": rows, "closed": closed},
    )


@provides(Role.ADMIN)
def admin_counts(user) -> Panel | None:
    if not user.is_admin:
        return None
    counts = {
        name: db.session.scalar(select(func.count()).select_from(model))
        for name, model in (
            ("users", User),
            ("agencies", Agency),
            ("regions", Region),
            ("campaigns", Campaign),
        )
    }
    return Panel(template="campaigns/_admin_panel.html", order=90, context={"counts": counts})
