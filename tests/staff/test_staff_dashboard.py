"""The overview dashboard: its figures (staff/review/stats.py), the JSON
endpoint, and a page whose charts each have a table with the same figures."""

import datetime as dt
import itertools
import re

import pytest
from django.utils import timezone

from bot.reminders.store import ReminderStore
from staff.accounts import accounts, roles
from staff.review import conversations, stats
from staff.review.models import Message, Outcome

pytestmark = pytest.mark.django_db
GOOD = "a-long-passphrase-9"
TODAY = dt.date(2025, 3, 10)
_event = itertools.count(1)


def message(day: dt.date, outcome=Outcome.ANSWERED, topic="", sender=Message.PATIENT, hour=12):
    return Message.objects.create(
        event_id=next(_event),
        # At that hour of the clinic's clock, by which days are counted.
        time=dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone()),
        conversation="c0ffee0001",
        sender=sender,
        text="(masked)",
        topic=topic,
        outcome=outcome,
    )


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


@pytest.fixture
def no_reminders(tmp_path, monkeypatch):
    monkeypatch.setenv("HAIP_REMINDERS_DB", str(tmp_path / "absent" / "reminders.db"))
    return tmp_path / "absent" / "reminders.db"


@pytest.fixture
def nurse(client, no_reminders):
    accounts.add("nina", roles.NURSE, GOOD)
    from django.contrib.auth.models import User

    client.force_login(User.objects.get(username="nina"))
    return client


# -- the figures -------------------------------------------------------------------


def test_the_period_ends_today_and_only_offered_lengths_are_taken():
    assert stats.period(7, TODAY) == (dt.date(2025, 3, 4), TODAY)
    assert stats.period(1, TODAY) == (TODAY, TODAY)
    assert stats.days_from("7") == 7 and stats.days_from("90") == 90
    for raw in (None, "", "abc", "5", "-30", "365"):
        assert stats.days_from(raw) == stats.DEFAULT_DAYS == 30


def test_messages_per_day_count_patients_only_and_empty_days_are_zero():
    message(days_ago(2), Outcome.NOT_UNDERSTOOD, hour=0)
    message(days_ago(2), Outcome.ANSWERED, hour=23)
    message(days_ago(2), Outcome.NOT_UNDERSTOOD, sender=Message.ASSISTANT)
    message(days_ago(2), sender=Message.SYSTEM)
    message(days_ago(0), Outcome.URGENT)
    message(days_ago(3))  # the day before the period
    message(TODAY + dt.timedelta(days=1))  # after it

    first, last = stats.period(3, TODAY)
    rows = stats.daily(stats.patient(), first, last)

    assert [r["day"] for r in rows] == ["2025-03-08", "2025-03-09", "2025-03-10"]
    assert [r["messages"] for r in rows] == [2, 0, 1]
    assert [r["not_understood"] for r in rows] == [1, 0, 0]
    # Half not understood; a day without messages has no share at all.
    assert [r["not_understood_share"] for r in rows] == [0.5, None, 0.0]


def test_not_understood_share_is_per_day():
    for outcome in (Outcome.NOT_UNDERSTOOD, Outcome.ANSWERED, Outcome.ANSWERED):
        message(days_ago(1), outcome)
    message(days_ago(0), Outcome.NOT_UNDERSTOOD)
    rows = stats.daily(stats.patient(), *stats.period(2, TODAY))
    assert [r["not_understood_share"] for r in rows] == [0.3333, 1.0]


def test_totals_count_urgent_handoffs_and_not_understood_in_the_period():
    for outcome in (Outcome.URGENT, Outcome.URGENT, Outcome.HANDOFF, Outcome.NOT_UNDERSTOOD):
        message(days_ago(1), outcome)
    message(days_ago(40), Outcome.URGENT)
    message(days_ago(1), Outcome.URGENT, sender=Message.ASSISTANT)
    messages = stats.within(stats.patient(), *stats.period(30, TODAY))
    assert stats.totals(messages) == {
        "messages": 4,
        "urgent": 2,
        "handoff": 1,
        "not_understood": 1,
    }


