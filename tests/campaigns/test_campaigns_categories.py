"""A campaign's categories: seeded from its kind, then renamed, reordered, added, removed."""

import pytest
from sqlalchemy import select

from campaigns.campaigns.models import CampaignCategory
from portal.extensions import db
from tests.factories import World, make_item


@pytest.fixture
def world(app):
    return World()


def rows_of(campaign) -> dict:
    """The form as the page would post it for the campaign's current categories."""
    data = {}
    for n, c in enumerate(campaign.categories):
        data |= {
            f"rows-{n}-code": c.code,
            f"rows-{n}-name_zh": c.name_zh,
            f"rows-{n}-name_en": c.name_en,
            f"rows-{n}-position": str(n + 1),
        }
    return data


def names(campaign) -> list[str]:
    db.session.expire_all()
    return [
        c.name_zh
        for c in db.session.scalars(
            select(CampaignCategory)
            .where(CampaignCategory.campaign_id == campaign.id)
            .order_by(CampaignCategory.position)
        )
    ]


def test_page_lists_the_seeded_categories_with_their_use(world, client, login):
    make_item(world.campaign, team=world.team_a, category=world.campaign.categories[1])
    db.session.commit()
    login(world.lead)
    page = client.get("/campaigns/WS2026/categories").get_data(as_text=True)
    assert page.count('data-testid="category-row"') == 7
    for zh in ["煤矿", "非煤矿山", "道路交通", "建筑施工", "消防安全", "危险化学品", "冶金"]:
        assert f'value="{zh}"' in page
    assert "in use" in page


def test_rename_reorder_add_and_remove(world, client, login):
    campaign = world.campaign
    login(world.lead)
    data = rows_of(campaign)
    data["rows-0-name_zh"] = "煤矿（含洗煤厂）"  # rename
    data["rows-6-position"] = "0"  # metallurgy to the top
    data["rows-5-remove"] = "y"  # hazardous chemicals: unused, removed
    data["new_name_zh"] = "特种设备"
    data["new_name_en"] = "Special equipment"
    response = client.post("/campaigns/WS2026/categories", data=data)
    assert response.status_code == 302
    assert names(campaign) == [
        "冶金",
        "煤矿（含洗煤厂）",
        "非煤矿山",
        "道路交通",
        "建筑施工",
        "消防安全",
        "特种设备",
    ]
    added = db.session.scalar(
        select(CampaignCategory).where(CampaignCategory.name_zh == "特种设备")
    )
    assert added.code == "special_equipment" and added.name_en == "Special equipment"
    page = client.get("/campaigns/WS2026").get_data(as_text=True)
    assert page.index("Metallurgy") < page.index("Coal mines")


def test_used_category_cannot_be_removed(world, client, login):
    # world.item uses the first category (coal mines)
    login(world.lead)
    data = rows_of(world.campaign) | {"rows-0-remove": "y", "rows-1-remove": "y"}
    response = client.post("/campaigns/WS2026/categories", data=data)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Categories that items use cannot be removed." in text
    assert "Items use this category; it cannot be removed." in text
    assert names(world.campaign)[:2] == ["煤矿", "非煤矿山"]  # nothing changed


def test_names_swapped_and_a_removed_name_reused(world, client, login):
    login(world.lead)
    data = rows_of(world.campaign)
    data["rows-1-name_zh"], data["rows-2-name_zh"] = "道路交通", "非煤矿山"
    data["rows-3-remove"] = "y"
    data["new_name_zh"] = "建筑施工"
    assert client.post("/campaigns/WS2026/categories", data=data).status_code == 302
    assert names(world.campaign) == [
        "煤矿",
        "道路交通",
        "非煤矿山",
        "消防安全",
        "危险化学品",
        "冶金",
        "建筑施工",
    ]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"rows-2-name_zh": "煤矿"}, "Each category needs its own name: 煤矿"),
        ({"rows-2-name_zh": ""}, "Give the category a Chinese name, or tick Remove."),
        ({"new_name_en": "Only English"}, "Give the new category a Chinese name too."),
    ],
)
def test_category_mistakes_are_explained(world, client, login, changes, message):
    login(world.lead)
    data = rows_of(world.campaign) | changes
    response = client.post("/campaigns/WS2026/categories", data=data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert len(names(world.campaign)) == 7
