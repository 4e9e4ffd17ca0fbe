"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-28 23:06:58.204463
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('cursist', 'trainer', 'coordinator')", name=op.f('ck_person_role')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person')),
    sa.UniqueConstraint('username', name=op.f('uq_person_username'))
    )
    op.create_table('programme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme')),
    sa.UniqueConstraint('code', name=op.f('uq_programme_code'))
    )
    op.create_table('scale',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('min_score', sa.Integer(), nullable=False),
    sa.Column('max_score', sa.Integer(), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.CheckConstraint('min_score < max_score', name=op.f('ck_scale_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scale')),
    sa.UniqueConstraint('code', 'version', name='uq_scale_code_version')
    )
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('target', sa.String(length=200), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['person.id'], name=op.f('fk_audit_log_actor_id_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)

    op.create_table('case_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=True),
    sa.Column('clip_path', sa.String(length=500), nullable=True),
    sa.Column('vignette', sa.Text(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('synthetic', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_case_item_programme_id_programme')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_item')),
    sa.UniqueConstraint('code', name=op.f('uq_case_item_code'))
    )
    op.create_table('case_set',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('practice', 'exam', 'session', 'intervision')", name=op.f('ck_case_set_kind')),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_case_set_programme_id_programme')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_set')),
    sa.UniqueConstraint('code', name=op.f('uq_case_set_code'))
    )
    op.create_table('certificate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('verification_code', sa.String(length=32), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('valid_until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('statistics', sa.JSON(), nullable=False),
    sa.CheckConstraint("decision IN ('accepted', 'override')", name=op.f('ck_certificate_decision')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['person.id'], name=op.f('fk_certificate_decided_by_id_person')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_certificate_person_id_person')),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_certificate_programme_id_programme')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate')),
    sa.UniqueConstraint('verification_code', name=op.f('uq_certificate_verification_code'))
    )
    op.create_table('cohort',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_cohort_programme_id_programme')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cohort')),
    sa.UniqueConstraint('name', name=op.f('uq_cohort_name'))
    )
    op.create_table('case_set_item',
    sa.Column('set_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case_item.id'], name=op.f('fk_case_set_item_case_id_case_item')),
    sa.ForeignKeyConstraint(['set_id'], ['case_set.id'], name=op.f('fk_case_set_item_set_id_case_set'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('set_id', 'case_id', name=op.f('pk_case_set_item'))
    )
    op.create_table('cohort_membership',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['cohort.id'], name=op.f('fk_cohort_membership_group_id_cohort'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_cohort_membership_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('group_id', 'person_id', name=op.f('pk_cohort_membership'))
    )
    op.create_table('exam_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('case_set_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_set_id'], ['case_set.id'], name=op.f('fk_exam_attempt_case_set_id_case_set')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_exam_attempt_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exam_attempt'))
    )
    op.create_table('expert_score',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('expert_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('scale_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('rationale', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('score BETWEEN 1 AND 9', name=op.f('ck_expert_score_score')),
    sa.ForeignKeyConstraint(['case_id'], ['case_item.id'], name=op.f('fk_expert_score_case_id_case_item')),
    sa.ForeignKeyConstraint(['expert_id'], ['person.id'], name=op.f('fk_expert_score_expert_id_person')),
    sa.ForeignKeyConstraint(['scale_id'], ['scale.id'], name=op.f('fk_expert_score_scale_id_scale')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expert_score')),
    sa.UniqueConstraint('expert_id', 'case_id', 'scale_id', name='uq_expert_score_once')
    )
    op.create_table('live_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('join_code', sa.String(length=16), nullable=False),
    sa.Column('trainer_id', sa.Integer(), nullable=False),
    sa.Column('case_set_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('current_round', sa.Integer(), nullable=False),
    sa.Column('round_open', sa.Boolean(), nullable=False),
    sa.Column('change_token', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('open', 'closed')", name=op.f('ck_live_session_state')),
    sa.ForeignKeyConstraint(['case_set_id'], ['case_set.id'], name=op.f('fk_live_session_case_set_id_case_set')),
    sa.ForeignKeyConstraint(['trainer_id'], ['person.id'], name=op.f('fk_live_session_trainer_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_session')),
    sa.UniqueConstraint('join_code', name=op.f('uq_live_session_join_code'))
    )
    op.create_table('live_session_participant',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_live_session_participant_person_id_person')),
    sa.ForeignKeyConstraint(['session_id'], ['live_session.id'], name=op.f('fk_live_session_participant_session_id_live_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', 'person_id', name=op.f('pk_live_session_participant'))
    )
    op.create_table('rating',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rater_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('scale_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('exam_attempt_id', sa.Integer(), nullable=True),
    sa.Column('live_session_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("mode IN ('practice', 'exam', 'session')", name=op.f('ck_rating_mode')),
    sa.CheckConstraint('score BETWEEN 1 AND 9', name=op.f('ck_rating_score')),
    sa.ForeignKeyConstraint(['case_id'], ['case_item.id'], name=op.f('fk_rating_case_id_case_item')),
    sa.ForeignKeyConstraint(['exam_attempt_id'], ['exam_attempt.id'], name=op.f('fk_rating_exam_attempt_id_exam_attempt')),
    sa.ForeignKeyConstraint(['live_session_id'], ['live_session.id'], name=op.f('fk_rating_live_session_id_live_session')),
    sa.ForeignKeyConstraint(['rater_id'], ['person.id'], name=op.f('fk_rating_rater_id_person')),
    sa.ForeignKeyConstraint(['scale_id'], ['scale.id'], name=op.f('fk_rating_scale_id_scale')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rating'))
    )
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rating_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rating_rater_id'), ['rater_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rating_rater_id'))
        batch_op.drop_index(batch_op.f('ix_rating_case_id'))

    op.drop_table('rating')
    op.drop_table('live_session_participant')
    op.drop_table('live_session')
    op.drop_table('expert_score')
    op.drop_table('exam_attempt')
    op.drop_table('cohort_membership')
    op.drop_table('case_set_item')
    op.drop_table('cohort')
    op.drop_table('certificate')
    op.drop_table('case_set')
    op.drop_table('case_item')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))

    op.drop_table('audit_log')
    op.drop_table('scale')
    op.drop_table('programme')
    op.drop_table('person')
