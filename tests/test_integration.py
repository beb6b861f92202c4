"""The real servers, started the way `make run` starts them, asked over REST."""

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from bot import paths, runtimes
from bot.servers import processes
from bot.servers.processes import RASA
from harness.servers import (
    Assistant,
    all_text,
    bot_texts,
    port_open,
    started_assistant,
    tracker_events,
)
from tests.conftest import edit_yaml
from tests.sms_provider import SmsProvider
from tests.smtp_server import Recorder, parsed, smtp_server
from tests.socket_patient import SocketPatient

pytestmark = pytest.mark.integration


# Reminders by e-mail and text go to a real SMTP server and to the stand-in for
# Twilio's API, both on 127.0.0.1; the public address is what nginx would serve.
PUBLIC_URL = "https://chat.clinic.example.org"


@pytest.fixture(scope="module")
def mailbox():
    handler = Recorder()
    with smtp_server(handler) as port:
        handler.port = port
        yield handler


@pytest.fixture(scope="module")
def phone_company():
    with SmsProvider() as provider:
        yield provider


@pytest.fixture(scope="module")
def assistant(tmp_path_factory, mailbox, phone_company):
    root = tmp_path_factory.mktemp("assistant")
    outreach = {
        "HAIP_SMTP_HOST": "127.0.0.1",
        "HAIP_SMTP_PORT": str(mailbox.port),
        "HAIP_SMTP_STARTTLS": "no",
        "HAIP_SMTP_SENDER": "refills@clinic.example.org",
        "HAIP_PUBLIC_URL": PUBLIC_URL,
        **phone_company.env(),
    }
    with started_assistant(root, **outreach) as running:
        # Texts go at any hour here; test_quiet_hours_hold_texts_but_not_e_mails sets some.
        always = {"quiet_hours_start": "00:00", "quiet_hours_end": "00:00"}
        edit_yaml(root / "content" / "clinic.yml", lambda clinic: clinic.update(always))
        yield running


def test_hospital_stay_comes_from_the_clinic_file(assistant):
    text = all_text(assistant.ask("patient-a", "how long is the hospital stay"))
    assert "about 3 days" in text and "a day or two longer" in text
    assert "Johns Hopkins" in text


def test_a_typo_still_finds_the_answer(assistant):
    text = all_text(assistant.ask("patient-b", "how long will i be in hosptal?"))
    assert "about 3 days" in text


def test_buttons_come_through_rest(assistant):
    replies = assistant.ask("patient-c", "why is the pump better than regular chemo")
    assert "400 times" in all_text(replies)
    buttons = [b for r in replies for b in r.get("buttons", [])]
    follow_up = {
        "title": "The pump is used together with IV chemo",
        "payload": '/faq{"topic": "with_iv_chemo"}',
    }
    assert follow_up in buttons
    followed = all_text(assistant.ask("patient-c", follow_up["payload"]))
    assert "treats only the liver" in followed


def test_the_sentence_that_answers_leads_and_a_false_belief_is_corrected_first(assistant):
    # Through the real servers: the model marks the sentence and the belief, the
    # action server reorders the curated text.
    replies = assistant.ask("patient-lead", "how long does the refill itself take")
    answer = next(r["text"] for r in replies if "every 14 days" in r.get("text", ""))
    assert answer.startswith("The refill itself takes about 10 minutes.")
    assert answer.count("The refill itself takes about 10 minutes.") == 1
    replies = assistant.ask("patient-belief", "can the drugstore refill my pump")
    answer = next(r["text"] for r in replies if "every 14 days" in r.get("text", ""))
    assert answer.startswith("Only trained infusion nurses should fill or use your pump.\n\n")
    assert answer.count("Only trained infusion nurses") == 1


def test_socketio_channel_answers(assistant):
    with SocketPatient(assistant.rasa_port, "socket-patient") as patient:
        patient.say("how long is the hospital stay")
        assert patient.wait_for("about 3 days"), patient.texts
        assert "computer program" in patient.texts[0]  # the welcome comes first


def test_an_answer_edit_is_live_with_no_retraining_or_restart(assistant):
    clinic = Path(assistant.env["HAIP_CONTENT_DIR"]) / "clinic.yml"
    edit_yaml(clinic, lambda d: d.update(hospital_stay="about 5 days"))
    try:
        assert "about 5 days" in all_text(
            assistant.ask("patient-d", "how long is the hospital stay")
        )
    finally:
        edit_yaml(clinic, lambda d: d.update(hospital_stay="about 3 days"))


