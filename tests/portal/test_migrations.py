"""The Alembic migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, text

from portal import create_app
from portal.database import render_migration_item
from portal.extensions import db
from tests.conftest import POSTGRES_URL, base_config


def test_migration_head_matches_models(tmp_path):
    url = f"sqlite:///{tmp_path / 'migrated.db'}"
    if POSTGRES_URL:
        # a database of its own, so the suite's schema is left alone
        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text("DROP DATABASE IF EXISTS portal_migrations"))
            c.execute(text("CREATE DATABASE portal_migrations"))
        admin.dispose()
        url = POSTGRES_URL.rsplit("/", 1)[0] + "/portal_migrations"
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
