"""The Alembic migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from portal import create_app
from portal.database import render_migration_item
from portal.extensions import db
from tests.conftest import POSTGRES_URL, base_config, side_database


def test_migration_head_matches_models(tmp_path):
    url = f"sqlite:///{tmp_path / 'migrated.db'}"
    if POSTGRES_URL:
        url = side_database("migrations")  # the suite's own schema is left alone
    app = create_app(base_config(tmp_path, database_url=url))
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_item": render_migration_item}
            )
            diff = compare_metadata(context, db.metadata)
        assert diff == []
        downgrade(revision="base")
        upgrade()
        db.engine.dispose()
