"""Request and response bodies of the API (marshmallow); they make the OpenAPI document.

Field names follow the ledger columns of CONTRACTS C4 wherever a field is the same.
"""

from marshmallow import Schema, ValidationError, fields, validate

from campaigns.campaigns.models import CampaignKind, ReviewScope
from campaigns.items.lifecycle import ACTIONS, Status
from campaigns.items.models import EnforcementKind, EvidenceStage, ListingLevel, Severity
from campaigns.reviews.models import CheckResult
from campaigns.targets.models import TargetKind


def one_of(enum_cls) -> validate.OneOf:
    return validate.OneOf([m.value for m in enum_cls])


def _amount_in_range(value) -> None:
    """A fine's amount (the document says it as a pattern: a string of yuan and fen)."""
    if not 0 < value < 10**12:
        raise ValidationError("Must be more than 0 and less than 10^12.")


class ApiError(Schema):
    error = fields.String(required=True, metadata={"example": "not_found"})
    message = fields.String(required=True)
    fields = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "invalid field → reason (422 only)"},
    )


# --- Campaigns and teams -------------------------------------------------------------------------


class CampaignIn(Schema):
    code = fields.String(
        required=True,
        validate=validate.Regexp(r"^[A-Za-z][A-Za-z0-9]{1,15}$"),
        metadata={"example": "WS2026"},
    )
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(required=True, validate=one_of(CampaignKind))
    lead_agency = fields.String(required=True, metadata={"description": "agency code"})
    agencies = fields.List(
        fields.String(), load_default=list, metadata={"description": "participating agency codes"}
    )
    leads = fields.List(
        fields.String(),
        load_default=list,
        metadata={"description": "usernames of further campaign leads"},
    )
    action_starts = fields.Date(required=True)
    action_ends = fields.Date(required=True)
    review_days = fields.Integer(load_default=30, validate=validate.Range(min=1, max=366))
    review_scope = fields.String(
        load_default=ReviewScope.LISTED.value, validate=one_of(ReviewScope)
    )
    categories = fields.List(
        fields.String(validate=validate.Length(min=1, max=120)),
        load_default=None,
        metadata={"description": "category names; default: the kind's"},
    )


class CategoryOut(Schema):
    code = fields.String()
    name_zh = fields.String()
    name_en = fields.String()


class CampaignOut(Schema):
    code = fields.String()
    title = fields.String()
    kind = fields.String()
    status = fields.String(metadata={"description": "draft | active | review | closed"})
    lead_agency = fields.String()
    agencies = fields.List(fields.String())
    leads = fields.List(fields.String())
    action_starts = fields.Date()
    action_ends = fields.Date()
    review_starts = fields.Date()
    review_ends = fields.Date()
    review_days = fields.Integer()
    review_scope = fields.String()
    categories = fields.List(fields.Nested(CategoryOut))


class CampaignList(Schema):
    campaigns = fields.List(fields.Nested(CampaignOut))


class TeamIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    leader = fields.String(required=True, metadata={"description": "username"})
    members = fields.List(fields.String(), load_default=list)
    towns = fields.List(
        fields.String(), load_default=list, metadata={"description": "town names or codes"}
    )


class TeamOut(Schema):
    id = fields.Integer()
    name = fields.String()
    leader = fields.String(allow_none=True)
    members = fields.List(fields.String())
    towns = fields.List(fields.String())


class TeamList(Schema):
    teams = fields.List(fields.Nested(TeamOut))


# --- Items ----------------------------------------------------------------------------------------


class TimelineOut(Schema):
    at = fields.DateTime()
    actor = fields.String(allow_none=True)
    agency = fields.String(allow_none=True)
    kind = fields.String()
    action = fields.String(allow_none=True)
    from_status = fields.String(allow_none=True)
    to_status = fields.String(allow_none=True)
    note = fields.String()
    data = fields.Dict()
    evidence_id = fields.Integer(allow_none=True)


class EvidenceOut(Schema):
    id = fields.Integer()
    stage = fields.String()
    name = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    uploaded_at = fields.DateTime()
    url = fields.String()


class ItemOut(Schema):
    ref = fields.String(metadata={"example": "WS2026-0042"})
    campaign = fields.String()
    version = fields.Integer()
    status = fields.String(validate=one_of(Status))
    office_ref = fields.String(allow_none=True)
    target = fields.String()
    credit_code = fields.String(allow_none=True)
    district = fields.String()
    town = fields.String(allow_none=True)
    category = fields.String()
    title = fields.String()
    description = fields.String()
    severity = fields.String()
    listing_level = fields.String()
    listing_doc_no = fields.String(allow_none=True)
    lead_agency = fields.String()
    co_agencies = fields.List(fields.String())
    team = fields.String()
    deadline = fields.Date()
    original_deadline = fields.Date()
    flagged_at = fields.DateTime()
    verified_at = fields.DateTime(allow_none=True)
    overdue = fields.Boolean()
    light = fields.String(allow_none=True)
    late = fields.Boolean()
    relapses = fields.Integer()
    measures = fields.String(allow_none=True)


