"""Sessions end after a spell of inactivity; the inbox's background check for
new messages (every 10 s) must not count as activity, or an inbox left open on
an empty desk would keep its session forever."""

from __future__ import annotations

from django.contrib.sessions.middleware import SessionMiddleware

BACKGROUND_HEADER = "X-Staff-Background"


class IdleSessionMiddleware(SessionMiddleware):
    def process_response(self, request, response):
        if request.headers.get(BACKGROUND_HEADER) == "1":
            return response  # not saved: the session's expiry is not pushed back
        return super().process_response(request, response)
