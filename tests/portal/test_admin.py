import pytest
from sqlalchemy import select

from portal.accounts.models import User
from portal.audit.models import AuditEntry
from portal.directory.models import Agency, Region
from portal.extensions import db
from tests.factories import make_agency, make_region, make_user

ADMIN_PAGES = [
    "/admin/users/",
    "/admin/users/new",
    "/admin/agencies",
    "/admin/agencies/new",
    "/admin/regions",
    "/admin/regions/new",
]


@pytest.mark.parametrize("role", ["lead", "inspector", "liaison"])
def test_admin_pages_refused_to_other_roles(client, login, role):
    user = make_user(role)
    db.session.commit()
    login(user)
    for path in ADMIN_PAGES + [f"/admin/users/{user.id}"]:
        assert client.get(path).status_code == 403, path
    response = client.post(
        f"/admin/users/{user.id}",
        data={"display_name": "x", "agency_id": user.agency_id, "roles": ["admin"]},
    )
    assert response.status_code == 403
    assert user.roles == {role}


def test_admin_pages_open_to_admin(client, login):
    admin = make_user("admin")
    db.session.commit()
    login(admin)
    for path in ADMIN_PAGES:
        assert client.get(path).status_code == 200, path


def test_admin_creates_user_and_changes_roles(client, login):
    admin = make_user("admin")
    police = make_agency("police")
    db.session.commit()
    login(admin)
    response = client.post(
        "/admin/users/new",
        data={
            "username": "new.user",
            "display_name": "New User",
            "agency_id": police.id,
            "roles": ["liaison"],
            "password": "long-enough-pw",
        },
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.username == "new.user"))
    assert user.roles == {"liaison"} and user.agency.code == "police"
    response = client.post(
        f"/admin/users/{user.id}",
        data={
            "display_name": "New User",
            "agency_id": police.id,
            "roles": ["liaison", "inspector"],
        },
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.roles == {"liaison", "inspector"}
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "roles_changed"))
    assert audit.details == {"old": ["liaison"], "new": ["inspector", "liaison"]}


def test_duplicate_username_is_refused_with_message(client, login):
    admin = make_user("admin", username="boss")
    db.session.commit()
    login(admin)
    response = client.post(
        "/admin/users/new",
        data={
            "username": "boss",
            "display_name": "Dup",
            "agency_id": admin.agency_id,
            "roles": ["lead"],
            "password": "long-enough-pw",
        },
    )
    assert response.status_code == 200
    assert b"This username is taken" in response.data


def test_user_cannot_raise_own_roles(client, login):
    admin = make_user("admin")
    db.session.commit()
    login(admin)
    response = client.post(
        f"/admin/users/{admin.id}",
        data={"display_name": "Me", "agency_id": admin.agency_id, "roles": ["admin", "lead"]},
    )
    assert response.status_code == 200
    assert b"You cannot raise your own roles" in response.data
    db.session.refresh(admin)
    assert admin.roles == {"admin"}


def test_deactivate_needs_confirmation_and_signs_out(app, client, login):
    admin = make_user("admin")
    victim = make_user("inspector", username="victim")
    db.session.commit()
    victim_client = app.test_client()
    from tests.factories import PASSWORD

    victim_client.post("/login", data={"username": "victim", "password": PASSWORD})
    assert victim_client.get("/").status_code == 200
    login(admin)
    page = client.get(f"/admin/users/{victim.id}/deactivate")
    assert page.status_code == 200 and b"Deactivate victim?" in page.data
    assert client.post(f"/admin/users/{victim.id}/deactivate").status_code == 302
    db.session.refresh(victim)
    assert not victim.active
    assert victim_client.get("/").status_code == 302


def test_reset_password(client, login):
    admin = make_user("admin")
    user = make_user(username="forgetful")
    db.session.commit()
    login(admin)
    client.post(
        f"/admin/users/{user.id}/password",
        data={"reset-password": "fresh-password-9", "reset-confirm": "fresh-password-9"},
    )
    db.session.refresh(user)
    assert user.check_password("fresh-password-9")


def test_agencies_and_regions(client, login):
    admin = make_user("admin")
    city = make_region("city", name="淄博市")
    db.session.commit()
    login(admin)
    response = client.post(
        "/admin/agencies/new",
        data={
            "code": "market",
            "name_zh": "市场监管局",
            "name_en": "Market Regulation",
            "kind": "regulator",
        },
    )
    assert response.status_code == 302
    assert db.session.scalar(select(Agency).where(Agency.code == "market")).name_zh == "市场监管局"
    response = client.post(
        "/admin/regions/new",
        data={"name_zh": "张店区", "code": "370303", "level": "district", "parent_id": city.id},
    )
    assert response.status_code == 302
    district = db.session.scalar(select(Region).where(Region.code == "370303"))
    assert district.parent_id == city.id
    # A town under the city is refused with a message
    response = client.post(
        "/admin/regions/new", data={"name_zh": "某街道", "level": "town", "parent_id": city.id}
    )
    assert response.status_code == 200
    assert b"towns to a district or county" in response.data
    assert "张店区" in client.get("/admin/regions").get_data(as_text=True)