class ItemDetail(ItemOut):
    timeline = fields.List(fields.Nested(TimelineOut))
    evidence = fields.List(fields.Nested(EvidenceOut))
    actions = fields.List(
        fields.String(), metadata={"description": "actions this token's user may take now"}
    )


# Every action of the lifecycle table but the look-back's relapse (a check result) and
# evidence (its own endpoint, a file upload).
API_ACTIONS = [a for a in ACTIONS if a not in ("relapse", "evidence")]


class ActionIn(Schema):
    """An action and its fields; which fields an action reads is said in each description."""

    action = fields.String(required=True, validate=validate.OneOf(API_ACTIONS))
    version = fields.Integer(
        required=True, metadata={"description": "the item's version you saw (else 409)"}
    )
    note = fields.String(
        load_default="",
        validate=validate.Length(max=4000),
        metadata={
            "description": "the reason; required for return, withdraw, extend_request, "
            "transfer_propose, transfer_decline and comment"
        },
    )
    measures = fields.String(
        load_default="",
        validate=validate.Length(max=4000),
        metadata={"description": "submit: the measures taken (required)"},
    )
    new_deadline = fields.Date(
        load_default=None, metadata={"description": "extend_request: the date asked for"}
    )
    to_agency = fields.String(
        load_default=None, metadata={"description": "transfer_propose: agency code"}
    )
    kind = fields.String(
        load_default=None,
        validate=one_of(EnforcementKind),
        metadata={"description": "enforcement: the kind of action"},
    )
    date = fields.Date(load_default=None, metadata={"description": "enforcement: its date"})
    amount = fields.Decimal(
        load_default=None,
        places=2,
        as_string=True,
        validate=_amount_in_range,
        metadata={
            "description": "enforcement: a fine's amount in yuan, more than 0",
            "type": "string",
            "pattern": r"^[0-9]{1,12}(\.[0-9]{1,2})?$",
            "example": "50000.00",
        },
    )
    document_no = fields.String(
        load_default="",
        validate=validate.Length(max=80),
        metadata={"description": "enforcement: the document number"},
    )
    # list: listing for supervision (挂牌督办)
    listing_level = fields.String(
        load_default=None,
        validate=one_of(ListingLevel),
        metadata={"description": "list: the level (none ends the listing)"},
    )
    listing_doc_no = fields.String(
        load_default=None,
        validate=validate.Length(max=80),
        metadata={"description": "list: the listing body's document number"},
    )
    # edit: the open item's details; a field left out stays as it is
    title = fields.String(load_default=None, validate=validate.Length(min=1, max=200))
    description = fields.String(load_default=None, validate=validate.Length(max=4000))
    category = fields.String(
        load_default=None,
        validate=validate.Length(max=120),
        metadata={"description": "edit: category code or name"},
    )
    severity = fields.String(load_default=None, validate=one_of(Severity))
    town = fields.String(
        load_default=None,
        validate=validate.Length(max=120),
        metadata={"description": "edit: town name within the item's district; empty for none"},
    )
    co_agencies = fields.List(
        fields.String(validate=validate.Length(max=120)),
        load_default=None,
        metadata={"description": "edit: agency codes or names (the whole list)"},
    )


class EvidenceIn(Schema):
    stage = fields.String(
        load_default=EvidenceStage.AFTER.value,
        validate=validate.OneOf(["before", "after", "other"]),
    )
    note = fields.String(load_default="", validate=validate.Length(max=4000))


