"""requirement activities: a requirement record may be an ``activity`` after the path (the
Ouder-baby opfriscursus, recorded as often as it happens; ``content/programmes/ouder-baby.yaml``
``activities``)

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-07 04:00:00
"""

from alembic import op

revision = '0015'
down_revision = '0013'
branch_labels = None
depends_on = None

_BEFORE = "kind IN ('attendance', 'supervision', 'national_supervision', 'cases', 'refresher')"
_AFTER = "kind IN ('attendance', 'supervision', 'national_supervision', 'cases', 'refresher', 'activity')"


def upgrade() -> None:
    with op.batch_alter_table('requirement_record', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_requirement_record_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_requirement_record_kind'), _AFTER)


def downgrade() -> None:
    op.execute("DELETE FROM requirement_record WHERE kind = 'activity'")  # the old schema has no place for them
    with op.batch_alter_table('requirement_record', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_requirement_record_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_requirement_record_kind'), _BEFORE)
