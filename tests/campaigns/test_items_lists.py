"""The item lists: every filter, the counts per status, sort, pages, and flat query counts."""

import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event

from campaigns.items.models import Light
from campaigns.items.queries import light_clause
from portal import clock
from portal.extensions import db
from tests.factories import World, make_item, make_region, make_target
from tests.items_support import sign_in


@pytest.fixture
def scene(app):
    """world.item plus five items that differ in every filtered field."""
    w = World()
    today = clock.today()
    w.district2 = make_region("district", w.city, name="淄川区")
    w.town2 = make_region("town", w.district2, name="洪山镇")
    categories = w.campaign.categories

    def item(name, *, state, deadline_days, team, lead, co=(), town=None, **fields):
        made = make_item(
            w.campaign,
            state=state,
            team=team,
            lead_agency=lead,
            co_agencies=co,
            town=town or w.town,
            **fields,
        )
        made.deadline = today + timedelta(days=deadline_days)
        setattr(w, name, made)
        return made

    item(
        "a",
        state="assigned",
        deadline_days=-2,
        team=w.team_a,
        lead=w.police,
        co=[w.env],
        title="Blocked exit",
    )
    w.a.target = make_target(w.town, name="Alpha Chemical")
    item(
        "b",
        state="rectifying",
        deadline_days=0,
        team=w.team_b,
        lead=w.env,
        co=[w.police],
        town=w.town2,
        title="Leaking tank",
        listing_level="city",
        category=categories[1],
    )
    w.b.severity = "major"
    item("c", state="submitted", deadline_days=3, team=w.team_a, lead=w.police, title="No signs")
    item(
        "d", state="verified", deadline_days=4, team=w.team_a, lead=w.transport, title="Broken rail"
    )
    item("e", state="withdrawn", deadline_days=10, team=w.team_b, lead=w.police, title="Duplicate")
    w.names = {getattr(w, n).ref: n for n in "abcde"} | {w.item.ref: "item"}
    db.session.commit()
    return w


def shown(response, scene) -> list[str]:
    assert response.status_code == 200
    refs = re.findall(r'class="ref">([A-Z0-9]+-\d+)</a>', response.data.decode())
    return [scene.names.get(ref, ref) for ref in refs]


def status_counts(response) -> dict[str, int]:
    html = response.data.decode()
    found = re.findall(r'data-status="(\w+)">\s*<span class="value">(\d+)</span>', html)
    return {status: int(n) for status, n in found}


FILTERS = [
    ("status=assigned", {"a", "item"}),
    ("light=red", {"a"}),
    ("light=yellow", {"b", "c"}),
    ("light=green", {"item"}),
    ("overdue=yes", {"a"}),
    ("overdue=no", {"b", "c", "d", "e", "item"}),
    ("district={district2}", {"b"}),
    ("town={town2}", {"b"}),
    ("lead_agency={env}", {"b"}),
    ("co_agency={env}", {"a", "item"}),
    ("team={team_b}", {"b", "e"}),
    ("category={category2}", {"b"}),
    ("severity=major", {"b"}),
    ("listing_level=city", {"b"}),
    ("q=leaking", {"b"}),
    ("q=Alpha", {"a"}),
    ("q={ref_c}", {"c"}),
    ("q=%25", set()),  # a literal %, not a wildcard
    ("team={team_a}&status=submitted", {"c"}),
]


@pytest.mark.parametrize("query, expected", FILTERS)
def test_filters(client, scene, query, expected):
    query = query.format(
        district2=scene.district2.id,
        town2=scene.town2.id,
        env=scene.env.id,
        team_a=scene.team_a.id,
        team_b=scene.team_b.id,
        category2=scene.campaign.categories[1].code,
        ref_c=scene.c.ref,
    )
    sign_in(client, scene.lead)
    assert set(shown(client.get(f"/campaigns/WS2026/items?{query}"), scene)) == expected
    assert set(shown(client.get(f"/items/?{query}"), scene)) == expected


def test_counts_per_status_follow_the_other_filters(client, scene):
    sign_in(client, scene.lead)
    everything = client.get("/campaigns/WS2026/items")
    assert status_counts(everything) == {
        "assigned": 2,
        "rectifying": 1,
        "submitted": 1,
        "verified": 1,
        "withdrawn": 1,
    }
    team_a = client.get(f"/campaigns/WS2026/items?team={scene.team_a.id}&status=assigned")
    assert status_counts(team_a) == {
        "assigned": 2,
        "rectifying": 0,
        "submitted": 1,
        "verified": 1,
        "withdrawn": 0,
    }
    assert set(shown(team_a, scene)) == {"a", "item"}


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("deadline", ["a", "b", "c", "d", "e", "item"]),
        ("ref", ["item", "a", "b", "c", "d", "e"]),
        ("status", ["a", "item", "b", "c", "d", "e"]),
        ("flagged", ["e", "d", "c", "b", "a", "item"]),
    ],
)
def test_sort(client, scene, sort, expected):
    sign_in(client, scene.lead)
    assert shown(client.get(f"/campaigns/WS2026/items?sort={sort}"), scene) == expected


