"""The item lifecycle (BRIEF §3) as one table.

`ACTIONS` says, for every action a person can take on an item, from which states it is allowed,
which state it leads to (None: the state stays), who may take it (their relation to the item),
and whether a note is required. The operations, the templates (which buttons to show), the API
and the tests all read this table; nothing else decides.
"""

import enum
from dataclasses import dataclass


class Status(enum.StrEnum):
    ASSIGNED = "assigned"  # 已交办
    RECTIFYING = "rectifying"  # 整改中
    SUBMITTED = "submitted"  # 待核验
    VERIFIED = "verified"  # 已销号
    WITHDRAWN = "withdrawn"  # 已撤销


OPEN_STATES = frozenset({Status.ASSIGNED, Status.RECTIFYING, Status.SUBMITTED})
NOT_WITHDRAWN = frozenset(Status) - {Status.WITHDRAWN}
ALL_STATES = frozenset(Status)


class Relation(enum.StrEnum):
    """How a user stands to an item; a user may have several relations at once."""

    CAMPAIGN_LEAD = "campaign_lead"  # a lead of the item's campaign, or an admin
    FLAGGING_TEAM = "flagging_team"  # an inspector in the team that flagged the item
    CAMPAIGN_INSPECTOR = "campaign_inspector"  # an inspector in any team of the campaign
    LEAD_AGENCY = "lead_agency"  # a liaison of the responsible agency (责任单位)
    CO_AGENCY = "co_agency"  # a liaison of a co-handling agency (协办单位)
    TRANSFER_RECIPIENT = "transfer_recipient"  # a liaison of the agency a transfer is offered to


@dataclass(frozen=True)
class Action:
    name: str
    from_states: frozenset[Status]
    to_state: Status | None
    by: frozenset[Relation]
    note_required: bool = False

    @property
    def is_move(self) -> bool:
        return self.to_state is not None


R = Relation
S = Status
_TEAM = frozenset({R.FLAGGING_TEAM})
_LEAD_AGENCY = frozenset({R.LEAD_AGENCY})
_LEADS = frozenset({R.CAMPAIGN_LEAD})
_RECIPIENT = frozenset({R.TRANSFER_RECIPIENT})

ACTIONS: dict[str, Action] = {
    a.name: a
    for a in [
        # Moves of the state
        Action("acknowledge", frozenset({S.ASSIGNED}), S.RECTIFYING, _LEAD_AGENCY),
        Action("submit", frozenset({S.RECTIFYING}), S.SUBMITTED, _LEAD_AGENCY),
        Action("verify", frozenset({S.SUBMITTED}), S.VERIFIED, _TEAM),
        Action("return", frozenset({S.SUBMITTED}), S.RECTIFYING, _TEAM, note_required=True),
        Action("withdraw", OPEN_STATES, S.WITHDRAWN, _LEADS, note_required=True),
        # Only through a look-back check (reviews/operations.py), never a button of its own;
        # the check's team records it, and so may the campaign's leads (BRIEF §2).
        Action("relapse", frozenset({S.VERIFIED}), S.RECTIFYING, _TEAM | _LEADS),
        # Records that leave the state as it is
        Action(
            "comment",
            ALL_STATES,
            None,
            frozenset(
                {R.CAMPAIGN_LEAD, R.CAMPAIGN_INSPECTOR, R.FLAGGING_TEAM, R.LEAD_AGENCY, R.CO_AGENCY}
            ),
            note_required=True,
        ),
        Action(
            "evidence",
            NOT_WITHDRAWN,
            None,
            frozenset({R.FLAGGING_TEAM, R.LEAD_AGENCY, R.CO_AGENCY}),
        ),
        Action(
            "extend_request",
            frozenset({S.ASSIGNED, S.RECTIFYING}),
            None,
            _LEAD_AGENCY,
            note_required=True,
        ),
        Action("extend_approve", OPEN_STATES, None, _LEADS),
        Action("extend_refuse", OPEN_STATES, None, _LEADS),
        Action(
            "transfer_propose",
            frozenset({S.ASSIGNED, S.RECTIFYING}),
            None,
            _LEAD_AGENCY,
            note_required=True,
        ),
        Action("transfer_accept", frozenset({S.ASSIGNED, S.RECTIFYING}), None, _RECIPIENT),
        Action(
            "transfer_decline",
            frozenset({S.ASSIGNED, S.RECTIFYING}),
            None,
            _RECIPIENT,
            note_required=True,
        ),
        Action("enforcement", NOT_WITHDRAWN, None, frozenset({R.LEAD_AGENCY, R.CO_AGENCY})),
        Action("edit", OPEN_STATES, None, frozenset({R.CAMPAIGN_LEAD, R.FLAGGING_TEAM})),
        Action("list", NOT_WITHDRAWN, None, _LEADS),
    ]
}

# Actions offered as buttons/forms on the item page, in display order.
PAGE_ACTIONS = [
    "acknowledge",
    "submit",
    "verify",
    "return",
    "extend_request",
    "extend_approve",
    "extend_refuse",
    "transfer_propose",
    "transfer_accept",
    "transfer_decline",
    "enforcement",
    "withdraw",
]


def allowed_from(action: str, status: str) -> bool:
    return Status(status) in ACTIONS[action].from_states


def permitted(action: str, relations: set[Relation]) -> bool:
    return bool(ACTIONS[action].by & relations)
