"""Rasa's Redis lock store, made safe for several Rasa servers.

Rasa 3.6's RedisLockStore reads a conversation's ticket lock, changes it and
writes it back in three separate Redis calls (RasaHQ/rasa#9213). Two servers
taking the first messages of one conversation at the same moment both find no
lock, both create one with ticket 0, and both work on the conversation at once:
tests/test_scale_out.py saw one of the two turns vanish from the tracker. Here
each read-change-write runs under redis-py's own lock (SET NX with an expiry, and
a Lua script to release it), kept for a few Redis round trips.
"""

from __future__ import annotations

from contextlib import AbstractContextManager

from rasa.core.lock_store import LOCK_LIFETIME, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

# Held for a few Redis calls; the expiry only matters if a server dies holding it.
GUARD_EXPIRY_S = 5
GUARD_WAIT_S = 10


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig) -> None:
        # Rasa builds a lock store named by module path from its endpoint config.
        super().__init__(host=endpoint_config.url, **endpoint_config.kwargs)

    def _guard(self, conversation_id: str) -> AbstractContextManager:
        return self.red.lock(
            f"{self.key_prefix}{conversation_id}:guard",
            timeout=GUARD_EXPIRY_S,
            blocking_timeout=GUARD_WAIT_S,
            sleep=0.005,
        )

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        with self._guard(conversation_id):
            return super().issue_ticket(conversation_id, lock_lifetime)

    def update_lock(self, conversation_id: str) -> None:
        with self._guard(conversation_id):
            super().update_lock(conversation_id)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        # Whole: a ticket issued between "no one is waiting" and the delete
        # would otherwise lose its lock.
        with self._guard(conversation_id):
            super().cleanup(conversation_id, ticket_number)
