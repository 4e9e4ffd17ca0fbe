"""exam attempts and module progress

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 00:29:11.908933
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('module_progress',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('module_code', sa.String(length=64), nullable=False),
    sa.Column('page', sa.Integer(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_module_progress_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_module_progress')),
    sa.UniqueConstraint('person_id', 'module_code', name='uq_module_progress_person_module')
    )
    with op.batch_alter_table('module_progress', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_module_progress_person_id'), ['person_id'], unique=False)

    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.alter_column('decided_by_id', existing_type=sa.Integer(), nullable=True)

    with op.batch_alter_table('exam_attempt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('programme_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('case_order', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('decision_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_exam_attempt_person_id'), ['person_id'], unique=False)
        batch_op.create_foreign_key('fk_exam_attempt_decision_id', 'certification_decision', ['decision_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_exam_attempt_programme_id_programme'), 'programme', ['programme_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('exam_attempt', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_exam_attempt_programme_id_programme'), type_='foreignkey')
        batch_op.drop_constraint('fk_exam_attempt_decision_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_exam_attempt_person_id'))
        batch_op.drop_column('decision_id')
        batch_op.drop_column('case_order')
        batch_op.drop_column('programme_id')

    with op.batch_alter_table('module_progress', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_module_progress_person_id'))

    op.drop_table('module_progress')

    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.alter_column('decided_by_id', existing_type=sa.Integer(), nullable=False)
