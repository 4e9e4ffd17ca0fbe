"""certification decisions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 23:25:39.801806
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('certification_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('exam_attempt_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('statistics', sa.JSON(), nullable=False),
    sa.Column('rule', sa.JSON(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('proposal', 'accepted', 'override')", name=op.f('ck_certification_decision_kind')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['person.id'], name=op.f('fk_certification_decision_decided_by_id_person')),
    sa.ForeignKeyConstraint(['exam_attempt_id'], ['exam_attempt.id'], name=op.f('fk_certification_decision_exam_attempt_id_exam_attempt')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_certification_decision_person_id_person')),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_certification_decision_programme_id_programme')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certification_decision'))
    )
    with op.batch_alter_table('certification_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certification_decision_person_id'), ['person_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('certification_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certification_decision_person_id'))

    op.drop_table('certification_decision')
