"""Build a realistic city-scale dataset for the benchmark, quickly and reproducibly.

Default scale (BRIEF §1, issue 7): 20 campaigns, 150 teams, 30,000 targets, 200,000 items in
every state and about 1,000,000 timeline entries. Rows go in with bulk INSERTs in batches, so
the whole set takes minutes, not hours. The same --seed gives the same data.

    python -m bench.generate --database-url sqlite:////tmp/bench.db [--scale 1.0] [--seed 7]

Bench accounts (password `bench-pass`): bench-admin, bench-lead (leads every campaign),
bench-inspector-<n> (member of team n), bench-liaison-<agency code>.
"""

import argparse
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

from sqlalchemy import insert, select, text, update
from stdnum.cn import uscc
from werkzeug.security import generate_password_hash

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PASSWORD = "bench-pass"  # noqa: S105 - benchmark accounts on a throwaway database
KINDS = ["environment", "traffic", "work_safety", "financial_order"]
STATES = [  # (status, share)
    ("assigned", 0.12),
    ("rectifying", 0.20),
    ("submitted", 0.08),
    ("verified", 0.55),
    ("withdrawn", 0.05),
]
BATCH = 5000


def credit_code(rng: random.Random) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "91" + "370300" + "".join(rng.choice(alphabet) for _ in range(9))
    return body + uscc.calc_check_digit(body)


