"""A demo user signs in, sees their home page, switches the language, and signs out."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in, sign_out


def test_sign_in_switch_language_sign_out(page):
    sign_in(page, "lead")
    expect(page.locator("h1")).to_contain_text("Good day")
    expect(page.locator("header")).to_contain_text("Sign out")
    page.click("button[name=lang][value=zh]")
    expect(page.locator("header")).to_contain_text("退出")
    expect(page.locator("h1")).to_contain_text("您好")
    page.click("button[name=lang][value=en]")
    expect(page.locator("header")).to_contain_text("Sign out")
    sign_out(page)
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login"))


def test_wrong_password_shows_message(page):
    page.goto("/login")
    page.fill("input[name=username]", "lead")
    page.fill("input[name=password]", "not-the-password")
    page.click("form button[type=submit]")
    expect(page.locator(".flash-error")).to_contain_text("Wrong username or password")


def test_phone_layout_has_menu(phone):
    sign_in(phone, "admin")
    menu = phone.locator("details.menu")
    expect(menu.locator("summary")).to_be_visible()
    menu.locator("summary").click()
    expect(menu.locator("nav a", has_text="Users")).to_be_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
