"""django-allauth's pages: the second sign-in step and the clinic's single
sign-on. Outside any namespace, because allauth's views and templates reverse
their own names. Only the parts the workspace uses: no self sign-up, no e-mail,
no password reset by e-mail (an admin makes a set-password link:
staff/people/invites.py)."""

from allauth.account import views as account_views
from allauth.socialaccount import views as social_views
from allauth.urls import build_provider_urlpatterns
from django.urls import include, path

from staff.accounts import views

urlpatterns = [
    path("login/", views.to_login, name="account_login"),
    path("logout/", account_views.logout, name="account_logout"),
    path("inactive/", account_views.account_inactive, name="account_inactive"),
    path("reauthenticate/", account_views.reauthenticate, name="account_reauthenticate"),
    path("2fa/", include("allauth.mfa.urls")),
    path(
        "3rdparty/login/cancelled/",
        social_views.login_cancelled,
        name="socialaccount_login_cancelled",
    ),
    path("3rdparty/login/error/", social_views.login_error, name="socialaccount_login_error"),
    path("3rdparty/signup/", social_views.signup, name="socialaccount_signup"),
    *build_provider_urlpatterns(),
]
