"""practice attempts as rows: a ``practice_attempt`` table and ``rating.practice_attempt_id``;
the existing practice ratings are grouped into attempts with the old 5-second rule

Until this revision a practice attempt was not stored: it was rebuilt from the ratings'
timestamps on every read (``oefenkit.practice.group_attempts``). The upgrade groups the
existing practice ratings once, with a copy of that rule (below, so later code cannot change
what this migration does), and writes one attempt row per group with the group's earliest
``created_at``. Exam and session ratings keep ``practice_attempt_id`` NULL.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 07:00:00
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

#: The old rule's window (``oefenkit.practice.ATTEMPT_WINDOW`` before this revision).
_WINDOW = dt.timedelta(seconds=5)

_rating = sa.table('rating', sa.column('id', sa.Integer), sa.column('rater_id', sa.Integer),
                   sa.column('case_id', sa.Integer), sa.column('scale_id', sa.Integer),
                   sa.column('mode', sa.String), sa.column('created_at', sa.DateTime(timezone=True)),
                   sa.column('practice_attempt_id', sa.Integer))
_scale = sa.table('scale', sa.column('id', sa.Integer), sa.column('code', sa.String))
_attempt = sa.Table('practice_attempt', sa.MetaData(), sa.Column('id', sa.Integer, primary_key=True),
                    sa.Column('person_id', sa.Integer), sa.Column('case_id', sa.Integer),
                    sa.Column('submitted_at', sa.DateTime(timezone=True)))


def _naive(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return moment


def _group(rows) -> list[list[tuple]]:
    """The old rule, frozen: ``rows`` are one rater's ``(rating id, case, scale code, created_at)``
    in time order; consecutive rows of the same case, each on a scale not yet in the group and
    within the window of the group's first row, form one attempt."""
    groups: list[list[tuple]] = []
    for row in rows:
        _, case, scale_code, at = row
        current = groups[-1] if groups else None
        if (current is not None and current[0][1] == case
                and scale_code not in {r[2] for r in current}
                and abs(_naive(at) - _naive(current[0][3])) <= _WINDOW):
            current.append(row)
        else:
            groups.append([row])
    return groups


def upgrade() -> None:
    op.create_table('practice_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case_item.id'], name=op.f('fk_practice_attempt_case_id_case_item')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_practice_attempt_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practice_attempt'))
    )
    op.create_index(op.f('ix_practice_attempt_person_id'), 'practice_attempt', ['person_id'], unique=False)
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.add_column(sa.Column('practice_attempt_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_rating_practice_attempt_id'), ['practice_attempt_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_rating_practice_attempt_id_practice_attempt'),
                                    'practice_attempt', ['practice_attempt_id'], ['id'])
    _convert(op.get_bind())


def _convert(bind) -> None:
    """One attempt row per group of practice ratings (old rule), its ratings pointing at it."""
    rows = bind.execute(
        sa.select(_rating.c.rater_id, _rating.c.id, _rating.c.case_id, _scale.c.code, _rating.c.created_at)
        .join(_scale, _scale.c.id == _rating.c.scale_id)
        .where(_rating.c.mode == 'practice')
        .order_by(_rating.c.rater_id, _rating.c.created_at, _rating.c.id)
    ).all()
    per_rater: dict[int, list[tuple]] = {}
    for rater_id, rating_id, case_id, scale_code, created_at in rows:
        per_rater.setdefault(rater_id, []).append((rating_id, case_id, scale_code, created_at))
    links = []
    for rater_id, own in per_rater.items():
        # Attempts get ids in time order per person (``practice_history`` orders by time, then id).
        for group in _group(own):
            attempt_id = bind.execute(sa.insert(_attempt).values(
                person_id=rater_id, case_id=group[0][1], submitted_at=min(r[3] for r in group))
            ).inserted_primary_key[0]
            links.extend({"rid": r[0], "aid": attempt_id} for r in group)
    if links:
        bind.execute(_rating.update().where(_rating.c.id == sa.bindparam('rid'))
                     .values(practice_attempt_id=sa.bindparam('aid')), links)


def downgrade() -> None:
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_rating_practice_attempt_id_practice_attempt'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_rating_practice_attempt_id'))
        batch_op.drop_column('practice_attempt_id')
    op.drop_index(op.f('ix_practice_attempt_person_id'), table_name='practice_attempt')
    op.drop_table('practice_attempt')
