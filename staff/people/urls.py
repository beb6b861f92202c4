"""The admins' pages: accounts, settings, the audit log; and the page where a
person sets their password from a link."""

from django.urls import path

from staff.people import invites
from staff.people.views import accounts, audit, settings

app_name = "people"

urlpatterns = [
    path("people/", accounts.listing, name="accounts"),
    path("people/new/", accounts.new, name="new"),
    path("people/<int:pk>/", accounts.account, name="account"),
    path("people/<int:pk>/role/", accounts.change_role, name="role"),
    path("people/<int:pk>/action/", accounts.act, name="act"),
    path("people/settings/", settings.page, name="settings"),
    path("people/settings/approval/", settings.approval, name="approval"),
    path("people/settings/sign-off/", settings.sign_off, name="sign-off"),
    path("people/audit/", audit.page, name="audit"),
    path("people/audit.csv", audit.export, name="audit-export"),
    path(
        "password/<uidb64>/<token>/",
        invites.SetPasswordView.as_view(),
        name="set-password",
    ),
]
