"""The attack suite's scene: every role, and one object of every kind inside the scope of the
signed-in people (campaign WS2026) and one outside it (campaign ENV2026, which only the admin
sees). Built once per test module (see conftest.py); requests made against it must not move
what the next request relies on.

`values(who, scope)` gives, for every URL argument of the portal's routes, the object to use:
`scope` is "in" or "out". Arguments whose object has no scope (targets, users, agencies,
regions: they are role-only pages) give the same value for both.
"""

from datetime import timedelta
from io import BytesIO

from campaigns.bulletins import operations as bulletins
from campaigns.items import operations as items
from campaigns.notifications.models import Notification
from campaigns.reviews import operations as reviews
from campaigns.reviews.models import ReviewCheck
from portal import clock
from portal.accounts import operations as accounts
from portal.extensions import db
from tests.factories import World, make_item, make_user
from tests.items_support import jpeg

# The columns of the route table, in its order.
WHO = ("anon", "admin", "lead", "inspector", "liaison", "norole")

# URL arguments whose object lies inside or outside a person's scope.
SCOPED_ARGUMENTS = frozenset(
    {
        "code",
        "ref",
        "item_ref",
        "evidence_id",
        "team_id",
        "check_id",
        "review_id",
        "bulletin_id",
        "notification_id",
        "token_id",
    }
)


class Upload:
    """What a browser sends: a file storage with a name and a stream."""

    def __init__(self, data: bytes, filename: str):
        self.stream, self.filename = BytesIO(data), filename


class SecurityScene(World):
    """World (see tests/factories.py), plus:

    - `item_in`: WS2026, flagged by team A, police leads, env co-handles, listed (city), with a
      photo; `item_out`: ENV2026, the transport bureau leads, with a photo;
    - an open look-back on both campaigns (a check for each item) and a weekly bulletin each;
    - `norole`: a signed-in user with no role; `victim`: a user the admin pages act on;
    - for every person: a notification, an API token (`api_tokens`) and a spare token the
      revoke route may revoke; a `stranger` owns the out-of-scope notification and token.
    """

    def __init__(self):
        super().__init__()
        self.other_campaign.title = "Rivers clean-up, eastern districts"
        self.norole = make_user(None, self.transport, "norole1", roles=[])
        self.victim = make_user("inspector", self.transport, "victim1")
        self.stranger = make_user("inspector", self.transport, "stranger1")
        self.item_in = make_item(
            self.campaign,
            team=self.team_a,
            lead_agency=self.police,
            co_agencies=[self.env],
            town=self.town,
            listing_level="city",
            title="Leaking drums behind the warehouse",
        )
        self.item_out = make_item(
            self.other_campaign,
            team=self.other_team,
            lead_agency=self.transport,
            town=self.town,
            listing_level="city",
            title="Unlit level crossing",
        )
        self.photo_in = items.add_evidence(
            self.item_in,
            by=None,
            upload=Upload(jpeg(), "in.jpg"),
            stage="before",
            check_access=False,
        )
        self.photo_out = items.add_evidence(
            self.item_out,
            by=None,
            upload=Upload(jpeg(), "out.jpg"),
            stage="before",
            check_access=False,
        )
        self.review_in = reviews.open_early(self.campaign, by=self.admin)
        self.review_out = reviews.open_early(self.other_campaign, by=self.admin)
        db.session.flush()
        self.check_in = self._check(self.review_in, self.item_in)
        self.check_out = self._check(self.review_out, self.item_out)
        for check_id in (self.check_in, self.check_out):  # recorded: posts to it change nothing
            reviews.record_check(
                db.session.get(ReviewCheck, check_id), by=self.admin, result="holding"
            )
        today = clock.today()
        monday = today - timedelta(days=today.weekday())
        self.bulletin_in = bulletins.issue(self.campaign, monday)
        self.bulletin_out = bulletins.issue(self.other_campaign, monday)
        self.people = {
            "admin": self.admin,
            "lead": self.lead,
            "inspector": self.inspector,
            "liaison": self.liaison_police,
            "norole": self.norole,
        }
        self.notifications, self.api_tokens, self.spare_tokens = {}, {}, {}
        for who, user in [*self.people.items(), ("stranger", self.stranger)]:
            note = Notification(
                user_id=user.id,
                key=f"security:{who}",
                kind="review_opened",
                campaign_id=self.campaign.id,
                params={},
            )
            db.session.add(note)
            db.session.flush()
            self.notifications[who] = note.id
            _token, self.api_tokens[who] = accounts.issue_token(user, "api")
            self.spare_tokens[who] = accounts.issue_token(user, "spare")[0].id
        db.session.commit()

    @staticmethod
    def _check(review, item) -> int:
        return db.session.scalar(
            db.select(ReviewCheck.id).where(
                ReviewCheck.review_id == review.id, ReviewCheck.item_id == item.id
            )
        )

    def values(self, who: str, scope: str) -> dict:
        """The value of every URL argument for `who` (a WHO column) and `scope` (in/out)."""
        inside = scope == "in"
        owner = who if (inside and who != "anon") else "stranger"
        item = self.item_in if inside else self.item_out
        campaign = self.campaign if inside else self.other_campaign
        return {
            "code": campaign.code,
            "ref": item.ref,
            "item_ref": item.ref,
            "evidence_id": (self.photo_in if inside else self.photo_out).id,
            "team_id": (self.team_a if inside else self.other_team).id,
            "check_id": self.check_in if inside else self.check_out,
            "review_id": (self.review_in if inside else self.review_out).id,
            "bulletin_id": (self.bulletin_in if inside else self.bulletin_out).id,
            "notification_id": self.notifications[owner],
            "token_id": self.spare_tokens[owner],
            # Objects without a scope: the pages are for roles (targets, admin pages).
            "target_id": self.item_in.target_id,
            "user_id": self.victim.id,
            "agency_id": self.transport.id,
            "region_id": self.town.id,
            "filename": "css/portal.css",
        }