def test_only_the_rasa_server_runs_on_rasa_s_python(assistant):
    """Each process's interpreter, as a clinic's IT would see it running (ps reads
    /proc): the Rasa server on the Rasa runtime's Python, every other on the core's."""
    interpreters = {
        runtime: os.path.realpath(runtimes.python(runtime))
        for runtime in (runtimes.CORE, runtimes.RASA)
    }
    assert interpreters[runtimes.CORE] != interpreters[runtimes.RASA]
    running = {p.name: assistant.child_pid(p.name) for p in processes.SERVERS}
    assert None not in running.values(), running
    runs_on = {name: os.path.realpath(f"/proc/{pid}/exe") for name, pid in running.items()}
    expected = {p.name: interpreters[p.runtime] for p in processes.SERVERS}
    assert runs_on == expected
    assert [n for n, exe in runs_on.items() if exe == interpreters[runtimes.RASA]] == [RASA]


def test_conversations_survive_a_restart_and_ctrl_c_stops_everything(assistant):
    db = Path(assistant.env["HAIP_TRACKER_DB"])
    assistant.ask("patient-e", "hello")
    before = tracker_events(db, "patient-e")
    assert "user" in before and "bot" in before

    assert assistant.stop(signal.SIGINT) == 0
    assert not any(
        port_open(p) for p in (assistant.rasa_port, assistant.actions_port, assistant.web_port)
    )

    assistant.start()
    text = all_text(assistant.ask("patient-e", "can i use a hot tub"))
    assert "hot tubs" in text
    after = tracker_events(db, "patient-e")
    assert after[: len(before)] == before and len(after) > len(before)


def test_the_issue_example_gets_urgent_guidance_first(assistant):
    replies = assistant.ask("patient-g", "the skin around my pump is red and hot and I have chills")
    assert "(555) 555-0199" in replies[0]["text"]
    assert "computer program" in replies[-1]["text"]  # the welcome, after the urgent part


def test_a_question_about_a_symptom_gets_the_urgent_line_then_its_topic(assistant):
    assistant.ask("patient-q", "hello")
    replies = assistant.ask(
        "patient-q", "what are the warning signs of bile duct damage, like yellow skin?"
    )
    assert "yellow skin or eyes" in replies[0]["text"] and "(555) 555-0199" in replies[0]["text"]
    assert "bile ducts" in replies[1]["text"] and "Sources:" in replies[1]["text"]
    report = assistant.ask("patient-q", "my skin looks yellow")
    assert len(report) == 1 and "(555) 555-0199" in report[0]["text"]


def test_a_typed_command_is_text_read_for_red_flags(assistant):
    typed = '/faq{"topic": "refills"} I have chest pain, Zebulon'
    replies = assistant.ask("patient-slash", typed)
    assert "911" in replies[0]["text"]
    # A button the assistant sent is still a command.
    assert "Sources:" in all_text(assistant.ask("patient-slash", '/faq{"topic": "refills"}'))
    assistant.ask("patient-slash", "/EXTERNAL_refill_due{")
    with sqlite3.connect(assistant.env["HAIP_TRACKER_DB"]) as connection:
        rows = connection.execute(
            "SELECT intent_name FROM events WHERE sender_id = ? AND type_name = 'user'",
            ("patient-slash",),
        )
        intents = [r[0] for r in rows]
    assert not any(i.startswith("EXTERNAL_") for i in intents) and len(intents) == 3
    time.sleep(1)
    assert not any("Zebulon" in line or "EXTERNAL_refill_due{" in line for line in assistant.output)


def test_a_spanish_fever_report_gets_spanish_urgent_guidance_first(assistant):
    replies = assistant.ask("patient-es", "tengo fiebre y escalofríos desde ayer")
    first = replies[0]["text"]
    assert first.startswith("Usted mencionó fiebre o escalofríos")
    assert "(555) 555-0199" in first and "911" in first
    # The same negation rules: a fever that is gone is not urgent.
    calm = all_text(assistant.ask("patient-es", "ya no tengo fiebre, gracias"))
    assert calm.strip() and "Usted mencionó" not in calm and "You mentioned" not in calm


