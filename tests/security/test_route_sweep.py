"""Every registered route (pages and API), as every role and anonymously, against an object
inside the person's scope and one outside it: the expected status of each comes from the one
table below. A route that the app registers without a row here fails the sweep, and so does a
row for a route that no longer exists.

How a row reads: the method, the rule as Flask registers it, then the status for each column of
WHO (anon admin lead inspector liaison norole) with the in-scope object; after `|`, the status
for each signed-in column with the out-of-scope object (rules without a scoped argument have no
`|` part). `login` is a redirect to the sign-in page. Pages are posted an empty form, so a
status says whether the person got past the access checks (404 out of scope, 403 not theirs to
do, then the form's own answer: 200/422 showing the errors, 302, 400); API posts send the body
in API_BODIES, valid in shape but refused by the operation after the access checks (409 stale
version, 422), so that nothing changes.

Every answer is also checked for its security headers (tests/security/headers.py).

Adding a route: add its row (and an API_BODIES entry for an API post); the person's scope comes
from tests/security/scene.py.
"""

import pytest

from portal.access import PUBLIC_ENDPOINTS
from tests.security.headers import header_problems
from tests.security.scene import SCOPED_ARGUMENTS, WHO

TABLE = """
#      rule                                                 anon  admin lead  insp  liais none  | admin lead  insp  liais none
GET    /                                                    login 200   200   200   200   200
GET    /admin/agencies                                      login 200   403   403   403   403
GET    /admin/agencies/<int:agency_id>                      login 200   403   403   403   403
POST   /admin/agencies/<int:agency_id>                      login 302   403   403   403   403
GET    /admin/agencies/new                                  login 200   403   403   403   403
POST   /admin/agencies/new                                  login 200   403   403   403   403
GET    /admin/regions                                       login 200   403   403   403   403
GET    /admin/regions/<int:region_id>                       login 200   403   403   403   403
POST   /admin/regions/<int:region_id>                       login 302   403   403   403   403
GET    /admin/regions/new                                   login 200   403   403   403   403
POST   /admin/regions/new                                   login 200   403   403   403   403
GET    /admin/users/                                        login 200   403   403   403   403
GET    /admin/users/<int:user_id>                           login 200   403   403   403   403
POST   /admin/users/<int:user_id>                           login 302   403   403   403   403
POST   /admin/users/<int:user_id>/activate                  login 302   403   403   403   403
GET    /admin/users/<int:user_id>/deactivate                login 200   403   403   403   403
POST   /admin/users/<int:user_id>/deactivate                login 302   403   403   403   403
POST   /admin/users/<int:user_id>/password                  login 302   403   403   403   403
GET    /admin/users/new                                     login 200   403   403   403   403
POST   /admin/users/new                                     login 200   403   403   403   403

GET    /api/v1/campaigns                                    401   200   200   200   200   200
POST   /api/v1/campaigns                                    401   422   422   403   403   403
GET    /api/v1/campaigns/<code>                             401   200   200   200   200   404   | 200   404   404   404   404
GET    /api/v1/campaigns/<code>/completion                  401   200   200   200   200   404   | 200   404   404   404   404
GET    /api/v1/campaigns/<code>/reviews                     401   200   200   200   404   404   | 200   404   404   404   404
GET    /api/v1/campaigns/<code>/teams                       401   200   200   200   200   404   | 200   404   404   404   404
POST   /api/v1/campaigns/<code>/imports                     401   422   422   403   403   404   | 422   404   404   404   404
POST   /api/v1/campaigns/<code>/items                       401   403   403   422   403   404   | 403   404   404   404   404
POST   /api/v1/campaigns/<code>/reviews                     401   422   422   403   404   404   | 422   404   404   404   404
POST   /api/v1/campaigns/<code>/teams                       401   422   422   403   403   404   | 422   404   404   404   404
GET    /api/v1/items                                        401   200   200   200   200   200
GET    /api/v1/items/<ref>                                  401   200   200   200   200   404   | 200   404   404   404   404
POST   /api/v1/items/<ref>/actions                          401   409   409   409   409   404   | 409   404   404   404   404
POST   /api/v1/items/<ref>/evidence                         401   403   403   422   422   404   | 403   404   404   404   404
GET    /api/v1/items/<ref>/evidence/<int:evidence_id>       401   200   200   200   200   404   | 200   404   404   404   404
GET    /api/v1/openapi.json                                 200   200   200   200   200   200
POST   /api/v1/reviews/<int:review_id>/checks/<item_ref>    401   422   422   422   404   404   | 422   404   404   404   404

GET    /bulletins/<int:bulletin_id>                         login 200   200   200   404   404   | 200   404   404   404   404
GET    /bulletins/<int:bulletin_id>.xlsx                    login 200   200   200   404   404   | 200   404   404   404   404
GET    /campaigns/                                          login 200   200   200   200   200
GET    /campaigns/<code>                                    login 200   200   200   200   404   | 200   404   404   404   404
GET    /campaigns/<code>/bulletins                          login 200   200   200   404   404   | 200   404   404   404   404
GET    /campaigns/<code>/categories                         login 200   200   403   403   404   | 200   404   404   404   404
POST   /campaigns/<code>/categories                         login 200   200   403   403   404   | 200   404   404   404   404
GET    /campaigns/<code>/dashboard                          login 200   200   200   200   404   | 200   404   404   404   404
GET    /campaigns/<code>/edit                               login 200   200   403   403   404   | 200   404   404   404   404
POST   /campaigns/<code>/edit                               login 200   200   403   403   404   | 200   404   404   404   404
GET    /campaigns/<code>/export/completion.csv              login 200   200   200   200   404   | 200   404   404   404   404
GET    /campaigns/<code>/export/completion.xlsx             login 200   200   200   200   404   | 200   404   404   404   404
GET    /campaigns/<code>/export/ledger.csv                  login 200   200   200   200   404   | 200   404   404   404   404
GET    /campaigns/<code>/export/ledger.xlsx                 login 200   200   200   200   404   | 200   404   404   404   404
GET    /campaigns/<code>/export/review.csv                  login 200   200   200   200   404   | 200   404   404   404   404
GET    /campaigns/<code>/export/review.xlsx                 login 200   200   200   200   404   | 200   404   404   404   404
GET    /campaigns/<code>/import                             login 200   200   403   403   404   | 200   404   404   404   404
POST   /campaigns/<code>/import                             login 200   200   403   403   404   | 200   404   404   404   404
POST   /campaigns/<code>/import/confirm                     login 302   302   403   403   404   | 302   404   404   404   404
GET    /campaigns/<code>/import/template.csv                login 200   200   403   403   404   | 200   404   404   404   404
GET    /campaigns/<code>/import/template.xlsx               login 200   200   403   403   404   | 200   404   404   404   404
GET    /campaigns/<code>/items                              login 200   200   200   200   404   | 200   404   404   404   404
GET    /campaigns/<code>/items/new                          login 403   403   200   403   404   | 403   404   404   404   404
POST   /campaigns/<code>/items/new                          login 403   403   422   403   404   | 403   404   404   404   404
GET    /campaigns/<code>/review                             login 200   200   200   404   404   | 200   404   404   404   404
GET    /campaigns/<code>/review/checks/<int:check_id>       login 200   200   200   404   404   | 200   404   404   404   404
POST   /campaigns/<code>/review/checks/<int:check_id>       login 422   422   422   404   404   | 422   404   404   404   404
POST   /campaigns/<code>/review/open                        login 422   422   403   404   404   | 422   404   404   404   404
GET    /campaigns/<code>/teams/<int:team_id>                login 200   200   200   200   404   | 200   404   404   404   404
GET    /campaigns/<code>/teams/<int:team_id>/edit           login 200   200   403   403   404   | 200   404   404   404   404
POST   /campaigns/<code>/teams/<int:team_id>/edit           login 302   302   403   403   404   | 200   404   404   404   404
GET    /campaigns/<code>/teams/new                          login 200   200   403   403   404   | 200   404   404   404   404
POST   /campaigns/<code>/teams/new                          login 200   200   403   403   404   | 200   404   404   404   404
GET    /campaigns/new                                       login 200   200   403   403   403
POST   /campaigns/new                                       login 200   200   403   403   403
GET    /figures                                             login 200   200   403   403   403
GET    /health                                              200   200   200   200   200   200
GET    /inbox                                               login 200   200   200   200   200
POST   /inbox/read-all                                      login 302   302   302   302   302

GET    /items/                                              login 200   200   200   200   200
GET    /items/<ref>                                         login 200   200   200   200   404   | 200   404   404   404   404
POST   /items/<ref>/acknowledge                             login 403   403   403   422   404   | 403   404   404   404   404
POST   /items/<ref>/comments                                login 422   422   422   422   404   | 422   404   404   404   404
GET    /items/<ref>/edit                                    login 200   200   200   403   404   | 200   404   404   404   404
POST   /items/<ref>/edit                                    login 422   422   422   403   404   | 422   404   404   404   404
POST   /items/<ref>/enforcement                             login 403   403   403   422   404   | 403   404   404   404   404
POST   /items/<ref>/evidence                                login 403   403   422   422   404   | 403   404   404   404   404
GET    /items/<ref>/evidence/<int:evidence_id>              login 200   200   200   200   404   | 200   404   404   404   404
GET    /items/<ref>/evidence/<int:evidence_id>/thumbnail    login 200   200   200   200   404   | 200   404   404   404   404
POST   /items/<ref>/extension                               login 403   403   403   422   404   | 403   404   404   404   404
POST   /items/<ref>/extension/decision                      login 422   422   403   403   404   | 422   404   404   404   404
POST   /items/<ref>/listing                                 login 422   422   403   403   404   | 422   404   404   404   404
POST   /items/<ref>/return                                  login 403   403   422   403   404   | 403   404   404   404   404
POST   /items/<ref>/submit                                  login 403   403   403   422   404   | 403   404   404   404   404
POST   /items/<ref>/transfer                                login 403   403   403   422   404   | 403   404   404   404   404
POST   /items/<ref>/transfer/answer                         login 403   403   403   403   404   | 403   404   404   404   404
POST   /items/<ref>/verify                                  login 403   403   422   403   404   | 403   404   404   404   404
GET    /items/<ref>/withdraw                                login 200   200   403   403   404   | 200   404   404   404   404
POST   /items/<ref>/withdraw                                login 422   422   403   403   404   | 422   404   404   404   404
GET    /items/targets.json                                  login 200   403   200   403   403
GET    /joint-cases                                         login 200   403   403   200   403

POST   /language                                            302   302   302   302   302   302
GET    /login                                               200   302   302   302   302   302
POST   /login                                               200   302   302   302   302   302
POST   /logout                                              login 302   302   302   302   302
GET    /notifications/<int:notification_id>                 login 302   302   302   302   302   | 404   404   404   404   404
GET    /profile                                             login 200   200   200   200   200
POST   /profile                                             login 200   200   200   200   200
POST   /profile/tokens                                      login 302   302   302   302   302
POST   /profile/tokens/<int:token_id>/revoke                login 302   302   302   302   302   | 404   404   404   404   404
GET    /static/<path:filename>                              200   200   200   200   200   200
GET    /targets/                                            login 200   200   200   403   403
GET    /targets/<int:target_id>                             login 200   200   200   403   403
GET    /targets/<int:target_id>/edit                        login 200   200   200   403   403
POST   /targets/<int:target_id>/edit                        login 302   302   302   403   403
GET    /targets/new                                         login 200   200   200   403   403
POST   /targets/new                                         login 200   200   200   403   403
"""

