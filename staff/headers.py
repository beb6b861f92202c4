"""A Content-Security-Policy on every workspace response: the pages run only
the workspace's own scripts and styles (they have no inline script, style or
event handler), so injected markup that escaped masking and escaping can run
nothing, load nothing from elsewhere, post nowhere else and not be framed.

Django 5.2 has no CSP setting of its own; this is the whole of it."""

from __future__ import annotations

from django.conf import settings


def policy() -> str:
    # The single sign-on button posts to the workspace, which sends the browser
    # on to the clinic's provider: a form's redirects must be allowed to go there.
    form_action = " ".join(filter(None, ["'self'", settings.STAFF_OIDC_ORIGIN]))
    return "; ".join(
        [
            "default-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            f"form-action {form_action}",
            "frame-ancestors 'none'",
        ]
    )


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = policy()

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        return response
