"""The admins' forms: each action on an account, the settings, the audit log's filters."""

from __future__ import annotations

from django import forms
from django.contrib.auth.validators import UnicodeUsernameValidator

from bot.content import loader
from staff.people.words import ROLE_CHOICES

SIGN_OFF_DAYS = loader.CLINIC_NUMBERS["sign_off_days"]  # (default, lowest, highest)


class NewAccountForm(forms.Form):
    username = forms.CharField(
        label="Account name",
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text="What the person types to sign in: letters, digits and @ . + - _ only.",
    )
    full_name = forms.CharField(
        label="Full name and credential",
        max_length=150,
        required=False,
        help_text="As the content history and sign-offs show it, e.g. Ana Ruiz, RN.",
    )
    email = forms.EmailField(label="E-mail address", required=False)
    role = forms.ChoiceField(label="Role", choices=ROLE_CHOICES, widget=forms.RadioSelect)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=ROLE_CHOICES, widget=forms.RadioSelect)


class AccountActionForm(forms.Form):
    DEACTIVATE, REACTIVATE, UNLOCK, LINK, RESET_MFA = (
        "deactivate", "reactivate", "unlock", "link", "reset-mfa"
    )  # fmt: skip
    action = forms.ChoiceField(
        choices=[(a, a) for a in (DEACTIVATE, REACTIVATE, UNLOCK, LINK, RESET_MFA)]
    )


class ApprovalForm(forms.Form):
    require_approval = forms.BooleanField(
        label="Require approval of edits",
        required=False,
        help_text="A change to the content reaches patients only after a second editor or "
        "admin approves it.",
    )


class SignOffForm(forms.Form):
    serve_only_signed = forms.BooleanField(
        label="Patients get only signed answers",
        required=False,
        help_text="Off: patients get every answer, and staff are warned about unsigned ones. "
        "On: an answer no clinician has signed tells the patient the team is reviewing it, "
        "and to call.",
    )
    sign_off_days = forms.IntegerField(
        label="A sign-off lasts (days)",
        min_value=SIGN_OFF_DAYS[1],
        max_value=SIGN_OFF_DAYS[2],
        help_text=f"From {SIGN_OFF_DAYS[1]} to {SIGN_OFF_DAYS[2]} days; then the answer needs "
        "signing again.",
    )
    base_version = forms.CharField(widget=forms.HiddenInput, required=False)

    def clinic_values(self) -> dict[str, str]:
        """As the clinic settings page posts them (clinic_editing.save_clinic)."""
        return {
            "serve_only_signed": "true" if self.cleaned_data["serve_only_signed"] else "false",
            "sign_off_days": str(self.cleaned_data["sign_off_days"]),
        }


class AuditFilterForm(forms.Form):
    person = forms.CharField(label="Person (account name)", max_length=150, required=False)
    action = forms.ChoiceField(label="Action", required=False)
    since = forms.DateField(label="From", required=False, widget=forms.DateInput({"type": "date"}))
    until = forms.DateField(label="To", required=False, widget=forms.DateInput({"type": "date"}))

    def __init__(self, *args, actions: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "any"), *((a, a) for a in actions)]
