"""Notification e-mail against a real SMTP server (aiosmtpd) that the test starts."""

import socket
from datetime import timedelta
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from campaigns.notifications import mail, notify
from campaigns.notifications.models import Notification
from campaigns.reviews import operations as reviews
from portal import clock, scheduler
from portal.extensions import db
from portal.scheduler import runner
from tests.campaigns.review_scene import ReviewScene


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(
            (envelope.rcpt_tos, message_from_bytes(envelope.content, policy=default_policy))
        )
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(app):
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, BASE_URL="https://portal.example")
    yield inbox
    controller.stop()


@pytest.fixture
def scene(app):
    s = ReviewScene()
    s.liaison_police.email = "police@example.org"
    s.liaison_police.locale = "zh"
    s.lead.email = "lead@example.org"
    s.lead.locale = "en"
    db.session.commit()
    return s


def _open_review(scene):
    reviews.open_review(scene.campaign)
    db.session.commit()
    return reviews.review_of(scene.campaign)


def test_a_relapse_recorded_on_the_page_is_mailed_after_commit(scene, smtp, client, login):
    with clock.travel_to(scene.opens):
        review = _open_review(scene)
        check = next(c for c in review.checks if c.item_id == scene.a.id)
        login(scene.inspector)
        response = client.post(
            f"/campaigns/WS2026/review/checks/{check.id}",
            data={
                "result": "relapsed",
                "note": "Dust again",
                "new_deadline": (scene.opens + timedelta(days=7)).isoformat(),
            },
        )
    assert response.status_code == 302
    sent = {tuple(to): message for to, message in smtp.messages}
    assert set(sent) == {("police@example.org",), ("lead@example.org",)}
    chinese = sent[("police@example.org",)]
    assert scene.a.ref in chinese["Subject"] and "整改" in chinese["Subject"]
    english = sent[("lead@example.org",)]
    assert "is back in rectification" in english["Subject"]
    assert f"https://portal.example/items/{scene.a.ref}" in english.get_content()
    emailed = db.session.scalars(
        select(Notification.emailed_at).where(Notification.kind == "relapsed")
    ).all()
    assert len(emailed) == 2 and all(emailed)


def test_scheduled_notices_are_mailed_on_the_tick_once(scene, smtp, app):
    scene.liaison_police.email = "police@example.org"
    due = clock.today() + timedelta(days=2)
    scene.item.deadline = due
    db.session.commit()
    runner.tick(app)
    runner.tick(app)
    to = sorted(t for rcpt, _m in smtp.messages for t in rcpt)
    # yellow for the World item: the liaison has an address, the team's inspector has none
    assert to == ["police@example.org"]
    assert smtp.messages[0][1]["Subject"].endswith(
        f"{scene.item.ref} 将于 {_zh_date(due)} 到期：{scene.item.title}"
    )


def _zh_date(day):
    from flask_babel import force_locale, format_date

    with force_locale("zh"):
        return format_date(day, "medium")


def test_a_refusing_relay_is_retried_on_the_next_tick(scene, smtp, app):
    notify.send([scene.lead.id], key="test:1", kind="review_opened", params={"code": "WS2026"})
    db.session.commit()
    real_port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = _free_port()  # nobody listens there
    assert mail.deliver_pending() == 0
    assert db.session.scalar(select(Notification.emailed_at)) is None
    app.config["MAIL_PORT"] = real_port
    assert mail.deliver_pending() == 1
    assert mail.deliver_pending() == 0
    assert len(smtp.messages) == 1


def test_without_mail_settings_notifications_stay_in_the_inbox(scene, app):
    app.config["MAIL_SERVER"] = ""
    notify.send([scene.lead.id], key="test:2", kind="review_opened", params={"code": "WS2026"})
    db.session.commit()
    scheduler.run_due()
    assert mail.deliver_pending() == 0
    assert (
        db.session.scalar(select(Notification.emailed_at).where(Notification.key == "test:2"))
        is None
    )