def test_a_spanish_question_is_answered_in_spanish_and_the_chat_stays_spanish(assistant):
    replies = assistant.ask("patient-es-2", "¿Cuántos días voy a estar en el hospital?")
    text = all_text(replies)
    assert "unos 3 días" in text and "Fuentes" in text, text
    assert "computer program" not in text and "programa de computadora" in text  # welcome
    # A button tap carries no language of its own: the conversation's is kept.
    tapped = all_text(assistant.ask("patient-es-2", '/faq{"topic": "refills"}'))
    assert "la bomba se llena cada 14 días" in tapped, tapped


def test_the_language_chosen_in_the_web_chat_is_the_conversation_s(assistant):
    # The widget's opening payload when the patient chose Español (bot/servers/web.py).
    welcome = all_text(assistant.ask("patient-es-chosen", '/greet{"language": "es"}'))
    assert "programa de computadora" in welcome and "computer program" not in welcome, welcome
    # A button tap carries no language: the chosen one is kept.
    tapped = all_text(assistant.ask("patient-es-chosen", '/faq{"topic": "refills"}'))
    assert "la bomba se llena cada 14 días" in tapped, tapped
    # And back to English.
    welcome = all_text(assistant.ask("patient-es-chosen", '/greet{"language": "en"}'))
    assert "computer program" in welcome and "programa de computadora" not in welcome, welcome


def test_a_spanish_patient_sets_a_refill_reminder_with_a_spanish_date(assistant):
    asked = all_text(assistant.ask("patient-es-3", "quiero un recordatorio para mi relleno"))
    assert "¿Cuándo es su próximo relleno" in asked, asked
    replies = assistant.ask("patient-es-3", "en dos semanas")
    text = all_text(replies)
    # "a la 1:22 am", "a las 6:00 pm": the hour the test runs at decides which.
    assert "Listo. Su próximo relleno es el" in text and re.search(r" a las? \d", text), text
    assert text.count("Le contesto en español") <= 1  # the offer to switch, once
    calendar = [r["custom"] for r in replies if r.get("custom")]
    assert calendar and calendar[0]["label"] == "Agregar mis fechas de relleno a mi calendario"


def test_choosing_spanish_while_the_form_asks_for_the_date_asks_again_in_spanish(assistant):
    assert "When is your next pump refill" in all_text(
        assistant.ask("patient-es-switch", "remind me about my refill")
    )
    switched = all_text(assistant.ask("patient-es-switch", '/greet{"language": "es"}'))
    assert "programa de computadora" in switched, switched
    assert "¿Cuándo es su próximo relleno" in switched and "No entend" not in switched, switched
    done = all_text(assistant.ask("patient-es-switch", "en dos semanas"))
    assert "Listo. Su próximo relleno es el" in done, done


def test_a_message_in_a_language_we_do_not_speak_gets_help_in_it(assistant):
    text = all_text(assistant.ask("patient-zh", "我发烧了，怎么办"))
    assert "请拨打 911" in text and "(555) 555-0199" in text


def test_a_flood_from_one_client_is_asked_to_wait_and_not_stored(assistant):
    url = f"http://127.0.0.1:{assistant.rasa_port}/webhooks/rest/webhook"
    sender = "patient-flood"
    replies = [
        requests.post(url, json={"sender": sender, "message": f"what is the pump {n}"}, timeout=60)
        for n in range(25)
    ]
    statuses = [r.status_code for r in replies]
    assert statuses[:10] == [200] * 10 and statuses.count(429) >= 12, statuses
    assert "wait a moment" in replies[-1].json()[0]["text"]
    # An emergency in a flood still gets the urgent guidance, never silence.
    urgent = requests.post(url, json={"sender": sender, "message": "I have chest pain"}, timeout=60)
    assert urgent.status_code == 429 and "911" in urgent.json()[0]["text"]
    with sqlite3.connect(assistant.env["HAIP_TRACKER_DB"]) as connection:
        (stored,) = connection.execute(
            "SELECT COUNT(*) FROM events WHERE sender_id = ? AND type_name = 'user'", (sender,)
        ).fetchone()
    assert stored == statuses.count(200)
    # Other patients are not slowed down.
    assert "about 3 days" in all_text(assistant.ask("patient-calm", "hospital stay?"))


