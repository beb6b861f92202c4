"""Trainings asked for from the staff workspace, and which model is live, kept in
SQLite (var/training/trainings.db) so that the workspace, the trainer and the
supervisor, three processes, share them and none is lost when one dies.

A training goes queued -> training -> checking -> passed -> live, or ends
failed with the reason in plain words. Only the trainer moves a training up to
passed (after the gates); only the supervisor moves it to live (after the new
model answers). At most one training is under way at a time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils
from sqlite_utils.migrations import Migrations

from bot import settings, sqlite_files

TABLE = "trainings"
LIVE = "live_model"
QUEUED, TRAINING, CHECKING, PASSED, LIVE_STATE, FAILED = (
    "queued",
    "training",
    "checking",
    "passed",
    "live",
    "failed",
)
UNDER_WAY = (QUEUED, TRAINING, CHECKING, PASSED)
# A training whose trainer died is started again once; a second death means
# something in it kills the trainer (memory, a broken file): it fails instead.
MAX_ATTEMPTS = 2


# The schema, one migration per change (see sqlite_files.migrate).
MIGRATIONS = Migrations("haip-trainings")


@MIGRATIONS()
def m001_tables(db: sqlite_utils.Database) -> None:
    """Stores made before migrations were recorded have these already."""
    db[TABLE].create(
        {
            "id": int,
            "requested_by": str,
            "requested_at": str,
            "state": str,
            "step": str,
            "percent": int,
            "message": str,
            "model": str,
            "attempts": int,
            "finished_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"requested_by", "requested_at", "state"},
        if_not_exists=True,
    )
    db[LIVE].create({"id": int, "model": str, "since": str}, pk="id", if_not_exists=True)


class AlreadyUnderWay(Exception):
    def __init__(self, training: Training):
        super().__init__(f"training {training.id} is {training.state}")
        self.training = training


@dataclass(frozen=True)
class Training:
    id: int
    requested_by: str
    requested_at: dt.datetime
    state: str
    step: str
    percent: int
    message: str
    model: str
    attempts: int
    finished_at: dt.datetime | None

    @classmethod
    def from_row(cls, row: dict) -> Training:
        return cls(
            id=row["id"],
            requested_by=row["requested_by"],
            requested_at=dt.datetime.fromisoformat(row["requested_at"]),
            state=row["state"],
            step=row["step"] or "",
            percent=row["percent"] or 0,
            message=row["message"] or "",
            model=row["model"] or "",
            attempts=row["attempts"] or 0,
            finished_at=(
                dt.datetime.fromisoformat(row["finished_at"]) if row["finished_at"] else None
            ),
        )

    @property
    def under_way(self) -> bool:
        return self.state in UNDER_WAY


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat()


def store_path() -> Path:
    return settings.path("HAIP_TRAINING_DIR") / "trainings.db"


class TrainingStore:
    def __init__(self, path: Path | None = None):
        self.path = Path(path or store_path())
        self.db = sqlite_utils.Database(sqlite_files.connect_shared(self.path))
        sqlite_files.migrate(self.db, MIGRATIONS)

    def close(self) -> None:
        self.db.conn.close()

    def _one(self, where: str, args: list) -> Training | None:
        rows = list(self.db[TABLE].rows_where(where, args, order_by="id desc", limit=1))
        return Training.from_row(rows[0]) if rows else None

    def _set(self, training_id: int, when: str, **values) -> bool:
        values["updated_at"] = _now()
        assignments = ", ".join(f"{name} = ?" for name in values)
        cursor = self.db.execute(
            f"UPDATE {TABLE} SET {assignments} WHERE id = ? AND {when}",
            [*values.values(), training_id],
        )
        self.db.conn.commit()
        return cursor.rowcount == 1

    def get(self, training_id: int) -> Training | None:
        return self._one("id = ?", [training_id])

    def latest(self) -> Training | None:
        return self._one("1 = 1", [])

    def recent(self, limit: int = 10) -> list[Training]:
        rows = self.db[TABLE].rows_where(order_by="id desc", limit=limit)
        return [Training.from_row(r) for r in rows]

    def request(self, requested_by: str) -> Training:
        """A new training, unless one is under way (AlreadyUnderWay names it)."""
        with self.db.conn:
            # BEGIN IMMEDIATE: two editors clicking at once make one training.
            self.db.execute("BEGIN IMMEDIATE")
            marks = ", ".join("?" for _ in UNDER_WAY)
            if running := self._one(f"state IN ({marks})", list(UNDER_WAY)):
                raise AlreadyUnderWay(running)
            now = _now()
            self.db.execute(
                f"INSERT INTO {TABLE} (requested_by, requested_at, state, step, percent, "
                "attempts, updated_at) VALUES (?, ?, ?, ?, 0, 0, ?)",
                [requested_by, now, QUEUED, "Waiting to start", now],
            )
            new_id = self.db.execute("SELECT last_insert_rowid()").fetchone()[0]
        return self.get(new_id)

    def claim_next(self) -> Training | None:
        """The oldest queued training, now the trainer's."""
        if (queued := self._one_oldest(QUEUED)) is None:
            return None
        claimed = self._set(
            queued.id,
            f"state = '{QUEUED}'",
            state=TRAINING,
            attempts=queued.attempts + 1,
        )
        return self.get(queued.id) if claimed else None

    def _one_oldest(self, state: str) -> Training | None:
        rows = list(self.db[TABLE].rows_where("state = ?", [state], order_by="id", limit=1))
        return Training.from_row(rows[0]) if rows else None

    def progress(self, training_id: int, step: str, percent: int, state: str = TRAINING) -> None:
        self._set(
            training_id,
            f"state IN ('{TRAINING}', '{CHECKING}')",
            state=state,
            step=step,
            percent=max(0, min(100, percent)),
        )

    def passed(self, training_id: int, model: str, message: str) -> None:
        self._set(
            training_id,
            f"state IN ('{TRAINING}', '{CHECKING}')",
            state=PASSED,
            step="Loading the new model",
            percent=95,
            model=model,
            message=message,
        )

    def failed(self, training_id: int, why: str) -> None:
        self._set(
            training_id,
            f"state IN ('{QUEUED}', '{TRAINING}', '{CHECKING}', '{PASSED}')",
            state=FAILED,
            message=why,
            finished_at=_now(),
        )

    def waiting_to_load(self) -> Training | None:
        return self._one_oldest(PASSED)

    def went_live(self, training_id: int, model: str) -> None:
        with self.db.conn:
            self._set(
                training_id,
                f"state = '{PASSED}'",
                state=LIVE_STATE,
                step="Live",
                percent=100,
                finished_at=_now(),
            )
            self.set_live_model(model)

    def set_live_model(self, model: str) -> None:
        """Which model answers patients now (a file name in models/)."""
        self.db[LIVE].upsert({"id": 1, "model": model, "since": _now()}, pk="id")
        self.db.conn.commit()

    def live_model(self) -> str | None:
        rows = list(self.db[LIVE].rows_where("id = 1"))
        return rows[0]["model"] if rows else None

    def recover(self) -> list[Training]:
        """At the trainer's start: a training its last run left half done goes back
        in the queue, or fails if it already had its second chance."""
        back = []
        for state in (TRAINING, CHECKING):
            for row in self.db[TABLE].rows_where("state = ?", [state]):
                training = Training.from_row(row)
                if training.attempts >= MAX_ATTEMPTS:
                    self.failed(
                        training.id,
                        "The trainer stopped twice during this training. The current "
                        "model keeps answering.",
                    )
                else:
                    self._set(training.id, f"state = '{state}'", state=QUEUED, step="Restarting")
                    back.append(training)
        return back
