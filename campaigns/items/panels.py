"""The items' panels on the home page: a liaison's joint cases, an inspector's team items."""

from campaigns.items import queries
from portal.accounts.models import Role
from portal.home.panels import Panel, provides


@provides(Role.LIAISON)
def joint_cases_panel(user):
    """What waits for the liaison's agency, group by group (the full page: /joint-cases)."""
    if not user.has_role(Role.LIAISON):
        return None
    return Panel(
        "items/_panel_liaison.html",
        order=10,
        context={"counts": queries.joint_case_counts(user)},
    )


@provides(Role.INSPECTOR)
def team_items_panel(user):
    """The inspector's teams: awaiting verification, overdue, the latest changes."""
    if not user.has_role(Role.INSPECTOR) or not queries.has_team(user):
        return None
    return Panel("items/_panel_inspector.html", order=20, context=queries.inspector_overview(user))
