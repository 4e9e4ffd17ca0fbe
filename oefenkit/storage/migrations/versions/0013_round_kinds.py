"""round kinds: a live round is a fragment (a clip to score, as before), a situatie, a vraag or an
ervaring (its content a snapshot in ``live_round.content``); participants' answers to the last
three in ``live_answer`` (one per round and person); a session keeps its programme and round plan

Existing rounds become ``fragment`` rounds; nothing else changes for them. On SQLite the rebuild of
live_round keeps the live scores that refer to it (see ``_keep_live_scores``).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 03:00:00
"""

import sqlalchemy as sa
from alembic import op


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    # Plain added columns: SQLite adds them in place (no rebuild of live_session, see below).
    with op.batch_alter_table('live_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('programme_code', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('plan', sa.JSON(none_as_null=True), nullable=True))
    if sqlite:
        _keep_live_scores()
    with op.batch_alter_table('live_round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), server_default='fragment', nullable=False))
        batch_op.add_column(sa.Column('content', sa.JSON(none_as_null=True), nullable=True))
        batch_op.alter_column('case_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_check_constraint(
            op.f('ck_live_round_kind'), "kind IN ('fragment', 'situatie', 'vraag', 'ervaring')")
        batch_op.create_check_constraint(
            op.f('ck_live_round_kind_content'),
            "(kind = 'fragment' AND case_id IS NOT NULL) OR "
            "(kind <> 'fragment' AND case_id IS NULL AND content IS NOT NULL)")
    if sqlite:
        _restore_live_scores()
    op.create_table(
        'live_answer',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('choice', sa.Integer(), nullable=True),
        sa.Column('answer_text', sa.Text(), nullable=True),
        sa.Column('submission_id', sa.String(length=64), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('choice IS NOT NULL OR answer_text IS NOT NULL', name=op.f('ck_live_answer_given')),
        sa.CheckConstraint('answer_text IS NULL OR length(answer_text) <= 500',
                           name=op.f('ck_live_answer_text_length')),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_live_answer_person_id_person')),
        sa.ForeignKeyConstraint(['round_id'], ['live_round.id'], name=op.f('fk_live_answer_round_id_live_round'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['session_id'], ['live_session.id'],
                                name=op.f('fk_live_answer_session_id_live_session'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_live_answer')),
        sa.UniqueConstraint('round_id', 'person_id', name='uq_live_answer_round_person'),
    )
    with op.batch_alter_table('live_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_live_answer_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_live_answer_session_id'), ['session_id'], unique=False)


def _keep_live_scores() -> None:
    """SQLite rebuilds live_round for the new constraints: it copies the rows to a new table and drops
    the old one. With foreign keys on (the kit's connections), dropping it deletes the live scores that
    refer to it (rating.live_round_id, ON DELETE CASCADE). Keep a copy and put it back afterwards."""
    op.execute("DROP TABLE IF EXISTS _keep_live_rating")
    op.execute("CREATE TEMP TABLE _keep_live_rating AS SELECT * FROM rating WHERE live_round_id IS NOT NULL")


def _restore_live_scores() -> None:
    op.execute("INSERT INTO rating SELECT * FROM _keep_live_rating "
               "WHERE id NOT IN (SELECT id FROM rating)")
    op.execute("DROP TABLE _keep_live_rating")


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.drop_table('live_answer')
    # Rounds without a clip cannot exist in the older schema.
    op.execute("DELETE FROM live_round WHERE kind <> 'fragment'")
    if sqlite:
        _keep_live_scores()
    with op.batch_alter_table('live_round', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_live_round_kind_content'), type_='check')
        batch_op.drop_constraint(op.f('ck_live_round_kind'), type_='check')
        batch_op.alter_column('case_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('content')
        batch_op.drop_column('kind')
    if sqlite:
        _restore_live_scores()
    if sqlite:  # in place (SQLite 3.35+): a rebuild of live_session would take its rounds with it
        op.execute("ALTER TABLE live_session DROP COLUMN plan")
        op.execute("ALTER TABLE live_session DROP COLUMN programme_code")
    else:
        op.drop_column('live_session', 'plan')
        op.drop_column('live_session', 'programme_code')
