"""bot/outreach/sms.py against the local Twilio stand-in (tests/sms_provider.py):
sending, how failures are sorted, the check after a crash, numbers and settings."""

import time
from datetime import datetime, timedelta, timezone

import pytest

from bot.outreach import sms
from harness.servers import free_port
from tests.sms_provider import ACCOUNT_SID, AUTH_TOKEN, NUMBER, SmsProvider

PATIENT = "+12025550143"
BODY = "Your pump refill is tomorrow at 9:00."


@pytest.fixture
def twilio():
    with SmsProvider() as provider:
        yield provider


def test_a_text_is_posted_with_twilio_fields_and_basic_auth(twilio):
    sid = sms.send(twilio.settings(), PATIENT, BODY)
    assert sid.startswith("SM")
    [message] = twilio.messages
    assert (message["To"], message["From"], message["Body"]) == (PATIENT, NUMBER, BODY)
    assert message["auth_user"] == ACCOUNT_SID and message["sid"] == sid


def test_a_wrong_token_is_a_permanent_failure_that_names_no_secret(twilio):
    wrong = sms.TwilioSettings(ACCOUNT_SID, "not-the-token", NUMBER, twilio.url)
    with pytest.raises(sms.PermanentFailure) as failure:
        sms.send(wrong, PATIENT, BODY)
    assert (failure.value.status, failure.value.code) == (401, 20003)
    assert twilio.messages == []
    for secret in ("not-the-token", PATIENT, NUMBER, BODY):
        assert secret not in str(failure.value)


@pytest.mark.parametrize("status, code", [(500, 20500), (503, None), (429, 20429)])
def test_twilio_failing_or_rate_limiting_is_temporary(twilio, status, code):
    twilio.fail(status, code, times=1)
    with pytest.raises(sms.TemporaryFailure) as failure:
        sms.send(twilio.settings(), PATIENT, BODY)
    assert failure.value.status == status and failure.value.code == code
    assert str(status) in str(failure.value)
    # The next attempt goes through.
    assert sms.send(twilio.settings(), PATIENT, BODY).startswith("SM")


def test_a_refused_message_is_permanent_and_stop_is_unsubscribed(twilio):
    twilio.fail(400, 21211, times=1)  # invalid To
    with pytest.raises(sms.PermanentFailure) as failure:
        sms.send(twilio.settings(), PATIENT, BODY)
    assert not isinstance(failure.value, sms.Unsubscribed)
    assert "400" in str(failure.value) and "21211" in str(failure.value)

    twilio.fail(400, sms.UNSUBSCRIBED_CODE, times=1)
    with pytest.raises(sms.Unsubscribed) as failure:
        sms.send(twilio.settings(), PATIENT, BODY)
    assert isinstance(failure.value, sms.PermanentFailure)
    assert isinstance(failure.value, sms.SendFailed)
    assert failure.value.code == 21610
    assert PATIENT not in str(failure.value) and BODY not in str(failure.value)


def test_a_stalled_twilio_is_a_timeout_and_temporary(twilio):
    twilio.stall(5)
    started = time.monotonic()
    with pytest.raises(sms.TemporaryFailure, match="ReadTimeout"):
        sms.send(twilio.settings(), PATIENT, BODY, timeout_s=0.5)
    assert time.monotonic() - started < 3


def test_an_unreachable_twilio_is_temporary():
    nowhere = sms.TwilioSettings(ACCOUNT_SID, AUTH_TOKEN, NUMBER, f"http://127.0.0.1:{free_port()}")
    with pytest.raises(sms.TemporaryFailure) as failure:
        sms.send(nowhere, PATIENT, BODY, timeout_s=2)
    assert failure.value.status is None
    with pytest.raises(sms.TemporaryFailure) as failure:
        sms.sent_since(nowhere, PATIENT, datetime.now(timezone.utc), BODY, timeout_s=2)
    assert PATIENT not in str(failure.value) and "2025550143" not in str(failure.value)


def test_sent_since_finds_the_same_body_to_the_same_number_only_after_since(twilio):
    settings = twilio.settings()
    before_sending = datetime.now(timezone.utc) - timedelta(seconds=2)
    assert not sms.sent_since(settings, PATIENT, before_sending, BODY)
    sms.send(settings, PATIENT, BODY)
    assert sms.sent_since(settings, PATIENT, before_sending, BODY)
    assert not sms.sent_since(settings, PATIENT, before_sending, BODY + " ")
    assert not sms.sent_since(settings, "+12025550199", before_sending, BODY)
    # In another time zone, the same moment.
    eastern = before_sending.astimezone(timezone(timedelta(hours=-5)))
    assert sms.sent_since(settings, PATIENT, eastern, BODY)
    # Sent before `since`: another attempt's message.
    assert not sms.sent_since(settings, PATIENT, datetime.now(timezone.utc) + timedelta(1), BODY)
    with pytest.raises(ValueError):
        sms.sent_since(settings, PATIENT, datetime.now(), BODY)


