"""Targets: create, find, and check their unified social credit code."""

from sqlalchemy import func, or_, select
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, ValidationError

from campaigns.targets.models import Target, TargetKind
from portal import audit
from portal.errors import ValidationFailed
from portal.extensions import db


def normalize_credit_code(code: str | None) -> str | None:
    """The 18-character code upper-cased, or a ValidationFailed saying what is wrong."""
    code = (code or "").strip().upper().replace(" ", "")
    if not code:
        return None
    try:
        return uscc.validate(code)
    except InvalidChecksum as error:
        raise ValidationFailed("check character", fields={"credit_code": "checksum"}) from error
    except ValidationError as error:
        raise ValidationFailed("format", fields={"credit_code": "format"}) from error


def find_or_create_target(
    *,
    name: str,
    region,
    credit_code: str | None = None,
    kind: str = TargetKind.ENTERPRISE,
    address: str | None = None,
    by=None,
) -> Target:
    """Match by credit code, else by name within the region; create when new."""
    code = normalize_credit_code(credit_code)
    name = name.strip()
    if code:
        found = db.session.scalar(select(Target).where(Target.credit_code == code))
        if found is not None:
            return found
    found = db.session.scalar(
        select(Target).where(Target.name == name, Target.region_id == region.id).limit(1)
    )
    if found is not None:
        if code and not found.credit_code:
            found.credit_code = code
        return found
    return create_target(
        name=name, region=region, credit_code=code, kind=kind, address=address, by=by
    )


def create_target(
    *, name, region, credit_code=None, kind=TargetKind.ENTERPRISE, address=None, by=None
) -> Target:
    code = normalize_credit_code(credit_code)
    if code and db.session.scalar(select(Target.id).where(Target.credit_code == code)):
        raise ValidationFailed("credit code taken", fields={"credit_code": "taken"})
    target = Target(
        name=name.strip(),
        region=region,
        credit_code=code,
        kind=TargetKind(kind),
        address=(address or "").strip() or None,
    )
    db.session.add(target)
    db.session.flush()
    audit.record("target_created", actor=by, obj=target)
    return target


def update_target(target: Target, *, by, name, region, credit_code, kind, address) -> None:
    code = normalize_credit_code(credit_code)
    if code and db.session.scalar(
        select(Target.id).where(Target.credit_code == code, Target.id != target.id)
    ):
        raise ValidationFailed("credit code taken", fields={"credit_code": "taken"})
    target.name, target.region, target.credit_code = name.strip(), region, code
    target.kind, target.address = TargetKind(kind), (address or "").strip() or None
    audit.record("target_updated", actor=by, obj=target)


def search(q: str):
    """A query for targets whose name or credit code contains `q`."""
    query = select(Target).order_by(Target.name)
    q = (q or "").strip()
    if q:
        like = f"%{q}%"
        query = query.where(
            or_(Target.name.ilike(like), func.upper(Target.credit_code).like(like.upper()))
        )
    return query


def find_targets(lines) -> tuple[list[Target], list[str]]:
    """The targets named in `lines`, one per line by credit code or exact name.

    Returns the targets found and the lines that match no target, or several (a name used in
    more than one place: give the credit code instead).
    """
    found: dict[int, Target] = {}
    unmatched = []
    for line in lines:
        text = line.strip()
        if not text:
            continue
        target = None
        code = text.upper().replace(" ", "")
        if len(code) == 18:
            target = db.session.scalar(select(Target).where(Target.credit_code == code))
        if target is None:
            matches = db.session.scalars(select(Target).where(Target.name == text).limit(2)).all()
            target = matches[0] if len(matches) == 1 else None
        if target is None:
            unmatched.append(text)
        else:
            found[target.id] = target
    return list(found.values()), unmatched
