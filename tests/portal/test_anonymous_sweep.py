"""Every registered route, visited anonymously: a redirect to sign in (or 401), never data."""

import pytest

from portal.access import PUBLIC_ENDPOINTS as PUBLIC  # noqa: E402 - the one allowlist


def build_url(rule) -> str:
    """A URL for the rule with sample values (1 for numbers, a ref-like text otherwise)."""
    args = [a for a in rule.arguments if a not in (rule.defaults or {})]
    for sample in (1, "X-1"):
        try:
            built = rule.build({a: sample for a in args}, append_unknown=False)
        except Exception:  # noqa: BLE001 - a converter refused the sample; try the next
            continue
        if built is not None:
            return built[1]
    raise AssertionError(f"cannot build {rule}")


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC:
            continue
        url = build_url(rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule, method, url


def test_every_route_needs_a_login(app, client):
    seen = 0
    for _rule, method, url in _routes(app):
        response = client.open(url, method=method)
        seen += 1
        if url.startswith("/api/"):
            assert response.status_code == 401, (method, url)
            assert response.is_json
        else:
            assert response.status_code == 302, (method, url, response.status_code)
            assert "/login" in response.headers["Location"], (method, url)
    assert seen >= 10


@pytest.mark.parametrize("path", ["/login", "/health"])
def test_public_pages_answer(client, path):
    assert client.get(path).status_code == 200
