"""The access policy: who may see what, and who may do what. Deny by default.

Every request needs a signed-in user unless its endpoint is in PUBLIC_ENDPOINTS. Objects are
loaded through the `*_or_404` functions, which answer 404 for anything outside the user's scope
(never a page, a count or a row that reveals it). Lists are filtered with the `visible_*`
query filters. Actions on an item are decided by `relations` and the lifecycle table.
Templates ask `may(...)` which buttons to show; the server check is the same call.
"""

from functools import wraps

from flask import abort, request
from flask_login import current_user
from sqlalchemy import (
    ARRAY,
    ColumnElement,
    CompoundSelect,
    Integer,
    Select,
    and_,
    any_,
    cast,
    exists,
    false,
    func,
    or_,
    select,
    true,
    union,
)

from campaigns.campaigns.models import Campaign, campaign_agencies, campaign_leads
from campaigns.items.lifecycle import ACTIONS, Relation
from campaigns.items.models import Evidence, Item, Transfer, TransferState, item_co_agencies
from campaigns.teams.models import Team, team_members
from portal.accounts.models import Role, User
from portal.database import on_postgresql
from portal.extensions import db

# Endpoints anyone may reach without signing in.
PUBLIC_ENDPOINTS = frozenset(
    {
        "static",
        "auth.login",
        "i18n.set_language",
        "health.health",
        "api-docs.openapi_json",
    }
)
# Blueprints that authenticate on their own (API tokens): the session guard leaves them alone.
SELF_AUTHENTICATING_BLUEPRINTS = frozenset({"api"})


def guard_request():
    """before_request: a signed-in user for everything not on the allowlist."""
    endpoint = request.endpoint
    if endpoint is None:  # unknown URL: let routing answer 404
        return None
    if endpoint in PUBLIC_ENDPOINTS or request.blueprint in SELF_AUTHENTICATING_BLUEPRINTS:
        return None
    if not current_user.is_authenticated:
        from portal.errors import error_response, wants_json
        from portal.extensions import login_manager

        if wants_json():
            return error_response(401)
        return login_manager.unauthorized()
    return None


# ---------------------------------------------------------------------------------------------
# Roles


