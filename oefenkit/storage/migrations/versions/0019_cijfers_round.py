"""cijfers round: a live round may show the pooled Babytijd figures of the uitvoerders present
(kind ``cijfers``, issue 20); its content is a snapshot of the figures in ``live_round.content``

Only the check constraint on ``live_round.kind`` changes. On SQLite the table is rebuilt for it; the
live scores and answers that refer to its rounds are kept (see ``_keep``), as in 0013.

Revision ID: 0019
Revises: 0018 (written against 0017; after the merge of reeks-core it follows 0018)
Create Date: 2026-12-07 10:00:00
"""

from alembic import op


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

_OLD = "kind IN ('fragment', 'situatie', 'vraag', 'ervaring')"
_NEW = "kind IN ('fragment', 'situatie', 'vraag', 'ervaring', 'cijfers')"
#: The tables whose rows refer to live_round with ON DELETE CASCADE: SQLite's rebuild drops the old
#: table, and with foreign keys on (the kit's connections) that would delete these rows.
_DEPENDENT = (("rating", "live_round_id IS NOT NULL"), ("live_answer", "1 = 1"))


def _keep() -> None:
    for table, where in _DEPENDENT:
        op.execute(f"DROP TABLE IF EXISTS _keep_{table}")
        op.execute(f"CREATE TEMP TABLE _keep_{table} AS SELECT * FROM {table} WHERE {where}")


def _restore() -> None:
    for table, _ in _DEPENDENT:
        op.execute(f"INSERT INTO {table} SELECT * FROM _keep_{table} WHERE id NOT IN (SELECT id FROM {table})")
        op.execute(f"DROP TABLE _keep_{table}")


def _swap(check: str) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        _keep()
    with op.batch_alter_table('live_round', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_live_round_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_live_round_kind'), check)
    if sqlite:
        _restore()


def upgrade() -> None:
    _swap(_NEW)


def downgrade() -> None:
    # A cijfers round cannot exist in the older schema (its answers: none are ever stored).
    op.execute("DELETE FROM live_round WHERE kind = 'cijfers'")
    _swap(_OLD)