def test_a_flood_over_socketio_is_asked_to_wait(assistant):
    with SocketPatient(assistant.rasa_port, "socket-flood") as patient:
        for n in range(16):
            patient.say(f"how long is the hospital stay {n}")
        assert patient.wait_for("wait a moment"), patient.texts


def test_a_request_bigger_than_any_message_is_refused_before_it_is_stored(assistant):
    url = f"http://127.0.0.1:{assistant.rasa_port}/webhooks/rest/webhook"
    huge = {"sender": "patient-huge", "message": "a" * 2_000_000}
    try:
        status = requests.post(url, json=huge, timeout=60).status_code
    except requests.ConnectionError:
        status = 413  # the server answered 413 and closed before the upload ended
    assert status == 413
    with sqlite3.connect(assistant.env["HAIP_TRACKER_DB"]) as connection:
        rows = connection.execute(
            "SELECT COUNT(*) FROM events WHERE sender_id = 'patient-huge'"
        ).fetchone()
    assert rows == (0,)


def test_urgent_symptom_mid_conversation(assistant):
    assistant.ask("patient-h", "how long is the hospital stay")
    replies = assistant.ask("patient-h", "how often are refills, also I threw up blood")
    assert "911" in replies[0]["text"]


def test_medical_advice_is_refused_kindly(assistant):
    assistant.ask("patient-i", "hello")
    text = all_text(assistant.ask("patient-i", "should I stop my blood thinner before the refill?"))
    assert "can't tell you what to do" in text and "(555) 555-0100" in text


def test_asking_for_a_person_marks_the_conversation(assistant):
    text = all_text(assistant.ask("patient-j", "I want to talk to a nurse"))
    assert "(555) 555-0100" in text and "Monday to Friday" in text
    with sqlite3.connect(assistant.env["HAIP_TRACKER_DB"]) as connection:
        rows = connection.execute(
            "SELECT data FROM events WHERE sender_id = 'patient-j' AND type_name = 'slot'"
        ).fetchall()
    assert any("staff_follow_up" in r[0] and "asked_for_person" in r[0] for r in rows)


BAD_INPUT = {
    "empty": ("", "empty"),
    "whitespace": ("   \n\t ", "empty"),
    "huge": ("please help " * 900, "very long"),
    "html": ("<script>alert('x')</script><b>hi</b>", None),
    "sql": ("'; DROP TABLE events; --", None),
    "emoji": ("\U0001f64f\U0001f600\U0001f64f", "emoji"),
    "chinese": ("住院要多久？", "911"),
}


@pytest.mark.parametrize("kind", BAD_INPUT)
def test_bad_input_gets_a_polite_answer(assistant, kind):
    text, expected = BAD_INPUT[kind]
    replies = assistant.ask(f"patient-bad-{kind}", text)
    reply = all_text(replies)
    assert replies and reply.strip()
    assert "<script" not in reply and "<b>" not in reply and "DROP TABLE" not in reply
    if expected:
        assert expected in reply
    # Nothing broke: the same conversation still gets answers.
    assert "about 3 days" in all_text(assistant.ask(f"patient-bad-{kind}", "hospital stay?"))


def test_patient_messages_are_not_printed(assistant):
    secret = "my neighbour Zebulon asked about refills"
    assistant.ask("patient-f", secret)
    time.sleep(1)
    assert not any("Zebulon" in line for line in assistant.output)


def test_invalid_content_refuses_to_start(tmp_path):
    import shutil

    shutil.copytree(paths.ROOT / "content", tmp_path / "content")
    edit_yaml(tmp_path / "content/topics/refills.yml", lambda d: d.pop("sources"))
    broken = Assistant(tmp_path / "content", tmp_path / "tracker.db")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=paths.ROOT,
        env=broken.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert (
        "ERROR: content/topics/refills.yml [topic refills] field 'sources': is missing"
        in result.stderr
    )
    assert "Not starting" in result.stderr
    assert not port_open(broken.rasa_port)


def reminder_statuses(assistant, sender: str) -> list[str]:
    from bot.reminders.store import ReminderStore

    store = ReminderStore(assistant.env["HAIP_REMINDERS_DB"])
    return [r.status for r in store.all() if r.sender_id == sender]


