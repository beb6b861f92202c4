from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "staff.accounts"
    label = "accounts"

    def ready(self) -> None:
        from allauth.account.decorators import secure_admin_login
        from django.contrib import admin

        from staff.accounts import mfa, sign_in

        mfa.connect()
        # Django's admin pages sign in through the workspace's sign-in page, never
        # their own form (which would skip the second step).
        admin.site.login = secure_admin_login(admin.site.login)
        sign_in.role_map()  # a wrong HAIP_STAFF_OIDC_ROLES stops the start, with its reason
