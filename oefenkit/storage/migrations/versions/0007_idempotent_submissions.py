"""idempotent submissions: a client's submission id is stored once per rater and scale, so a
retried submission (a double click, a reconnect, a retry after a lost acknowledgement) adds nothing

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 02:50:00
"""

from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_rating_submission_once', ['rater_id', 'submission_id', 'scale_id'])


def downgrade() -> None:
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.drop_constraint('uq_rating_submission_once', type_='unique')
