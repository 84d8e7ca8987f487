"""The verbs people use on flagged items.

Each verb checks that this person may take the action (lifecycle.ACTIONS and their relation to
the item), that the item's state allows it, and that the version they saw is current; then it
changes the item and writes its timeline entry in the same transaction, and flushes. The caller
(a view, the API, an import, a job) commits once.
"""

from datetime import date
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.orm.exc import StaleDataError

from campaigns.campaigns.models import Campaign
from campaigns.items.lifecycle import ACTIONS, Relation, Status
from campaigns.items.models import (
    EnforcementAction,
    EnforcementKind,
    EntryKind,
    Evidence,
    EvidenceStage,
    ExtensionRequest,
    Item,
    ListingLevel,
    RequestState,
    Severity,
    TimelineEntry,
    Transfer,
    TransferState,
)
from portal import access, audit, clock
from portal.errors import InvalidMove, NotPermitted, StaleVersion, ValidationFailed
from portal.extensions import db

NOTE_MAX = 4000
# Who may file evidence under a stage (anyone else's upload is filed as "other").
STAGE_BY = {
    EvidenceStage.BEFORE: Relation.FLAGGING_TEAM,
    EvidenceStage.AFTER: Relation.LEAD_AGENCY,
    EvidenceStage.REVIEW: Relation.FLAGGING_TEAM,
}
# Audit names of the timeline's events (the action's name otherwise: item_<action>).
AUDIT_NAMES = {EntryKind.FLAGGED: "item_flagged", "withdraw": "item_withdrawn"}


# --- Checks shared by every verb ---------------------------------------------------------------


def authorize(
    action: str, item: Item, by, *, relations: set[Relation] | None = None, version=None
) -> None:
    """Refuse unless `by` may take `action` on `item` in its current state.

    The version comes before the state: a person acting on what an out-of-date page showed
    hears that the item changed (409), not that their action no longer fits it.
    """
    if not access.may(by, action, item, relations):
        raise NotPermitted(f"not permitted: {action}")
    _check_version(item, version)
    if item.status not in ACTIONS[action].from_states:
        raise InvalidMove(f"{action} is not possible while the item is {item.status}")


def _check_version(item: Item, version: int | None) -> None:
    if version is not None and int(version) != item.version:
        raise StaleVersion(f"item {item.ref} changed: version {item.version}, not {version}")


def _require_note(action: str, note: str | None) -> str:
    note = (note or "").strip()
    if ACTIONS[action].note_required and not note:
        raise ValidationFailed("a reason is required", fields={"note": "required"})
    if len(note) > NOTE_MAX:
        raise ValidationFailed("note too long", fields={"note": "too_long"})
    return note


def _log(
    item: Item,
    by,
    kind: EntryKind,
    *,
    action=None,
    from_status=None,
    to_status=None,
    note: str = "",
    data: dict | None = None,
    evidence: Evidence | None = None,
):
    entry = TimelineEntry(
        item_id=item.id,
        actor_id=getattr(by, "id", None),
        actor_agency_id=getattr(by, "agency_id", None),
        kind=kind,
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=data or {},
        evidence=evidence,
        at=clock.now(),
    )
    db.session.add(entry)
    name = AUDIT_NAMES.get(kind) or AUDIT_NAMES.get(action) or f"item_{action or kind}"
    audit.record(name, actor=by, obj=item, ref=item.ref)
    return entry


def _flush_item() -> None:
    """Flush; a concurrent change to the same item (version mismatch) becomes a 409."""
    try:
        db.session.flush()
    except StaleDataError as error:
        raise StaleVersion("the item was changed by someone else") from error


def _move(action: str, item: Item, by, *, version=None, note=None, data=None) -> TimelineEntry:
    """The common shape of every state change."""
    authorize(action, item, by, version=version)
    note = _require_note(action, note)
    before = item.status
    item.status = ACTIONS[action].to_state
    entry = _log(
        item,
        by,
        EntryKind.MOVED,
        action=action,
        from_status=before,
        to_status=item.status,
        note=note,
        data=data,
    )
    return entry


# --- Flagging ----------------------------------------------------------------------------------