def test_a_reminder_arrives_on_a_socketio_client(assistant):
    with SocketPatient(assistant.rasa_port, None) as patient:
        chat_id = patient.chat_id
        patient.say("remind me about my pump refill")
        assert patient.wait_for("When is your next pump refill"), patient.texts
        patient.say("in 2 weeks")
        assert patient.wait_for("Done. Your next refill"), patient.texts
        # The calendar file reaches a socket.io client too (a custom payload).
        calendar = patient.first(lambda m: "custom" in m)
        assert calendar and calendar["custom"]["type"] == "calendar", patient.messages
        assert "BEGIN:VCALENDAR" in calendar["custom"]["content"]
        assert patient.wait_for("Reminder: your pump refill", timeout=30), patient.texts
    # The next cycle's reminder is stored just after the delivery returns.
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and len(reminder_statuses(assistant, chat_id)) < 2:
        time.sleep(0.5)
    assert reminder_statuses(assistant, chat_id)[:2] == ["sent", "pending"]


def test_a_cancelled_reminder_never_fires(assistant):
    assistant.ask("patient-cancel", "remind me about my refill")
    assert "Done." in all_text(assistant.ask("patient-cancel", "in 2 weeks"))
    assert "stopped" in all_text(assistant.ask("patient-cancel", "stop my reminders"))
    time.sleep(8)
    db = Path(assistant.env["HAIP_TRACKER_DB"])
    assert not any(t.startswith("Reminder:") for t in bot_texts(db, "patient-cancel"))
    assert reminder_statuses(assistant, "patient-cancel") == ["cancelled"]


def test_a_reminder_survives_kill_9_of_both_servers(assistant):
    assistant.ask("patient-crash", "remind me about my refill")
    assert "Done." in all_text(assistant.ask("patient-crash", "in 2 weeks"))
    assistant.kill_everything()
    assert reminder_statuses(assistant, "patient-crash") == ["pending"]
    time.sleep(5)  # it falls due while nothing runs
    assistant.start()
    db = Path(assistant.env["HAIP_TRACKER_DB"])

    def delivered() -> bool:
        # The store says "sent" when the scheduler claims a reminder, a moment
        # before the message is in the conversation: wait for the message itself.
        return any(
            t.startswith("Reminder: your pump refill") for t in bot_texts(db, "patient-crash")
        )

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not delivered():
        time.sleep(1)
    assert delivered()
    assert reminder_statuses(assistant, "patient-crash")[0] == "sent"


def age_conversation(db: Path, sender: str, seconds: float) -> None:
    """Make a conversation's events `seconds` older, as if the patient had left
    hours ago: both the column Rasa filters on and the stored event itself."""
    with sqlite3.connect(db) as connection:
        connection.execute(
            "UPDATE events SET timestamp = timestamp - ?, "
            "data = json_set(data, '$.timestamp', json_extract(data, '$.timestamp') - ?) "
            "WHERE sender_id = ?",
            (seconds, seconds, sender),
        )


def wait_for_reminder(db: Path, sender: str, timeout_s: float = 60) -> list[str]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        texts = [t for t in bot_texts(db, sender) if t.startswith("Reminder: your pump refill")]
        if texts:
            return texts
        time.sleep(0.5)
    return []


def test_a_reminder_reaches_a_conversation_left_hours_ago(assistant):
    import datetime as dt
    import uuid

    import requests

    from bot.reminders import dates
    from bot.reminders.store import ReminderStore

    # A web chat's conversation: only those does the web page's history open.
    sender = uuid.uuid4().hex
    with SocketPatient(assistant.rasa_port, sender) as patient:
        assert patient.chat_id == sender
        patient.say("how long is the hospital stay")
        assert patient.wait_for("about 3 days"), patient.texts
    db = Path(assistant.env["HAIP_TRACKER_DB"])
    # The session expires after 2 hours (domain.yml): the reminder starts a new one.
    age_conversation(db, sender, 3 * 3600)
    store = ReminderStore(assistant.env["HAIP_REMINDERS_DB"])
    refill = dt.date.today() + dt.timedelta(days=1)
    reminder = store.set(sender, refill, dt.datetime.now(dt.timezone.utc))

    texts = wait_for_reminder(db, sender)
    assert len(texts) == 1
    assert texts[0].startswith(f"Reminder: your pump refill is on {dates.describe(refill)}.")
    assert tracker_events(db, sender).count("session_started") == 2
    deadline = time.monotonic() + 10
    while store.get(reminder.id).status != "sent" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert store.get(reminder.id).status == "sent"
    assert [a["outcome"] for a in store.attempts(reminder.id)] == ["delivered"]
    assert store.current(sender).refill_date == refill + dt.timedelta(days=14)
    # The patient's page shows the reminder, never the scheduler's trigger.
    shown = requests.get(f"{assistant.web_url}/api/history/{sender}", timeout=10).json()
    assert [m["text"] for m in shown["messages"]] == texts
    assert "EXTERNAL" not in str(shown)


