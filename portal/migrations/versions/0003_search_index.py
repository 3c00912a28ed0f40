"""search index

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

SQLITE_FTS = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(native_key, latin_key, "
    "content='search_entries', content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER search_entries_ai AFTER INSERT ON search_entries BEGIN "
    "INSERT INTO search_fts(rowid, native_key, latin_key) "
    "VALUES (new.id, new.native_key, new.latin_key); END",
    "CREATE TRIGGER search_entries_ad AFTER DELETE ON search_entries BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, native_key, latin_key) "
    "VALUES ('delete', old.id, old.native_key, old.latin_key); END",
]

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_entries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("dataset_id", sa.String(length=100), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("ref_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("context", sa.Text(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("code", sa.Text(), nullable=True),
        sa.Column("native_key", sa.Text(), nullable=False),
        sa.Column("latin_key", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["datasets.id"],
            name=op.f("fk_search_entries_dataset_id_datasets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_entries")),
    )
    with op.batch_alter_table("search_entries", schema=None) as batch_op:
        batch_op.create_index("ix_search_entries_dataset", ["dataset_id"], unique=False)

    if op.get_bind().dialect.name == "sqlite":
        # FTS5 over the folded keys, kept in step with the table by triggers. PostgreSQL
        # matches the same word prefixes with LIKE (see portal/queries/search.py).
        for statement in SQLITE_FTS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS search_fts")
    with op.batch_alter_table("search_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_search_entries_dataset")

    op.drop_table("search_entries")
