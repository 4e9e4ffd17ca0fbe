"""Alembic environment: runs migrations on the engine the kit hands over."""

from alembic import context

from oefenkit.storage.models import Base

target_metadata = Base.metadata
config = context.config


def run_migrations_online() -> None:
    engine = config.attributes["engine"]
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite changes a table by copying it into a new one and dropping the old (Alembic's
            # batch mode). With foreign keys enforced, dropping a table that other rows refer to
            # (person, certificate) fails. Switch enforcement off for the migration, on the raw
            # connection before any transaction (inside one the pragma does nothing); check every
            # reference afterwards and switch it on again.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                context.configure(
                    connection=connection,
                    target_metadata=target_metadata,
                    render_as_batch=sqlite,
                    compare_type=True,
                )
                with context.begin_transaction():
                    context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:  # roll the whole migration back rather than leave a dangling reference
                        raise RuntimeError(f"Migration left rows referring to missing rows: {broken[:5]}")
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


if context.is_offline_mode():  # pragma: no cover - the kit never runs offline migrations
    raise SystemExit("Oefenkit runs migrations online only (oefenkit db upgrade).")
run_migrations_online()
