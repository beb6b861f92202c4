"""A Content-Security-Policy on every workspace response: the pages run only
the workspace's own scripts and styles (they have no inline script, style or
event handler), so injected markup that escaped masking and escaping can run
nothing, load nothing from elsewhere, post nowhere else and not be framed.

Django 5.2 has no CSP setting of its own; this is the whole of it."""

from __future__ import annotations

POLICY = "; ".join(
    [
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", POLICY)
        return response
