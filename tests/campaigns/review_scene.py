"""A campaign ready for its look-back: World plus listed items in several states."""

from campaigns.items.models import EvidenceStage  # noqa: F401 - re-exported for tests
from portal.extensions import db
from tests.factories import World, make_item


class ReviewScene(World):
    """World, plus items of WS2026:

    - a, b: team_a, listed, verified; c: team_b, listed, verified
    - d: team_a, listed, still rectifying
    - e: team_a, verified but not listed; f: team_a, listed but withdrawn
    """

    def __init__(self):
        super().__init__()

        def item(state, team=None, listing="city", title=None):
            return make_item(
                self.campaign,
                team=team or self.team_a,
                lead_agency=self.police,
                co_agencies=[self.env],
                town=self.town,
                state=state,
                listing_level=listing,
                title=title,
            )

        self.a = item("verified", title="Dust at the quarry")
        self.b = item("verified", title="Blocked fire exit")
        self.c = item("verified", team=self.team_b)
        self.d = item("rectifying")
        self.e = item("verified", listing="none")
        self.f = item("withdrawn")
        db.session.commit()

    @property
    def opens(self):
        return self.campaign.review_starts
