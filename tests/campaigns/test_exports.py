"""Exports (CONTRACTS C3) parsed back: headers, rows, TOTAL, BOM, injection guard, scope."""

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook

from campaigns.items.operations import comment
from portal import clock
from portal.extensions import db
from tests.factories import World, make_agency, make_item, make_region, make_user

BOM = "\ufeff"


def read_csv(response) -> list[dict]:
    text = response.get_data(as_text=True)
    assert text.startswith(BOM)
    return list(csv.DictReader(io.StringIO(text[1:])))


def read_xlsx(response):
    return load_workbook(io.BytesIO(response.get_data()))


@pytest.fixture
def world(app):
    return World()


def test_completion_csv_columns_rows_total_and_bom(world, client, login):
    other = make_region("district", world.city, name="淄川区")
    for state in ("verified", "verified", "rectifying"):
        make_item(world.campaign, team=world.team_a, district=world.district, state=state)
    make_item(world.campaign, team=world.team_b, district=other, state="withdrawn")
    make_item(world.campaign, team=world.team_b, district=other, state="verified")
    db.session.commit()
    login(world.lead)
    response = client.get(f"/campaigns/WS2026/export/completion.csv?as_of={clock.today()}")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.content_type == "text/csv; charset=utf-8"
    assert (
        response.headers["Content-Disposition"]
        == f'attachment; filename="WS2026-completion-district-{clock.today()}.csv"'
    )
    text = response.get_data(as_text=True)
    assert (
        text.splitlines()[0]
        == BOM + "group,items,verified,open,overdue,completion_rate,on_time_rate"
    )
    rows = read_csv(response)
    by_group = {r["group"]: r for r in rows}
    # world.item (assigned) + 3 in 张店区; withdrawn never counts
    assert by_group["张店区"]["items"] == "4"
    assert by_group["张店区"]["verified"] == "2"
    assert by_group["张店区"]["completion_rate"] == "50.00"
    assert by_group["淄川区"]["items"] == "1"
    assert by_group["淄川区"]["completion_rate"] == "100.00"
    assert rows[-1]["group"] == "TOTAL"
    assert rows[-1]["items"] == "5" and rows[-1]["verified"] == "3"
    assert rows[-1]["completion_rate"] == "60.00"
    assert rows[-1]["on_time_rate"] == "100.00"


@pytest.mark.parametrize(
    ("by", "group"),
    [
        ("agency", "police"),
        ("team", "Team A"),
        ("category", "coal_mine"),
        ("listing_level", "none"),
    ],
)
def test_completion_groups_use_stable_values(world, client, login, by, group):
    login(world.lead)
    rows = read_csv(client.get(f"/campaigns/WS2026/export/completion.csv?by={by}"))
    assert [r["group"] for r in rows] == [group, "TOTAL"]
    assert rows[0]["items"] == "1" and rows[0]["completion_rate"] == "0.00"


def test_empty_rates_are_empty(world, client, login):
    login(world.lead)
    rows = read_csv(client.get("/campaigns/WS2026/export/completion.csv"))
    assert rows[0]["on_time_rate"] == ""  # nothing verified: no on-time rate


@pytest.mark.parametrize(
    "query", ["by=town", "by=campaign", "as_of=2026-13-01", "as_of=yesterday", "as_of=20260101"]
)
def test_bad_parameters_answer_400(world, client, login, query):
    login(world.lead)
    response = client.get(f"/campaigns/WS2026/export/completion.csv?{query}")
    assert response.status_code == 400


def test_completion_xlsx_numbers_percentages_frozen_header(world, client, login):
    make_item(world.campaign, team=world.team_a, district=world.district, state="verified")
    db.session.commit()
    login(world.lead)
    response = client.get("/campaigns/WS2026/export/completion.xlsx?by=district&as_of=2030-01-01")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "WS2026-completion-district-2030-01-01.xlsx" in response.headers["Content-Disposition"]
    ws = read_xlsx(response).active
    assert ws.freeze_panes == "A2"
    header = [c.value for c in ws[1]]
    assert header == [
        "District or county",
        "Items",
        "Verified",
        "Open",
        "Overdue",
        "Completion rate",
        "On-time rate",
    ]
    district, total = ws[2], ws[3]
    assert district[0].value == "张店区"
    assert district[1].value == 2 and district[2].value == 1
    assert district[5].value == pytest.approx(0.5)
    assert district[5].number_format == "0.00%"
    assert total[0].value == "Total"
    assert ws.column_dimensions["A"].width == 30


