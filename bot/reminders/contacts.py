"""The e-mail addresses and mobile numbers patients give for their reminders.

A contact is used only once the patient proved it is theirs: the assistant
sends a six-digit code to it and the patient types the code back in the chat
(double opt-in). Only a salted hash of the code is kept, and only until it is
confirmed. A confirmed contact serves the patient's later reminders too (the
next refill cycles) until it is stopped: from the chat ("stop texting me"), by
an SMS STOP, or by the unsubscribe link in an e-mail (its random token).

A row keeps only what that needs: the conversation's sender id, the kind, the
normalised address, when consent was given, confirmed and withdrawn. Stopped
rows stay (without them, staff could not see why a patient got nothing).
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from bot.reminders.store import CODES, CONTACTS, SENDS, ReminderStore

EMAIL, SMS = "email", "sms"
KINDS = (EMAIL, SMS)
# A code is good for this long and this many wrong tries; then a new one is needed.
CODE_TTL = dt.timedelta(minutes=15)
MAX_TRIES = 5
MASK = "•••"


class ConfirmResult(enum.Enum):
    CONFIRMED = "confirmed"
    WRONG = "wrong"
    EXPIRED = "expired"
    TOO_MANY = "too_many"
    NONE = "none"  # no code is waiting for this patient


@dataclass(frozen=True)
class Contact:
    id: int
    sender_id: str
    reminder_id: int | None
    kind: str
    address: str
    consented_at: dt.datetime
    confirmed_at: dt.datetime | None
    stopped_at: dt.datetime | None
    unsubscribe_token: str
    code_sent_at: dt.datetime | None = None
    code_tries: int = 0

    @property
    def active(self) -> bool:
        return self.confirmed_at is not None and self.stopped_at is None

    @classmethod
    def from_row(cls, row: dict) -> Contact:
        return cls(
            row["id"],
            row["sender_id"],
            row["reminder_id"],
            row["kind"],
            row["address"],
            _moment(row["consented_at"]),
            _moment(row["confirmed_at"]),
            _moment(row["stopped_at"]),
            row["unsubscribe_token"],
            _moment(row["code_sent_at"]),
            row["code_tries"] or 0,
        )

    def __repr__(self) -> str:
        # Never the address in a log line or a traceback.
        return f"Contact(id={self.id}, kind={self.kind!r}, address={self.masked!r})"

    @property
    def masked(self) -> str:
        return mask(self.kind, self.address)


def _moment(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).isoformat()


# -- addresses ------------------------------------------------------------------

# Numbers typed without a country code are read as this country's.
PHONE_REGION = "US"


def normalise(kind: str, address: str) -> str:
    """The address as stored and used: an e-mail address checked and lower-cased
    by email-validator (no DNS look-up: the code sent to it is the real check),
    or a valid number in E.164 form by phonenumbers ("(202) 555-0143" ->
    "+12025550143"). Raises ValueError otherwise."""
    text = " ".join(str(address or "").split())
    if len(text) > 254:
        raise ValueError("too long for an address")
    if kind == EMAIL:
        from email_validator import EmailNotValidError, validate_email

        try:
            valid = validate_email(text, check_deliverability=False)
        except EmailNotValidError:
            raise ValueError("not an e-mail address") from None
        if len(_scripts(valid.normalized)) > 1:
            # "аnna@example.org" with a Cyrillic "а" reads as Anna's to staff and patient.
            raise ValueError("mixes alphabets")
        # The domain as mail servers without SMTPUTF8 need it ("xn--...").
        return f"{valid.local_part}@{valid.ascii_domain}".lower()
    if kind == SMS:
        from bot.outreach import sms

        if text.startswith("00"):  # the international prefix most of the world dials
            text = "+" + text[2:]
        if number := sms.to_e164(text, PHONE_REGION):
            return number
        raise ValueError("not a mobile number")
    raise ValueError(f"unknown contact kind {kind!r}")


def is_address(text: str) -> bool:
    """Whether the whole text is an e-mail address or a phone number (what a
    patient types when the assistant asks for one)."""
    for kind in (EMAIL, SMS):
        try:
            normalise(kind, text)
        except ValueError:
            continue
        return True
    return False


def _scripts(text: str) -> set[str]:
    """The alphabets of the letters in text (LATIN, CYRILLIC, GREEK, ...)."""
    import unicodedata

    return {unicodedata.name(c, "?").split()[0] for c in text if c.isalpha()}


def mask(kind: str, address: str) -> str:
    """For staff screens and logs: "j•••@example.org", "+1 ••• ••• 0143"."""
    if kind == EMAIL:
        local, _, domain = address.partition("@")
        return f"{local[:1]}{MASK}@{domain}"
    digits = address[1:]
    # Country codes 1 (North America) and 7 have one digit; showing two of a
    # longer one still shows none of the subscriber's number.
    country = digits[:1] if digits[:1] in ("1", "7") else digits[:2]
    return f"+{country} {MASK} {MASK} {digits[-4:]}"


# -- the code -----------------------------------------------------------------


def new_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def _hash(code: str, salt: str | None = None) -> str:
    """Returns "salt$sha256(salt + code)": the salt lives in the same column."""
    salt = salt or secrets.token_hex(16)
    digest = hashlib.sha256((salt + code.strip()).encode()).hexdigest()
    return f"{salt}${digest}"


def _matches(code: str, stored: str) -> bool:
    salt, _, _ = stored.partition("$")
    return hmac.compare_digest(_hash(code, salt), stored)


# -- the table ------------------------------------------------------------------


def _rows(store: ReminderStore, where: str, args: list) -> list[Contact]:
    rows = store.db[CONTACTS].rows_where(where, args, order_by="id")
    return [Contact.from_row(r) for r in rows]


def get(store: ReminderStore, contact_id: int) -> Contact | None:
    found = _rows(store, "id = ?", [contact_id])
    return found[0] if found else None


def offer(
    store: ReminderStore,
    sender_id: str,
    reminder_id: int | None,
    kind: str,
    address: str,
    code: str,
    now: dt.datetime,
) -> Contact:
    """The patient agreed to reminders at `address` and `code` is being sent
    there. Replaces the patient's earlier unconfirmed contact of that kind (a
    mistyped address, a new code asked for). Raises ValueError for an address
    that is not one."""
    normalised = normalise(kind, address)
    moment = _utc(now)
    with store.db.conn:
        # Never confirmed, so nothing was ever sent to it: nothing to keep.
        store.db.execute(
            f"DELETE FROM {CONTACTS} WHERE sender_id = ? AND kind = ? "
            "AND confirmed_at IS NULL AND stopped_at IS NULL",
            [sender_id, kind],
        )
        row_id = (
            store.db[CONTACTS]
            .insert(
                {
                    "sender_id": sender_id,
                    "reminder_id": reminder_id,
                    "kind": kind,
                    "address": normalised,
                    "consented_at": moment,
                    "code_hash": _hash(code),
                    "code_sent_at": moment,
                    "code_tries": 0,
                    "unsubscribe_token": secrets.token_urlsafe(24),
                    "created_at": moment,
                }
            )
            .last_pk
        )
    return get(store, row_id)


# A code is a message to an address the patient typed: the clinic's mail and text
# accounts must not become a way to flood someone else's. Per address over a day,
# per chat over an hour; an address whose owner said stop gets no code at all.
MAX_CODES_PER_ADDRESS_PER_DAY = 3
MAX_CODES_PER_CHAT_PER_HOUR = 3
CODES_KEPT = dt.timedelta(days=2)
TOO_MANY_CODES = "too_many_codes"
ADDRESS_STOPPED = "address_stopped"


def _address_key(kind: str, address: str) -> str:
    return hashlib.sha256(f"haip-code:{kind}:{address}".encode()).hexdigest()


def code_refused(
    store: ReminderStore, sender_id: str, kind: str, address: str, now: dt.datetime
) -> str | None:
    """Why no code may go to this (normalised) address now, or None."""
    stopped = store.db.execute(
        f"SELECT 1 FROM {CONTACTS} WHERE kind = ? AND address = ? AND stopped_at IS NOT NULL "
        "LIMIT 1",
        [kind, address],
    ).fetchone()
    if stopped:
        return ADDRESS_STOPPED
    day_ago, hour_ago = _utc(now - dt.timedelta(days=1)), _utc(now - dt.timedelta(hours=1))
    (to_address,) = store.db.execute(
        f"SELECT COUNT(*) FROM {CODES} WHERE address_hash = ? AND sent_at > ?",
        [_address_key(kind, address), day_ago],
    ).fetchone()
    (from_chat,) = store.db.execute(
        f"SELECT COUNT(*) FROM {CODES} WHERE sender_id = ? AND sent_at > ?",
        [sender_id, hour_ago],
    ).fetchone()
    if to_address >= MAX_CODES_PER_ADDRESS_PER_DAY or from_chat >= MAX_CODES_PER_CHAT_PER_HOUR:
        return TOO_MANY_CODES
    return None


def record_code(
    store: ReminderStore, sender_id: str, kind: str, address: str, now: dt.datetime
) -> None:
    """A code is being sent; codes older than CODES_KEPT are forgotten."""
    with store.db.conn:
        store.db.execute(f"DELETE FROM {CODES} WHERE sent_at < ?", [_utc(now - CODES_KEPT)])
        store.db[CODES].insert(
            {
                "sender_id": sender_id,
                "address_hash": _address_key(kind, address),
                "sent_at": _utc(now),
            }
        )


def waiting_for(store: ReminderStore, sender_id: str) -> list[Contact]:
    """Contacts of this patient with a code sent and not yet confirmed, newest first."""
    found = _rows(
        store,
        "sender_id = ? AND confirmed_at IS NULL AND stopped_at IS NULL AND code_hash IS NOT NULL",
        [sender_id],
    )
    return sorted(found, key=lambda c: c.id, reverse=True)


def confirm(store: ReminderStore, sender_id: str, code: str, now: dt.datetime) -> ConfirmResult:
    """The patient typed `code`. It may answer any of their waiting codes (an
    e-mail and a number given in one conversation). A confirmed contact stops
    the patient's earlier one of the same kind: a new number replaces the old.

    Every live code counts a wrong try; the try that uses up the last one
    answers TOO_MANY, so the assistant can offer a new code at once."""
    with store.db.conn:
        waiting = waiting_for(store, sender_id)
        if not waiting:
            return ConfirmResult.NONE
        stored = {
            r["id"]: r["code_hash"]
            for r in store.db[CONTACTS].rows_where(
                f"id IN ({','.join('?' * len(waiting))})", [c.id for c in waiting]
            )
        }
        live = [c for c in waiting if now - c.code_sent_at <= CODE_TTL and c.code_tries < MAX_TRIES]
        if not live:
            newest = waiting[0]
            expired = now - newest.code_sent_at > CODE_TTL
            return ConfirmResult.EXPIRED if expired else ConfirmResult.TOO_MANY
        for contact in live:
            if _matches(code, stored[contact.id]):
                store.db.execute(
                    f"UPDATE {CONTACTS} SET confirmed_at = ?, code_hash = NULL WHERE id = ?",
                    [_utc(now), contact.id],
                )
                stop_rows(
                    store,
                    "sender_id = ? AND kind = ? AND id != ? AND confirmed_at IS NOT NULL",
                    [sender_id, contact.kind, contact.id],
                    now,
                )
                return ConfirmResult.CONFIRMED
        for contact in live:
            store.db.execute(
                f"UPDATE {CONTACTS} SET code_tries = code_tries + 1 WHERE id = ?", [contact.id]
            )
        if all(c.code_tries + 1 >= MAX_TRIES for c in live):
            return ConfirmResult.TOO_MANY
        return ConfirmResult.WRONG


def stop_rows(store: ReminderStore, where: str, args: list, now: dt.datetime) -> int:
    """Stop the contacts matching `where` and withdraw their sends not yet begun
    (one in flight is checked again before it goes, see outbox.py). Runs in the
    caller's transaction."""
    ids = [
        row[0]
        for row in store.db.execute(
            f"SELECT id FROM {CONTACTS} WHERE ({where}) AND stopped_at IS NULL", args
        ).fetchall()
    ]
    if not ids:
        return 0
    marks = ",".join("?" * len(ids))
    moment = _utc(now)
    store.db.execute(
        f"UPDATE {CONTACTS} SET stopped_at = ?, code_hash = NULL WHERE id IN ({marks})",
        [moment, *ids],
    )
    store.db.execute(
        f"UPDATE {SENDS} SET status = 'stopped', updated_at = ? "
        f"WHERE status = 'pending' AND contact_id IN ({marks})",
        [moment, *ids],
    )
    return len(ids)


