"""Per-token rate limits counted in Redis (REDIS_URL), shared by every web worker.

Needs a Redis server (TEST_REDIS_URL, default 127.0.0.1:6379, database 14); each run uses keys
of its own prefix and deletes them. Skipped where no Redis answers, except in CI (.ci/run starts
one), where that is a failure.
"""

import os
import uuid

import pytest
import redis

from portal import create_app
from portal.accounts.operations import issue_token
from portal.extensions import db
from tests.conftest import base_config
from tests.factories import make_user

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


@pytest.fixture
def redis_prefix():
    server = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        server.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no Redis at {REDIS_URL}")
    prefix = f"portal-test-{uuid.uuid4().hex}"
    yield server, prefix
    for key in server.scan_iter(f"*{prefix}*"):
        server.delete(key)
    server.close()


def _worker(tmp_path, **config):
    """An app as one web worker would build it, on a SQLite file every worker shares."""
    settings = base_config(tmp_path, database_url=f"sqlite:///{tmp_path / 'shared.db'}")
    return create_app(settings | {"API_RATE_LIMIT": "3/minute"} | config)


def test_the_count_lives_in_redis_and_outlives_a_worker(tmp_path, redis_prefix):
    server, prefix = redis_prefix
    config = {"REDIS_URL": REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix}
    first = _worker(tmp_path, **config)
    with first.app_context():
        db.create_all()
        _token, plain = issue_token(make_user("lead"), "redis")
        other_token, other = issue_token(make_user("lead"), "redis")
        db.session.commit()
    headers = {"Authorization": f"Bearer {plain}"}
    codes = [first.test_client().get("/api/v1/campaigns", headers=headers).status_code]
    codes += [first.test_client().get("/api/v1/campaigns", headers=headers).status_code]
    assert codes == [200, 200]
    assert list(server.scan_iter(f"*{prefix}*"))  # counted in Redis, not in this process
    # Another worker (a new app, a new limiter storage) continues the same count.
    second = _worker(tmp_path, **config)
    client = second.test_client()
    assert client.get("/api/v1/campaigns", headers=headers).status_code == 200
    limited = client.get("/api/v1/campaigns", headers=headers)
    assert limited.status_code == 429 and limited.json["error"] == "rate_limited"
    assert 0 < int(limited.headers["Retry-After"]) <= 60
    # per token: the other token still has its own allowance
    assert (
        client.get("/api/v1/campaigns", headers={"Authorization": f"Bearer {other}"}).status_code
        == 200
    )
    for app in (first, second):
        with app.app_context():
            db.engine.dispose()


def test_without_redis_the_api_still_answers(tmp_path):
    """Redis unreachable (nothing listens on port 1): limits fall back to memory, no 500."""
    app = _worker(tmp_path, REDIS_URL="redis://127.0.0.1:1/0")
    with app.app_context():
        db.create_all()
        _token, plain = issue_token(make_user("lead"), "fallback")
        db.session.commit()
    headers = {"Authorization": f"Bearer {plain}"}
    client = app.test_client()
    codes = [client.get("/api/v1/campaigns", headers=headers).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    with app.app_context():
        db.engine.dispose()
