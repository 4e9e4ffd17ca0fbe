"""supervised cases

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 01:02:27.471945
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('supervised_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_supervised_case_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_supervised_case_programme_id_programme')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['person.id'], name=op.f('fk_supervised_case_recorded_by_id_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervised_case'))
    )
    with op.batch_alter_table('supervised_case', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervised_case_person_id'), ['person_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('supervised_case', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervised_case_person_id'))

    op.drop_table('supervised_case')
