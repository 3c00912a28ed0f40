"""Migrations build the schema from empty on both databases and match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from portal import migrate
from portal.models import Base


def test_upgrade_from_empty_creates_every_model_table(empty_engine: Engine) -> None:
    assert inspect(empty_engine).get_table_names() == []
    migrate.upgrade(empty_engine)
    tables = set(inspect(empty_engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_migrations_match_the_models(engine: Engine) -> None:
    def ours(obj: object, name: str | None, type_: str, *_: object) -> bool:
        # The SQLite full-text index is a virtual table the models do not describe.
        return not (type_ == "table" and name is not None and name.startswith("search_fts"))

    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": ours})
        diff = compare_metadata(context, Base.metadata)
    # Money is stored as an integer count of hundredths: the same column type.
    diff = [d for d in diff if not (d[0][0] == "modify_type" and "BigInteger" in repr(d))]
    assert diff == []


def test_downgrade_to_empty_and_up_again(engine: Engine) -> None:
    migrate.downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(engine)
    assert "facts" in inspect(engine).get_table_names()
