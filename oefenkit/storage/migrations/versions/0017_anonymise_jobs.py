"""anonymisation jobs: the durable queue's source of truth (state, progress, cancel, lease, result)

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-07 07:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

_ACTIVE = sa.text("state IN ('queued', 'running')")


def upgrade() -> None:
    op.create_table('anonymise_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('progress', sa.Float(), nullable=False),
    sa.Column('stage', sa.String(length=200), nullable=False),
    sa.Column('cancel_requested', sa.Boolean(), nullable=False),
    sa.Column('manual_masks', sa.JSON(), nullable=True),
    sa.Column('keep_audio', sa.Boolean(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('worker', sa.String(length=200), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.CheckConstraint("state IN ('queued', 'running', 'done', 'failed', 'cancelled')",
                       name=op.f('ck_anonymise_job_state')),
    sa.ForeignKeyConstraint(['case_id'], ['case_item.id'], name=op.f('fk_anonymise_job_case_id_case_item'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['person.id'],
                            name=op.f('fk_anonymise_job_requested_by_id_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_anonymise_job'))
    )
    op.create_index('ix_anonymise_job_state', 'anonymise_job', ['state'], unique=False)
    op.create_index('uq_anonymise_job_active_case', 'anonymise_job', ['case_id'], unique=True,
                    sqlite_where=_ACTIVE, postgresql_where=_ACTIVE)


def downgrade() -> None:
    op.drop_index('uq_anonymise_job_active_case', table_name='anonymise_job')
    op.drop_index('ix_anonymise_job_state', table_name='anonymise_job')
    op.drop_table('anonymise_job')