def batched(rows, size=BATCH):
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def generate(app, *, scale: float, seed: int, today: date, log=print) -> dict:
    from campaigns.campaigns.models import (
        Campaign,
        CampaignCategory,
        campaign_agencies,
        campaign_leads,
    )
    from campaigns.campaigns.operations import default_categories
    from campaigns.items.models import Item, TimelineEntry, item_co_agencies
    from campaigns.targets.models import Target
    from campaigns.teams.models import Team, team_members, team_towns
    from portal.accounts.models import User, UserRole
    from portal.directory import reference
    from portal.directory.models import Region, RegionLevel
    from portal.extensions import db

    rng = random.Random(seed)
    started = time.monotonic()
    n_campaigns = max(4, round(20 * scale))
    n_teams = max(n_campaigns, round(150 * scale))
    n_targets = max(100, round(30_000 * scale))
    n_items = max(200, round(200_000 * scale))

    agencies = reference.load_agencies()
    reference.load_regions()
    db.session.commit()
    agency_ids = {code: a.id for code, a in agencies.items()}
    regions = db.session.scalars(select(Region)).all()
    districts = [r for r in regions if r.level in (RegionLevel.DISTRICT, RegionLevel.COUNTY)]
    towns_of = {d.id: [t.id for t in regions if t.parent_id == d.id] for d in districts}

    # People
    password_hash = generate_password_hash(PASSWORD)
    now = datetime.now(UTC)
    users = [
        {"username": "bench-admin", "agency": "plc", "roles": ["admin"]},
        {"username": "bench-lead", "agency": "plc", "roles": ["lead"]},
    ]
    inspector_agencies = ["emergency", "police", "env", "procuratorate", "transport", "market"]
    for n in range(1, n_teams * 4 + 1):
        users.append(
            {
                "username": f"bench-inspector-{n}",
                "agency": rng.choice(inspector_agencies),
                "roles": ["inspector"],
            }
        )
    for code in agency_ids:
        users.append({"username": f"bench-liaison-{code}", "agency": code, "roles": ["liaison"]})
    db.session.execute(
        insert(User),
        [
            {
                "username": u["username"],
                "display_name": u["username"],
                "password_hash": password_hash,
                "agency_id": agency_ids[u["agency"]],
                "active": True,
                "session_version": 1,
                "created_at": now,
                "version": 1,
                "locale": "en",
            }
            for u in users
        ],
    )
    user_ids = dict(db.session.execute(select(User.username, User.id)).all())
    db.session.execute(
        insert(UserRole),
        [{"user_id": user_ids[u["username"]], "role": r} for u in users for r in u["roles"]],
    )
    db.session.commit()
    log(f"users: {len(users)}")

    # Campaigns with their categories, agencies and leads
    campaign_rows = []
    for n in range(n_campaigns):
        kind = KINDS[n % len(KINDS)]
        starts = today - timedelta(days=rng.randint(20, 300))
        ends = starts + timedelta(days=rng.randint(60, 150))
        campaign_rows.append(
            {
                "code": f"B{kind[:2].upper()}{n + 1:03d}",
                "title": f"Bench {kind} campaign {n + 1}",
                "kind": kind,
                "description": "",
                "lead_agency_id": agency_ids["plc"],
                "action_starts": starts,
                "action_ends": ends,
                "review_starts": ends + timedelta(days=1),
                "review_days": 30,
                "review_scope": "listed",
                "item_seq": 0,
                "created_at": now,
                "version": 1,
            }
        )
    db.session.execute(insert(Campaign), campaign_rows)
    campaigns = db.session.scalars(select(Campaign).order_by(Campaign.id)).all()
    category_rows, agency_links, lead_links = [], [], []
    for c in campaigns:
        for position, (code, zh, en) in enumerate(default_categories(c.kind)):
            category_rows.append(
                {
                    "campaign_id": c.id,
                    "code": code,
                    "name_zh": zh,
                    "name_en": en,
                    "position": position,
                }
            )
        for code in rng.sample(sorted(agency_ids), 8):
            agency_links.append({"campaign_id": c.id, "agency_id": agency_ids[code]})
        lead_links.append({"campaign_id": c.id, "user_id": user_ids["bench-lead"]})
    db.session.execute(insert(CampaignCategory), category_rows)
    db.session.execute(
        insert(campaign_agencies),
        [dict(t) for t in {tuple(sorted(d.items())) for d in agency_links}],
    )
    db.session.execute(insert(campaign_leads), lead_links)
    db.session.commit()
    categories = {}
    for cat in db.session.scalars(select(CampaignCategory)):
        categories.setdefault(cat.campaign_id, []).append(cat.id)
    log(f"campaigns: {len(campaigns)}")

    # Teams: 4 inspectors each, a few towns
    team_rows = [
        {
            "campaign_id": campaigns[n % len(campaigns)].id,
            "name": f"Team {n + 1}",
            "leader_id": user_ids[f"bench-inspector-{n * 4 + 1}"],
        }
        for n in range(n_teams)
    ]
    db.session.execute(insert(Team), team_rows)
    teams = db.session.scalars(select(Team).order_by(Team.id)).all()
    member_rows, town_rows = [], []
    for n, team in enumerate(teams):
        for k in range(1, 5):
            member_rows.append(
                {"team_id": team.id, "user_id": user_ids[f"bench-inspector-{n * 4 + k}"]}
            )
        district = rng.choice(districts)
        for town in rng.sample(towns_of[district.id], min(3, len(towns_of[district.id]))):
            town_rows.append({"team_id": team.id, "region_id": town})
    db.session.execute(insert(team_members), member_rows)
    db.session.execute(insert(team_towns), town_rows)
    db.session.commit()
    teams_of = {}
    for team in teams:
        teams_of.setdefault(team.campaign_id, []).append(team.id)
    log(f"teams: {len(teams)}")

    # Targets
    used_codes = set()
    target_rows = []
    for n in range(n_targets):
        district = rng.choice(districts)
        code = None
        if rng.random() < 0.6:
            code = credit_code(rng)
            while code in used_codes:
                code = credit_code(rng)
            used_codes.add(code)
        target_rows.append(
            {
                "name": f"Enterprise {n + 1:06d}",
                "kind": "enterprise",
                "credit_code": code,
                "region_id": rng.choice(towns_of[district.id]),
                "created_at": now,
            }
        )
    for chunk in batched(target_rows):
        db.session.execute(insert(Target), chunk)
    db.session.commit()
    target_ids = list(db.session.scalars(select(Target.id).order_by(Target.id)))
    target_region = dict(db.session.execute(select(Target.id, Target.region_id)).all())
    town_district = {t.id: t.parent_id for t in regions if t.level == RegionLevel.TOWN}
    log(f"targets: {len(target_ids)}")

    # Items with their timelines
    lead_agency_codes = [
        "police",
        "env",
        "emergency",
        "transport",
        "market",
        "housing",
        "natres",
        "water",
        "urban",
        "finance",
        "highway",
    ]
    states, weights = zip(*STATES, strict=True)
    seq = {c.id: 0 for c in campaigns}
    code_of = {c.id: c.code for c in campaigns}
    inspector_ids = [user_ids[u["username"]] for u in users if u["roles"] == ["inspector"]]
    liaison_of = {code: user_ids[f"bench-liaison-{code}"] for code in agency_ids}
    item_rows, co_rows, timeline_rows = [], [], []
    zone_offset = timedelta(hours=8)

    def flush_items():
        if not item_rows:
            return
        db.session.execute(insert(Item), item_rows)
        refs = [r["ref"] for r in item_rows]
        ids = dict(db.session.execute(select(Item.ref, Item.id).where(Item.ref.in_(refs))).all())
        db.session.execute(
            insert(item_co_agencies),
            [{"item_id": ids[ref], "agency_id": agency} for ref, agency in co_rows],
        )
        for chunk in batched([dict(row, item_id=ids[row.pop("ref")]) for row in timeline_rows]):
            db.session.execute(insert(TimelineEntry), chunk)
        db.session.commit()
        item_rows.clear()
        co_rows.clear()
        timeline_rows.clear()

    for n in range(n_items):
        campaign = campaigns[rng.randrange(len(campaigns))]
        seq[campaign.id] += 1
        ref = f"{code_of[campaign.id]}-{seq[campaign.id]:04d}"
        target = target_ids[rng.randrange(len(target_ids))]
        town = target_region[target]
        district = town_district[town]
        status = rng.choices(states, weights)[0]
        flagged_on = today - timedelta(days=rng.randint(0, 200))
        flagged_at = datetime.combine(flagged_on, dtime(9, 0), tzinfo=UTC) - zone_offset
        deadline = flagged_on + timedelta(days=rng.choice([7, 15, 30, 45, 60]))
        lead_code = rng.choice(lead_agency_codes)
        acknowledged = flagged_at + timedelta(days=1) if status != "assigned" else None
        if status == "withdrawn":
            acknowledged = None
        verified_on = None
        if status == "verified":
            verified_on = min(today, flagged_on + timedelta(days=rng.randint(3, 70)))
        verified_at = (
            datetime.combine(verified_on, dtime(15, 0), tzinfo=UTC) - zone_offset
            if verified_on
            else None
        )
        relapses = 1 if status == "rectifying" and rng.random() < 0.05 else 0
        listing = rng.choices(["none", "district", "city", "province"], [85, 8, 5, 2])[0]
        team = rng.choice(teams_of[campaign.id])
        item_rows.append(
            {
                "campaign_id": campaign.id,
                "seq": seq[campaign.id],
                "ref": ref,
                "office_ref": None,
                "target_id": target,
                "district_id": district,
                "town_id": town,
                "category_id": rng.choice(categories[campaign.id]),
                "title": f"Problem {n + 1} found at inspection",
                "description": "",
                "severity": "major" if rng.random() < 0.1 else "general",
                "listing_level": listing,
                "listing_doc_no": f"淄督〔2026〕{n % 900 + 1}号" if listing != "none" else None,
                "lead_agency_id": agency_ids[lead_code],
                "team_id": team,
                "flagged_by_id": rng.choice(inspector_ids),
                "flagged_at": flagged_at,
                "flagged_on": flagged_on,
                "original_deadline": deadline,
                "deadline": deadline,
                "status": status,
                "acknowledged_at": acknowledged,
                "submitted_at": acknowledged + timedelta(days=2)
                if status in ("submitted",)
                else None,
                "verified_at": verified_at,
                "verified_on": verified_on,
                "withdrawn_at": flagged_at + timedelta(days=2) if status == "withdrawn" else None,
                "measures": "Rectified" if status in ("submitted", "verified") else None,
                "relapse_count": relapses,
                "import_id": None,
                "updated_at": flagged_at,
                "version": 1,
            }
        )
        for co in rng.sample(lead_agency_codes, rng.choice([0, 0, 1, 2])):
            if co != lead_code:
                co_rows.append((ref, agency_ids[co]))
        path = {
            "assigned": [],
            "rectifying": ["rectifying"],
            "submitted": ["rectifying", "submitted"],
            "verified": ["rectifying", "submitted", "verified"],
            "withdrawn": ["withdrawn"],
        }[status]
        timeline_rows.append(
            {
                "ref": ref,
                "at": flagged_at,
                "actor_id": None,
                "actor_agency_id": None,
                "kind": "flagged",
                "action": None,
                "from_status": None,
                "to_status": "assigned",
                "note": "",
                "data": {},
                "evidence_id": None,
            }
        )
        previous, at = "assigned", flagged_at
        for step in path:
            at = at + timedelta(days=1)
            timeline_rows.append(
                {
                    "ref": ref,
                    "at": at,
                    "actor_id": liaison_of[lead_code],
                    "actor_agency_id": agency_ids[lead_code],
                    "kind": "moved",
                    "action": step,
                    "from_status": previous,
                    "to_status": step,
                    "note": "",
                    "data": {},
                    "evidence_id": None,
                }
            )
            previous = step
        for _ in range(rng.choice([0, 1, 1, 2])):
            at = at + timedelta(hours=3)
            timeline_rows.append(
                {
                    "ref": ref,
                    "at": at,
                    "actor_id": liaison_of[lead_code],
                    "actor_agency_id": agency_ids[lead_code],
                    "kind": "comment",
                    "action": "comment",
                    "from_status": None,
                    "to_status": None,
                    "note": "Progress reported by phone",
                    "data": {},
                    "evidence_id": None,
                }
            )
        if len(item_rows) >= BATCH:
            flush_items()
            if (n + 1) % 50_000 == 0:
                log(f"items: {n + 1} ({time.monotonic() - started:.0f} s)")
    flush_items()
    for campaign_id, last in seq.items():
        db.session.execute(update(Campaign).where(Campaign.id == campaign_id).values(item_seq=last))
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    timeline_count = db.session.scalar(select(text("count(*)")).select_from(TimelineEntry))
    summary = {
        "campaigns": len(campaigns),
        "teams": len(teams),
        "targets": len(target_ids),
        "items": n_items,
        "timeline_entries": timeline_count,
        "users": len(users),
        "seconds": round(time.monotonic() - started, 1),
    }
    log(f"done: {summary}")
    return summary


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    import os

    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("PORTAL_INSTANCE", str(Path(__file__).parent / "out" / "instance"))
    from flask_migrate import upgrade

    from portal import clock, create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url})
    with app.app_context():
        upgrade()
        generate(app, scale=args.scale, seed=args.seed, today=clock.today())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