# What the API posts send: valid in shape, refused by the operation once past the access checks.
API_BODIES = {
    "POST /api/v1/campaigns": {
        "json": {
            "code": "ZZ2026",
            "title": "Refused",
            "kind": "work_safety",
            "lead_agency": "no-such-agency",
            "action_starts": "2026-01-01",
            "action_ends": "2026-02-01",
        }
    },
    "POST /api/v1/campaigns/<code>/imports": {
        "data": {"file": (b"not,a,ledger\n1,2,3\n", "ledger.csv")},
        "content_type": "multipart/form-data",
    },
    "POST /api/v1/campaigns/<code>/items": {
        "json": {
            "target": "Refused",
            "team": "no-such-team",
            "district": "nowhere",
            "category": "nothing",
            "title": "Refused",
            "lead_agency": "no-such-agency",
            "deadline": "2026-12-31",
        }
    },
    # The scene's look-back is open already.
    "POST /api/v1/campaigns/<code>/reviews": {},
    "POST /api/v1/campaigns/<code>/teams": {"json": {"name": "Refused", "leader": "nobody"}},
    "POST /api/v1/items/<ref>/actions": {"json": {"action": "comment", "version": 0, "note": "x"}},
    "POST /api/v1/items/<ref>/evidence": {
        "data": {"stage": "before", "file": (b"not a photo", "x.jpg")},
        "content_type": "multipart/form-data",
    },
    # The scene's checks already have their result.
    "POST /api/v1/reviews/<int:review_id>/checks/<item_ref>": {"json": {"result": "holding"}},
}