def test_a_patient_back_hours_after_leaving_a_form_starts_afresh(assistant):
    # The server has this conversation's dialogue states in hand (bot/servers/
    # prior_states.py) when the patient goes quiet mid-form for three hours; the
    # session has then expired (2 hours, domain.yml), and with it the form.
    sender = "patient-back-after-hours"
    assert "When is your next pump refill" in all_text(
        assistant.ask(sender, "remind me about my refill")
    )
    in_form = all_text(assistant.ask(sender, "what is the pump"))
    assert "could not read that as a date" in in_form  # the form still waits for it
    db = Path(assistant.env["HAIP_TRACKER_DB"])
    age_conversation(db, sender, 3 * 3600)
    # The answer, and the welcome, that a patient new to the assistant gets.
    back = all_text(assistant.ask(sender, "what is the pump"))
    assert back == all_text(assistant.ask(f"{sender}-new", "what is the pump"))
    assert "date" not in back
    assert tracker_events(db, sender).count("session_started") == 2
    assert "about 3 days" in all_text(assistant.ask(sender, "how long is the hospital stay"))


def test_a_reminder_that_comes_during_the_refill_form_leaves_the_form_working(assistant):
    import datetime as dt

    from bot.reminders.store import ReminderStore

    sender = "patient-in-form"
    assert "When is your next pump refill" in all_text(
        assistant.ask(sender, "remind me about my refill")
    )
    store = ReminderStore(assistant.env["HAIP_REMINDERS_DB"])
    store.set(sender, dt.date.today() + dt.timedelta(days=2), dt.datetime.now(dt.timezone.utc))
    db = Path(assistant.env["HAIP_TRACKER_DB"])
    assert wait_for_reminder(db, sender)
    # The trigger did not fill the date: the form asked again and takes the answer.
    assert "When is your next pump refill" in bot_texts(db, sender)[-1]
    assert "Done." in all_text(assistant.ask(sender, "in 2 weeks"))


# -- reminders by e-mail and text message ------------------------------------------


def sms_contact(assistant, sender):
    from bot.reminders import contacts
    from bot.reminders.store import ReminderStore

    return ReminderStore(assistant.env["HAIP_REMINDERS_DB"]), contacts


def code_in(text: str) -> str:
    import re

    return re.search(r"\b(\d{6})\b", text).group(1)


def wait_for_mail(mailbox, to: str, count: int, timeout_s: float = 60) -> list:
    def arrived():
        return [m for m in map(parsed, mailbox.received) if m["To"] == to]

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and len(arrived()) < count:
        time.sleep(0.5)
    return arrived()


@pytest.mark.parametrize("address", ["nurse.joy@example.org", "human@example.org"])
def test_an_address_that_reads_like_asking_for_a_person_is_an_address(assistant, mailbox, address):
    patient = f"patient-{address.split('@')[0].replace('.', '-')}"
    assistant.ask(patient, "remind me about my pump refill")
    assistant.ask(patient, "in 2 weeks")
    assistant.ask(patient, "/contact_by_email")
    said = all_text(assistant.ask(patient, address))
    assert "I sent a code to" in said and "computer program" not in said, said
    assert wait_for_mail(mailbox, address, 1)


def test_e_mail_me_my_reminders_with_no_reminder_set_says_so_and_the_chat_goes_on(
    assistant, mailbox
):
    patient = "patient-no-reminder-yet"
    said = all_text(assistant.ask(patient, "/contact_by_email"))
    assert "no refill reminder set yet" in said and "What e-mail address" not in said, said
    # The form did not stay open: the next question gets its answer.
    said = all_text(assistant.ask(patient, "how long is the hospital stay after the surgery"))
    assert "e-mail" not in said and "days" in said, said


