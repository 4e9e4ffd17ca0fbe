"""What every reliability test checks afterwards: integrity, and acknowledged submissions stored once."""

from __future__ import annotations

from sqlalchemy import func, select, text

from oefenkit.storage import database
from oefenkit.storage import models as m


def integrity(url: str) -> str:
    """'ok', or what is wrong: SQLite's own checks, and on both databases the references of every rating."""
    engine = database.make_engine(url)
    try:
        with engine.connect() as conn:
            if url.startswith("sqlite"):
                result = conn.execute(text("PRAGMA integrity_check")).scalar()
                if result != "ok":
                    return f"integrity_check: {result}"
                broken = conn.execute(text("PRAGMA foreign_key_check")).fetchall()
                if broken:
                    return f"foreign_key_check: {broken[:3]}"
            orphans = conn.execute(text(
                "SELECT count(*) FROM rating r LEFT JOIN person p ON p.id = r.rater_id "
                "LEFT JOIN case_item c ON c.id = r.case_id LEFT JOIN scale s ON s.id = r.scale_id "
                "WHERE p.id IS NULL OR c.id IS NULL OR s.id IS NULL")).scalar()
            if orphans:
                return f"{orphans} ratings point nowhere"
            bad_scores = conn.execute(text("SELECT count(*) FROM rating WHERE score < 1 OR score > 9")).scalar()
            if bad_scores:
                return f"{bad_scores} scores out of range"
        return "ok"
    finally:
        engine.dispose()


def stored_submissions(url: str) -> dict[str, int]:
    """submission id → number of rating rows stored under it."""
    engine = database.make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(m.Rating.submission_id, func.count())
                                .where(m.Rating.submission_id.is_not(None))
                                .group_by(m.Rating.submission_id))
            return {sid: n for sid, n in rows}
    finally:
        engine.dispose()


def lost_and_duplicated(acknowledged: list[str], stored: dict[str, int], scales_per_submission: int):
    lost = [sid for sid in acknowledged if sid not in stored]
    duplicated = [sid for sid, n in stored.items() if n != scales_per_submission]
    return lost, duplicated
