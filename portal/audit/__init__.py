"""Audit trail: `record(...)` adds an entry to the current transaction."""

from flask import has_request_context, request

from portal.extensions import db

from .models import AuditEntry


def record(action: str, *, actor=None, obj=None, object_type=None, object_id=None, **details):
    """Add an audit entry to the session; it commits (or rolls back) with the change itself."""
    if obj is not None:
        object_type = object_type or obj.__tablename__
        object_id = object_id or str(obj.id)
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        address=request.remote_addr if has_request_context() else None,
        details={k: v for k, v in details.items() if v is not None},
    )
    db.session.add(entry)
    return entry


__all__ = ["AuditEntry", "record"]
