"""How staff sign in, as the clinic sets it (bot/settings.py's HAIP_STAFF_* table;
docs/staff-sign-in.md for clinic IT): local accounts (password and a second
step) on or off, and single sign-on with the clinic's OpenID Connect provider.

Read by staff/settings.py when the workspace starts; nothing here touches the
database, so it is safe at settings time."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from bot import settings as haip

# allauth's name for the clinic's provider: in the callback address the clinic
# registers with its provider, /accounts/oidc/clinic/login/callback/.
PROVIDER_ID = "clinic"
YES, NO = ("yes", "on", "true", "1"), ("no", "off", "false", "0")


def _flag(variable: str) -> bool:
    raw = (haip.get(variable) or "").strip().lower()
    if raw in YES:
        return True
    if raw in NO:
        return False
    raise SystemExit(f"{variable} must be yes or no, not {raw!r}")


def local_accounts() -> bool:
    """Whether accounts of the workspace's own (name, password and a second
    step) may sign in. Off: only single sign-on, and superusers (the
    break-glass accounts made with `python -m staff users superuser NAME`)."""
    return _flag("HAIP_STAFF_LOCAL_ACCOUNTS")


def sso_requires_our_mfa() -> bool:
    """Off (the default): the clinic's provider is responsible for the second
    step of single sign-on. On: SSO users set up ours as well."""
    return _flag("HAIP_STAFF_SSO_REQUIRE_MFA")


def server_url() -> str:
    return (haip.get("HAIP_STAFF_OIDC_SERVER_URL") or "").rstrip("/")


def client_secret() -> str:
    """From the file if one is named, else from the environment; never from a
    command line. A confidential client needs one; an error names the file and
    why, never what is in it."""
    secret_file = haip.get("HAIP_STAFF_OIDC_CLIENT_SECRET_FILE")
    if not secret_file:
        return haip.get("HAIP_STAFF_OIDC_CLIENT_SECRET") or ""
    try:
        secret = Path(secret_file).read_text().strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise SystemExit(
            f"HAIP_STAFF_OIDC_CLIENT_SECRET_FILE cannot be read ({secret_file}: "
            f"{exc.__class__.__name__})"
        ) from None
    if not secret:
        raise SystemExit(f"HAIP_STAFF_OIDC_CLIENT_SECRET_FILE is empty ({secret_file})")
    return secret


def role_map() -> dict[str, str]:
    """HAIP_STAFF_OIDC_ROLES, "group=role group=role": which of the provider's
    groups give which role. Empty: single sign-on gives no role; an admin does."""
    from staff.accounts.roles import ROLES

    mapping = {}
    for pair in (haip.get("HAIP_STAFF_OIDC_ROLES") or "").split():
        group, _, role = pair.rpartition("=")
        if not group or role not in ROLES:
            raise SystemExit(
                f"HAIP_STAFF_OIDC_ROLES: {pair!r} is not GROUP=ROLE with a role of "
                f"{', '.join(ROLES)}"
            )
        mapping[group] = role
    return mapping


def roles_claim() -> str:
    return haip.get("HAIP_STAFF_OIDC_ROLES_CLAIM") or "groups"


def provider_name() -> str:
    return haip.get("HAIP_STAFF_OIDC_NAME") or "the clinic's sign-in"


def oidc_configured() -> bool:
    return bool(server_url())


def oidc_apps() -> list[dict]:
    """allauth's SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"]: the
    clinic's provider, or none."""
    if not oidc_configured():
        return []
    client_id = haip.get("HAIP_STAFF_OIDC_CLIENT_ID") or ""
    if not client_id:
        raise SystemExit("HAIP_STAFF_OIDC_SERVER_URL is set: set HAIP_STAFF_OIDC_CLIENT_ID too")
    return [
        {
            "provider_id": PROVIDER_ID,
            "name": provider_name(),
            "client_id": client_id,
            "secret": client_secret(),
            "settings": {"server_url": server_url()},
        }
    ]


def provider_origin() -> str:
    """Where the sign-on button's form goes on to (the page's form-action)."""
    if not oidc_configured():
        return ""
    parts = urlsplit(server_url())
    return f"{parts.scheme}://{parts.netloc}"
