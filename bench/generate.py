"""Build a realistic city-scale dataset for the benchmark, quickly and reproducibly.

Default scale (BRIEF §1, issue 7): 20 campaigns, 150 teams, 30,000 targets, 200,000 items in
every state and about 1,000,000 timeline entries. The small tables go in through SQLAlchemy;
the big ones (targets, items, co-agencies, timeline entries, transfers) through `BulkLoader`:
PostgreSQL's COPY, or SQLite's executemany with bulk-load PRAGMAs, with foreign-key checks off
and the secondary indexes dropped during the load and rebuilt once at the end. The same --seed
and --today give the same data.

    python -m bench.generate --database-url sqlite:////tmp/bench.db [--scale 1.0] [--seed 7]

Bench accounts (password `bench-pass`): bench-admin, bench-lead (leads every campaign),
bench-inspector-<n> (member of team ceil(n/4)), bench-liaison-<agency code>.
"""

import argparse
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

from sqlalchemy import func, insert, select, text, update
from stdnum.cn import uscc
from werkzeug.security import generate_password_hash

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# Bump when the data a seed gives changes, so that bench.run regenerates a kept dataset.
GENERATOR_VERSION = 2
PASSWORD = "bench-pass"  # noqa: S105 - benchmark accounts on a throwaway database
KINDS = ["environment", "traffic", "work_safety", "financial_order"]
STATES = [  # (status, share)
    ("assigned", 0.12),
    ("rectifying", 0.20),
    ("submitted", 0.08),
    ("verified", 0.55),
    ("withdrawn", 0.05),
]
LEAD_AGENCY_CODES = [
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
INSPECTOR_AGENCIES = ["emergency", "police", "env", "procuratorate", "transport", "market"]
CHUNK = 10_000  # items generated and written per round
ZONE_OFFSET = timedelta(hours=8)  # Asia/Shanghai: the offices' working hours in UTC
BIG_TABLES = ("targets", "items", "item_co_agencies", "timeline_entries", "transfers")

TARGET_COLUMNS = ("id", "name", "kind", "credit_code", "region_id", "address", "created_at")
ITEM_COLUMNS = (
    "id",
    "campaign_id",
    "seq",
    "ref",
    "office_ref",
    "target_id",
    "district_id",
    "town_id",
    "category_id",
    "title",
    "description",
    "severity",
    "listing_level",
    "listing_doc_no",
    "lead_agency_id",
    "team_id",
    "flagged_by_id",
    "flagged_at",
    "flagged_on",
    "original_deadline",
    "deadline",
    "status",
    "acknowledged_at",
    "submitted_at",
    "verified_at",
    "verified_on",
    "withdrawn_at",
    "measures",
    "relapse_count",
    "import_id",
    "updated_at",
    "version",
)
CO_COLUMNS = ("item_id", "agency_id")
ENTRY_COLUMNS = (
    "id",
    "item_id",
    "at",
    "actor_id",
    "actor_agency_id",
    "kind",
    "action",
    "from_status",
    "to_status",
    "note",
    "data",
    "evidence_id",
)
TRANSFER_COLUMNS = (
    "id",
    "item_id",
    "state",
    "from_agency_id",
    "to_agency_id",
    "reason",
    "proposed_by_id",
    "proposed_at",
    "answered_by_id",
    "answered_at",
    "answer_note",
)


def credit_code(rng: random.Random) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "91" + "370300" + "".join(rng.choice(alphabet) for _ in range(9))
    return body + uscc.calc_check_digit(body)


def counts_for(scale: float) -> dict[str, int]:
    return {
        "campaigns": max(4, round(20 * scale)),
        "teams": max(4, round(150 * scale)),
        "targets": max(100, round(30_000 * scale)),
        "items": max(200, round(200_000 * scale)),
    }


class BulkLoader:
    """Writes rows of the big tables fast, in one transaction on one raw connection.

    PostgreSQL: COPY FROM STDIN (psycopg), triggers (foreign-key checks) off for the session
    (`session_replication_role = replica`, as pg_restore does). SQLite: executemany with
    synchronous=OFF, a big page cache and foreign keys off. On both, the secondary indexes of the
    big tables are dropped first and rebuilt from their own definitions at the end, which is
    much faster than keeping them up to date row by row. Rows carry their own ids; the id
    sequences are moved past them at the end.
    """

    def __init__(self, engine):
        from portal.extensions import db

        db.session.commit()  # on SQLite the session's open transaction would hold the lock
        db.session.close()
        self.dialect = engine.dialect.name
        self.fairy = engine.raw_connection()
        self.connection = self.fairy.driver_connection
        self.cursor = self.connection.cursor()
        self.indexes: list[tuple[str, str]] = []

    # Values as each driver wants them
    def ts(self, value: datetime | None):
        if value is None or self.dialect != "sqlite":
            return value
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")

    def day(self, value: date | None):
        if value is None or self.dialect != "sqlite":
            return value
        return value.isoformat()

    def __enter__(self):
        if self.dialect == "postgresql":
            self.cursor.execute("SET session_replication_role = replica")
            self.cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes i"
                " WHERE schemaname = current_schema() AND tablename = ANY(%s)"
                " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
                (list(BIG_TABLES),),
            )
        else:
            self.cursor.execute("PRAGMA foreign_keys=OFF")
            self.cursor.execute("PRAGMA synchronous=OFF")
            self.cursor.execute("PRAGMA cache_size=-500000")
            self.cursor.execute("PRAGMA temp_store=MEMORY")
            self.cursor.execute("BEGIN")
            marks = ",".join("?" for _ in BIG_TABLES)
            self.cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index'"
                f" AND tbl_name IN ({marks}) AND sql IS NOT NULL",
                BIG_TABLES,
            )
        self.indexes = list(self.cursor.fetchall())
        for name, _sql in self.indexes:
            self.cursor.execute(f'DROP INDEX "{name}"')
        return self

    def next_id(self, table: str) -> int:
        self.cursor.execute(f"SELECT COALESCE(max(id), 0) + 1 FROM {table}")
        return self.cursor.fetchone()[0]

    def write(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        if not rows:
            return
        names = ", ".join(columns)
        if self.dialect == "postgresql":
            with self.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in columns)
            self.cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)

    def __exit__(self, kind, error, tb):
        if kind is not None:
            self.connection.rollback()
            self.fairy.close()
            return False
        for _name, sql in self.indexes:
            self.cursor.execute(sql)
        if self.dialect == "postgresql":
            for table in BIG_TABLES:
                if table == "item_co_agencies":
                    continue
                self.cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                    f" COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)"
                )
            self.cursor.execute("SET session_replication_role = DEFAULT")
            self.connection.commit()
        else:
            self.cursor.execute("COMMIT")
            self.cursor.execute("PRAGMA foreign_keys=ON")
            self.cursor.execute("PRAGMA synchronous=NORMAL")
        self.fairy.close()
        return False


