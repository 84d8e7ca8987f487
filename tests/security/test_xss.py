"""XSS and formula injection: a payload in every free-text field comes back escaped on every page
that shows it, and as inert text in every export and bulletin.

Each field gets its own payload, numbered (`Q07Q…`), which starts like a spreadsheet formula
(=, +, -, @ in turn) and holds HTML that would run if a page printed it raw, in text or inside
a quoted attribute. The crawl visits every GET route of the access table that the person may
open, as four people, and parses each HTML page: no element the portal does not write itself
(an <svg>, an inline <script>, an on* attribute, a javascript: link) may appear. Every payload
must be seen (escaped) on some page, or the crawl missed where it is shown.
"""

import csv
import io
import re
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from openpyxl import load_workbook
from werkzeug.http import parse_options_header

from campaigns.bulletins import operations as bulletins
from campaigns.items import operations as items
from campaigns.items.models import Evidence
from campaigns.reviews.models import ReviewCheck
from portal import clock
from portal.accounts import operations as accounts
from portal.extensions import db
from tests.campaigns.ledger_files import KEYS
from tests.factories import make_item
from tests.items_support import jpeg
from tests.security.scene import WHO, SecurityScene, Upload
from tests.security.test_route_sweep import ROWS, build_url_with, registered

FORMULA_STARTS = "=+-@"
MARKER = re.compile(r"Q(\d\d)Q")


def payload(n: int) -> str:
    return f"{FORMULA_STARTS[n % 4]}Q{n:02d}Q\"'><svg onload=alert({n})>"


class XssScene(SecurityScene):
    """The security scene with a payload in every free-text field of WS2026's people and
    objects (set through the operations where a person would type it)."""

    def __init__(self):
        super().__init__()
        self.fields: dict[int, str] = {}
        item, today = self.item_in, clock.today()
        for obj, attr in [
            (item, "title"),
            (item, "description"),
            (item, "office_ref"),
            (item, "listing_doc_no"),
            (item, "measures"),
            (item.target, "name"),
            (item.target, "address"),
            (self.campaign, "title"),
            (self.campaign, "description"),
            (item.category, "name_zh"),
            (item.category, "name_en"),
            (self.team_a, "name"),
            (self.inspector, "display_name"),
            (self.victim, "email"),
            (self.victim, "phone"),
            (self.police, "name_zh"),
            (self.police, "name_en"),
            (self.district, "name_zh"),
            (self.district, "name_en"),
            (self.town, "name_zh"),
            (self.town, "name_en"),
        ]:
            setattr(obj, attr, self.mark(f"{type(obj).__name__}.{attr}"))
        db.session.flush()
        items.comment(item, by=self.liaison_env, note=self.mark("comment"))
        items.record_enforcement(
            item,
            by=self.liaison_police,
            kind="fine",
            action_date=today,
            document_no=self.mark("enforcement document number"),
            amount=100,
            note=self.mark("enforcement note"),
        )
        items.request_extension(
            item,
            by=self.liaison_police,
            new_deadline=item.deadline + timedelta(days=10),
            note=self.mark("extension reason"),
        )
        items.propose_transfer(
            item, by=self.liaison_police, to_agency=self.transport, note=self.mark("transfer")
        )
        items.add_evidence(
            item,
            by=self.liaison_police,
            upload=Upload(jpeg(), self.mark("uploaded file name")),
            stage="other",
        )
        raw = items.add_evidence(
            item, by=self.inspector, upload=Upload(jpeg(), "x.jpg"), stage="before"
        )
        raw.original_name = self.mark("file name as stored")  # as if the cleaning missed it
        returned = make_item(
            self.campaign, team=self.team_a, lead_agency=self.police, state="submitted"
        )
        self.returned = returned
        items.return_for_rework(returned, by=self.inspector, note=self.mark("return reason"))
        db.session.get(ReviewCheck, self.check_in).note = self.mark("look-back note")
        accounts.issue_token(self.admin, self.mark("token name"))
        monday = clock.today() - timedelta(days=clock.today().weekday()) + timedelta(days=7)
        with clock.travel_to(monday):
            self.bulletin_in = bulletins.issue(self.campaign, monday)
        db.session.commit()

    def mark(self, field: str) -> str:
        n = len(self.fields) + 1
        self.fields[n] = field
        return payload(n)


@pytest.fixture(scope="module")
def scene(scene_app):
    return XssScene()