def test_xlsx_headers_follow_the_users_language(world, client, login):
    world.lead.locale = "zh"
    db.session.commit()
    login(world.lead)
    ws = read_xlsx(client.get("/campaigns/WS2026/export/completion.xlsx")).active
    assert ws["A1"].value == "区县"
    assert ws["F1"].value == "整改完成率"


def test_cut_off_date_excludes_later_verifications(world, client, login):
    flagged = clock.now() - timedelta(days=20)
    make_item(
        world.campaign,
        team=world.team_a,
        district=world.district,
        state="verified",
        flagged_at=flagged,
        verified_at=clock.now() - timedelta(days=2),
    )
    db.session.commit()
    login(world.lead)
    earlier = clock.today() - timedelta(days=5)
    rows = read_csv(client.get(f"/campaigns/WS2026/export/completion.csv?as_of={earlier}"))
    assert rows[-1]["items"] == "1"  # world.item was flagged today: after the cut-off
    assert rows[-1]["verified"] == "0"
    rows = read_csv(client.get("/campaigns/WS2026/export/completion.csv"))
    assert rows[-1]["verified"] == "1"


def test_ledger_csv_every_field_and_latest_entry(world, client, login):
    comment(world.item, by=world.lead, note='=HYPERLINK("http://evil")')
    world.item.target.name = "@SUM(1+1)"
    world.item.target.credit_code = "91370300MA3C5YEL6B"
    db.session.commit()
    login(world.lead)
    response = client.get("/campaigns/WS2026/export/ledger.csv")
    assert response.status_code == 200 and response.is_streamed
    assert (
        f'filename="WS2026-ledger-{clock.today()}.csv"' in response.headers["Content-Disposition"]
    )
    rows = read_csv(response)
    assert len(rows) == 1
    row = rows[0]
    assert list(row) == [
        "ref",
        "office_ref",
        "target",
        "credit_code",
        "district",
        "town",
        "category",
        "title",
        "description",
        "severity",
        "listing_level",
        "listing_doc_no",
        "lead_agency",
        "co_agencies",
        "team",
        "original_deadline",
        "deadline",
        "status",
        "flagged_at",
        "verified_at",
        "overdue",
        "relapses",
        "last_entry_at",
        "last_entry_by",
        "last_entry_action",
        "last_entry_note",
    ]
    assert row["ref"] == world.item.ref
    assert row["target"] == "'@SUM(1+1)"
    assert row["credit_code"] == "91370300MA3C5YEL6B"
    assert row["district"] == "张店区" and row["town"] == "车站街道"
    assert row["lead_agency"] == "police" and row["co_agencies"] == "env"
    assert row["team"] == "Team A" and row["status"] == "assigned"
    assert row["deadline"] == world.item.deadline.isoformat()
    assert row["overdue"] == "0" and row["relapses"] == "0"
    assert row["last_entry_action"] == "comment"
    assert row["last_entry_by"] == world.lead.display_name
    assert row["last_entry_note"] == '\'=HYPERLINK("http://evil")'


@pytest.mark.parametrize("dangerous", ["=1+2", "+1", "-1", "@A1", "\tX", "\rX", "\nX"])
def test_every_formula_start_is_neutralised(world, client, login, dangerous):
    world.item.title = dangerous
    db.session.commit()
    login(world.lead)
    assert read_csv(client.get("/campaigns/WS2026/export/ledger.csv"))[0]["title"] == (
        "'" + dangerous
    )
    ws = read_xlsx(client.get("/campaigns/WS2026/export/ledger.xlsx")).active
    cell = ws.cell(row=2, column=8)
    assert cell.data_type == "s" and cell.value.startswith("'")  # (XML reads CR back as LF)


def test_ledger_xlsx_dates_are_dates(world, client, login):
    world.item.listing_level = "city"
    world.item.description = "bad\x0bchar"
    db.session.commit()
    login(world.lead)
    response = client.get("/campaigns/WS2026/export/ledger.xlsx")
    ws = read_xlsx(response).active
    assert ws.freeze_panes == "A2"
    header = [c.value for c in ws[1]]
    assert header[:3] == ["Ref", "Office number", "Target"]
    row = {h: c for h, c in zip(header, ws[2], strict=True)}
    assert row["Ref"].value == world.item.ref
    assert row["Deadline"].value == datetime.combine(world.item.deadline, datetime.min.time())
    assert row["Deadline"].number_format == "yyyy-mm-dd"
    assert row["Flagged at"].is_date
    assert row["Lead agency"].value == world.police.name_en
    assert row["Listing level"].value == "Listed by city"
    assert row["Description"].value == "badchar"
    assert row["State"].value == "Assigned"


