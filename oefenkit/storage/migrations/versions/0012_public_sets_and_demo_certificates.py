"""public case sets, demo certificates, oefentoets results and the programmes with a scoring test
(issue 17: the certification test belongs to the programmes whose path has a scoring test; a test
on a public set is an oefentoets)

Every case set that exists before this migration was loaded from the shipped content, whose expert
scores are public: they all become ``public``. Existing certificates stay exactly as they were
(``demo`` false). ``programme.scoring_test`` starts as the shipped paths have it (only the
Ouder-baby interventie); ``oefenkit init`` sets it from the content from then on.

Revision ID: 0012
Revises: 0014
Create Date: 2026-12-07 03:10:00
"""

import sqlalchemy as sa
from alembic import op


revision = '0012'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('case_set', sa.Column('public', sa.Boolean(), nullable=False, server_default=sa.true()))
    op.add_column('certificate', sa.Column('demo', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('exam_attempt', sa.Column('practice_result', sa.JSON(), nullable=True))
    op.add_column('programme', sa.Column('scoring_test', sa.Boolean(), nullable=False, server_default=sa.false()))
    programme = sa.table('programme', sa.column('code', sa.String), sa.column('scoring_test', sa.Boolean))
    op.execute(programme.update().where(programme.c.code == 'ouder-baby').values(scoring_test=True))


def downgrade() -> None:
    with op.batch_alter_table('programme', schema=None) as batch_op:
        batch_op.drop_column('scoring_test')
    with op.batch_alter_table('exam_attempt', schema=None) as batch_op:
        batch_op.drop_column('practice_result')
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_column('demo')
    with op.batch_alter_table('case_set', schema=None) as batch_op:
        batch_op.drop_column('public')
