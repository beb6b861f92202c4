"""The admins' pages: accounts, settings, the audit log; and the page where a
person sets their password from a link."""

from django.urls import path

from staff.people import invites
from staff.people.views import accounts, audit, settings

urlpatterns = [
    path("people/", accounts.listing, name="people-accounts"),
    path("people/new/", accounts.new, name="people-new"),
    path("people/<int:pk>/", accounts.account, name="people-account"),
    path("people/<int:pk>/role/", accounts.change_role, name="people-role"),
    path("people/<int:pk>/action/", accounts.act, name="people-act"),
    path("people/settings/", settings.page, name="people-settings"),
    path("people/settings/approval/", settings.approval, name="people-approval"),
    path("people/settings/sign-off/", settings.sign_off, name="people-sign-off"),
    path("people/audit/", audit.page, name="people-audit"),
    path("people/audit.csv", audit.export, name="people-audit-export"),
    path(
        "password/<uidb64>/<token>/",
        invites.SetPasswordView.as_view(),
        name="people-set-password",
    ),
]
