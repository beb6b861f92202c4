"""django-allauth as the workspace uses it: nobody signs themselves up; the
client's address is the one the lock-out uses; people who sign on through the
clinic's provider get an account at their first sign-on, with the roles its
groups map to (HAIP_STAFF_OIDC_ROLES) or none."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter

from staff.accounts import client_address, sso


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return False  # admins add local accounts (staff/people/, python -m staff users add)

    def get_client_ip(self, request) -> str:
        # allauth's rate limits see the address django-axes sees: behind nginx,
        # the one nginx saw (staff/accounts/client_address.py).
        return client_address.address(request)

    def send_mail(self, template_prefix, email, context) -> None:
        return None  # the workspace sends staff no e-mail


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin) -> bool:
        # The clinic's provider vouches for its people: their first sign-on
        # makes the account (with no role unless their groups map to one).
        return True

    def pre_social_login(self, request, sociallogin) -> None:
        if sociallogin.is_existing:
            sso.apply_roles(sociallogin.user, sociallogin.account.extra_data)

    def save_user(self, request, sociallogin, form=None):
        user = super().save_user(request, sociallogin, form)
        sso.account_made(user, sociallogin.account.extra_data)
        return user
