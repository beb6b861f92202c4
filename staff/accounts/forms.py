"""allauth's sign-in form, with the name in the field `username` as Django's
and the workspace's sign-in page have always posted it (and as django-axes
reads it from a request)."""

from __future__ import annotations

from allauth.account.forms import LoginForm


class StaffLoginForm(LoginForm):
    def __init__(self, *args, **kwargs):
        data = kwargs.get("data")
        if data is not None and "login" not in data and "username" in data:
            data = data.copy()
            data["login"] = data["username"]
            kwargs["data"] = data
        super().__init__(*args, **kwargs)
