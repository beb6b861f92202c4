"""How fast one client may send (bot/servers/rate_limit.py), with a clock the test sets."""

import pytest

from bot import settings
from bot.rasa import channels
from bot.servers.rate_limit import RateLimiter


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_a_burst_passes_then_one_message_per_interval():
    clock = Clock()
    limiter = RateLimiter(burst=3, per_minute=6, clock=clock)  # one every 10 s
    assert [limiter.allow("a") for _ in range(5)] == [True, True, True, False, False]
    clock.now += 9.9
    assert not limiter.allow("a")
    clock.now += 0.2
    assert limiter.allow("a") and not limiter.allow("a")
    # A quiet minute fills the bucket again, never past the burst.
    clock.now += 600
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]


def test_every_key_must_have_room_and_a_refusal_costs_nothing():
    clock = Clock()
    limiter = RateLimiter(burst=2, per_minute=60, clock=clock)
    assert limiter.allow("connection-1", "chat-x") and limiter.allow("connection-1", "chat-x")
    # A new connection for the same chat id is still limited by the chat id.
    assert not limiter.allow("connection-2", "chat-x")
    # Another patient is not.
    assert limiter.allow("connection-3", "chat-y")
    clock.now += 1
    assert limiter.allow("connection-2", "chat-x")


def test_the_keys_kept_are_bounded():
    limiter = RateLimiter(burst=1, per_minute=1, clock=Clock(), max_keys=100)
    for n in range(1000):
        limiter.allow(f"id-{n}")
    assert len(limiter._buckets) == 100


@pytest.mark.parametrize("burst, per_minute", [(0, 10), (5, 0), (5, -1)])
def test_a_limit_that_would_refuse_everything_is_an_error(burst, per_minute):
    with pytest.raises(ValueError):
        RateLimiter(burst=burst, per_minute=per_minute)


@pytest.mark.parametrize("raw", ["0", "-3", "ten", "1.5", "100001"])
def test_a_bad_setting_names_itself(raw):
    with pytest.raises(SystemExit, match="HAIP_CHAT_BURST"):
        settings.count("HAIP_CHAT_BURST", {"HAIP_CHAT_BURST": raw})


def test_a_message_past_the_limit_gets_please_wait_or_the_urgent_guidance():
    (wait,) = channels.limited_replies("what is the pump")
    assert "wait a moment" in wait.text and "911" in wait.text
    (urgent,) = channels.limited_replies("I have chest pain")
    assert urgent.text.startswith("You mentioned chest pain") and "911" in urgent.text
    (spanish,) = channels.limited_replies("tengo fiebre y escalofríos desde ayer")
    assert spanish.text.startswith("Usted mencionó fiebre")
    (espera,) = channels.limited_replies("¿cuánto dura el relleno de la bomba?")
    assert espera.text.startswith("Está enviando mensajes muy rápido")


def test_only_what_the_red_flag_check_reads_is_kept():
    from bot.nlu import input_checks

    huge = "a" * (input_checks.MAX_SCANNED_CHARS + 5000)
    assert len(channels.stored_text(huge)) == input_checks.MAX_SCANNED_CHARS
