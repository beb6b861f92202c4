"""How fast one client may send chat messages: a token bucket per key (a socket.io
connection, a chat id, a REST sender). Each key may send `burst` messages at once,
then one more every 60/`per_minute` seconds. A patient typing never meets it; one
client flooding the chat (300 messages in 30 s were seen) gets a polite "please
wait" for everything past the burst, and none of it is stored or read by the model.

In memory, per Rasa server: the limit protects this process's disk and CPU. The
keys kept are bounded (the least recently used are forgotten first), so a flood of
new ids cannot grow it either; a forgotten key starts with a full bucket.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

from bot import settings

MAX_KEYS = 50_000


class RateLimiter:
    def __init__(
        self,
        burst: int,
        per_minute: float,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = MAX_KEYS,
    ) -> None:
        if burst < 1 or per_minute <= 0:
            raise ValueError("a rate limit needs a burst of at least 1 and a positive rate")
        self.burst = burst
        self.per_second = per_minute / 60
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: OrderedDict[Hashable, tuple[float, float]] = OrderedDict()

    def _tokens(self, key: Hashable, now: float) -> float:
        tokens, stamp = self._buckets.get(key, (float(self.burst), now))
        return min(float(self.burst), tokens + (now - stamp) * self.per_second)

    def allow(self, *keys: Hashable) -> bool:
        """Whether a message may pass for all of `keys`; if so, it costs each one token."""
        now = self.clock()
        levels = {key: self._tokens(key, now) for key in keys}
        allowed = all(level >= 1 for level in levels.values())
        for key, level in levels.items():
            self._buckets[key] = (level - 1 if allowed else level, now)
            self._buckets.move_to_end(key)
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return allowed


def from_settings() -> RateLimiter:
    return RateLimiter(
        burst=settings.count("HAIP_CHAT_BURST"),
        per_minute=settings.count("HAIP_CHAT_PER_MINUTE"),
    )
