"""covering index for aggregates

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

COLUMNS = [
    "version_id",
    "year",
    "period",
    "phase",
    "direction",
    "role",
    "measure_id",
    "line_item_id",
    "amount",
]


def upgrade() -> None:
    with op.batch_alter_table("facts", schema=None) as batch_op:
        batch_op.drop_index("ix_facts_version_year_phase")
        batch_op.drop_index("ix_facts_version_measure")
        batch_op.create_index("ix_facts_aggregate", COLUMNS, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("facts", schema=None) as batch_op:
        batch_op.drop_index("ix_facts_aggregate")
        batch_op.create_index(
            "ix_facts_version_measure", ["version_id", "measure_id", "direction"], unique=False
        )
        batch_op.create_index(
            "ix_facts_version_year_phase", ["version_id", "year", "phase"], unique=False
        )
