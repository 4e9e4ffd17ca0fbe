"""requirement records and registrations (issue 17, part A): a table of the programme-path
requirements a trainer records per person (``requirement_record``), a ``kind`` on ``certificate``
(``certificate`` or ``registration``), and the existing Babytijd certificates (all issued by the
Ainsworth scoring test) turned into Babytijd registrations with their dates.

Nothing of a converted certificate is lost: its code, dates, decision and statistics stay; the
statistics gain ``converted_from`` (``scoring_test``), ``converted_at``, ``refresher``,
``every_years`` and ``valid_until_base`` (the last valid day it had, which a later terugkomdag
record can only extend; ``oefenkit.requirements.registration_until``). The downgrade drops the
table and the column; the added statistics keys stay (they are harmless to the older code).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 03:00:00
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

#: The shipped Babytijd path: the registration stays active with a terugkomdag every 2 years
#: (content/programmes/babytijd.yaml). A migration does not read content files, so it says it here.
_BABYTIJD = "babytijd"
_REFRESHER = "terugkomdag"
_EVERY_YEARS = 2


def upgrade() -> None:
    op.create_table('requirement_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('requirement_code', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('attendance', 'supervision', 'national_supervision', 'cases', 'refresher')",
                       name=op.f('ck_requirement_record_kind')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_requirement_record_person_id_person'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'],
                            name=op.f('fk_requirement_record_programme_id_programme')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['person.id'],
                            name=op.f('fk_requirement_record_recorded_by_id_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_requirement_record'))
    )
    op.create_index('ix_requirement_record_person_programme', 'requirement_record', ['person_id', 'programme_id'],
                    unique=False)
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), server_default='certificate', nullable=False))
        batch_op.create_check_constraint(op.f('ck_certificate_kind'), "kind IN ('certificate', 'registration')")
    _babytijd_certificates_become_registrations()


def _babytijd_certificates_become_registrations() -> None:
    bind = op.get_bind()
    programme = sa.table('programme', sa.column('id', sa.Integer), sa.column('code', sa.String))
    certificate = sa.table('certificate', sa.column('id', sa.Integer), sa.column('programme_id', sa.Integer),
                           sa.column('kind', sa.String), sa.column('statistics', sa.JSON),
                           sa.column('valid_until', sa.DateTime(timezone=True)))
    programme_id = bind.execute(sa.select(programme.c.id).where(programme.c.code == _BABYTIJD)).scalar()
    if programme_id is None:
        return
    now = dt.datetime.now(dt.timezone.utc).isoformat()
    rows = bind.execute(sa.select(certificate.c.id, certificate.c.statistics, certificate.c.valid_until)
                        .where(certificate.c.programme_id == programme_id).order_by(certificate.c.id)).all()
    for cert_id, statistics, valid_until in rows:
        stats = dict(statistics or {})
        stats.setdefault('converted_from', 'scoring_test')
        stats.setdefault('converted_at', now)
        stats.setdefault('refresher', _REFRESHER)
        stats.setdefault('every_years', _EVERY_YEARS)
        # Noon UTC is how a last valid day is stored; its date is the day.
        stats.setdefault('valid_until_base', valid_until.date().isoformat())
        bind.execute(sa.update(certificate).where(certificate.c.id == cert_id)
                     .values(kind='registration', statistics=stats))


def downgrade() -> None:
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_certificate_kind'), type_='check')
        batch_op.drop_column('kind')
    op.drop_index('ix_requirement_record_person_programme', table_name='requirement_record')
    op.drop_table('requirement_record')
