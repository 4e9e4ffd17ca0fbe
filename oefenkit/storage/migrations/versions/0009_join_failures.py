"""join failures: an (action, at) index on the audit log, so the limit on wrong join codes counts
the recent ``live_session.join_failed`` entries of a person or an address without a scan

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-06 14:10:00
"""

from alembic import op


revision = '0009'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_action_at', ['action', 'at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_action_at')
