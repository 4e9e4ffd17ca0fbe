"""case library: uploaded clips (original, review, manual masks, workflow status)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 02:01:06.990414
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('case_media',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('original_path', sa.String(length=200), nullable=True),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('original_size', sa.BigInteger(), nullable=False),
    sa.Column('original_sha256', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('review', sa.JSON(), nullable=False),
    sa.Column('manual_masks', sa.JSON(), nullable=False),
    sa.Column('keep_audio', sa.Boolean(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('anonymised_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('uploaded', 'anonymised', 'reviewed', 'published')", name=op.f('ck_case_media_status')),
    sa.ForeignKeyConstraint(['case_id'], ['case_item.id'], name=op.f('fk_case_media_case_id_case_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['person.id'], name=op.f('fk_case_media_uploaded_by_id_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_media')),
    sa.UniqueConstraint('case_id', name=op.f('uq_case_media_case_id'))
    )


def downgrade() -> None:
    op.drop_table('case_media')