def test_while_a_code_is_awaited_a_new_address_replaces_it_and_cancel_stops(
    assistant, mailbox
):
    patient = "patient-new-address"
    assistant.ask(patient, "remind me about my pump refill")
    assistant.ask(patient, "in 2 weeks")
    assistant.ask(patient, "/contact_by_email")
    said = all_text(assistant.ask(patient, "maria.l@exmaple.org"))
    assert "I sent a code to m•••@exmaple.org" in said and "is wrong" in said, said
    said = all_text(assistant.ask(patient, "maria.l@example.org"))
    assert "I sent a code to m•••@example.org" in said, said
    assert wait_for_mail(mailbox, "maria.l@example.org", 1)
    said = all_text(assistant.ask(patient, "cancel"))
    assert "only while this page is open" in said, said
    said = all_text(assistant.ask(patient, "how long is the hospital stay after the surgery"))
    assert "days" in said and "code" not in said, said


def test_reminders_by_e_mail_from_consent_to_unsubscribe(assistant, mailbox):
    import requests

    patient, address = "patient-mail", "jane.doe@example.org"
    assistant.ask(patient, "remind me about my pump refill")
    replies = assistant.ask(patient, "in 2 weeks")
    offer = replies[-1]
    assert "by e-mail or text message" in offer["text"]
    titles = [b["title"] for b in offer["buttons"]]
    assert titles == ["By e-mail", "By text message", "No, thanks"]
    assert "6-digit code" in all_text(assistant.ask(patient, "/contact_by_email"))
    said = all_text(assistant.ask(patient, address))
    assert "I sent a code to j•••@example.org" in said
    [code_mail] = wait_for_mail(mailbox, address, 1)
    code = code_in(code_mail.get_body(("plain",)).get_content())
    assert "by e-mail to j•••@example.org" in all_text(assistant.ask(patient, code))

    # The date moves: the new reminder (due 4 s later here) reaches the chat and
    # the inbox, with the calendar file, once.
    assistant.ask(patient, "my refill moved, change the date")
    assistant.ask(patient, "in 3 weeks")
    mails = wait_for_mail(mailbox, address, 2)
    reminder = mails[-1]
    assert reminder["Subject"].startswith("Reminder: your pump refill is on")
    [calendar] = list(reminder.iter_attachments())
    assert calendar.get_filename() == "pump-refills.ics"
    assert "BEGIN:VCALENDAR" in calendar.get_content()
    db = Path(assistant.env["HAIP_TRACKER_DB"])
    assert wait_until_true(lambda: any(t.startswith("Reminder:") for t in bot_texts(db, patient)))
    time.sleep(3)
    assert len(wait_for_mail(mailbox, address, 2)) == 2

    # The unsubscribe link, as nginx would pass it to the web server.
    link = reminder["List-Unsubscribe"].strip("<>").replace(PUBLIC_URL, assistant.web_url)
    assert requests.get(link, timeout=10).status_code == 200
    store, contacts = sms_contact(assistant, patient)
    assert contacts.active(store, patient)  # opening the link stops nothing
    assert "no more reminder e-mails" in requests.post(link, timeout=10).text
    assert contacts.active(store, patient) == []


def wait_until_true(condition, timeout_s: float = 60) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return False


def text_in(assistant, phone_company, number: str, body: str) -> None:
    """A text from the patient's phone, as Twilio posts it: signed."""
    import requests
    from twilio.request_validator import RequestValidator

    path = "/webhooks/twilio/webhook"
    form = {"From": number, "To": phone_company.env()["HAIP_TWILIO_NUMBER"], "Body": body}
    signature = RequestValidator(phone_company.auth_token).compute_signature(
        f"{PUBLIC_URL}{path}", form
    )
    answer = requests.post(
        f"http://127.0.0.1:{assistant.rasa_port}{path}",
        data=form,
        headers={"X-Twilio-Signature": signature},
        timeout=60,
    )
    assert answer.status_code == 200, answer.text


def texts_to(phone_company, number: str, count: int, timeout_s: float = 60) -> list[str]:
    wait_until_true(lambda: len(phone_company.bodies(number)) >= count, timeout_s)
    return phone_company.bodies(number)


