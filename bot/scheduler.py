"""Deliver refill reminders when they are due.

Rasa's own reminders live in the server's memory and are lost on restart, so the
SQLite store is the source of truth and this scheduler, run by `make run`, checks
it every few seconds. A due reminder is claimed atomically (pending -> sent), so
a cancelled one never fires and none fires twice; it is then delivered through
Rasa's HTTP API: the refill date goes into a slot and action_refill_reminder runs
in the patient's conversation, whose messages go to the channel the patient last
used (socket.io delivers them live; they are in the conversation history either way).

Reminders that fell due while the servers were down: delivered at start when the
refill date is today or later (still useful), marked missed when it has passed
(a reminder for a visit that is over would only confuse).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from zoneinfo import ZoneInfo

import requests

from bot import dates
from bot.reminders import MISSED, SENT, Reminder, ReminderStore

logger = logging.getLogger(__name__)

Deliver = Callable[[Reminder], None]


def rasa_api_delivery(rasa_url: str, token: str, timeout_s: float = 30) -> Deliver:
    def deliver(reminder: Reminder) -> None:
        base = f"{rasa_url}/conversations/{requests.utils.quote(reminder.sender_id, safe='')}"
        params = {"token": token}
        slot = {
            "event": "slot",
            "name": "reminder_refill_date",
            "value": reminder.refill_date.isoformat(),
        }
        requests.post(
            f"{base}/tracker/events", params=params, json=slot, timeout=timeout_s
        ).raise_for_status()
        requests.post(
            f"{base}/execute",
            params={**params, "output_channel": "latest"},
            json={"name": "action_refill_reminder"},
            timeout=timeout_s,
        ).raise_for_status()

    return deliver


class ReminderScheduler:
    def __init__(self, store: ReminderStore, clinic: Callable[[], dict], deliver: Deliver):
        self.store = store
        self.clinic = clinic
        self.deliver = deliver
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _schedule_next(self, reminder: Reminder, clinic: dict) -> None:
        if self.store.current(reminder.sender_id) is not None:
            return
        refill = reminder.refill_date + dt.timedelta(days=clinic["refill_interval_days"])
        at = dates.reminder_time(
            refill, clinic["reminder_hour"], clinic["timezone"], clinic["reminder_days_before"]
        )
        self.store.set(reminder.sender_id, refill, at)

    def tick(self, now: dt.datetime | None = None) -> dict[str, int]:
        """Handle every due reminder once; return how many were sent, missed, failed."""
        now = now or dt.datetime.now(dt.timezone.utc)
        clinic = self.clinic()
        today = now.astimezone(ZoneInfo(clinic["timezone"])).date()
        counts = {"sent": 0, "missed": 0, "failed": 0}
        for reminder in self.store.due(now):
            if reminder.refill_date < today:
                if self.store.mark(reminder.id, MISSED):
                    logger.warning(
                        "Reminder %s missed: its refill date passed while the "
                        "assistant was not running",
                        reminder.id,
                    )
                    counts["missed"] += 1
                    self._schedule_next(reminder, clinic)
                continue
            if not self.store.mark(reminder.id, SENT):
                continue
            try:
                self.deliver(reminder)
            except Exception:
                logger.exception("Reminder %s could not be delivered; will retry", reminder.id)
                self.store.release(reminder.id)
                counts["failed"] += 1
                continue
            counts["sent"] += 1
            self._schedule_next(reminder, clinic)
        return counts

    def start(self, every_s: float) -> None:
        def loop() -> None:
            while not self._stop.is_set():
                try:
                    self.tick()
                except Exception:
                    logger.exception("Reminder check failed")
                self._stop.wait(every_s)

        self._thread = threading.Thread(target=loop, name="reminders", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=10)
