"""Rasa's tables in PostgreSQL, made once before a Rasa server starts (scaled
out: docs/scaling-out.md).

A Rasa server makes the tables it needs as it starts: SQLAlchemy's create_all,
which looks, then creates. Two servers starting together both look, both
create, and the event broker's fails ("duplicate key value violates unique
constraint", seen in tests/test_scale_out.py; Rasa's tracker store retries, its
event broker does not). Here the same create_all, from Rasa's own table
definitions, runs under a PostgreSQL advisory lock, so one server makes them and
the others find them. The trouble log's table (bot/servers/trouble_log.py) is
made with them, beside the event broker's.
"""

from __future__ import annotations

import sqlalchemy as sa

from bot.servers import trouble_log
from bot.settings import ScaleOut

LOCK_KEY = 0x48414950  # "HAIP"


def create(scale_out: ScaleOut) -> None:
    from rasa.core.brokers.sql import SQLEventBroker
    from rasa.core.tracker_store import SQLTrackerStore

    for db, metadata, ours in (
        (scale_out.tracker_db, SQLTrackerStore.Base.metadata, ()),
        (scale_out.events_db, SQLEventBroker.Base.metadata, (trouble_log.PG_SCHEMA,)),
    ):
        url = sa.engine.URL.create(
            "postgresql",
            username=scale_out.postgres_user,
            host=scale_out.postgres_host,
            port=scale_out.postgres_port,
            database=db,
        )  # no password: libpq reads PGPASSFILE
        engine = sa.create_engine(url)
        try:
            with engine.begin() as connection:
                connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
                metadata.create_all(connection)
                for statement in ours:
                    connection.execute(sa.text(statement))
        finally:
            engine.dispose()
