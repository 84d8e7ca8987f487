"""A liaison sets up their agency's system on a phone: creates an API token on their profile,
copies it, the system uses it, the profile shows its last use, and revoking it stops it.
The profile page fits a phone's width throughout."""

import os

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

PHONE_WIDTH = 390


def _fits(phone, name: str) -> None:
    width = phone.evaluate("document.documentElement.scrollWidth")
    if os.environ.get("PORTAL_SCREENSHOTS"):
        os.makedirs("test-artifacts", exist_ok=True)
        phone.screenshot(path=f"test-artifacts/token-{name}.png", full_page=True)
    assert width <= PHONE_WIDTH, (name, width)


def test_a_token_made_revoked_on_a_phone(phone, live_server):
    sign_in(phone, "liaison-police")
    phone.goto("/profile")
    _fits(phone, "profile")
    phone.fill("input[name=name]", "Police case system (nightly sync of joint cases)")
    phone.locator("form.row-form button[type=submit]").click()
    secret = phone.locator("[data-testid=token]")
    expect(secret).to_be_visible()
    token = secret.inner_text().strip()
    box = secret.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE_WIDTH  # all of it on screen
    _fits(phone, "created")

    api = phone.request
    headers = {"Authorization": f"Bearer {token}"}
    answer = api.get(f"{live_server}/api/v1/items?per_page=5", headers=headers)
    assert answer.status == 200 and answer.json()["total"] > 0

    phone.goto("/profile")
    row = phone.locator("tr", has_text="Police case system")
    expect(row).to_be_visible()
    expect(row.locator("[data-testid=last-used]")).not_to_have_text("—")  # just now
    revoke = row.get_by_role("button", name="Revoke")
    box = revoke.bounding_box()
    assert box["x"] + box["width"] <= PHONE_WIDTH  # on screen without scrolling sideways
    _fits(phone, "listed")
    phone.once("dialog", lambda dialog: dialog.accept())
    revoke.click()
    expect(phone.locator("tr", has_text="Police case system")).to_contain_text("Revoked")
    _fits(phone, "revoked")
    assert api.get(f"{live_server}/api/v1/items", headers=headers).status == 401
