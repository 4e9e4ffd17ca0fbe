"""roles as data: a ``role`` table whose rows ``oefenkit init`` keeps in step with
``oefenkit/roles.yaml``; ``person.role`` refers to it instead of a CHECK listing three names, so a
new role needs no schema change (``docs/architecture.md`` "Where to add a role")

Revision ID: 0014
Revises: 0011
Create Date: 2026-12-07 04:00:00
"""

import sqlalchemy as sa
from alembic import op


revision = '0014'
down_revision = '0011'
branch_labels = None
depends_on = None

SHIPPED = ('cursist', 'trainer', 'coordinator')


def upgrade() -> None:
    role = op.create_table('role', sa.Column('code', sa.String(length=16), nullable=False),
                           sa.PrimaryKeyConstraint('code', name=op.f('pk_role')))
    op.bulk_insert(role, [{'code': code} for code in SHIPPED])  # the CHECK allowed only these
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_person_role'), type_='check')
        batch_op.create_foreign_key(op.f('fk_person_role_role'), 'role', ['role'], ['code'])


def downgrade() -> None:
    # Refuses (CHECK violation) while someone holds a role other than the shipped three.
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('fk_person_role_role'), type_='foreignkey')
        batch_op.create_check_constraint(op.f('ck_person_role'),
                                         "role IN ('cursist', 'trainer', 'coordinator')")
    op.drop_table('role')