def test_top_topics_are_the_ten_answered_most_often():
    for n in range(12):  # topic-00 once, topic-01 twice, ...
        for _ in range(n + 1):
            message(days_ago(1), Outcome.ANSWERED, topic=f"topic-{n:02}")
    for _ in range(20):  # not answered, or no topic: not counted
        message(days_ago(1), Outcome.NOT_UNDERSTOOD, topic="topic-00")
        message(days_ago(1), Outcome.ANSWERED, topic="")
    top = stats.top_topics(stats.patient())
    assert len(top) == 10
    assert top[0] == {"topic": "topic-11", "count": 12}
    assert top[-1] == {"topic": "topic-02", "count": 3}
    assert [t["count"] for t in top] == sorted((t["count"] for t in top), reverse=True)


def test_ties_are_broken_by_name():
    for topic in ("pump-b", "pump-a", "pump-b", "pump-a"):
        message(days_ago(1), topic=topic)
    assert [t["topic"] for t in stats.top_topics(stats.patient())] == ["pump-a", "pump-b"]


def test_overview_without_a_reminder_store_creates_nothing(no_reminders):
    data = stats.overview(7, TODAY)
    assert data["reminders"] == {"available": False, "delivered": 0, "failed": 0, "missed": 0}
    assert len(data["daily"]) == 7 and data["first"] == "2025-03-04"
    assert not no_reminders.exists() and not no_reminders.parent.exists()


def test_reminders_delivered_failed_and_missed_come_from_the_store(tmp_path):
    path = tmp_path / "reminders.db"
    reminders = ReminderStore(path)
    soon = dt.datetime.now(dt.timezone.utc)
    ahead = soon.date() + dt.timedelta(days=3)
    for sender in ("a", "b"):
        reminder = reminders.set(sender, ahead, soon)
        reminders.delivered(reminder, reminders.claim(reminder.id), None)
    failing = reminders.set("c", ahead, soon)
    reminders.attempt_failed(failing, reminders.claim(failing.id), "NotDelivered: x", None, None)
    reminders.missed(reminders.set("d", soon.date() - dt.timedelta(days=1), soon), None)
    reminders.set("e", ahead, soon)  # pending: neither

    today = soon.date()
    counts = stats.reminder_counts(path, *stats.period(7, today))
    assert counts == {"available": True, "delivered": 2, "failed": 1, "missed": 1}
    # Out of the period: nothing.
    long_ago = stats.reminder_counts(path, today - dt.timedelta(days=60), today - dt.timedelta(1))
    assert long_ago == {"available": True, "delivered": 0, "failed": 0, "missed": 0}


# -- the pages ---------------------------------------------------------------------


def test_the_json_endpoint_gives_the_figures(nurse):
    today = timezone.localdate()
    message(today, Outcome.NOT_UNDERSTOOD)
    message(today, Outcome.ANSWERED, topic="refill-visit")
    message(today, Outcome.HANDOFF)

    response = nurse.get("/api/dashboard/?days=7")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    data = response.json()
    assert data["days"] == 7 and len(data["daily"]) == 7
    assert data["daily"][-1] == {
        "day": today.isoformat(),
        "messages": 3,
        "not_understood": 1,
        "not_understood_share": 0.3333,
    }
    assert data["totals"] == {"messages": 3, "urgent": 0, "handoff": 1, "not_understood": 1}
    assert data["top_topics"] == [{"topic": "refill-visit", "count": 1}]
    assert data["reminders"]["available"] is False
    assert len(nurse.get("/api/dashboard/").json()["daily"]) == 30
    assert len(nurse.get("/api/dashboard/?days=90").json()["daily"]) == 90
    assert len(nurse.get("/api/dashboard/?days=1000").json()["daily"]) == 30


def test_the_page_has_a_table_for_every_chart_and_no_inline_script(nurse, tmp_path, monkeypatch):
    monkeypatch.setenv("HAIP_REMINDERS_DB", str(tmp_path / "no-reminders-yet.db"))
    today = timezone.localdate()
    message(today, Outcome.ANSWERED, topic="refill-visit")
    message(today, Outcome.NOT_UNDERSTOOD)

    page = nurse.get("/dashboard/?days=7").content.decode()

    canvases = re.findall(r"<canvas [^>]*>", page)
    assert len(canvases) == 3  # messages, share, topics (no reminder store)
    for canvas in canvases:
        assert 'role="img"' in canvas and re.search(r'aria-label="[^"]{20,}"', canvas)
    assert page.count("<summary>Show the figures as a table</summary>") == 3
    # The key figures, one per chart, and the conversations by language.
    assert page.count("<caption>") == 5
    assert 'scope="col"' in page and 'scope="row"' in page
    assert f'<th scope="row">{today.isoformat()}</th><td>2</td>' in page
    assert "<td>2</td><td>1</td><td>50%</td>" in page
    assert '<label for="days">Period</label>' in page and 'id="days"' in page
    assert '<option value="7" selected>' in page

    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    inline = [(attrs, body) for attrs, body in scripts if "src=" not in attrs]
    assert len(inline) == 1
    attrs, body = inline[0]
    assert 'id="dashboard-data"' in attrs and 'type="application/json"' in attrs
    assert '"refill-visit"' in body
    sources = [
        re.search(r'src="([^"]+)"', attrs).group(1) for attrs, _ in scripts if "src=" in attrs
    ]
    assert sources == ["/static/vendor/chart.js/chart.umd.min.js", "/static/staff/dashboard.js"]
    assert "cdn" not in page.lower()


