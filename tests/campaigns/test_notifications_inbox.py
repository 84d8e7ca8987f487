"""The inbox: own notifications only, in the reader's language, read on open."""

import pytest
from sqlalchemy import select

from campaigns.notifications import notify
from campaigns.notifications.models import Notification
from portal.extensions import db
from tests.factories import World


@pytest.fixture
def world(app):
    w = World()
    notify.item_turned(w.item, "red")
    notify.send(
        [w.lead.id],
        key="review:1:opened",
        kind="review_opened",
        campaign_id=w.campaign.id,
        params={"code": "WS2026", "title": "Work safety", "closes_on": "2026-12-31"},
    )
    db.session.commit()
    return w


def test_the_inbox_shows_my_notifications_and_counts_unread(world, client, login):
    login(world.lead)
    page = client.get("/inbox").get_data(as_text=True)
    assert f"{world.item.ref} is overdue since" in page
    assert "The look-back of WS2026 Work safety is open until Dec 31, 2026" in page
    assert 'data-testid="unread">2<' in page
    login(world.liaison_env)  # not a recipient: co-agencies are not told of red lights
    page = client.get("/inbox").get_data(as_text=True)
    assert "No notifications yet." in page and "overdue" not in page


def test_the_text_follows_the_readers_language(world, client, login):
    world.liaison_police.locale = "zh"
    db.session.commit()
    login(world.liaison_police)
    page = client.get("/inbox").get_data(as_text=True)
    assert f"{world.item.ref} 已逾期" in page


def test_opening_marks_read_and_leads_to_the_item(world, client, login):
    login(world.liaison_police)
    notification = db.session.scalar(
        select(Notification).where(Notification.user_id == world.liaison_police.id)
    )
    response = client.get(f"/notifications/{notification.id}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/items/{world.item.ref}"
    db.session.refresh(notification)
    assert notification.read_at is not None
    page = client.get("/inbox").get_data(as_text=True)
    assert 'data-testid="unread"' not in page


def test_someone_elses_notification_is_not_found(world, client, login):
    theirs = db.session.scalar(select(Notification).where(Notification.user_id == world.lead.id))
    login(world.liaison_police)
    assert client.get(f"/notifications/{theirs.id}").status_code == 404
    db.session.refresh(theirs)
    assert theirs.read_at is None


def test_mark_all_read(world, client, login):
    login(world.lead)
    response = client.post("/inbox/read-all", follow_redirects=True)
    assert "All notifications are marked read." in response.get_data(as_text=True)
    unread = db.session.scalars(
        select(Notification).where(
            Notification.user_id == world.lead.id, Notification.read_at.is_(None)
        )
    ).all()
    assert unread == []
    others = db.session.scalars(
        select(Notification).where(
            Notification.user_id == world.inspector.id, Notification.read_at.is_(None)
        )
    ).all()
    assert len(others) == 1


def test_the_inbox_is_paginated(world, client, login):
    for n in range(35):
        notify.send(
            [world.inspector.id], key=f"k{n}", kind="review_opened", params={"code": f"C{n}"}
        )
    db.session.commit()
    login(world.inspector)
    first = client.get("/inbox").get_data(as_text=True)
    assert "Page 1 of 2" in first
    second = client.get("/inbox?page=2").get_data(as_text=True)
    assert "Page 2 of 2" in second