class Places:
    """Reference data the item rows point at, loaded once."""

    def __init__(self):
        from campaigns.targets.models import Target
        from portal.directory.models import Agency, Region, RegionLevel
        from portal.extensions import db

        self.agency_ids = dict(db.session.execute(select(Agency.code, Agency.id)).all())
        regions = db.session.scalars(select(Region)).all()
        self.districts = sorted(
            r.id for r in regions if r.level in (RegionLevel.DISTRICT, RegionLevel.COUNTY)
        )
        self.towns_of = {
            d: sorted(t.id for t in regions if t.parent_id == d) for d in self.districts
        }
        self.town_district = {r.id: r.parent_id for r in regions if r.level == RegionLevel.TOWN}
        self.target_region = dict(
            db.session.execute(select(Target.id, Target.region_id).order_by(Target.id)).all()
        )
        self.target_ids = list(self.target_region)


def write_items(
    loader: BulkLoader,
    rng: random.Random,
    *,
    campaigns: list[dict],
    n_items: int,
    places: Places,
    team_members_of: dict[int, list[int]],
    user_ids: dict[str, int],
    user_agency: dict[int, int],
    today: date,
    log=print,
) -> dict[str, int]:
    """Items in every state over `campaigns` (dicts: id, code, seq, categories, teams), each
    with a history that the portal's own verbs would have written by the bench's people
    (`user_ids` by username, `user_agency` by id: `_people`)."""
    lead_id = user_ids["bench-lead"]
    liaison_of = {code: user_ids[f"bench-liaison-{code}"] for code in places.agency_ids}
    item_id = loader.next_id("items")
    entry_id = loader.next_id("timeline_entries")
    transfer_id = loader.next_id("transfers")
    states, weights = zip(*STATES, strict=True)
    agency_ids = places.agency_ids
    ts, day = loader.ts, loader.day
    empty = "{}"
    written = {"items": 0, "timeline_entries": 0, "transfers": 0, "co_agencies": 0}
    started = time.monotonic()

    def entry(rows, item, at, actor, kind, action, before, after, note="", data=empty):
        nonlocal entry_id
        rows.append(
            (
                entry_id,
                item,
                ts(at),
                actor,
                user_agency.get(actor),
                kind,
                action,
                before,
                after,
                note,
                data,
                None,
            )
        )
        entry_id += 1

    done = 0
    while done < n_items:
        items, co_rows, entries, transfers = [], [], [], []
        for n in range(done, min(n_items, done + CHUNK)):
            campaign = campaigns[rng.randrange(len(campaigns))]
            campaign["seq"] += 1
            seq = campaign["seq"]
            target = places.target_ids[rng.randrange(len(places.target_ids))]
            town = places.target_region[target]
            status = rng.choices(states, weights)[0]
            # Old enough for its history (at most 16 days of moves) to lie in the past.
            flagged_on = today - timedelta(days=rng.randint(0 if status == "assigned" else 17, 200))
            flagged_at = datetime.combine(flagged_on, dtime(9, 0), tzinfo=UTC) - ZONE_OFFSET
            deadline = flagged_on + timedelta(days=rng.choice([7, 15, 30, 45, 60]))
            lead_code = rng.choice(LEAD_AGENCY_CODES)
            liaison = liaison_of[lead_code]
            team = rng.choice(campaign["teams"])
            flagger = rng.choice(team_members_of[team])
            returned = status == "rectifying" and rng.random() < 0.1
            path = {
                "assigned": [],
                "rectifying": ["acknowledge"] + (["submit", "return"] if returned else []),
                "submitted": ["acknowledge", "submit"],
                "verified": ["acknowledge", "submit", "verify"],
                "withdrawn": ["withdraw"],
            }[status]
            listing = rng.choices(["none", "district", "city", "province"], [85, 8, 5, 2])[0]
            co = [
                c for c in rng.sample(LEAD_AGENCY_CODES, rng.choice([0, 0, 1, 2])) if c != lead_code
            ]
            for code in co:
                co_rows.append((item_id, agency_ids[code]))

            entry(
                entries,
                item_id,
                flagged_at,
                flagger,
                "flagged",
                None,
                None,
                "assigned",
                data=f'{{"lead_agency": "{lead_code}", "deadline": "{deadline}"}}',
            )
            at = flagged_at
            previous = "assigned"
            stamps = {}
            for action in path:
                at = at + timedelta(days=rng.randint(1, 4))
                after = {
                    "acknowledge": "rectifying",
                    "submit": "submitted",
                    "verify": "verified",
                    "return": "rectifying",
                    "withdraw": "withdrawn",
                }[action]
                actor = {"verify": flagger, "return": flagger, "withdraw": lead_id}.get(
                    action, liaison
                )
                note = {"return": "Photos do not show the repair", "withdraw": "Duplicate"}.get(
                    action, ""
                )
                entry(entries, item_id, at, actor, "moved", action, previous, after, note)
                stamps[action] = at
                previous = after
                if rng.random() < 0.5:
                    at = at + timedelta(hours=3)
                    entry(
                        entries,
                        item_id,
                        at,
                        liaison,
                        "comment",
                        "comment",
                        None,
                        None,
                        "Progress reported by phone",
                    )
            for _ in range(rng.choice([0, 1, 1, 2])):
                at = at + timedelta(hours=5)
                entry(
                    entries, item_id, at, liaison, "comment", "comment", None, None, "Site visited"
                )
            if status in ("assigned", "rectifying") and rng.random() < 0.02:
                to_code = rng.choice([c for c in LEAD_AGENCY_CODES if c != lead_code])
                at = at + timedelta(hours=2)
                transfers.append(
                    (
                        transfer_id,
                        item_id,
                        "pending",
                        agency_ids[lead_code],
                        agency_ids[to_code],
                        "Falls under the other agency's remit",
                        liaison,
                        ts(at),
                        None,
                        None,
                        None,
                    )
                )
                transfer_id += 1
                entry(
                    entries,
                    item_id,
                    at,
                    liaison,
                    "transfer_proposed",
                    "transfer_propose",
                    None,
                    None,
                    "Falls under the other agency's remit",
                    f'{{"from": "{lead_code}", "to": "{to_code}"}}',
                )
            verified_at = stamps.get("verify")
            verified_on = (verified_at + ZONE_OFFSET).date() if verified_at else None
            items.append(
                (
                    item_id,
                    campaign["id"],
                    seq,
                    f"{campaign['code']}-{seq:04d}",
                    None,
                    target,
                    places.town_district[town],
                    town,
                    rng.choice(campaign["categories"]),
                    f"Problem {n + 1} found at inspection",
                    "",
                    "major" if rng.random() < 0.1 else "general",
                    listing,
                    f"淄督〔2026〕{n % 900 + 1}号" if listing != "none" else None,
                    agency_ids[lead_code],
                    team,
                    flagger,
                    ts(flagged_at),
                    day(flagged_on),
                    day(deadline),
                    day(deadline),
                    status,
                    ts(stamps.get("acknowledge")),
                    ts(stamps.get("submit")),
                    ts(verified_at),
                    day(verified_on),
                    ts(stamps.get("withdraw")),
                    "Rectified and photographed" if "submit" in stamps else None,
                    1 if status == "rectifying" and not returned and rng.random() < 0.05 else 0,
                    None,
                    ts(at),
                    1 + len(path),
                )
            )
            item_id += 1
        loader.write("items", ITEM_COLUMNS, items)
        loader.write("item_co_agencies", CO_COLUMNS, co_rows)
        loader.write("timeline_entries", ENTRY_COLUMNS, entries)
        loader.write("transfers", TRANSFER_COLUMNS, transfers)
        written["items"] += len(items)
        written["co_agencies"] += len(co_rows)
        written["timeline_entries"] += len(entries)
        written["transfers"] += len(transfers)
        done += len(items)
        if done % 50_000 == 0:
            log(f"items: {done} ({time.monotonic() - started:.0f} s)")
    return written