def test_chart_js_and_the_drawing_script_are_served_locally(nurse):
    for url in ("/static/vendor/chart.js/chart.umd.min.js", "/static/staff/dashboard.js"):
        response = nurse.get(url)
        assert response.status_code == 200, url
        assert b"".join(response.streaming_content if response.streaming else [response.content])


def test_the_reminder_chart_appears_with_a_store(nurse, tmp_path, monkeypatch):
    path = tmp_path / "reminders.db"
    ReminderStore(path)
    monkeypatch.setenv("HAIP_REMINDERS_DB", str(path))
    page = nurse.get("/dashboard/").content.decode()
    assert 'id="chart-reminders"' in page
    assert "0 delivered, 0 failed, 0 missed" in page
    assert 'href="/reminders/"' in page


def test_every_role_sees_the_overview_and_anonymous_is_sent_to_log_in(client, no_reminders):
    from django.contrib.auth.models import User

    for name, role in (("ed", roles.EDITOR), ("ada", roles.ADMIN), ("nina", roles.NURSE)):
        accounts.add(name, role, GOOD)
        client.force_login(User.objects.get(username=name))
        assert client.get("/dashboard/").status_code == 200
        assert client.get("/api/dashboard/").status_code == 200
        client.logout()
    for url in ("/dashboard/", "/api/dashboard/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_an_editor_gets_no_link_to_the_reminders(client, tmp_path, monkeypatch):
    from django.contrib.auth.models import User

    ReminderStore(tmp_path / "r.db")
    monkeypatch.setenv("HAIP_REMINDERS_DB", str(tmp_path / "r.db"))
    accounts.add("ed", roles.EDITOR, GOOD)
    client.force_login(User.objects.get(username="ed"))
    page = client.get("/dashboard/").content.decode()
    assert 'id="chart-reminders"' in page and 'href="/reminders/"' not in page


def test_conversations_are_counted_per_language():
    for conversation, language in (("a", "es"), ("a", "es"), ("b", "es"), ("c", "en"), ("d", "")):
        Message.objects.create(
            event_id=next(_event),
            time=dt.datetime.combine(days_ago(1), dt.time(12), tzinfo=dt.timezone.utc),
            conversation=conversation,
            sender=Message.PATIENT,
            text="(masked)",
            language=language,
        )
    rows = stats.overview(7, today=TODAY)["languages"]
    assert rows == [
        {"language": "Español", "count": 2},
        {"language": "not known", "count": 1},
        {"language": "English", "count": 1},
    ] or rows == [
        {"language": "Español", "count": 2},
        {"language": "English", "count": 1},
        {"language": "not known", "count": 1},
    ]


def test_the_inbox_filters_by_language_and_marks_spanish_text_as_spanish(nurse):
    for text, language, name in (("tengo fiebre", "es", "c0ffee0002"),
                                 ("I have a question", "en", "c0ffee0003")):  # fmt: skip
        Message.objects.create(
            event_id=next(_event),
            time=dt.datetime(2025, 3, 9, 12, tzinfo=dt.timezone.utc),
            conversation=name,
            sender=Message.PATIENT,
            text=text,
            language=language,
        )
    conversations.refresh(["c0ffee0002", "c0ffee0003"])
    page = nurse.get("/?language=es").content.decode()
    assert "tengo fiebre" in page and "I have a question" not in page
    assert re.search(r'<td lang="es"><a [^>]*>tengo fiebre', page)
    assert '<option value="es" lang="es" selected>Español</option>' in page
    everything = nurse.get("/?language=xx").content.decode()
    assert "tengo fiebre" in everything and "I have a question" in everything
