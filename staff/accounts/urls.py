"""The workspace's own sign-in pages: signing in and out, and where everyone
lands after (django-allauth underneath: staff/accounts/mfa.py, sign_in.py)."""

from allauth.account import views as account_views
from django.urls import path

from staff.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.StaffLoginView.as_view(), name="login"),
    path("logout/", account_views.logout, name="logout"),
    path("signed-in/", views.signed_in, name="signed-in"),
]
