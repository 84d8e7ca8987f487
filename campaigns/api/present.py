"""Objects as the API shows them (plain dicts matching the response schemas)."""

from flask import current_app, url_for

from campaigns.items.models import Item
from campaigns.reviews.operations import is_open_on
from portal import access, clock


def campaign(c) -> dict:
    return {
        "code": c.code,
        "title": c.title,
        "kind": c.kind,
        "status": c.status.value,
        "lead_agency": c.lead_agency.code,
        "agencies": [a.code for a in c.agencies],
        "leads": [u.username for u in c.leads],
        "action_starts": c.action_starts,
        "action_ends": c.action_ends,
        "review_starts": c.review_starts,
        "review_ends": c.review_ends,
        "review_days": c.review_days,
        "review_scope": c.review_scope,
        "categories": [
            {"code": k.code, "name_zh": k.name_zh, "name_en": k.name_en} for k in c.categories
        ],
    }


def team(t) -> dict:
    return {
        "id": t.id,
        "name": t.name,
        "leader": t.leader.username if t.leader else None,
        "members": [u.username for u in t.members],
        "towns": [r.name_zh for r in t.towns],
    }


def item(i: Item) -> dict:
    today = clock.today()
    light = i.light_on(today, current_app.config["WARNING_DAYS"])
    return {
        "ref": i.ref,
        "campaign": i.campaign.code,
        "version": i.version,
        "status": i.status,
        "office_ref": i.office_ref,
        "target": i.target.name,
        "credit_code": i.target.credit_code,
        "district": i.district.name_zh,
        "town": i.town.name_zh if i.town else None,
        "category": i.category.code,
        "title": i.title,
        "description": i.description,
        "severity": i.severity,
        "listing_level": i.listing_level,
        "listing_doc_no": i.listing_doc_no,
        "lead_agency": i.lead_agency.code,
        "co_agencies": [a.code for a in i.co_agencies],
        "team": i.team.name,
        "deadline": i.deadline,
        "original_deadline": i.original_deadline,
        "flagged_at": i.flagged_at,
        "verified_at": i.verified_at,
        "overdue": i.is_overdue_on(today),
        "light": light.value if light else None,
        "late": i.late,
        "relapses": i.relapse_count,
        "measures": i.measures,
    }


def item_detail(i: Item, user) -> dict:
    body = item(i)
    body["timeline"] = [
        {
            "at": e.at,
            "actor": e.actor.username if e.actor else None,
            "agency": e.actor_agency.code if e.actor_agency else None,
            "kind": e.kind,
            "action": e.action,
            "from_status": e.from_status,
            "to_status": e.to_status,
            "note": e.note,
            "data": e.data or {},
            "evidence_id": e.evidence_id,
        }
        for e in i.timeline
    ]
    body["evidence"] = [evidence(i, e) for e in i.evidence]
    # "evidence" is taken through the evidence endpoint; a relapse only through a look-back check
    body["actions"] = [a for a in access.available_actions(user, i) if a != "relapse"]
    return body


def evidence(i: Item, e) -> dict:
    return {
        "id": e.id,
        "stage": e.stage,
        "name": e.original_name,
        "content_type": e.content_type,
        "size": e.size,
        "uploaded_at": e.uploaded_at,
        "url": url_for("api.evidence_file", ref=i.ref, evidence_id=e.id),
    }


def completion_row(group: str, row) -> dict:
    def pct(value):
        return None if value is None else f"{value:.2f}"

    return {
        "group": group,
        "items": row.items,
        "verified": row.verified,
        "open": row.open,
        "overdue": row.overdue,
        "completion_rate": pct(row.completion_rate),
        "on_time_rate": pct(row.on_time_rate),
    }


def check(c) -> dict:
    return {
        "id": c.id,
        "item": c.item.ref,
        "team": c.team.name,
        "result": c.result,
        "note": c.note,
        "new_deadline": c.new_deadline,
        "checked_by": c.checked_by.username if c.checked_by else None,
        "checked_at": c.checked_at,
    }


def review(r, checks, figures) -> dict:
    return {
        "id": r.id,
        "opens_on": r.opens_on,
        "closes_on": r.closes_on,
        "open": is_open_on(r, clock.today()),
        "closed": r.closed_at is not None,
        "figures": figures,
        "checks": [check(c) for c in checks],
    }