def parse(table: str) -> dict[str, tuple[tuple[str, ...], tuple[str, ...] | None]]:
    rows = {}
    for line in table.strip().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        inside, _bar, outside = line.partition("|")
        method, rule, *statuses = inside.split()
        key = f"{method} {rule}"
        assert key not in rows, f"two rows for {key}"
        assert len(statuses) == len(WHO), f"{key}: {len(statuses)} columns"
        out = tuple(outside.split()) or None
        assert out is None or len(out) == len(WHO) - 1, f"{key}: out-of-scope columns"
        rows[key] = (tuple(statuses), out)
    return rows


ROWS = parse(TABLE)


def registered(app) -> dict[str, object]:
    """Every (method, rule) the app answers, keyed like the table."""
    routes = {}
    for rule in app.url_map.iter_rules():
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            routes[f"{method} {rule.rule}"] = rule
    return routes


def test_the_table_lists_every_route_and_only_those(scene_app):
    routes = registered(scene_app)
    missing = sorted(set(routes) - set(ROWS))
    assert not missing, f"routes without a row in the access table: {missing}"
    gone = sorted(set(ROWS) - set(routes))
    assert not gone, f"rows for routes that no longer exist: {gone}"
    for key, rule in routes.items():
        scoped = bool(set(rule.arguments) & SCOPED_ARGUMENTS)
        has_out = ROWS[key][1] is not None
        assert scoped == has_out, f"{key}: out-of-scope columns {'missing' if scoped else 'extra'}"
        if key.startswith("POST /api/"):
            assert key in API_BODIES, f"{key}: no body in API_BODIES"


