"""Demo campaigns, teams, targets and items (filled in with the campaign features)."""


def build(*, users, agencies) -> None:
    return None
