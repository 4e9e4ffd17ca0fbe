"""live rounds: one row per round of a live session; a live score is one rating per
(round, rater, scale), with the client's submission id

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 02:02:48.958074
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('live_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revealed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case_item.id'], name=op.f('fk_live_round_case_id_case_item')),
    sa.ForeignKeyConstraint(['session_id'], ['live_session.id'], name=op.f('fk_live_round_session_id_live_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_round')),
    sa.UniqueConstraint('session_id', 'number', name='uq_live_round_session_number')
    )
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.add_column(sa.Column('live_round_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('submission_id', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint('uq_rating_live_round_once', ['live_round_id', 'rater_id', 'scale_id'])
        batch_op.create_foreign_key(batch_op.f('fk_rating_live_round_id_live_round'), 'live_round', ['live_round_id'], ['id'], ondelete='CASCADE')



def downgrade() -> None:
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_rating_live_round_id_live_round'), type_='foreignkey')
        batch_op.drop_constraint('uq_rating_live_round_once', type_='unique')
        batch_op.drop_column('submission_id')
        batch_op.drop_column('live_round_id')

    op.drop_table('live_round')