def next_ref(campaign: Campaign) -> tuple[int, str]:
    """Take the campaign's next sequence number atomically (safe under concurrent flagging)."""
    seq = db.session.execute(
        update(Campaign)
        .where(Campaign.id == campaign.id)
        .values(item_seq=Campaign.item_seq + 1)
        .returning(Campaign.item_seq)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    return seq, f"{campaign.code}-{seq:04d}"


def flag_problems(
    campaign: Campaign,
    *,
    team=None,
    category=None,
    district=None,
    town=None,
    deadline: date | None = None,
    listing_level: str = ListingLevel.NONE,
    listing_doc_no: str | None = None,
    from_ledger: bool = False,
) -> dict[str, str]:
    """What is wrong with an item to flag, field by field (a part left None is not checked,
    so that a caller still resolving names can report every problem at once)."""
    problems = {}
    if team is not None and team.campaign_id != campaign.id:
        problems["team"] = "other_campaign"
    if category is not None and category.campaign_id != campaign.id:
        problems["category"] = "other_campaign"
    if district is not None and not district.is_district:
        problems["district"] = "not_district"
    if town is not None and district is not None and town.parent_id != district.id:
        problems["town"] = "not_in_district"
    if not from_ledger and deadline is not None and deadline < clock.today():
        problems["deadline"] = "past"
    if (
        listing_level != ListingLevel.NONE
        and not (listing_doc_no or "").strip()
        and not from_ledger
    ):
        problems["listing_doc_no"] = "required"
    return problems


def flag_item(
    campaign: Campaign,
    *,
    by,
    team,
    target,
    district,
    category,
    title: str,
    lead_agency,
    deadline: date,
    town=None,
    description: str = "",
    severity: str = Severity.GENERAL,
    listing_level: str = ListingLevel.NONE,
    listing_doc_no: str | None = None,
    co_agencies=(),
    office_ref: str | None = None,
    ledger_import=None,
    check_access: bool = True,
    evidence=(),
) -> Item:
    """An inspector flags a problem and hands it to a lead agency and a district at once.

    `evidence`: uploaded photos or PDFs as found, stored with the item (all or none).
    """
    if check_access and team not in access.teams_of(by, campaign):
        raise NotPermitted("only a member of one of the campaign's teams may flag items")
    problems = flag_problems(
        campaign,
        team=team,
        category=category,
        district=district,
        town=town,
        deadline=deadline,
        listing_level=listing_level,
        listing_doc_no=listing_doc_no,
        from_ledger=ledger_import is not None,
    )
    co = [a for a in co_agencies if a.id != lead_agency.id]
    if problems:
        raise ValidationFailed("invalid item", fields=problems)
    seq, ref = next_ref(campaign)
    item = Item(
        campaign_id=campaign.id,
        seq=seq,
        ref=ref,
        office_ref=office_ref or None,
        target=target,
        district=district,
        town=town,
        category=category,
        title=title.strip(),
        description=(description or "").strip(),
        severity=severity,
        listing_level=listing_level,
        listing_doc_no=(listing_doc_no or "").strip() or None,
        lead_agency=lead_agency,
        team=team,
        flagged_by_id=getattr(by, "id", None),
        flagged_at=clock.now(),
        flagged_on=clock.today(),
        original_deadline=deadline,
        deadline=deadline,
        status=Status.ASSIGNED,
        import_id=getattr(ledger_import, "id", None),
    )
    item.co_agencies = co
    db.session.add(item)
    db.session.flush()
    _log(
        item,
        by,
        EntryKind.FLAGGED,
        to_status=Status.ASSIGNED,
        data={
            "lead_agency": lead_agency.code,
            "deadline": deadline.isoformat(),
            "co_agencies": [a.code for a in co],
        },
    )
    for upload in evidence:
        add_evidence(item, by=by, upload=upload, stage=EvidenceStage.BEFORE, check_access=False)
    return item


# --- Moves of the state -------------------------------------------------------------------------


def acknowledge(item: Item, *, by, version=None, note: str = "") -> TimelineEntry:
    """The lead agency takes the item on (领办)."""
    entry = _move("acknowledge", item, by, version=version, note=note)
    item.acknowledged_at = clock.now()
    _flush_item()
    return entry


def submit_rectification(
    item: Item, *, by, measures: str, version=None, evidence=()
) -> TimelineEntry:
    """The lead agency reports the item rectified, with the measures and after-evidence.

    `evidence`: after-photos uploaded with the report; earlier ones (since the item was
    acknowledged) count too.
    """
    measures = (measures or "").strip()
    authorize("submit", item, by, version=version)
    if not measures:
        raise ValidationFailed("measures are required", fields={"measures": "required"})
    for upload in evidence:
        add_evidence(item, by=by, upload=upload, stage=EvidenceStage.AFTER)
    has_after = db.session.scalar(
        select(Evidence.id)
        .where(
            Evidence.item_id == item.id,
            Evidence.stage == EvidenceStage.AFTER,
            Evidence.uploaded_at >= (item.acknowledged_at or item.flagged_at),
        )
        .limit(1)
    )
    if not has_after:
        raise ValidationFailed("after-evidence is required", fields={"evidence": "required"})
    entry = _move("submit", item, by, note=measures)
    item.measures = measures
    item.submitted_at = clock.now()
    _flush_item()
    from campaigns.notifications import notify

    notify.rectification_submitted(item)
    return entry


def verify(item: Item, *, by, version=None, note: str = "") -> TimelineEntry:
    """The flagging team checked on site: the item is closed (销号)."""
    entry = _move("verify", item, by, version=version, note=note)
    item.verified_at = clock.now()
    item.verified_on = clock.local_date(item.verified_at)
    entry.data = {"late": item.late}
    _flush_item()
    return entry


def return_for_rework(item: Item, *, by, note: str, version=None) -> TimelineEntry:
    entry = _move("return", item, by, version=version, note=note)
    item.submitted_at = None
    _flush_item()
    return entry


def withdraw(item: Item, *, by, note: str, version=None) -> TimelineEntry:
    """A lead withdraws a duplicate or a mistake; kept, but out of every rate."""
    entry = _move("withdraw", item, by, version=version, note=note)
    item.withdrawn_at = clock.now()
    _close_pending_requests(item, by, reason="withdrawn")
    _flush_item()
    return entry


def relapse(item: Item, *, by, new_deadline: date, note: str, result: str) -> TimelineEntry:
    """A look-back found the problem back: the item reopens with a new deadline."""
    if new_deadline <= clock.today():
        raise ValidationFailed(
            "the new deadline must be in the future", fields={"new_deadline": "past"}
        )
    entry = _move(
        "relapse",
        item,
        by,
        note=note,
        data={
            "result": result,
            "old_deadline": item.deadline.isoformat(),
            "new_deadline": new_deadline.isoformat(),
        },
    )
    item.verified_at = None
    item.verified_on = None
    item.submitted_at = None
    item.deadline = new_deadline
    item.relapse_count = (item.relapse_count or 0) + 1
    _flush_item()
    return entry


def _close_pending_requests(item: Item, by, *, reason: str) -> None:
    for request_ in db.session.scalars(
        select(ExtensionRequest).where(
            ExtensionRequest.item_id == item.id, ExtensionRequest.state == RequestState.PENDING
        )
    ):
        request_.state = RequestState.REFUSED
        request_.decided_at = clock.now()
        request_.decision_note = reason
    for transfer in db.session.scalars(
        select(Transfer).where(Transfer.item_id == item.id, Transfer.state == TransferState.PENDING)
    ):
        transfer.state = TransferState.DECLINED
        transfer.answered_at = clock.now()
        transfer.answer_note = reason


# --- Records that leave the state as it is ------------------------------------------------------


def comment(item: Item, *, by, note: str, version=None) -> TimelineEntry:
    authorize("comment", item, by, version=version)
    note = _require_note("comment", note)
    entry = _log(item, by, EntryKind.COMMENT, action="comment", note=note)
    db.session.flush()
    return entry


def add_evidence(
    item: Item,
    *,
    by,
    upload,
    stage: str,
    note: str = "",
    version=None,
    check_access: bool = True,
) -> Evidence:
    """Store an uploaded photo or PDF on the item (checked and re-encoded by evidence.py)."""
    from campaigns.items import evidence as storage

    if check_access:
        authorize("evidence", item, by, version=version)
    stage = EvidenceStage(stage)
    if check_access and stage in STAGE_BY:
        if STAGE_BY[stage] not in access.relations(by, item):
            stage = EvidenceStage.OTHER
    note = _require_note("evidence", note)
    record = storage.store(item, upload, stage=stage, by=by)
    _log(
        item,
        by,
        EntryKind.EVIDENCE,
        action="evidence",
        note=note,
        data={"stage": stage.value, "name": record.original_name},
        evidence=record,
    )
    db.session.flush()
    return record


def request_extension(
    item: Item, *, by, new_deadline: date, note: str, version=None
) -> ExtensionRequest:
    authorize("extend_request", item, by, version=version)
    note = _require_note("extend_request", note)
    if new_deadline <= item.deadline:
        raise ValidationFailed(
            "the new deadline must be later than the current one",
            fields={"new_deadline": "not_later"},
        )
    if _pending_extension(item) is not None:
        raise InvalidMove("an extension request is already waiting for a decision")
    request_ = ExtensionRequest(
        item_id=item.id,
        reason=note,
        old_deadline=item.deadline,
        new_deadline=new_deadline,
        requested_by_id=by.id,
        requested_at=clock.now(),
    )
    db.session.add(request_)
    _log(
        item,
        by,
        EntryKind.EXTENSION_REQUESTED,
        action="extend_request",
        note=note,
        data={"old_deadline": item.deadline.isoformat(), "new_deadline": new_deadline.isoformat()},
    )
    db.session.flush()
    from campaigns.notifications import notify

    notify.extension_requested(item, request_)
    return request_


def _pending_extension(item: Item) -> ExtensionRequest | None:
    return db.session.scalar(
        select(ExtensionRequest).where(
            ExtensionRequest.item_id == item.id, ExtensionRequest.state == RequestState.PENDING
        )
    )


def pending_extension(item: Item) -> ExtensionRequest | None:
    return _pending_extension(item)


def decide_extension(
    item: Item, *, by, approve: bool, note: str = "", version=None
) -> ExtensionRequest:
    """A campaign lead approves (the deadline moves; the original stays on record) or refuses."""
    action = "extend_approve" if approve else "extend_refuse"
    authorize(action, item, by, version=version)
    note = _require_note(action, note)
    request_ = _pending_extension(item)
    if request_ is None:
        raise InvalidMove("no extension request is waiting for a decision")
    request_.state = RequestState.APPROVED if approve else RequestState.REFUSED
    request_.decided_by_id = by.id
    request_.decided_at = clock.now()
    request_.decision_note = note or None
    data = {
        "old_deadline": item.deadline.isoformat(),
        "new_deadline": request_.new_deadline.isoformat(),
    }
    if approve:
        item.deadline = request_.new_deadline
    _log(
        item,
        by,
        EntryKind.EXTENSION_APPROVED if approve else EntryKind.EXTENSION_REFUSED,
        action=action,
        note=note,
        data=data,
    )
    _flush_item()
    return request_


def pending_transfer(item: Item) -> Transfer | None:
    return db.session.scalar(
        select(Transfer).where(Transfer.item_id == item.id, Transfer.state == TransferState.PENDING)
    )


def propose_transfer(item: Item, *, by, to_agency, note: str, version=None) -> Transfer:
    """The lead agency proposes to hand the item to another agency (移送)."""
    authorize("transfer_propose", item, by, version=version)
    note = _require_note("transfer_propose", note)
    if to_agency.id == item.lead_agency_id:
        raise ValidationFailed("choose another agency", fields={"to_agency": "same"})
    if pending_transfer(item) is not None:
        raise InvalidMove("a transfer is already waiting for an answer")
    transfer = Transfer(
        item_id=item.id,
        from_agency_id=item.lead_agency_id,
        to_agency_id=to_agency.id,
        reason=note,
        proposed_by_id=by.id,
        proposed_at=clock.now(),
    )
    db.session.add(transfer)
    _log(
        item,
        by,
        EntryKind.TRANSFER_PROPOSED,
        action="transfer_propose",
        note=note,
        data={"from": item.lead_agency.code, "to": to_agency.code},
    )
    db.session.flush()
    from campaigns.notifications import notify

    notify.transfer_event(item, transfer, "proposed")
    return transfer


def answer_transfer(item: Item, *, by, accept: bool, note: str = "", version=None) -> Transfer:
    """The receiving agency's liaison accepts (the item changes hands) or declines."""
    action = "transfer_accept" if accept else "transfer_decline"
    authorize(action, item, by, version=version)
    note = _require_note(action, note)
    transfer = pending_transfer(item)
    if transfer is None:  # authorize() found a pending transfer to this agency; defensive
        raise InvalidMove("no transfer is waiting for an answer")
    transfer.state = TransferState.ACCEPTED if accept else TransferState.DECLINED
    transfer.answered_by_id = by.id
    transfer.answered_at = clock.now()
    transfer.answer_note = note or None
    data = {"from": transfer.from_agency.code, "to": transfer.to_agency.code}
    if accept:
        item.lead_agency_id = transfer.to_agency_id
        item.co_agencies = [a for a in item.co_agencies if a.id != transfer.to_agency_id]
        _close_pending_extension(item, by)
    _log(
        item,
        by,
        EntryKind.TRANSFER_ACCEPTED if accept else EntryKind.TRANSFER_DECLINED,
        action=action,
        note=note,
        data=data,
    )
    _flush_item()
    db.session.refresh(item, ["lead_agency"])
    from campaigns.notifications import notify

    notify.transfer_event(item, transfer, "accepted" if accept else "declined")
    return transfer


def _close_pending_extension(item: Item, by) -> None:
    """A request of the agency that gave the item away lapses with the transfer."""
    request_ = _pending_extension(item)
    if request_ is not None:
        request_.state = RequestState.REFUSED
        request_.decided_at = clock.now()
        request_.decision_note = "transferred"


def record_enforcement(
    item: Item,
    *,
    by,
    kind: str,
    action_date: date,
    document_no: str = "",
    amount: Decimal | None = None,
    note: str = "",
    version=None,
) -> EnforcementAction:
    """A warning, fine, supervision notice, suspension, ban or transfer to police."""
    authorize("enforcement", item, by, version=version)
    kind = EnforcementKind(kind)
    note = _require_note("enforcement", note)
    if kind == EnforcementKind.FINE and (amount is None or amount <= 0):
        raise ValidationFailed("a fine needs its amount", fields={"amount": "required"})
    if kind != EnforcementKind.FINE:
        amount = None
    if action_date > clock.today():
        raise ValidationFailed("the date is in the future", fields={"date": "future"})
    action = EnforcementAction(
        item_id=item.id,
        kind=kind,
        action_date=action_date,
        agency_id=by.agency_id,
        document_no=(document_no or "").strip() or None,
        amount=amount,
        note=note,
        recorded_by_id=by.id,
        recorded_at=clock.now(),
    )
    db.session.add(action)
    _log(
        item,
        by,
        EntryKind.ENFORCEMENT,
        action="enforcement",
        note=note,
        data={
            "kind": kind.value,
            "date": action_date.isoformat(),
            "document_no": action.document_no,
            "amount": None if amount is None else str(amount),
            "agency": by.agency.code,
        },
    )
    db.session.flush()
    return action


EDITABLE = ("title", "description", "category", "severity", "town", "target", "co_agencies")


def edit_item(item: Item, *, by, version, **changes) -> TimelineEntry | None:
    """Change an open item's details; the timeline records each field's old and new value."""
    authorize("edit", item, by, version=version)
    diff = {}
    for field, new in changes.items():
        if field not in EDITABLE:
            raise ValueError(f"{field} is not editable")
        old = getattr(item, field)
        if field == "co_agencies":
            new = [a for a in new if a.id != item.lead_agency_id]
            if {a.id for a in old} != {a.id for a in new}:
                diff[field] = ([a.code for a in old], [a.code for a in new])
                item.co_agencies = new
            continue
        if field == "town" and new is not None and new.parent_id != item.district_id:
            raise ValidationFailed("town not in district", fields={"town": "not_in_district"})
        if field == "category" and new.campaign_id != item.campaign_id:
            raise ValidationFailed("category of another campaign", fields={"category": "invalid"})
        if old != new:
            diff[field] = (_plain(old), _plain(new))
            setattr(item, field, new)
    if not diff:
        return None
    entry = _log(
        item,
        by,
        EntryKind.EDITED,
        action="edit",
        data={k: {"old": o, "new": n} for k, (o, n) in diff.items()},
    )
    _flush_item()
    return entry


def _plain(value):
    if value is None or isinstance(value, str | int):
        return value
    return getattr(value, "name_zh", None) or getattr(value, "name", None) or str(value)


def set_listing(item: Item, *, by, level: str, doc_no: str | None, version=None) -> TimelineEntry:
    """List the item for supervision (挂牌督办) at a level, with the listing document number."""
    authorize("list", item, by, version=version)
    level = ListingLevel(level)
    doc_no = (doc_no or "").strip() or None
    if level != ListingLevel.NONE and not doc_no:
        raise ValidationFailed(
            "the listing document number is required", fields={"listing_doc_no": "required"}
        )
    data = {"old": item.listing_level, "new": level.value, "doc_no": doc_no}
    item.listing_level = level
    item.listing_doc_no = doc_no if level != ListingLevel.NONE else None
    entry = _log(item, by, EntryKind.LISTED, action="list", data=data)
    _flush_item()
    return entry