def request(client, scene, who: str, key: str, rule, scope: str):
    method = key.split()[0]
    url = build_url_with(rule, scene.values(who, scope))
    if rule.rule.startswith("/api/"):
        headers = {}
        if who != "anon":
            headers["Authorization"] = f"Bearer {scene.api_tokens[who]}"
        recipe = API_BODIES.get(key, {})
        kwargs = dict(recipe)
        if "data" in kwargs:  # files: fresh streams for every request
            from io import BytesIO

            kwargs["data"] = {
                k: (BytesIO(v[0]), v[1]) if isinstance(v, tuple) else v
                for k, v in kwargs["data"].items()
            }
        return client.open(url, method=method, headers=headers, **kwargs)
    return client.open(url, method=method, data={} if method == "POST" else None)


def build_url_with(rule, values: dict) -> str:
    args = {a: values[a] for a in rule.arguments if a not in (rule.defaults or {})}
    built = rule.build(args, append_unknown=False)
    assert built is not None, rule
    return built[1]


def answered(response, expected: str) -> bool:
    if expected == "login":
        return response.status_code == 302 and "/login" in response.headers.get("Location", "")
    return response.status_code == int(expected)


@pytest.mark.parametrize("who", WHO)
def test_every_route_as_everyone(scene_app, scene, as_who, who):
    """One person, every route, both scopes: all the differences from the table at once."""
    client = scene_app.test_client()
    column = WHO.index(who)
    secrets = [scene.item_out.title.encode(), scene.other_campaign.title.encode()]
    wrong = []
    for key, rule in sorted(registered(scene_app).items()):
        inside, outside = ROWS[key]
        cases = [("in", inside[column])]
        if outside is not None and who != "anon":
            cases.append(("out", outside[column - 1]))
        for scope, expected in cases:
            as_who(client, who)
            response = request(client, scene, who, key, rule, scope)
            body = response.get_data()
            response.close()
            if not answered(response, expected):
                wrong.append(f"{key} [{scope}]: {response.status_code}, table says {expected}")
            elif scope == "out" and response.status_code in (401, 403, 404):
                assert not any(s in body for s in secrets), f"{key} reveals the hidden item"
            for problem in header_problems(response, static=rule.endpoint == "static"):
                wrong.append(f"{key} [{scope}] {response.status_code}: {problem}")
    assert not wrong, f"{who}:\n" + "\n".join(wrong)


def test_a_session_cookie_never_opens_the_api(scene_app, scene, as_who):
    """Signed in to the pages but without a token, every API route answers 401 (so the API
    needs no CSRF token: a forged cross-site request carries cookies, never the token)."""
    client = scene_app.test_client()
    wrong = []
    for key, rule in sorted(registered(scene_app).items()):
        if not rule.rule.startswith("/api/") or rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        as_who(client, "admin")
        method = key.split()[0]
        response = client.open(build_url_with(rule, scene.values("admin", "in")), method=method)
        if response.status_code != 401:
            wrong.append(f"{key}: {response.status_code}")
    assert not wrong
