"""Babytijd reeksen (issue 20): reeks, opvoeder (pseudonymous code), attendance, measurement

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 09:41:45

Four new tables, nothing else changes; the downgrade drops them (and their data).
"""

from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('babytijd_reeks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('uitvoerder_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('evaluated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('went_well', sa.Text(), nullable=False),
    sa.Column('to_improve', sa.Text(), nullable=False),
    sa.Column('remarks', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], name=op.f('fk_babytijd_reeks_created_by_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['uitvoerder_id'], ['person.id'], name=op.f('fk_babytijd_reeks_uitvoerder_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_babytijd_reeks'))
    )
    with op.batch_alter_table('babytijd_reeks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_babytijd_reeks_uitvoerder_id'), ['uitvoerder_id'], unique=False)

    op.create_table('babytijd_opvoeder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reeks_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('consent', sa.Boolean(), nullable=False),
    sa.Column('baby_age_months', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('baby_age_months IS NULL OR baby_age_months BETWEEN 0 AND 12', name=op.f('ck_babytijd_opvoeder_baby_age')),
    sa.ForeignKeyConstraint(['reeks_id'], ['babytijd_reeks.id'], name=op.f('fk_babytijd_opvoeder_reeks_id_babytijd_reeks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_babytijd_opvoeder')),
    sa.UniqueConstraint('reeks_id', 'code', name='uq_babytijd_opvoeder_reeks_code')
    )
    op.create_table('babytijd_attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('opvoeder_id', sa.Integer(), nullable=False),
    sa.Column('meeting', sa.Integer(), nullable=False),
    sa.Column('present', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=True),
    sa.Column('reason_text', sa.String(length=200), nullable=False),
    sa.CheckConstraint("reason IS NULL OR reason IN ('ziek-opvoeder', 'ziek-baby', 'afspraak', 'slaap', 'werk', 'vakantie', 'vervoer', 'vergeten', 'anders')", name=op.f('ck_babytijd_attendance_reason')),
    sa.CheckConstraint('NOT present OR reason IS NULL', name=op.f('ck_babytijd_attendance_present_without_reason')),
    sa.CheckConstraint('meeting BETWEEN 1 AND 16', name=op.f('ck_babytijd_attendance_meeting')),
    sa.ForeignKeyConstraint(['opvoeder_id'], ['babytijd_opvoeder.id'], name=op.f('fk_babytijd_attendance_opvoeder_id_babytijd_opvoeder'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_babytijd_attendance')),
    sa.UniqueConstraint('opvoeder_id', 'meeting', name='uq_babytijd_attendance_opvoeder_meeting')
    )
    op.create_table('babytijd_measurement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('opvoeder_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('tips', sa.Text(), nullable=False),
    sa.Column('tops', sa.Text(), nullable=False),
    sa.Column('early_reason', sa.Text(), nullable=False),
    sa.Column('attended_at_entry', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('nulmeting', 'na-5', 'eind', 'na-16')", name=op.f('ck_babytijd_measurement_kind')),
    sa.ForeignKeyConstraint(['opvoeder_id'], ['babytijd_opvoeder.id'], name=op.f('fk_babytijd_measurement_opvoeder_id_babytijd_opvoeder'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['person.id'], name=op.f('fk_babytijd_measurement_recorded_by_id_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_babytijd_measurement')),
    sa.UniqueConstraint('opvoeder_id', 'kind', name='uq_babytijd_measurement_opvoeder_kind')
    )


def downgrade() -> None:
    op.drop_table('babytijd_measurement')
    op.drop_table('babytijd_attendance')
    op.drop_table('babytijd_opvoeder')
    with op.batch_alter_table('babytijd_reeks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_babytijd_reeks_uitvoerder_id'))

    op.drop_table('babytijd_reeks')
