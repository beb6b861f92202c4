"""What nurses post on the inbox and conversation pages."""

from __future__ import annotations

from django import forms
from django.contrib.auth.models import User

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


class MoveReminderForm(forms.Form):
    """A new refill date for a reminder, when the patient calls to move the visit.
    The reminder rules (after today, at most a year ahead) are checked in the view,
    on the clinic's today."""

    refill_date = forms.DateField(
        label="New refill date",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Give the new refill date as a date, like 2027-03-14."},
    )
