"""What goes on each person's home page. Features add a panel provider with `provides`.

A provider takes the user and returns a Panel (or None when it has nothing for them);
panels are shown in the order of their `order`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from portal.access import has_role


@dataclass
class Panel:
    template: str
    order: int
    context: dict = field(default_factory=dict)


_providers: list[tuple[tuple[str, ...], Callable]] = []


def provides(*roles: str):
    """Register a panel provider for holders of `roles` (admins see every panel)."""

    def decorator(func):
        _providers.append((roles, func))
        return func

    return decorator


def for_user(user) -> list[Panel]:
    panels = [
        panel
        for roles, provider in _providers
        if has_role(user, *roles) and (panel := provider(user)) is not None
    ]
    return sorted(panels, key=lambda p: p.order)
