"""bot/settings.py: one table of settings, the table in docs/settings.md the same, and every
HAIP_ variable the code reads listed there."""

import re

import pytest

from bot import paths, settings
from bot.servers import api_token


def test_the_docs_show_exactly_the_settings_table():
    assert settings.docs_table() in (paths.ROOT / "docs" / "settings.md").read_text()


def test_every_variable_the_code_reads_is_a_listed_setting():
    files = [*paths.ROOT.glob("bot/**/*.py"), *paths.ROOT.glob("actions/*.py")]
    files += [paths.ROOT / "credentials.yml", paths.ROOT / "endpoints.yml"]
    used = {v for f in files for v in re.findall(r"\bHAIP_[A-Z_]+\b", f.read_text())}
    known = set(settings.BY_VARIABLE) | set(settings.INTERNAL)
    assert used - known == set()
    assert api_token.VARIABLE in settings.INTERNAL


def test_defaults_relative_paths_and_the_environment():
    assert settings.get("HAIP_RASA_PORT", {}) == "5005"
    assert settings.get("HAIP_RASA_PORT", {"HAIP_RASA_PORT": "6000"}) == "6000"
    assert settings.get("HAIP_RASA_PORT", {"HAIP_RASA_PORT": ""}) == "5005"
    assert settings.path("HAIP_TRACKER_DB", {}) == paths.ROOT / "var" / "tracker.db"
    assert settings.path("HAIP_TRACKER_DB", {"HAIP_TRACKER_DB": "/tmp/t.db"}).name == "t.db"
    assert settings.seconds("HAIP_REMINDER_LEAD_SECONDS", {}) is None


@pytest.mark.parametrize(
    "variable, value, reader",
    [
        ("HAIP_RASA_PORT", "http", settings.port),
        ("HAIP_WEB_PORT", "70000", settings.port),
        ("HAIP_REPLY_LIMIT_SECONDS", "soon", settings.seconds),
        ("HAIP_REMINDER_POLL_SECONDS", "1e308", settings.seconds),
        ("HAIP_REMINDER_RETRY_SECONDS", "-1", settings.seconds),
    ],
)
def test_a_bad_value_names_the_variable(variable, value, reader):
    with pytest.raises(SystemExit, match=variable):
        reader(variable, {variable: value})


def test_every_setting_has_a_meaning_and_a_shown_default():
    for setting in settings.TABLE:
        assert setting.meaning and setting.docs_default
        assert setting.variable.startswith("HAIP_")