def require_role(*roles: str):
    """A view for holders of one of `roles` (admins pass every role check); 403 otherwise."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not has_role(current_user, *roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def has_role(user, *roles: str) -> bool:
    if not user.is_authenticated:
        return False
    return user.is_admin or user.has_role(*roles)


def may_manage_users(user) -> bool:
    return user.is_authenticated and user.is_admin


def may_grant_roles(user, target: User | None, roles: set[str]) -> bool:
    """Admins manage roles, but nobody raises their own."""
    if not may_manage_users(user):
        return False
    if target is not None and target.id == user.id:
        return roles <= user.roles
    return True


# ---------------------------------------------------------------------------------------------
# Campaigns


def _team_campaign_ids(user):
    """Campaigns in which the user is an inspector in some team."""
    return (
        select(Team.campaign_id)
        .join(team_members, team_members.c.team_id == Team.id)
        .where(team_members.c.user_id == user.id)
    )


def _led_campaign_ids(user):
    return select(campaign_leads.c.campaign_id).where(campaign_leads.c.user_id == user.id)


def visible_campaigns(user) -> ColumnElement[bool]:
    """Filter on Campaign: leads see theirs, inspectors their teams', liaisons their agency's."""
    if not user.is_authenticated:
        return false()
    if user.is_admin:
        return true()
    clauses = []
    if user.has_role(Role.LEAD):
        clauses.append(Campaign.id.in_(_led_campaign_ids(user)))
    if user.has_role(Role.INSPECTOR):
        clauses.append(Campaign.id.in_(_team_campaign_ids(user)))
    if user.has_role(Role.LIAISON):
        clauses.append(Campaign.lead_agency_id == user.agency_id)
        clauses.append(
            Campaign.id.in_(
                select(campaign_agencies.c.campaign_id).where(
                    campaign_agencies.c.agency_id == user.agency_id
                )
            )
        )
    return or_(*clauses) if clauses else false()


def campaign_or_404(code: str) -> Campaign:
    campaign = db.session.scalar(
        select(Campaign).where(Campaign.code == code, visible_campaigns(current_user))
    )
    if campaign is None:
        abort(404)
    return campaign


def may_create_campaign(user) -> bool:
    return has_role(user, Role.LEAD)


def leads_campaign(user, campaign: Campaign) -> bool:
    """A lead of this campaign (admins count as the lead of every campaign)."""
    if not user.is_authenticated:
        return False
    if user.is_admin:
        return True
    return user.has_role(Role.LEAD) and any(lead.id == user.id for lead in campaign.leads)


def inspects_in(user, campaign: Campaign) -> bool:
    """An inspector in some team of this campaign."""
    if not (user.is_authenticated and user.has_role(Role.INSPECTOR)):
        return False
    return (
        db.session.scalar(
            select(
                exists().where(
                    Team.campaign_id == campaign.id,
                    Team.id.in_(
                        select(team_members.c.team_id).where(team_members.c.user_id == user.id)
                    ),
                )
            )
        )
        or False
    )


def teams_of(user, campaign: Campaign) -> list[Team]:
    """The teams of this campaign the user may flag items for."""
    if not (user.is_authenticated and user.has_role(Role.INSPECTOR)):
        return []
    return list(
        db.session.scalars(
            select(Team)
            .join(team_members, team_members.c.team_id == Team.id)
            .where(Team.campaign_id == campaign.id, team_members.c.user_id == user.id)
            .order_by(Team.name)
        )
    )


def may_export(user, campaign: Campaign) -> bool:
    """Exports of a visible campaign; a liaison's exports hold only their agency's rows."""
    return campaign_visible(user, campaign)


def campaign_visible(user, campaign: Campaign) -> bool:
    return (
        db.session.scalar(
            select(exists().where(Campaign.id == campaign.id, visible_campaigns(user)))
        )
        or False
    )


# ---------------------------------------------------------------------------------------------
# Items


def _agency_lead_or_co(agency_id: int) -> ColumnElement[bool]:
    return or_(
        Item.lead_agency_id == agency_id,
        Item.id.in_(
            select(item_co_agencies.c.item_id).where(item_co_agencies.c.agency_id == agency_id)
        ),
    )


def agency_items(agency_id: int, *, counting: bool = False) -> ColumnElement[bool]:
    """Filter on Item: the joint cases of an agency (lead, co-agency, or offered a transfer),
    for lists and counts (many items).

    A page of a list: one pass along the list's order, the co-agency and transfer sets each
    read once (PostgreSQL hashes them), until the page is full. A count (`counting`), on
    PostgreSQL: the two sets as arrays, so that the items are read by index (the agency's
    lead items and the arrays' ids) instead of all of them. For an agency's 30,000 items of
    200,000, the count takes ~19 ms and a page ~4 ms; the UNION of agency_item_ids took 80
    to 190 ms, each form for the other use 18 and 37 ms (issue 7, docs/PERFORMANCE.md)."""
    co = select(item_co_agencies.c.item_id).where(item_co_agencies.c.agency_id == agency_id)
    offered = select(Transfer.item_id).where(
        Transfer.to_agency_id == agency_id, Transfer.state == TransferState.PENDING
    )
    if counting and on_postgresql():
        return or_(
            Item.lead_agency_id == agency_id,
            *(Item.id == any_(_as_array(ids)) for ids in (co, offered)),
        )
    return or_(Item.lead_agency_id == agency_id, Item.id.in_(co), Item.id.in_(offered))


def _as_array(ids: Select):
    """PostgreSQL: the ids a query selects, as one integer array (`ANY(…)` of a list)."""
    column = ids.selected_columns[0]
    return cast(ids.with_only_columns(func.array_agg(column)).scalar_subquery(), ARRAY(Integer))


def agency_item_ids(agency_id: int, *conditions, first=None) -> CompoundSelect:
    """Ids of the joint cases of an agency (lead, co-agency, or offered a transfer) that meet
    `conditions`: one SELECT per relation, joined by UNION, the conditions inside each.

    For one item or a few (a ref, a group's first rows): each part is then an index lookup,
    where agency_items would read the agency's co-agency and transfer sets whole.
    `first=(order, n)` keeps only each part's first n ids in that order: the whole's first n
    are among them."""
    lead = select(Item.id).where(Item.lead_agency_id == agency_id, *conditions)
    co = (
        select(Item.id)
        .join(item_co_agencies, item_co_agencies.c.item_id == Item.id)
        .where(item_co_agencies.c.agency_id == agency_id, *conditions)
    )
    offered = (
        select(Item.id)
        .join(Transfer, Transfer.item_id == Item.id)
        .where(
            Transfer.to_agency_id == agency_id,
            Transfer.state == TransferState.PENDING,
            *conditions,
        )
    )
    # Each part reads its own `items`, never the enclosing query's.
    parts = [part.correlate(None) for part in (lead, co, offered)]
    if first is not None:
        order, n = first
        parts = [select(part.order_by(*order).limit(n).subquery().c.id) for part in parts]
    return union(*parts)


def _items_by_role(user, liaison_scope, *conditions) -> ColumnElement[bool]:
    """Filter on Item: leads their campaigns', inspectors their teams' campaigns', liaisons
    `liaison_scope(agency_id)`, admins everything; all meeting `conditions`."""
    if not user.is_authenticated:
        return false()
    if user.is_admin:
        return and_(true(), *conditions)
    clauses = []
    if user.has_role(Role.LEAD):
        clauses.append(Item.campaign_id.in_(_led_campaign_ids(user)))
    if user.has_role(Role.INSPECTOR):
        clauses.append(Item.campaign_id.in_(_team_campaign_ids(user)))
    if user.has_role(Role.LIAISON):
        clauses.append(liaison_scope(user.agency_id))
    return and_(or_(*clauses), *conditions) if clauses else false()


def visible_items(user, *conditions, counting: bool = False) -> ColumnElement[bool]:
    """Filter on Item: everything the user may see (a liaison: the agency's joint cases) that
    meets `conditions` (lists, figures of many items; `counting`: for a count of them, see
    agency_items)."""
    return _items_by_role(
        user, lambda agency_id: agency_items(agency_id, counting=counting), *conditions
    )


def item_or_404(ref: str, *, for_update: bool = False) -> Item:
    # The ref goes inside each part of a liaison's UNION: each part is one index lookup.
    by_ref = Item.ref == ref
    query = select(Item).where(
        _items_by_role(
            current_user, lambda agency_id: Item.id.in_(agency_item_ids(agency_id, by_ref)), by_ref
        )
    )
    if for_update:
        query = query.with_for_update(of=Item)
    item = db.session.scalar(query)
    if item is None:
        abort(404)
    return item


def evidence_or_404(ref: str, evidence_id: int) -> Evidence:
    item = item_or_404(ref)
    evidence = db.session.scalar(
        select(Evidence).where(Evidence.id == evidence_id, Evidence.item_id == item.id)
    )
    if evidence is None:
        abort(404)
    return evidence


def relations(user, item: Item) -> set[Relation]:
    """How `user` stands to `item` (role-qualified)."""
    found: set[Relation] = set()
    if not user.is_authenticated:
        return found
    if leads_campaign(user, item.campaign):
        found.add(Relation.CAMPAIGN_LEAD)
    if user.has_role(Role.INSPECTOR):
        team_ids = set(
            db.session.scalars(
                select(Team.id)
                .join(team_members, team_members.c.team_id == Team.id)
                .where(Team.campaign_id == item.campaign_id, team_members.c.user_id == user.id)
            )
        )
        if team_ids:
            found.add(Relation.CAMPAIGN_INSPECTOR)
        if item.team_id in team_ids:
            found.add(Relation.FLAGGING_TEAM)
    if user.has_role(Role.LIAISON):
        if item.lead_agency_id == user.agency_id:
            found.add(Relation.LEAD_AGENCY)
        if any(a.id == user.agency_id for a in item.co_agencies):
            found.add(Relation.CO_AGENCY)
        pending = db.session.scalar(
            select(
                exists().where(
                    Transfer.item_id == item.id,
                    Transfer.to_agency_id == user.agency_id,
                    Transfer.state == TransferState.PENDING,
                )
            )
        )
        if pending:
            found.add(Relation.TRANSFER_RECIPIENT)
    return found


def may(user, action: str, item: Item, rels: set[Relation] | None = None) -> bool:
    """May this user take `action` on `item` (ignoring whether its state allows it)?"""
    rels = relations(user, item) if rels is None else rels
    return bool(ACTIONS[action].by & rels)


def available_actions(user, item: Item) -> list[str]:
    """Actions this user may take on the item now (permission and state both allow)."""
    rels = relations(user, item)
    return [
        name
        for name, action in ACTIONS.items()
        if action.by & rels and item.status in action.from_states
    ]


def may_flag(user, campaign: Campaign) -> bool:
    return bool(teams_of(user, campaign))


def team_membership(user) -> ColumnElement[bool]:
    """Filter on Team: teams the user belongs to."""
    return Team.id.in_(select(team_members.c.team_id).where(team_members.c.user_id == user.id))


def figures_scope(user) -> ColumnElement[bool]:
    """Filter on Item for figures and exports: as visible_items, but a liaison counts only the
    items their agency leads or co-handles (not those merely offered to it)."""
    return _items_by_role(user, _agency_lead_or_co)


# ---------------------------------------------------------------------------------------------
# Look-back reviews and bulletins


def works_on_campaign(user, campaign: Campaign) -> bool:
    """A lead of the campaign (admins too) or an inspector in one of its teams: who sees its
    look-back and its weekly bulletins (the joint meeting's papers). Liaisons do not."""
    return leads_campaign(user, campaign) or inspects_in(user, campaign)


def review_campaign_or_404(code: str) -> Campaign:
    """A campaign whose look-back this user works on (leads, its teams' inspectors); else 404."""
    campaign = campaign_or_404(code)
    if not works_on_campaign(current_user, campaign):
        abort(404)
    return campaign


def review_check_or_404(campaign: Campaign, check_id: int):
    from sqlalchemy.orm import joinedload

    from campaigns.reviews.models import Review, ReviewCheck

    check = db.session.scalar(
        select(ReviewCheck)
        .join(Review, Review.id == ReviewCheck.review_id)
        .where(ReviewCheck.id == check_id, Review.campaign_id == campaign.id)
        .options(joinedload(ReviewCheck.item), joinedload(ReviewCheck.team))
    )
    if check is None:
        abort(404)
    return check


# ---------------------------------------------------------------------------------------------
# Running campaigns: their settings, teams and targets


def may_manage_campaign(user, campaign: Campaign) -> bool:
    """Edit the campaign, its categories and its teams: its leads (and admins)."""
    return leads_campaign(user, campaign)


def team_or_404(campaign: Campaign, team_id: int) -> Team:
    """A team of a campaign the caller has already loaded through campaign_or_404."""
    team = db.session.scalar(
        select(Team).where(Team.id == team_id, Team.campaign_id == campaign.id)
    )
    if team is None:
        abort(404)
    return team


def may_manage_targets(user) -> bool:
    """Targets are shared by every campaign: leads, admins and inspectors keep them."""
    return has_role(user, Role.LEAD, Role.INSPECTOR)
