"""What the assistant did with a patient message, read from the actions Rasa
ran after it (their names are in domain.yml)."""

from __future__ import annotations

from staff.review.models import Outcome

BY_ACTION = {
    "action_answer_faq": Outcome.ANSWERED,
    "action_urgent_guidance": Outcome.URGENT,
    "action_not_sure": Outcome.NOT_UNDERSTOOD,
    "action_medical_advice": Outcome.MEDICAL_ADVICE,
    "action_handoff": Outcome.HANDOFF,
    "action_out_of_scope": Outcome.OUT_OF_SCOPE,
    "refill_form": Outcome.REMINDER,
    "action_ask_refill_date": Outcome.REMINDER,
    "action_set_reminder": Outcome.REMINDER,
    "action_next_refill": Outcome.REMINDER,
    "action_cancel_reminders": Outcome.REMINDER,
}
# Rasa's own bookkeeping: says nothing about the reply.
IGNORED = {"action_listen", "action_session_start", "action_extract_slots"}


def of_action(name: str) -> str | None:
    if name in IGNORED:
        return None
    return BY_ACTION.get(name, Outcome.OTHER)