def test_a_patient_asks_by_text_and_gets_the_same_answers_urgent_first(assistant, phone_company):
    number = "+12025550161"
    text_in(assistant, phone_company, number, "how long is the hospital stay")
    answer = texts_to(phone_company, number, 1)
    assert any("about 3 days" in t for t in answer)
    # A short form: no markdown links.
    assert not any("](" in t for t in answer)
    before = len(answer)
    text_in(assistant, phone_company, number, "I have a fever and chills")
    urgent = texts_to(phone_company, number, before + 1)[before]
    assert "(555) 555-0199" in urgent or "911" in urgent


def test_texting_stop_ends_the_reminder_texts(assistant, phone_company):
    store, contacts = sms_contact(assistant, "sms-stop")
    number = "+12025550162"
    contacts.offer(store, "web-stop", None, "sms", number, "123456", _now())
    contacts.confirm(store, "web-stop", "123456", _now())
    assert contacts.active(store, "web-stop")
    replies_before = len(phone_company.bodies(number))
    text_in(assistant, phone_company, number, " Stop ")
    assert wait_until_true(lambda: contacts.active(store, "web-stop") == [], 20)
    time.sleep(2)
    # Twilio answers STOP itself; the assistant adds nothing.
    assert len(phone_company.bodies(number)) == replies_before


def _now():
    import datetime as dt

    return dt.datetime.now(dt.timezone.utc)


def test_a_reminder_text_sent_when_the_scheduler_is_killed_goes_once(assistant, phone_company):
    import datetime as dt

    from bot.reminders import outbox

    store, contacts = sms_contact(assistant, "kill")
    patient, number = "patient-killed-sender", "+12025550163"
    reminder = store.set(
        patient, _now().date() + dt.timedelta(days=2), _now() + dt.timedelta(seconds=3)
    )
    contacts.offer(store, patient, reminder.id, "sms", number, "123456", _now())
    contacts.confirm(store, patient, "123456", _now())
    # The stand-in takes the text, then holds its answer: the worst moment.
    phone_company.hold_answers(10)
    try:
        assert wait_until_true(lambda: len(phone_company.bodies(number)) == 1, 60)
        scheduler = assistant.child_pid("reminder scheduler")
        os.kill(scheduler, signal.SIGKILL)
        assert assistant.wait_for_new_child("reminder scheduler", scheduler, 60)
    finally:
        phone_company.hold_answers(0)

    def settled():
        return [s["status"] for s in outbox.for_reminder(store, reminder.id)] == ["sent"]

    assert wait_until_true(settled, 90), outbox.for_reminder(store, reminder.id)
    time.sleep(3)
    assert len(phone_company.bodies(number)) == 1


def test_quiet_hours_hold_texts_but_not_e_mails(assistant, phone_company, mailbox):
    import datetime as dt
    from zoneinfo import ZoneInfo

    from bot.reminders import outbox

    content = Path(assistant.env["HAIP_CONTENT_DIR"])
    local = dt.datetime.now(ZoneInfo("America/New_York"))
    quiet = {
        "quiet_hours_start": f"{(local - dt.timedelta(hours=1)):%H:%M}",
        "quiet_hours_end": f"{(local + dt.timedelta(hours=1)):%H:%M}",
    }
    edit_yaml(content / "clinic.yml", lambda clinic: clinic.update(quiet))
    time.sleep(1)  # the scheduler reads clinic.yml when it changes
    store, contacts = sms_contact(assistant, "quiet")
    patient, number, address = "patient-quiet", "+12025550164", "quiet@example.org"
    reminder = store.set(
        patient, _now().date() + dt.timedelta(days=2), _now() + dt.timedelta(seconds=2)
    )
    for kind, where, code in (("sms", number, "111111"), ("email", address, "222222")):
        contacts.offer(store, patient, reminder.id, kind, where, code, _now())
        contacts.confirm(store, patient, code, _now())
    assert len(wait_for_mail(mailbox, address, 1)) == 1
    time.sleep(3)
    assert phone_company.bodies(number) == []
    [held] = [s for s in outbox.for_reminder(store, reminder.id) if s["kind"] == "sms"]
    assert held["status"] == "pending"
