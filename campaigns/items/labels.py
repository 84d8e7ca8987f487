"""The words of the item lifecycle, as every page, export and message shows them.

One place for each label, so that a state or an action reads the same everywhere.
"""

from flask_babel import lazy_gettext as _l

from campaigns.items.lifecycle import Status
from campaigns.items.models import (
    EnforcementKind,
    EntryKind,
    EvidenceStage,
    Light,
    ListingLevel,
    Severity,
)
from campaigns.targets.forms import KIND_LABELS as TARGET_KIND_LABELS

__all__ = [
    "ACTION_LABELS",
    "ENFORCEMENT_LABELS",
    "ENTRY_LABELS",
    "LIGHT_LABELS",
    "LISTING_LABELS",
    "SEVERITY_LABELS",
    "STAGE_LABELS",
    "STATUS_LABELS",
    "TARGET_KIND_LABELS",
]

STATUS_LABELS = {
    Status.ASSIGNED: _l("Assigned"),
    Status.RECTIFYING: _l("Rectifying"),
    Status.SUBMITTED: _l("Awaiting verification"),
    Status.VERIFIED: _l("Verified and closed"),
    Status.WITHDRAWN: _l("Withdrawn"),
}
ACTION_LABELS = {
    "acknowledge": _l("Acknowledge"),
    "submit": _l("Submit rectification"),
    "verify": _l("Verify and close"),
    "return": _l("Return for rework"),
    "withdraw": _l("Withdraw"),
    "relapse": _l("Reopened by the look-back"),
    "comment": _l("Comment"),
    "evidence": _l("Add evidence"),
    "extend_request": _l("Ask for more time"),
    "extend_approve": _l("Approve the extension"),
    "extend_refuse": _l("Refuse the extension"),
    "transfer_propose": _l("Propose a transfer"),
    "transfer_accept": _l("Accept the transfer"),
    "transfer_decline": _l("Decline the transfer"),
    "enforcement": _l("Record an enforcement action"),
    "edit": _l("Edit details"),
    "list": _l("Listing for supervision"),
}
ENTRY_LABELS = {
    EntryKind.FLAGGED: _l("Flagged and assigned"),
    EntryKind.MOVED: _l("Moved"),
    EntryKind.COMMENT: _l("Comment"),
    EntryKind.EVIDENCE: _l("Evidence added"),
    EntryKind.EXTENSION_REQUESTED: _l("Extension requested"),
    EntryKind.EXTENSION_APPROVED: _l("Extension approved"),
    EntryKind.EXTENSION_REFUSED: _l("Extension refused"),
    EntryKind.TRANSFER_PROPOSED: _l("Transfer proposed"),
    EntryKind.TRANSFER_ACCEPTED: _l("Transfer accepted"),
    EntryKind.TRANSFER_DECLINED: _l("Transfer declined"),
    EntryKind.ENFORCEMENT: _l("Enforcement action"),
    EntryKind.EDITED: _l("Details edited"),
    EntryKind.LISTED: _l("Listing for supervision changed"),
    EntryKind.REVIEW_CHECK: _l("Look-back check"),
}
SEVERITY_LABELS = {Severity.GENERAL: _l("General"), Severity.MAJOR: _l("Major")}
LISTING_LABELS = {
    ListingLevel.NONE: _l("Not listed"),
    ListingLevel.DISTRICT: _l("District level"),
    ListingLevel.CITY: _l("City level"),
    ListingLevel.PROVINCE: _l("Province level"),
}
LIGHT_LABELS = {
    Light.GREEN: _l("On track"),
    Light.YELLOW: _l("Due soon"),
    Light.RED: _l("Overdue"),
}
ENFORCEMENT_LABELS = {
    EnforcementKind.WARNING: _l("Warning"),
    EnforcementKind.FINE: _l("Fine"),
    EnforcementKind.NOTICE: _l("Supervision notice"),
    EnforcementKind.SUSPENSION: _l("Order to suspend for rectification"),
    EnforcementKind.BAN: _l("Ban"),
    EnforcementKind.POLICE_TRANSFER: _l("Transfer to the police"),
}
STAGE_LABELS = {
    EvidenceStage.BEFORE: _l("As found"),
    EvidenceStage.AFTER: _l("After rectification"),
    EvidenceStage.REVIEW: _l("Look-back"),
    EvidenceStage.OTHER: _l("Other"),
}