class FileIn(Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class ItemIn(Schema):
    """An item to flag: the ledger's columns (C4), by name or code as in a ledger file."""

    office_ref = fields.String(
        load_default=None,
        validate=validate.Length(max=60),
        metadata={"description": "the office's own number; unique within the campaign"},
    )
    target = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={"description": "target name; created if new"},
    )
    target_kind = fields.String(
        load_default=TargetKind.ENTERPRISE.value,
        validate=one_of(TargetKind),
        metadata={"description": "kind of a new target"},
    )
    credit_code = fields.String(
        load_default=None,
        validate=validate.Length(max=30),
        metadata={"description": "18-character unified social credit code"},
    )
    district = fields.String(
        required=True,
        validate=validate.Length(min=1, max=120),
        metadata={"description": "district name or code"},
    )
    town = fields.String(
        load_default=None,
        validate=validate.Length(max=120),
        metadata={"description": "town name within the district"},
    )
    category = fields.String(
        required=True,
        validate=validate.Length(min=1, max=120),
        metadata={"description": "one of the campaign's categories (code or name)"},
    )
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(load_default="", validate=validate.Length(max=4000))
    severity = fields.String(load_default=Severity.GENERAL.value, validate=one_of(Severity))
    listing_level = fields.String(
        load_default=ListingLevel.NONE.value, validate=one_of(ListingLevel)
    )
    listing_doc_no = fields.String(
        load_default=None,
        validate=validate.Length(max=80),
        metadata={"description": "the listing body's document number; required when listed"},
    )
    lead_agency = fields.String(
        required=True,
        validate=validate.Length(min=1, max=120),
        metadata={"description": "agency code or name"},
    )
    co_agencies = fields.List(
        fields.String(validate=validate.Length(min=1, max=120)),
        load_default=list,
        metadata={"description": "agency codes or names"},
    )
    deadline = fields.Date(required=True)
    team = fields.String(
        required=True,
        validate=validate.Length(min=1, max=120),
        metadata={"description": "team name within the campaign (one of yours)"},
    )


class ItemQuery(Schema):
    campaign = fields.String(metadata={"description": "campaign code"})
    status = fields.String(validate=one_of(Status))
    district = fields.String(metadata={"description": "district name or code"})
    agency = fields.String(
        metadata={"description": "agency code or name: items it leads or co-handles"}
    )
    lead_agency = fields.String(metadata={"description": "agency code or name: items it leads"})
    team = fields.String(metadata={"description": "team name"})
    category = fields.String(metadata={"description": "category code"})
    listing_level = fields.String(validate=one_of(ListingLevel))
    overdue = fields.Boolean()
    q = fields.String(
        validate=validate.Length(max=100),
        metadata={"description": "part of the ref, the title or the target's name"},
    )
    sort = fields.String(
        load_default="ref", validate=validate.OneOf(["ref", "deadline", "flagged", "status"])
    )
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class ItemPage(Schema):
    items = fields.List(fields.Nested(ItemOut))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class ImportedItem(Schema):
    ref = fields.String()
    office_ref = fields.String(allow_none=True)


class ImportOut(Schema):
    id = fields.Integer()
    filename = fields.String()
    sha256 = fields.String()
    rows = fields.Integer()
    imported_at = fields.DateTime()
    items = fields.List(
        fields.Nested(ImportedItem), metadata={"description": "the new items, in file order"}
    )


class ImportProblem(Schema):
    row = fields.Integer(metadata={"description": "spreadsheet row (the header is row 1)"})
    column = fields.String(metadata={"description": "the header as written in the file"})
    reason = fields.String()


class ImportRejected(ApiError):
    problems = fields.List(
        fields.Nested(ImportProblem), metadata={"description": "every problem of the file"}
    )


# --- Figures and reviews -------------------------------------------------------------------------


class CompletionQuery(Schema):
    by = fields.String(
        load_default="district",
        validate=validate.OneOf(["district", "agency", "team", "category", "listing_level"]),
    )
    as_of = fields.Date(load_default=None)


class CompletionRow(Schema):
    group = fields.String()
    items = fields.Integer()
    verified = fields.Integer()
    open = fields.Integer()
    overdue = fields.Integer()
    completion_rate = fields.String(allow_none=True, metadata={"example": "93.59"})
    on_time_rate = fields.String(allow_none=True)


class Completion(Schema):
    by = fields.String()
    as_of = fields.Date()
    rows = fields.List(fields.Nested(CompletionRow))


class CheckIn(Schema):
    result = fields.String(required=True, validate=one_of(CheckResult))
    note = fields.String(load_default="", validate=validate.Length(max=4000))
    new_deadline = fields.Date(load_default=None)


class CheckOut(Schema):
    id = fields.Integer()
    item = fields.String(metadata={"description": "the item's ref"})
    team = fields.String()
    result = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    new_deadline = fields.Date(allow_none=True)
    checked_by = fields.String(allow_none=True)
    checked_at = fields.DateTime(allow_none=True)


class ReviewOut(Schema):
    id = fields.Integer()
    opens_on = fields.Date()
    closes_on = fields.Date()
    open = fields.Boolean()
    closed = fields.Boolean()
    figures = fields.Dict(metadata={"description": "frozen at closing; live while open"})
    checks = fields.List(fields.Nested(CheckOut))


class ReviewList(Schema):
    reviews = fields.List(fields.Nested(ReviewOut))