def _campaign_rows(rng, n_campaigns, first_number, agency_ids, today, now, prefix="B"):
    rows = []
    for n in range(first_number, first_number + n_campaigns):
        kind = KINDS[n % len(KINDS)]
        starts = today - timedelta(days=rng.randint(200, 300))
        ends = today + timedelta(days=rng.randint(-60, 90))
        rows.append(
            {
                "code": f"{prefix}{kind[:2].upper()}{n + 1:03d}",
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
    return rows


def _add_campaigns(rng, rows, *, n_teams, first_team, lead_id, inspector_ids, places):
    """Campaigns with their categories, agencies, lead, and teams of 4 inspectors each."""
    from campaigns.campaigns.models import (
        Campaign,
        CampaignCategory,
        campaign_agencies,
        campaign_leads,
    )
    from campaigns.campaigns.operations import default_categories
    from campaigns.teams.models import Team, team_members, team_towns
    from portal.extensions import db

    codes = [r["code"] for r in rows]
    db.session.execute(insert(Campaign), rows)
    campaigns = db.session.scalars(
        select(Campaign).where(Campaign.code.in_(codes)).order_by(Campaign.id)
    ).all()
    category_rows, agency_links = [], []
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
        for code in sorted(set(rng.sample(sorted(places.agency_ids), 8)) | set(LEAD_AGENCY_CODES)):
            agency_links.append({"campaign_id": c.id, "agency_id": places.agency_ids[code]})
    db.session.execute(insert(CampaignCategory), category_rows)
    db.session.execute(insert(campaign_agencies), agency_links)
    db.session.execute(
        insert(campaign_leads), [{"campaign_id": c.id, "user_id": lead_id} for c in campaigns]
    )
    team_rows = [
        {
            "campaign_id": campaigns[n % len(campaigns)].id,
            "name": f"Team {first_team + n}",
            "leader_id": inspector_ids[(n * 4) % len(inspector_ids)],
        }
        for n in range(n_teams)
    ]
    db.session.execute(insert(Team), team_rows)
    teams = db.session.scalars(
        select(Team).where(Team.campaign_id.in_([c.id for c in campaigns])).order_by(Team.id)
    ).all()
    member_rows, town_rows, members_of = [], [], {}
    for n, team in enumerate(teams):
        members_of[team.id] = [inspector_ids[(n * 4 + k) % len(inspector_ids)] for k in range(4)]
        member_rows += [{"team_id": team.id, "user_id": u} for u in members_of[team.id]]
        district = rng.choice(places.districts)
        towns = places.towns_of[district]
        town_rows += [
            {"team_id": team.id, "region_id": t} for t in rng.sample(towns, min(3, len(towns)))
        ]
    db.session.execute(insert(team_members), member_rows)
    db.session.execute(insert(team_towns), town_rows)
    db.session.commit()
    categories = {}
    for cat in db.session.scalars(
        select(CampaignCategory).where(CampaignCategory.campaign_id.in_([c.id for c in campaigns]))
    ):
        categories.setdefault(cat.campaign_id, []).append(cat.id)
    teams_of = {}
    for team in teams:
        teams_of.setdefault(team.campaign_id, []).append(team.id)
    described = [
        {
            "id": c.id,
            "code": c.code,
            "seq": c.item_seq,
            "categories": sorted(categories[c.id]),
            "teams": teams_of[c.id],
        }
        for c in campaigns
    ]
    return described, members_of


def _people():
    from portal.accounts.models import User
    from portal.extensions import db

    rows = db.session.execute(select(User.username, User.id, User.agency_id)).all()
    ids = {name: uid for name, uid, _ in rows}
    agency = {uid: agency for _, uid, agency in rows}
    numbered = [
        (int(name.rsplit("-", 1)[1]), uid)
        for name, uid, _ in rows
        if name.startswith("bench-inspector-")
    ]
    return ids, agency, [uid for _, uid in sorted(numbered)]


def _finish(campaigns, engine, log) -> None:
    from campaigns.campaigns.models import Campaign
    from portal.extensions import db

    for campaign in campaigns:
        db.session.execute(
            update(Campaign).where(Campaign.id == campaign["id"]).values(item_seq=campaign["seq"])
        )
    db.session.commit()
    started = time.monotonic()
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            # VACUUM also sets the visibility map, which index-only scans need (autovacuum
            # would do it in a running portal).
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("VACUUM ANALYZE")
            )
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    log(f"analyzed ({time.monotonic() - started:.0f} s)")


def generate(app, *, scale: float, seed: int, today: date, log=print) -> dict:
    from campaigns.items.models import Item, TimelineEntry
    from campaigns.targets.models import Target
    from portal.accounts.models import User, UserRole
    from portal.directory import reference
    from portal.extensions import db

    if db.session.scalar(select(func.count()).select_from(Item)):
        raise SystemExit("the database already holds items: generate into an empty database")
    rng = random.Random(seed)
    started = time.monotonic()
    wanted = counts_for(scale)
    reference.load_agencies()
    reference.load_regions()
    db.session.commit()
    places = Places()
    now = datetime.combine(today, dtime(0, 0), tzinfo=UTC)

    # People
    password_hash = generate_password_hash(PASSWORD)
    users = [("bench-admin", "plc", "admin"), ("bench-lead", "plc", "lead")]
    users += [
        (f"bench-inspector-{n}", rng.choice(INSPECTOR_AGENCIES), "inspector")
        for n in range(1, wanted["teams"] * 4 + 1)
    ]
    users += [(f"bench-liaison-{code}", code, "liaison") for code in sorted(places.agency_ids)]
    db.session.execute(
        insert(User),
        [
            {
                "username": name,
                "display_name": name,
                "password_hash": password_hash,
                "agency_id": places.agency_ids[agency],
                "active": True,
                "session_version": 1,
                "created_at": now,
                "version": 1,
                "locale": "en",
            }
            for name, agency, _role in users
        ],
    )
    user_ids, user_agency, inspector_ids = _people()
    db.session.execute(
        insert(UserRole), [{"user_id": user_ids[name], "role": role} for name, _, role in users]
    )
    db.session.commit()
    log(f"users: {len(users)}")

    campaigns, members_of = _add_campaigns(
        rng,
        _campaign_rows(rng, wanted["campaigns"], 0, places.agency_ids, today, now),
        n_teams=wanted["teams"],
        first_team=1,
        lead_id=user_ids["bench-lead"],
        inspector_ids=inspector_ids,
        places=places,
    )
    log(f"campaigns: {len(campaigns)}, teams: {len(members_of)}")

    engine = db.engine
    used_codes = set()
    with BulkLoader(engine) as loader:
        target_rows = []
        for n in range(wanted["targets"]):
            district = rng.choice(places.districts)
            code = None
            if rng.random() < 0.6:
                code = credit_code(rng)
                while code in used_codes:
                    code = credit_code(rng)
                used_codes.add(code)
            target_rows.append(
                (
                    n + 1,
                    f"Enterprise {n + 1:06d}",
                    "enterprise",
                    code,
                    rng.choice(places.towns_of[district]),
                    None,
                    loader.ts(now),
                )
            )
        loader.write("targets", TARGET_COLUMNS, target_rows)
        places.target_region = {row[0]: row[4] for row in target_rows}
        places.target_ids = [row[0] for row in target_rows]
        log(f"targets: {len(target_rows)} ({time.monotonic() - started:.0f} s)")
        written = write_items(
            loader,
            rng,
            campaigns=campaigns,
            n_items=wanted["items"],
            places=places,
            team_members_of=members_of,
            user_ids=user_ids,
            user_agency=user_agency,
            today=today,
            log=log,
        )
        log(f"rows written ({time.monotonic() - started:.0f} s); rebuilding indexes")
    log(f"indexes rebuilt ({time.monotonic() - started:.0f} s)")
    _finish(campaigns, engine, log)
    summary = {
        "campaigns": len(campaigns),
        "teams": len(members_of),
        "targets": db.session.scalar(select(func.count()).select_from(Target)),
        "items": db.session.scalar(select(func.count()).select_from(Item)),
        "timeline_entries": db.session.scalar(select(func.count()).select_from(TimelineEntry)),
        "transfers": written["transfers"],
        "users": len(users),
        "seconds": round(time.monotonic() - started, 1),
    }
    log(f"done: {summary}")
    return summary


def add_ledger_campaign(app, *, n_items: int, seed: int, today: date, log=print) -> str:
    """One more campaign holding `n_items` items (for the 200,000-row ledger export); returns
    its code. Uses the people and targets already in the database."""
    from portal.extensions import db

    rng = random.Random(seed + 1)
    places = Places()
    user_ids, user_agency, inspector_ids = _people()
    now = datetime.combine(today, dtime(0, 0), tzinfo=UTC)
    rows = _campaign_rows(rng, 1, 900, places.agency_ids, today, now, prefix="L")
    campaigns, members_of = _add_campaigns(
        rng,
        rows,
        n_teams=8,
        first_team=9001,
        lead_id=user_ids["bench-lead"],
        inspector_ids=inspector_ids,
        places=places,
    )
    with BulkLoader(db.engine) as loader:
        write_items(
            loader,
            rng,
            campaigns=campaigns,
            n_items=n_items,
            places=places,
            team_members_of=members_of,
            user_ids=user_ids,
            user_agency=user_agency,
            today=today,
            log=log,
        )
    _finish(campaigns, db.engine, log)
    return campaigns[0]["code"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--today", type=date.fromisoformat, default=None)
    parser.add_argument(
        "--ledger-campaign",
        type=int,
        metavar="ITEMS",
        help="instead: add one campaign of ITEMS items to a generated database",
    )
    args = parser.parse_args(argv)

    import os

    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("PORTAL_INSTANCE", str(Path(__file__).parent / "out" / "instance"))
    from flask_migrate import upgrade

    from portal import clock, create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url})
    today = args.today or clock.today()
    with app.app_context():
        upgrade()
        if args.ledger_campaign:
            code = add_ledger_campaign(
                app, n_items=args.ledger_campaign, seed=args.seed, today=today
            )
            print(f"ledger campaign: {code}")
        else:
            generate(app, scale=args.scale, seed=args.seed, today=today)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
