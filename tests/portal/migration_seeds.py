"""Rows written at each migration revision, in that revision's own schema.

The data-in-place test (test_migrations.py) upgrades an empty database one revision at a time
and, after each, runs that revision's seed: plain inserts into the tables as they are at that
point (reflected, not the models, which follow the head). A new migration needs its entry here:
rows that exercise what it changes (a new column filled, a renamed table used, or at least one
more item) — the test fails until it has one.
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import MetaData

from tests.factories import _HASH as PASSWORD_HASH

T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
D0 = date(2026, 3, 1)


class Seeder:
    """Inserts into the tables as the database has them now; returns new primary keys."""

    def __init__(self, connection):
        self.connection = connection
        self.meta = MetaData()
        self.meta.reflect(connection)

    def add(self, table: str, **values):
        result = self.connection.execute(self.meta.tables[table].insert().values(**values))
        key = result.inserted_primary_key
        return key[0] if key and len(key) == 1 else None

    def one(self, table: str, column: str, value):
        t = self.meta.tables[table]
        return self.connection.execute(t.select().where(t.c[column] == value)).one()


def initial_schema(s: Seeder) -> None:
    """A whole scene: people, a campaign and its team, items in several states with their
    timelines, evidence, enforcement, an extension, a transfer, a look-back, notifications."""
    plc = s.add("agencies", code="plc", name_zh="市委政法委", name_en="PLC", kind="coordination")
    police = s.add(
        "agencies", code="police", name_zh="市公安局", name_en="Police", kind="enforcement"
    )
    env = s.add("agencies", code="env", name_zh="市生态环境局", name_en="Env", kind="regulator")
    city = s.add("regions", code="370300", name_zh="淄博市", level="city")
    district = s.add("regions", code="370303", name_zh="张店区", level="district", parent_id=city)
    town = s.add("regions", name_zh="车站街道", level="town", parent_id=district)

    def user(name, agency, *roles):
        uid = s.add(
            "users",
            username=name,
            display_name=name,
            password_hash=PASSWORD_HASH,
            agency_id=agency,
            active=True,
            session_version=1,
            created_at=T0,
            version=1,
        )
        for role in roles:
            s.add("user_roles", user_id=uid, role=role)
        return uid

    lead = user("mig-lead", plc, "lead")
    inspector = user("mig-inspector", plc, "inspector")
    liaison = user("mig-liaison", police, "liaison")
    user("mig-admin", plc, "admin")

    campaign = s.add(
        "campaigns",
        code="MIG2026",
        title="迁移测试专项行动",
        kind="work_safety",
        description="",
        lead_agency_id=plc,
        action_starts=D0,
        action_ends=D0 + timedelta(days=60),
        review_starts=D0 + timedelta(days=61),
        review_days=30,
        review_scope="listed",
        item_seq=0,
        created_at=T0,
        created_by_id=lead,
        version=1,
    )
    s.add("campaign_agencies", campaign_id=campaign, agency_id=police)
    s.add("campaign_agencies", campaign_id=campaign, agency_id=env)
    s.add("campaign_leads", campaign_id=campaign, user_id=lead)
    category = s.add(
        "campaign_categories",
        campaign_id=campaign,
        code="fire_safety",
        name_zh="消防安全",
        name_en="Fire safety",
        position=1,
    )
    team = s.add("teams", campaign_id=campaign, name="第一督导组", leader_id=inspector)
    s.add("team_members", team_id=team, user_id=inspector)
    s.add("team_towns", team_id=team, region_id=town)
    target = s.add(
        "targets",
        name="淄博某化工有限公司",
        kind="enterprise",
        credit_code="91370303MA3C1234X0",
        region_id=town,
        created_at=T0,
    )
    s.add("team_targets", team_id=team, target_id=target)
    imported = s.add(
        "ledger_imports",
        campaign_id=campaign,
        sha256="0" * 64,
        filename="台账.xlsx",
        row_count=1,
        imported_by_id=lead,
        imported_at=T0,
    )

    verified_at = T0 + timedelta(days=9)
    states = {
        "assigned": {},
        "rectifying": {"acknowledged_at": T0 + timedelta(days=1)},
        "verified": {
            "acknowledged_at": T0 + timedelta(days=1),
            "submitted_at": T0 + timedelta(days=5),
            "verified_at": verified_at,
            "verified_on": verified_at.date(),
            "measures": "已整改",
        },
        "withdrawn": {"withdrawn_at": T0 + timedelta(days=2)},
    }
    items = {}
    for seq, (status, fields) in enumerate(states.items(), start=1):
        items[status] = s.add(
            "items",
            campaign_id=campaign,
            seq=seq,
            ref=f"MIG2026-{seq:04d}",
            office_ref=f"AJ-{seq}",
            target_id=target,
            district_id=district,
            town_id=town,
            category_id=category,
            title=f"安全出口堵塞 {seq}",
            description="现场检查发现",
            severity="major" if seq == 1 else "general",
            listing_level="city" if status == "verified" else "none",
            listing_doc_no="市督〔2026〕1号" if status == "verified" else None,
            lead_agency_id=police,
            team_id=team,
            flagged_by_id=inspector,
            flagged_at=T0,
            flagged_on=D0,
            original_deadline=D0 + timedelta(days=20),
            deadline=D0 + timedelta(days=30),
            status=status,
            relapse_count=0,
            import_id=imported if seq == 1 else None,
            updated_at=T0,
            version=2,
            **fields,
        )
        s.add("item_co_agencies", item_id=items[status], agency_id=env)
        s.add(
            "timeline_entries",
            item_id=items[status],
            at=T0,
            actor_id=inspector,
            actor_agency_id=plc,
            kind="flagged",
            note="",
            data={},
        )
        if status != "assigned":
            s.add(
                "timeline_entries",
                item_id=items[status],
                at=T0 + timedelta(days=1),
                actor_id=liaison,
                actor_agency_id=police,
                kind="moved",
                action="withdraw" if status == "withdrawn" else "acknowledge",
                from_status="assigned",
                to_status="withdrawn" if status == "withdrawn" else "rectifying",
                note="重复" if status == "withdrawn" else "",
                data={},
            )
        s.add(
            "audit_log",
            at=T0,
            actor_id=inspector,
            action="item_flagged",
            object_type="items",
            object_id=str(items[status]),
            details={"ref": f"MIG2026-{seq:04d}"},
        )
    s.connection.execute(s.meta.tables["campaigns"].update().values(item_seq=len(states)))

    rectifying = items["rectifying"]
    photo = s.add(
        "evidence",
        item_id=rectifying,
        stage="after",
        original_name="现场照片.jpg",
        stored_name="ab" + "0" * 30 + ".jpg",
        thumbnail_name="cd" + "0" * 30 + ".jpg",
        content_type="image/jpeg",
        size=1234,
        sha256="1" * 64,
        uploaded_by_id=liaison,
        uploaded_at=T0 + timedelta(days=2),
    )
    s.add(
        "timeline_entries",
        item_id=rectifying,
        at=T0 + timedelta(days=2),
        actor_id=liaison,
        actor_agency_id=police,
        kind="evidence",
        action="evidence",
        note="",
        data={"stage": "after", "name": "现场照片.jpg"},
        evidence_id=photo,
    )
    s.add(
        "enforcement_actions",
        item_id=rectifying,
        kind="fine",
        action_date=D0 + timedelta(days=3),
        agency_id=police,
        document_no="罚〔2026〕7号",
        amount=Decimal("5000.00"),
        note="",
        recorded_by_id=liaison,
        recorded_at=T0 + timedelta(days=3),
    )
    s.add(
        "extension_requests",
        item_id=rectifying,
        state="approved",
        reason="需要采购设备",
        old_deadline=D0 + timedelta(days=20),
        new_deadline=D0 + timedelta(days=30),
        requested_by_id=liaison,
        requested_at=T0 + timedelta(days=4),
        decided_by_id=lead,
        decided_at=T0 + timedelta(days=5),
    )
    s.add(
        "transfers",
        item_id=items["assigned"],
        state="pending",
        from_agency_id=police,
        to_agency_id=env,
        reason="不属于本单位职责",
        proposed_by_id=liaison,
        proposed_at=T0 + timedelta(days=1),
    )
    review = s.add(
        "reviews",
        campaign_id=campaign,
        opens_on=D0 + timedelta(days=61),
        closes_on=D0 + timedelta(days=90),
        opened_at=T0 + timedelta(days=61),
    )
    s.add("review_checks", review_id=review, item_id=items["verified"], team_id=team)
    s.add(
        "notifications",
        user_id=liaison,
        key=f"red:{rectifying}:{D0 + timedelta(days=30)}",
        kind="red",
        item_id=rectifying,
        campaign_id=campaign,
        params={"ref": "MIG2026-0002"},
        created_at=T0 + timedelta(days=31),
    )
    s.add(
        "bulletins",
        campaign_id=campaign,
        week_starts=D0,
        generated_at=T0 + timedelta(days=7),
        content={"rate": "25.00"},
    )
    s.add("job_runs", job="deadline_lights", day=D0, finished_at=T0)
    s.add("scheduler_heartbeats", name="scheduler", beat_at=T0)
    s.add("portal_meta", key="demo", value="no")
    s.add(
        "api_tokens",
        user_id=liaison,
        name="ledger script",
        token_hash="2" * 64,
        prefix="ept_abcdefgh",
        created_at=T0,
    )
    s.add("login_attempts", at=T0, username="mig-lead", address="10.0.0.1")


def _one_more_item(s: Seeder, seq: int, title: str) -> None:
    """For a revision that only adds indexes: one more item, with a co-agency, in MIG2026."""
    campaign = s.one("campaigns", "code", "MIG2026")
    template = s.one("items", "ref", "MIG2026-0001")._asdict()
    template.pop("id")
    ref = f"MIG2026-{seq:04d}"
    item = s.add(
        "items", **template | {"seq": seq, "ref": ref, "office_ref": f"AJ-{seq}", "title": title}
    )
    s.add("item_co_agencies", item_id=item, agency_id=s.one("agencies", "code", "env").id)
    s.connection.execute(
        s.meta.tables["campaigns"]
        .update()
        .where(s.meta.tables["campaigns"].c.id == campaign.id)
        .values(item_seq=seq)
    )


def items_list_index(s: Seeder) -> None:
    """An index only: one more item, in the campaign the index serves."""
    _one_more_item(s, 5, "新增问题")


def items_indexes_across_campaigns(s: Seeder) -> None:
    """Indexes only (lists across campaigns, figures): one more item."""
    _one_more_item(s, 6, "跨专项列表")


def timeline_index_by_action(s: Seeder) -> None:
    """An index on the timeline's action: one more entry, a return, on the newest item."""
    item = s.one("items", "ref", "MIG2026-0006")
    entry = s.one("timeline_entries", "item_id", s.one("items", "ref", "MIG2026-0001").id)
    values = entry._asdict()
    values.pop("id")
    s.add("timeline_entries", **values | {"item_id": item.id, "action": "return"})


def trigram_indexes_for_search(s: Seeder) -> None:
    """Search indexes only (PostgreSQL): one more target, found by a part of its name."""
    template = s.one("targets", "name", "淄博某化工有限公司")._asdict()
    template.pop("id")
    s.add("targets", **template | {"name": "淄博某检索测试公司", "credit_code": None})


def items_indexes_cover_the_campaign(s: Seeder) -> None:
    """Indexes only (the campaign added to three of items'): one more row elsewhere, a sign-in
    attempt, so that every revision carries data."""
    s.add("login_attempts", at=T0, username="mig-inspector", address="10.0.0.2")


SEEDS = {
    "489edd3968de": initial_schema,
    "867acfc30159": items_list_index,
    "a5888d15e63a": items_indexes_across_campaigns,
    "1da9f0143a13": timeline_index_by_action,
    "3c2f6a1d9b7e": trigram_indexes_for_search,
    "7b4e2c9a5d13": items_indexes_cover_the_campaign,
}
