"""The domain: campaigns, teams, targets, flagged items and everything that follows them."""

from importlib import import_module

# Each feature package has a views.py with a blueprint `bp`.
FEATURES = (
    "campaigns",
    "teams",
    "targets",
    "items",
    "reviews",
    "notifications",
    "bulletins",
    "figures",
    "exports",
    "imports",
)


def blueprints():
    return [import_module(f"campaigns.{name}.views").bp for name in FEATURES]
