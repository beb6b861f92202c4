"""What nurses post on the inbox, conversation and reminders pages."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth.models import User

from bot.reminders import rules
from staff.review.models import Conversation

NOTE_LIMIT = 2000


class BulkReviewForm(forms.Form):
    """The conversations ticked in the inbox, to mark reviewed."""

    conversations = forms.ModelMultipleChoiceField(
        queryset=Conversation.objects.all(),
        error_messages={"required": "Tick at least one conversation first."},
    )
    # The inbox's filters, to return to the same list.
    query = forms.CharField(required=False, max_length=2000)


class ConversationReviewForm(forms.ModelForm):
    assigned_to = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True).order_by("username"),
        required=False,
        empty_label="nobody",
        label="Assigned to",
    )
    note = forms.CharField(
        required=False,
        max_length=NOTE_LIMIT,
        strip=True,
        label="Add a note",
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )

    class Meta:
        model = Conversation
        fields = ["status", "assigned_to"]


class WrongAnswerForm(forms.Form):
    """Marks the assistant's reply to one patient message wrong, or clears the mark."""

    wrong = forms.BooleanField(required=False)


class CancelReminderForm(forms.Form):
    """A nurse's tick that the patient asked to cancel the reminder."""

    confirm = forms.BooleanField(
        label="The patient asked to cancel it",
        error_messages={"required": "tick the box to confirm."},
    )


# Why a date cannot be a reminder's (bot/reminders/rules.py), as staff read it.
REFUSED = {
    "reminder_date_past": "that date has passed",
    "reminder_date_today": "that is today, too late for a reminder",
    "reminder_date_too_far": "that is more than a year ahead",
    "reminder_date_not_understood": "that is not a date",
}


class MoveReminderForm(forms.Form):
    """A new refill date for a reminder, when the patient calls to move the visit,
    checked by the reminder rules (after today, at most a year ahead) on the
    clinic's today."""

    refill_date = forms.DateField(
        label="New refill date",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Give the new refill date as a date, like 2027-03-14."},
    )

    def __init__(self, data, today: dt.date):
        super().__init__(data)
        self.today = today

    def clean_refill_date(self) -> dt.date:
        try:
            return rules.refill_date(self.cleaned_data["refill_date"], self.today)
        except rules.RefusedDate as refused:
            raise forms.ValidationError(
                f"{REFUSED.get(refused.reason, refused.reason)}.", code=refused.reason
            ) from None