def test_ledger_streams_many_items_in_one_query(world, client, login, app):
    from sqlalchemy import event

    for _ in range(30):
        make_item(world.campaign, team=world.team_a, co_agencies=[world.env, world.transport])
    db.session.commit()
    login(world.lead)
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        rows = read_csv(client.get("/campaigns/WS2026/export/ledger.csv"))
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(rows) == 31
    assert rows[-1]["co_agencies"] == "env;transport"
    # sign-in check, campaign, the ledger itself: never one per item
    assert len(statements) < 10


def test_liaison_export_holds_only_their_agencys_rows(world, client, login):
    make_item(world.campaign, team=world.team_a, lead_agency=world.transport)
    make_item(world.campaign, team=world.team_a, lead_agency=world.env)
    db.session.commit()
    login(world.liaison_env)  # co-agency of world.item, lead agency of the second
    rows = read_csv(client.get("/campaigns/WS2026/export/ledger.csv"))
    assert sorted(r["lead_agency"] for r in rows) == ["env", "police"]
    rows = read_csv(client.get("/campaigns/WS2026/export/completion.csv?by=agency"))
    assert [r["group"] for r in rows] == ["env", "police", "TOTAL"]
    login(world.liaison_transport)
    rows = read_csv(client.get("/campaigns/WS2026/export/ledger.csv"))
    assert [r["lead_agency"] for r in rows] == ["transport"]


EXPORTS = [
    "completion.csv",
    "completion.xlsx",
    "ledger.csv",
    "ledger.xlsx",
    "review.csv",
    "review.xlsx",
]


@pytest.mark.parametrize("export", EXPORTS)
@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("admin", 200),
        ("lead", 200),
        ("inspector", 200),
        ("liaison_police", 200),
        ("outsider", 404),  # inspector of another campaign
        ("other_lead", 404),
        ("liaison_other", 404),  # agency not in the campaign
    ],
)
def test_export_access(world, client, login, export, who, status):
    world.other_lead = make_user("lead", world.plc)
    world.liaison_other = make_user("liaison", make_agency("court"))
    db.session.commit()
    login(getattr(world, who))
    assert client.get(f"/campaigns/WS2026/export/{export}").status_code == status


def test_unknown_campaign_and_format_404(world, client, login):
    login(world.admin)
    assert client.get("/campaigns/NOPE/export/ledger.csv").status_code == 404
    assert client.get("/campaigns/WS2026/export/ledger.pdf").status_code == 404


def test_anonymous_is_sent_to_sign_in(world, client):
    response = client.get("/campaigns/WS2026/export/ledger.csv")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_review_export_empty_with_headers_before_the_look_back(world, client, login):
    login(world.lead)
    response = client.get("/campaigns/WS2026/export/review.csv")
    text = response.get_data(as_text=True)
    assert text == (
        BOM + "ref,target,district,team,result,note,new_deadline,checked_by,checked_at\r\n"
    )
    ws = read_xlsx(client.get("/campaigns/WS2026/export/review.xlsx")).active
    assert [c.value for c in ws[1]][:2] == ["Ref", "Target"]
    assert ws.max_row == 1


def test_review_export_one_row_per_check(world, client, login):
    from campaigns.reviews.models import Review, ReviewCheck

    verified = make_item(world.campaign, team=world.team_b, lead_agency=world.env, state="verified")
    review = Review(campaign_id=world.campaign.id, opens_on=clock.today(), closes_on=clock.today())
    db.session.add(review)
    db.session.flush()
    db.session.add_all(
        [
            ReviewCheck(
                review_id=review.id,
                item_id=world.item.id,
                team_id=world.team_a.id,
                result="relapsed",
                note="-came back",
                new_deadline=date(2030, 1, 31),
                checked_by_id=world.inspector.id,
                checked_at=clock.now(),
            ),
            ReviewCheck(review_id=review.id, item_id=verified.id, team_id=world.team_b.id),
        ]
    )
    db.session.commit()
    login(world.lead)
    rows = read_csv(client.get("/campaigns/WS2026/export/review.csv"))
    assert [(r["ref"], r["result"], r["team"]) for r in rows] == [
        (world.item.ref, "relapsed", "Team A"),
        (verified.ref, "", "Team B"),
    ]
    assert rows[0]["note"] == "'-came back"
    assert rows[0]["new_deadline"] == "2030-01-31"
    assert rows[0]["checked_by"] == world.inspector.display_name
    ws = read_xlsx(client.get("/campaigns/WS2026/export/review.xlsx")).active
    assert ws["E2"].value == "Relapsed" and ws["E3"].value == "Not checked"
    assert ws["G2"].is_date
    login(world.liaison_police)  # only their agency's item
    rows = read_csv(client.get("/campaigns/WS2026/export/review.csv"))
    assert [r["ref"] for r in rows] == [world.item.ref]
