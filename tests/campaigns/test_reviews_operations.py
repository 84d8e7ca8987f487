"""The look-back's verbs: opening, recording results, closing and freezing (BRIEF §5)."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from campaigns.campaigns.models import ReviewScope
from campaigns.items.models import EntryKind, TimelineEntry
from campaigns.notifications.models import Notification
from campaigns.reviews import operations
from campaigns.reviews.models import Review, ReviewCheck
from portal import clock
from portal.errors import InvalidMove, NotPermitted, ValidationFailed
from portal.extensions import db
from tests.campaigns.review_scene import ReviewScene


@pytest.fixture
def scene(app):
    return ReviewScene()


def _open(scene):
    with clock.travel_to(scene.opens):
        review = operations.open_review(scene.campaign)
        db.session.commit()
    return review


def _check(review, item):
    return db.session.scalar(
        select(ReviewCheck).where(
            ReviewCheck.review_id == review.id, ReviewCheck.item_id == item.id
        )
    )


def test_opening_checks_every_listed_item_once_for_its_team(scene):
    review = _open(scene)
    checks = {c.item_id: c.team_id for c in review.checks}
    assert checks == {
        scene.a.id: scene.team_a.id,
        scene.b.id: scene.team_a.id,
        scene.c.id: scene.team_b.id,
        scene.d.id: scene.team_a.id,
    }
    assert (review.opens_on, review.closes_on) == (scene.opens, scene.campaign.review_ends)
    with clock.travel_to(scene.opens):
        assert operations.open_review(scene.campaign) is None
        db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Review)) == 1
    assert db.session.scalar(select(func.count()).select_from(ReviewCheck)) == 4
    told = set(
        db.session.scalars(select(Notification.user_id).where(Notification.kind == "review_opened"))
    )
    assert told == {scene.inspector.id, scene.inspector_b.id}


def test_verified_scope_checks_every_verified_item(scene):
    scene.campaign.review_scope = ReviewScope.VERIFIED
    db.session.commit()
    review = _open(scene)
    assert {c.item_id for c in review.checks} == {scene.a.id, scene.b.id, scene.c.id, scene.e.id}


def test_holding_keeps_the_item_closed_and_is_on_its_timeline(scene):
    review = _open(scene)
    with clock.travel_to(scene.opens + timedelta(days=2)):
        operations.record_check(
            _check(review, scene.a), by=scene.inspector, result="holding", note="Still fine"
        )
        db.session.commit()
    db.session.expire_all()
    assert scene.a.status == "verified" and scene.a.relapse_count == 0
    entry = db.session.scalars(
        select(TimelineEntry)
        .where(TimelineEntry.item_id == scene.a.id)
        .order_by(TimelineEntry.id.desc())
    ).first()
    assert entry.kind == EntryKind.REVIEW_CHECK and entry.data["result"] == "holding"
    assert entry.note == "Still fine"


@pytest.mark.parametrize("result", ["relapsed", "not_rectified", "false_rectification"])
def test_other_results_reopen_the_item_with_a_new_deadline(scene, result):
    review = _open(scene)
    day = scene.opens + timedelta(days=2)
    with clock.travel_to(day):
        operations.record_check(
            _check(review, scene.a),
            by=scene.inspector,
            result=result,
            note="Dust is back",
            new_deadline=day + timedelta(days=10),
        )
        db.session.commit()
    db.session.expire_all()
    assert scene.a.status == "rectifying"
    assert scene.a.deadline == day + timedelta(days=10)
    assert scene.a.relapse_count == 1 and scene.a.verified_at is None
    kinds = [e.kind for e in scene.a.timeline][-2:]
    assert kinds == [EntryKind.MOVED, EntryKind.REVIEW_CHECK]
    told = set(
        db.session.scalars(select(Notification.user_id).where(Notification.kind == "relapsed"))
    )
    assert told == {scene.liaison_police.id, scene.lead.id}


@pytest.mark.parametrize(("deadline_in", "reason"), [(None, "required"), (0, "past"), (-3, "past")])
def test_relapse_needs_a_future_deadline(scene, deadline_in, reason):
    review = _open(scene)
    day = scene.opens + timedelta(days=1)
    with clock.travel_to(day), pytest.raises(ValidationFailed) as refused:
        operations.record_check(
            _check(review, scene.a),
            by=scene.inspector,
            result="relapsed",
            new_deadline=None if deadline_in is None else day + timedelta(days=deadline_in),
        )
    assert refused.value.fields == {"new_deadline": reason}


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("inspector", True),  # team_a: the check's team
        ("lead", True),
        ("admin", True),
        ("inspector_b", False),  # another team of the same campaign
        ("outsider", False),
        ("liaison_police", False),
        ("liaison_env", False),
    ],
)
def test_who_may_record_a_check(scene, who, allowed):
    review = _open(scene)
    day = scene.opens + timedelta(days=1)
    with clock.travel_to(day):
        record = lambda: operations.record_check(  # noqa: E731
            _check(review, scene.a),
            by=getattr(scene, who),
            result="relapsed",
            new_deadline=day + timedelta(days=5),
        )
        if allowed:
            record()
            db.session.commit()
        else:
            with pytest.raises(NotPermitted):
                record()
    db.session.expire_all()
    assert scene.a.status == ("rectifying" if allowed else "verified")


def test_a_check_is_recorded_once_and_only_while_open(scene):
    review = _open(scene)
    check = _check(review, scene.b)
    with clock.travel_to(scene.opens - timedelta(days=1)), pytest.raises(InvalidMove):
        operations.record_check(check, by=scene.inspector, result="holding")
    with clock.travel_to(scene.opens):
        operations.record_check(check, by=scene.inspector, result="holding")
        db.session.commit()
        with pytest.raises(InvalidMove):
            operations.record_check(check, by=scene.inspector, result="relapsed")
    other = _check(review, scene.a)
    with clock.travel_to(review.closes_on + timedelta(days=1)), pytest.raises(InvalidMove):
        operations.record_check(other, by=scene.inspector, result="holding")


def test_an_item_not_yet_verified_keeps_its_state(scene):
    review = _open(scene)
    with clock.travel_to(scene.opens):
        operations.record_check(
            _check(review, scene.d), by=scene.inspector, result="not_rectified", note="Still open"
        )
        db.session.commit()
    db.session.expire_all()
    assert scene.d.status == "rectifying" and scene.d.relapse_count == 0
    assert scene.d.timeline[-1].kind == EntryKind.REVIEW_CHECK


def test_frozen_figures_do_not_move_after_closing(scene):
    review = _open(scene)
    day = scene.opens + timedelta(days=1)
    with clock.travel_to(day):
        operations.record_check(_check(review, scene.a), by=scene.inspector, result="holding")
        operations.record_check(
            _check(review, scene.c),
            by=scene.inspector_b,
            result="relapsed",
            new_deadline=day + timedelta(days=9),
        )
        db.session.commit()
    with clock.travel_to(review.closes_on + timedelta(days=1)):
        assert operations.close_review(review) is True
        db.session.commit()
        assert operations.close_review(review) is False
    frozen = dict(review.frozen_figures)
    # items of WS2026 in scope: item, a, b, c, d, e (f withdrawn); verified at closing: a, b, e
    assert frozen == {
        "total": 4,
        "checked": 2,
        "unchecked": 2,
        "holding": 1,
        "relapsed": 1,
        "not_rectified": 0,
        "false_rectification": 0,
        "items": 6,
        "verified": 3,
        "completion_rate": "50.00",
    }
    with clock.travel_to(review.closes_on + timedelta(days=3)):
        scene.b.status = "rectifying"  # whatever happens later
        scene.b.verified_at = scene.b.verified_on = None
        db.session.commit()
    db.session.expire_all()
    assert db.session.get(Review, review.id).frozen_figures == frozen


def test_a_lead_opens_the_look_back_early(scene):
    day = clock.today() + timedelta(days=3)
    with clock.travel_to(day):
        with pytest.raises(NotPermitted):
            operations.open_early(scene.campaign, by=scene.inspector)
        review = operations.open_early(scene.campaign, by=scene.lead)
        db.session.commit()
        assert scene.campaign.review_starts == day and review.opens_on == day
        assert scene.campaign.status == "review"
        with pytest.raises(InvalidMove):
            operations.open_early(scene.campaign, by=scene.lead)


def test_rescheduling_before_opening_only(scene):
    today = clock.today()
    with pytest.raises(ValidationFailed) as refused:
        operations.reschedule_review(
            scene.campaign, by=scene.lead, starts=today - timedelta(days=1), days=20
        )
    assert refused.value.fields == {"review_starts": "past"}
    with pytest.raises(NotPermitted):
        operations.reschedule_review(
            scene.campaign, by=scene.inspector, starts=today + timedelta(days=5), days=20
        )
    operations.reschedule_review(
        scene.campaign, by=scene.lead, starts=today + timedelta(days=5), days=20
    )
    db.session.commit()
    assert scene.campaign.review_ends == today + timedelta(days=24)
    _open(scene)
    with pytest.raises(ValidationFailed) as refused:
        operations.reschedule_review(
            scene.campaign, by=scene.lead, starts=today + timedelta(days=9), days=20
        )
    assert refused.value.fields == {"review_starts": "already_open"}