def test_sent_since_uses_twilios_date_filter(twilio):
    now = datetime.now(timezone.utc)
    twilio.record(PATIENT, BODY, now - timedelta(days=3))
    # Created before `since`: not this attempt's message.
    assert not sms.sent_since(twilio.settings(), PATIENT, now - timedelta(days=1), BODY)
    assert sms.sent_since(twilio.settings(), PATIENT, now - timedelta(days=4), BODY)


@pytest.mark.parametrize(
    "typed",
    ["(202) 555-0143", "202-555-0143", "202.555.0143", "+1 202 555 0143", "1 (202) 555 0143"],
)
def test_a_number_typed_any_common_way_becomes_e164(typed):
    assert sms.to_e164(typed) == "+12025550143"


@pytest.mark.parametrize(
    "typed",
    ["", "   ", "12345", "(555) 555-0123", "call me", "202-555-01433", "1" * 80, None],
)
def test_anything_else_is_not_a_number(typed):
    assert sms.to_e164(typed) is None


def test_another_region_and_an_international_number():
    assert sms.to_e164("020 7946 0958", region="GB") == "+442079460958"
    assert sms.to_e164("+44 20 7946 0958") == "+442079460958"


def test_mask_shows_the_country_code_and_last_four_digits_only():
    assert sms.mask("+12025550143") == "+1 ••• ••• 0143"
    assert sms.mask("+442079460958") == "+44 ••• ••• 0958"
    assert sms.mask("0143") == "•••"
    assert sms.mask("") == "•••"


def test_conversation_ids_are_stable_and_hide_the_number():
    settings = sms.TwilioSettings(ACCOUNT_SID, AUTH_TOKEN, NUMBER, "https://api.twilio.com")
    first = sms.conversation_id(settings, PATIENT)
    assert first == sms.conversation_id(settings, PATIENT)
    assert first.startswith("sms-") and len(first) == 4 + 24
    assert "0143" not in first
    assert first != sms.conversation_id(settings, "+12025550144")


def env(**values):
    return {
        "HAIP_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "HAIP_TWILIO_NUMBER": NUMBER,
        "HAIP_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        **values,
    }


def test_no_account_means_text_messages_are_off():
    assert sms.TwilioSettings.from_env({}) is None
    assert sms.TwilioSettings.from_env({"HAIP_TWILIO_ACCOUNT_SID": ""}) is None


def test_settings_from_the_environment_and_the_token_stays_out_of_repr():
    settings = sms.TwilioSettings.from_env(env())
    assert settings == sms.TwilioSettings(ACCOUNT_SID, AUTH_TOKEN, NUMBER, "https://api.twilio.com")
    assert AUTH_TOKEN not in repr(settings) and ACCOUNT_SID in repr(settings)
    local = sms.TwilioSettings.from_env(env(HAIP_TWILIO_API_URL="http://127.0.0.1:9/"))
    assert local.api_url == "http://127.0.0.1:9"


def test_the_token_file_comes_before_the_token(tmp_path):
    token_file = tmp_path / "twilio-token"
    token_file.write_text("token-from-file\n")
    settings = sms.TwilioSettings.from_env(env(HAIP_TWILIO_AUTH_TOKEN_FILE=str(token_file)))
    assert settings.auth_token == "token-from-file"
    with pytest.raises(SystemExit, match="HAIP_TWILIO_AUTH_TOKEN_FILE"):
        sms.TwilioSettings.from_env(env(HAIP_TWILIO_AUTH_TOKEN_FILE=str(tmp_path / "none")))


@pytest.mark.parametrize("missing", ["HAIP_TWILIO_NUMBER", "HAIP_TWILIO_AUTH_TOKEN"])
def test_an_account_without_its_number_or_token_names_the_variable(missing):
    with pytest.raises(SystemExit, match=missing) as stopped:
        sms.TwilioSettings.from_env(env(**{missing: ""}))
    assert AUTH_TOKEN not in str(stopped.value)
