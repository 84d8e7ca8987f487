"""The Alembic migrations build exactly the schema the models describe, and carry the data
in place up and down."""

import shutil

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, inspect, select, table

from campaigns.items.models import Evidence, Item, TimelineEntry
from portal import ROOT, create_app
from portal.database import migration_includes, render_migration_item
from portal.extensions import db, migrate
from tests.conftest import POSTGRES_URL, base_config, side_database
from tests.factories import PASSWORD
from tests.portal.migration_seeds import SEEDS, Seeder


def test_migration_head_matches_models(tmp_path):
    url = f"sqlite:///{tmp_path / 'migrated.db'}"
    if POSTGRES_URL:
        url = side_database("migrations")  # the suite's own schema is left alone
    app = create_app(base_config(tmp_path, database_url=url))
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={
                    "compare_type": True,
                    "render_item": render_migration_item,
                    "include_object": migration_includes(connection.dialect.name),
                },
            )
            diff = compare_metadata(context, db.metadata)
        assert diff == []
        downgrade(revision="base")
        upgrade()
        db.engine.dispose()


def _row_counts() -> dict[str, int]:
    tables = [t for t in inspect(db.engine).get_table_names() if t != "alembic_version"]
    with db.engine.connect() as connection:
        return {
            t: connection.execute(select(func.count()).select_from(table(t))).scalar_one()
            for t in tables
        }


def _the_portal_reads_it(app) -> None:
    """The models (head) read every seeded row, and the pages show them."""
    db.session.remove()
    items = db.session.scalars(select(Item).order_by(Item.ref)).all()
    assert [i.ref for i in items] == [f"MIG2026-{n:04d}" for n in range(1, 7)]
    for item in items:
        assert item.campaign.code == "MIG2026" and item.target.name and item.lead_agency.code
        assert [a.code for a in item.co_agencies] == ["env"], item.ref
    entries = db.session.scalars(select(TimelineEntry)).all()
    assert {e.kind for e in entries} == {"flagged", "moved", "evidence"}
    assert db.session.scalar(select(func.count()).select_from(Evidence)) == 1
    db.session.remove()

    client = app.test_client()
    signed_in = client.post("/login", data={"username": "mig-lead", "password": PASSWORD})
    assert signed_in.status_code == 302
    for path, shows in [
        ("/campaigns/MIG2026", "MIG2026"),
        ("/campaigns/MIG2026/items", "MIG2026-0006"),
        ("/items/MIG2026-0002", "现场照片.jpg"),
        ("/campaigns/MIG2026/dashboard", "MIG2026"),
        ("/campaigns/MIG2026/export/ledger.csv", "MIG2026-0004"),
    ]:
        page = client.get(path)
        assert page.status_code == 200, path
        assert shows in page.get_data(as_text=True), path
    db.session.remove()


def test_every_migration_up_and_down_with_data_in_place(tmp_path):
    """Upgrade one revision at a time, writing rows in each revision's own schema; at the head
    the portal reads them all. Then down one revision at a time and back up: no table that
    stays loses a row. Down to the base at the end: nothing is left."""
    url = f"sqlite:///{tmp_path / 'data.db'}"
    if POSTGRES_URL:
        url = side_database("migrations_data")
    app = create_app(base_config(tmp_path, database_url=url))
    with app.app_context():
        script = ScriptDirectory.from_config(migrate.get_config())
        revisions = [r.revision for r in reversed(list(script.walk_revisions()))]
        missing = [r for r in revisions if r not in SEEDS]
        assert not missing, f"write the rows of revision(s) {missing} in migration_seeds.py"

        for revision in revisions:
            upgrade(revision=revision)
            with db.engine.begin() as connection:
                SEEDS[revision](Seeder(connection))
        counts = _row_counts()
        assert counts["items"] == 6 and counts["timeline_entries"] == 9
        _the_portal_reads_it(app)

        # From the head down to each earlier revision and back up, then down from there.
        for revision in reversed([None, *revisions[:-1]]):
            before = _row_counts()
            downgrade(revision=revision or "base")
            after = _row_counts()
            assert after == {t: n for t, n in before.items() if t in after}, revision
            if revision is None:
                assert after == {}
                break
            upgrade()
            assert _row_counts() == before, revision
            _the_portal_reads_it(app)
            downgrade(revision=revision)
        db.session.remove()
        db.engine.dispose()


REBUILD = '''"""rebuild items (test only)"""
import sqlalchemy as sa
from alembic import op

revision = "ffffffffffff"
down_revision = "{head}"


def upgrade():
    with op.batch_alter_table("items", recreate="always") as batch_op:
        batch_op.add_column(sa.Column("extra", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("items", recreate="always") as batch_op:
        batch_op.drop_column("extra")
'''


def test_a_table_rebuilt_on_sqlite_keeps_the_rows_that_refer_to_it(tmp_path):
    """SQLite changes a table by rebuilding it (Alembic's batch mode). The rows of other
    tables that refer to it (timeline, co-agencies, evidence …) stay, up and down."""
    directory = tmp_path / "migrations"
    shutil.copytree(ROOT / "migrations", directory, ignore=shutil.ignore_patterns("__pycache__"))
    app = create_app(base_config(tmp_path, database_url=f"sqlite:///{tmp_path / 'rebuild.db'}"))
    with app.app_context():
        script = ScriptDirectory.from_config(migrate.get_config())
        (directory / "versions" / "ffffffffffff_rebuild_items.py").write_text(
            REBUILD.replace("{head}", script.get_current_head())
        )
        upgrade()
        with db.engine.begin() as connection:
            for revision in SEEDS.values():
                revision(Seeder(connection))
        before = _row_counts()
        upgrade(directory=str(directory))
        assert "extra" in {c["name"] for c in inspect(db.engine).get_columns("items")}
        assert _row_counts() == before
        downgrade(directory=str(directory), revision="-1")
        assert _row_counts() == before
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        db.engine.dispose()