def stop(
    store: ReminderStore,
    *,
    sender_id: str | None = None,
    kind: str | None = None,
    address: str | None = None,
    token: str | None = None,
    now: dt.datetime,
) -> int:
    """No more reminders to the contacts that match all that is given; how many
    were stopped. From the chat: sender_id (and kind); an SMS STOP: kind sms and
    the number; the e-mail's unsubscribe link: token."""
    clauses, args = [], []
    if token is not None:
        clauses.append("unsubscribe_token = ?")
        args.append(token)
    if sender_id is not None:
        clauses.append("sender_id = ?")
        args.append(sender_id)
    if address is not None:
        kind = kind or (EMAIL if "@" in address else SMS)
        try:
            address = normalise(kind, address)
        except ValueError:
            return 0
        clauses.append("address = ?")
        args.append(address)
    if kind is not None:
        clauses.append("kind = ?")
        args.append(kind)
    if not clauses:
        raise ValueError("stop needs a sender, an address or a token")
    with store.db.conn:
        return stop_rows(store, " AND ".join(clauses), args, now)


def active(store: ReminderStore, sender_id: str) -> list[Contact]:
    """Where this patient's reminders go besides the chat."""
    return _rows(
        store,
        "sender_id = ? AND confirmed_at IS NOT NULL AND stopped_at IS NULL",
        [sender_id],
    )


def texted(store: ReminderStore, number: str) -> bool:
    """Does this number get reminder texts from the outbox (confirmed, not stopped)?"""
    return bool(
        _rows(
            store,
            "kind = ? AND address = ? AND confirmed_at IS NOT NULL AND stopped_at IS NULL",
            [SMS, number],
        )
    )


def by_token(store: ReminderStore, token: str) -> Contact | None:
    found = _rows(store, "unsubscribe_token = ?", [token])
    return found[0] if found else None
