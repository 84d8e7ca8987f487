"""Fuzzing the API against its own OpenAPI document (schemathesis, inside the test suite).

Every operation of /api/v1/openapi.json gets generated requests: valid ones aimed at real
objects (the scene's campaign, item, evidence and look-back), valid ones with made-up names and
invalid ones (wrong types, missing fields, broken bodies), each sent with the token of a lead, an
inspector or a liaison. Every answer must not be a server error and must match the document:
a documented status code, its content type and its body schema.

The run is bounded and repeatable: FUZZ_EXAMPLES examples per operation (default 15),
derandomized, no example database. FUZZ_STATS=1 (with -s) prints each answer's status, to see
that the run reaches the operations' real work and not only their refusals.
"""

import os
import tempfile
from io import BytesIO
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.datastructures import FileStorage

from campaigns.items.operations import add_evidence
from campaigns.reviews.operations import open_early
from portal import create_app
from portal.accounts.operations import issue_token
from portal.extensions import db
from tests.conftest import base_config
from tests.factories import World, make_item
from tests.items_support import jpeg

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _document() -> dict:
    """The document as /api/v1/openapi.json serves it (built from the code, no database)."""
    app = create_app(base_config(Path(tempfile.mkdtemp(prefix="portal-openapi-"))))
    return app.test_client().get("/api/v1/openapi.json").get_json()


SCHEMA = schemathesis.openapi.from_dict(_document())
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


def test_every_operation_is_fuzzed():
    documented = {
        (method.upper(), path)
        for path, item in SCHEMA.raw_schema["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }
    assert {(op.method.upper(), op.path) for op in OPERATIONS} == documented
    assert len(documented) >= 16  # C5 and the look-back opening


@pytest.fixture
def scene(app):
    """World, with a photo on world.item and the campaign's look-back open on a listed item."""
    world = World()
    photo = add_evidence(
        world.item,
        by=world.inspector,
        upload=FileStorage(BytesIO(jpeg()), "before.jpg"),
        stage="before",
        check_access=False,
    )
    listed = make_item(world.campaign, state="verified", team=world.team_a, listing_level="city")
    review = open_early(world.campaign, by=world.lead)
    tokens = {}
    for person in ("lead", "inspector", "liaison_police"):
        _token, tokens[person] = issue_token(getattr(world, person), "fuzz")
    db.session.commit()
    real = {
        "code": "WS2026",
        "ref": world.item.ref,
        "evidence_id": photo.id,
        "review_id": review.id,
        "item_ref": listed.ref,
    }
    return tokens, real


# schemathesis's WSGI transport reads a file answer (evidence) without closing it.
@pytest.mark.filterwarnings(
    "ignore:Exception ignored in. <_io.FileIO name=.*/uploads/:pytest.PytestUnraisableExceptionWarning"
)
@pytest.mark.parametrize(
    "operation", OPERATIONS, ids=[f"{op.method.upper()} {op.path}" for op in OPERATIONS]
)
def test_no_answer_contradicts_the_document(app, scene, operation):
    tokens, real = scene
    names = {p.name for p in operation.path_parameters}
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE, path_parameters={k: real[k] for k in names}),
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @given(case=cases, person=st.sampled_from(sorted(tokens)))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(case, person):
        response = case.call_and_validate(
            app=app, headers={"Authorization": f"Bearer {tokens[person]}"}, checks=CHECKS
        )
        if os.environ.get("FUZZ_STATS"):
            print("FUZZSTAT", operation.method.upper(), operation.path, response.status_code)

    fuzz()
