"""expected participants: how many people the trainer expects at a live session, so the server
can start their page kernels before the room opens the participant app (``docs/architecture.md``
"Kernels started before the room arrives")

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 23:50:00
"""

import sqlalchemy as sa
from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('live_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expected_participants', sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_live_session_expected_participants'),
            'expected_participants IS NULL OR expected_participants BETWEEN 1 AND 200')


def downgrade() -> None:
    with op.batch_alter_table('live_session', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_live_session_expected_participants'), type_='check')
        batch_op.drop_column('expected_participants')
