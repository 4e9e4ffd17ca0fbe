"""Alembic environment: runs migrations on the engine the kit hands over."""

from alembic import context

from oefenkit.storage.models import Base

target_metadata = Base.metadata
config = context.config


def run_migrations_online() -> None:
    engine = config.attributes["engine"]
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():  # pragma: no cover - the kit never runs offline migrations
    raise SystemExit("Oefenkit runs migrations online only (oefenkit db upgrade).")
run_migrations_online()
