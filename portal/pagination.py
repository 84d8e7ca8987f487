"""Database pagination for every list (Flask-SQLAlchemy's paginate reads ?page=&per_page=)."""

from portal.extensions import db

MAX_PER_PAGE = 200


def paginate(query, *, per_page: int = 50, count: bool = True, page: int | None = None):
    """`page` None: read from the request's ?page= (the pages); the API passes its own."""
    return db.paginate(
        query,
        page=page,
        per_page=per_page,
        max_per_page=MAX_PER_PAGE,
        error_out=False,
        count=count,
    )