class Injected(HTMLParser):
    """Elements and attributes that only injected markup would bring into a portal page (the
    portal's own pages carry no inline script, handler or style: the CSP forbids them)."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "svg" or (tag == "script" and not attributes.get("src")):
            self.found.append(f"<{tag}>")
        if tag == "style" or "style" in attributes:  # CSP style-src 'self' would block it
            self.found.append(f"{tag}[style]")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag}[{name}]")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"{tag}[{name}=javascript:]")


def injected(html: str) -> list[str]:
    parser = Injected()
    parser.feed(html)
    return parser.found


def inert_cells(values) -> list[str]:
    """Cells holding a payload that a spreadsheet would read as a formula."""
    return [v for v in values if isinstance(v, str) and MARKER.search(v) and v[0] in FORMULA_STARTS]


def check_download(response) -> tuple[set[int], list[str]]:
    """The payload numbers in a CSV or XLSX download, and its cells that would run."""
    kind = response.mimetype
    if kind == "text/csv":
        text = response.get_data(as_text=True)
        values = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    else:
        book = load_workbook(io.BytesIO(response.get_data()))
        values, formulas = [], []
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    values.append(cell.value)
                    if cell.data_type == "f":
                        formulas.append(f"{sheet.title}!{cell.coordinate}")
        if formulas:
            return set(), [f"formula cells {formulas}"]
    seen = {int(m) for v in values if isinstance(v, str) for m in MARKER.findall(v)}
    return seen, inert_cells(values)


def test_every_page_export_and_bulletin_shows_the_payloads_as_text(scene_app, scene, as_who):
    client = scene_app.test_client()
    seen_on_pages, seen_in_files, wrong = set(), set(), []
    for key, rule in sorted(registered(scene_app).items()):
        if not key.startswith("GET ") or rule.endpoint == "static":
            continue
        for who in ("admin", "lead", "inspector", "liaison"):
            if ROWS[key][0][WHO.index(who)] != "200":
                continue
            as_who(client, who)
            headers = {}
            if rule.rule.startswith("/api/"):
                headers["Authorization"] = f"Bearer {scene.api_tokens[who]}"
            response = client.get(build_url_with(rule, scene.values(who, "in")), headers=headers)
            where = f"{key} as {who}"
            if response.mimetype == "text/html":
                html = response.get_data(as_text=True)
                wrong += [f"{where}: {found}" for found in injected(html)]
                seen_on_pages |= {int(m) for m in MARKER.findall(html)}
            elif response.mimetype in (
                "text/csv",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ):
                seen, bad = check_download(response)
                seen_in_files |= seen
                wrong += [f"{where}: {b}" for b in bad]
            elif response.mimetype == "application/json" or response.mimetype.startswith("image/"):
                pass
            else:
                wrong.append(f"{where}: unexpected type {response.mimetype}")
            response.close()
    for who in ("admin", "liaison"):  # the returned item's page, with its reason
        as_who(client, who)
        html = client.get(f"/items/{scene.returned.ref}").get_data(as_text=True)
        wrong += [f"returned item as {who}: {found}" for found in injected(html)]
        seen_on_pages |= {int(m) for m in MARKER.findall(html)}
    assert not wrong, "\n".join(wrong)
    unseen = {n: scene.fields[n] for n in scene.fields if n not in seen_on_pages}
    assert not unseen, f"payloads no page showed: {unseen}"
    assert seen_in_files >= {n for n, f in scene.fields.items() if f in IN_EXPORTS}, seen_in_files


# Fields that the ledger, completion table and bulletin XLSX carry.
IN_EXPORTS = {
    "Item.title",
    "Item.office_ref",
    "Item.listing_doc_no",
    "Target.name",
    "Region.name_zh",
    "Agency.name_zh",
    "Team.name",
}


REFLECTED = [
    "/items/?q={p}",
    "/campaigns/?q={p}",
    "/targets/?q={p}",
    "/admin/users/?q={p}",
    "/login?next={p}",
    "/figures?as_of={p}",
    "/campaigns/WS2026/dashboard?as_of={p}",
    "/campaigns/WS2026/review?tab={p}",
    "/items/{p}",
    "/campaigns/{p}",
    "/no-such-page/{p}",
]


@pytest.mark.parametrize("url", REFLECTED)
def test_what_the_address_carries_comes_back_as_text(scene_app, scene, as_who, url):
    client = scene_app.test_client()
    as_who(client, "admin")
    response = client.get(url.format(p=quote(payload(99), safe="")))
    assert response.mimetype == "text/html"
    assert injected(response.get_data(as_text=True)) == []


def test_import_cells_are_shown_as_text_in_the_preview_and_the_problems(scene_app, scene, as_who):
    client = scene_app.test_client()
    as_who(client, "lead")
    deadline = (clock.today() + timedelta(days=30)).isoformat()
    cells = {key: payload(60 + i) for i, key in enumerate(KEYS)}
    good = cells | {
        "credit_code": "",
        "district": "370303",
        "town": scene.town.name_zh,
        "category": scene.item_in.category.code,
        "severity": "general",
        "listing_level": "none",
        "lead_agency": "env",
        "co_agencies": "transport",
        "deadline": deadline,
        "team": "Team B",
    }

    def upload(rows, name):
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(KEYS)
        for row in rows:
            writer.writerow([row[k] for k in KEYS])
        return client.post(
            "/campaigns/WS2026/import",
            data={"file": (io.BytesIO(out.getvalue().encode()), name)},
            content_type="multipart/form-data",
        )

    preview = upload([good], payload(80) + ".csv")
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert injected(html) == []
    assert {"Q61Q", "Q66Q", "Q80Q"} <= set(re.findall(r"Q\d\dQ", html))  # target, title, file name
    problems = upload([cells], payload(81) + ".csv")  # every cell wrong
    assert problems.status_code == 422
    html = problems.get_data(as_text=True)
    assert injected(html) == [] and "Q81Q" in html


def test_file_names_in_downloads_stay_one_header(scene_app, scene, as_who):
    client = scene_app.test_client()
    as_who(client, "admin")
    for record in db.session.scalars(
        db.select(Evidence).where(Evidence.item_id == scene.item_in.id)
    ):
        response = client.get(f"/items/{scene.item_in.ref}/evidence/{record.id}")
        disposition = response.headers["Content-Disposition"]
        response.close()
        assert "\n" not in disposition and "\r" not in disposition
        kind, options = parse_options_header(disposition)
        assert kind in ("inline", "attachment")
        assert options["filename"] == record.original_name