def test_pages_come_from_the_database(app, client, scene):
    app.config["ITEMS_PER_PAGE"] = 4
    sign_in(client, scene.lead)
    first = client.get("/campaigns/WS2026/items")
    assert shown(first, scene) == ["a", "b", "c", "d"]
    assert "Page 1 of 2" in first.data.decode()
    assert shown(client.get("/campaigns/WS2026/items?page=2"), scene) == ["e", "item"]


def test_a_wrong_filter_value_is_said_and_ignored(client, scene):
    sign_in(client, scene.lead)
    response = client.get("/campaigns/WS2026/items?status=closed&light=purple")
    assert len(shown(response, scene)) == 6
    assert "Not a valid choice" in response.data.decode()


def test_list_rows_show_light_relapses_and_listing(client, scene):
    scene.b.relapse_count = 1
    db.session.commit()
    sign_in(client, scene.lead)
    html = client.get("/campaigns/WS2026/items").data.decode()
    assert html.count("light light-red") == 1
    assert html.count("light light-yellow") == 2
    assert "Relapses: 1" in html and "City level" in html


@pytest.mark.parametrize("days", [-1, 0, 1, 3, 4, 30])
def test_sql_light_agrees_with_the_items_own(app, scene, days):
    """The list's light filter (SQL) and the light shown on an item (Python) never differ."""
    from campaigns.items.models import Item

    scene.item.deadline = clock.today() + timedelta(days=days)
    db.session.commit()
    warning = app.config["WARNING_DAYS"]
    expected = scene.item.light_on(clock.today(), warning)
    for light in Light:
        found = db.session.scalar(
            db.select(Item.id).where(
                Item.id == scene.item.id, light_clause(light, clock.today(), warning)
            )
        )
        assert (found is not None) == (light == expected), (days, light)


@contextmanager
def counted_queries(engine):
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _add_items(world, n):
    for i in range(n):
        make_item(
            world.campaign,
            team=world.team_a if i % 2 else world.team_b,
            lead_agency=world.police,
            co_agencies=[world.env, world.transport][: i % 3],
            town=world.town,
            listing_level="city" if i % 4 == 0 else "none",
        )
    db.session.commit()


@pytest.mark.parametrize(
    "path, person",
    [
        ("/campaigns/WS2026/items", "lead"),
        ("/items/", "lead"),
        ("/items/?overdue=no&sort=status", "inspector"),
        ("/joint-cases", "liaison_police"),
        ("/", "inspector"),
        ("/", "liaison_police"),
    ],
)
def test_list_queries_stay_flat_as_items_grow(app, client, path, person):
    world = World()
    counts = []
    for n in (5, 45):  # 5 items, then 50
        _add_items(world, n)
        sign_in(client, getattr(world, person))
        with counted_queries(db.engine) as statements:
            response = client.get(path)
        assert response.status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


def test_a_liaisons_list_and_its_counts_hold_exactly_the_agencys_joint_cases(client, scene):
    """Lead, co-agency, or offered a transfer: the page's rows and the counts per status (a
    count reads the scope in another form on PostgreSQL, access.agency_items) agree."""
    from campaigns.items import operations

    offered = make_item(
        scene.campaign, state="rectifying", team=scene.team_b, lead_agency=scene.env
    )
    db.session.commit()
    operations.propose_transfer(
        offered, by=scene.liaison_env, to_agency=scene.transport, note="他们的辖区"
    )
    db.session.commit()
    scene.names[offered.ref] = "offered"
    sign_in(client, scene.liaison_transport)
    everything = client.get("/items/")
    assert set(shown(everything, scene)) == {"d", "offered"}  # leads d, offered the new one
    assert status_counts(everything) == {
        "assigned": 0,
        "rectifying": 1,
        "submitted": 0,
        "verified": 1,
        "withdrawn": 0,
    }
    sign_in(client, scene.liaison_env)  # leads b and the offered one, co-handles a and item
    page = client.get("/items/")
    assert set(shown(page, scene)) == {"a", "b", "item", "offered"}
    counts = status_counts(page)
    assert sum(counts.values()) == 4 and counts["assigned"] == 2 and counts["rectifying"] == 2
    assert set(shown(client.get("/items/?status=rectifying"), scene)) == {"b", "offered"}
    assert status_counts(client.get("/items/?light=yellow"))["rectifying"] == 1
