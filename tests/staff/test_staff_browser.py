"""The staff workspace in a real headless Chromium, through nginx and HTTPS as
a clinic runs it, against the real servers `make run` starts: the assistant's
patient chat on one side, the nurses' inbox on the other."""

from __future__ import annotations

import csv
import datetime as dt
import re
import sqlite3
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from bot.reminders import contacts, outbox
from bot.reminders.store import ReminderStore
from harness.nginx import certificate_names, nginx, nginx_config
from harness.servers import free_port, wait_until
from tests.browser import SCREENSHOTS, axe_violations
from tests.staff.workspace import LAUNCHER, Workspace, log_in, new_page, signed_in

# The test's certificate is self-signed.
pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning"),
]


@pytest.fixture
def nurse_page(browser, workspace):
    yield from signed_in(browser, workspace, "nina", "Inbox")


def patient_says(browser, workspace: Workspace, text: str) -> None:
    """Through the patient chat on the clinic's page, as a patient would."""
    page = new_page(browser, 390, 800)
    try:
        page.goto(workspace.assistant.web_url + "/")
        page.get_by_role("button", name=LAUNCHER).click()
        replies = page.locator(".haip-msg--assistant")
        expect(replies.first).to_contain_text("not a person")  # connected
        page.get_by_label("Type your question").fill(text)
        page.get_by_role("button", name="Send").click()
        expect(page.locator(".haip-msg--patient")).to_have_count(1)
        expect(replies.nth(1)).to_be_visible()
    finally:
        page.context.close()


def wait_logged(workspace: Workspace, text: str, timeout_s: float = 60) -> list[tuple]:
    wait_until(lambda: workspace.logged("text = ?", text), timeout_s, 0.5)
    return workspace.logged("text = ?", text)


def test_an_urgent_message_appears_first_without_a_reload_and_is_reviewed(
    browser, workspace, nurse_page
):
    workspace.assistant.ask("earlier", "how long is the hospital stay")
    wait_logged(workspace, "how long is the hospital stay")
    nurse_page.reload()
    expect(nurse_page.get_by_text("not watched around the clock")).to_be_visible()

    urgent = "I have a fever of 102 and my pump site is red"
    patient_says(browser, workspace, urgent)
    live = nurse_page.locator("#live")
    expect(live).to_contain_text("urgent", timeout=40_000)
    expect(nurse_page.locator("table.inbox tbody tr").first).to_contain_text(urgent)
    assert wait_logged(workspace, urgent)[0][1] == "urgent"

    # After a reload it is still first: urgent before the newer answered question.
    workspace.assistant.ask("later", "what is the pump made of")
    nurse_page.reload()
    first = nurse_page.locator("table.inbox tbody tr").first
    expect(first).to_contain_text(urgent)
    expect(first).to_contain_text("urgent guidance")

    # The whole conversation, in one action, from its page; then it is hers.
    first.get_by_role("link").click()
    expect(nurse_page.get_by_role("heading", name="Review this conversation")).to_be_visible()
    assert axe_violations(nurse_page) == []
    nurse_page.get_by_role("button", name="Mark the whole conversation reviewed").click()
    expect(nurse_page.get_by_role("status")).to_contain_text("whole conversation reviewed")
    assert workspace.logged("text = ?", urgent)[0][2] == "reviewed"
    nurse_page.get_by_label("Assigned to").select_option("nina")
    nurse_page.get_by_label("Add a note").fill("Called the patient; seen in clinic today.")
    nurse_page.get_by_role("button", name="Save").click()
    expect(nurse_page.get_by_role("status")).to_contain_text("assigned to nina")
    expect(nurse_page.get_by_text("Called the patient; seen in clinic today.")).to_be_visible()

    # "Assigned to me": her conversation alone; the earlier one is not hers.
    nurse_page.get_by_role("link", name="Back to the inbox").click()
    nurse_page.get_by_label("Assigned").select_option("me")
    nurse_page.get_by_role("button", name="Show").click()
    rows = nurse_page.locator("table.inbox tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(urgent)
    expect(rows.first).to_contain_text("reviewed")
    expect(rows.first).to_contain_text("nina")
    assert axe_violations(nurse_page) == []

    # Ticked in the list and marked reviewed with one button.
    nurse_page.goto(workspace.url + "/?q=hospital+stay&status=new")
    nurse_page.get_by_label("Select all conversations on this page").check()
    boxes = nurse_page.locator("table.inbox tbody").get_by_role("checkbox")
    assert boxes.count() and all(box.is_checked() for box in boxes.all())
    nurse_page.get_by_role("button", name="Mark the selected conversations reviewed").click()
    expect(nurse_page.get_by_role("status")).to_contain_text("reviewed")
    assert {row[2] for row in workspace.logged("text = ?", "how long is the hospital stay")} == {
        "reviewed"
    }


def test_a_nurse_moves_then_cancels_a_reminder_the_patient_called_about(workspace, nurse_page):
    store = ReminderStore(workspace.assistant.env["HAIP_REMINDERS_DB"])
    now = dt.datetime.now(dt.timezone.utc)
    # Dates of their own, far ahead, find the row among the shared assistant's reminders.
    ahead = 200 + uuid.uuid4().int % 100
    first, moved = (now.date() + dt.timedelta(days=d) for d in (ahead, ahead + 7))
    sender = f"patient-called-{uuid.uuid4().hex[:8]}"
    store.set(sender, first, now + dt.timedelta(days=ahead - 1))

    nurse_page.get_by_role("link", name="Reminders", exact=True).click()
    row = nurse_page.locator("table.reminders tbody tr", has_text=first.isoformat())
    expect(row).to_have_count(1)
    row.get_by_label("New refill date").fill(moved.isoformat())
    row.get_by_role("button", name="Move this reminder").click()
    expect(nurse_page.get_by_role("status")).to_contain_text(f"to {moved.isoformat()}")
    assert store.current(sender).refill_date == moved
    assert axe_violations(nurse_page) == []

    row = nurse_page.locator("table.reminders tbody tr", has_text=moved.isoformat())
    row.get_by_label("The patient asked to cancel it").check()
    row.get_by_role("button", name="Cancel this reminder").click()
    expect(nurse_page.get_by_role("status")).to_contain_text("Cancelled the reminder")
    assert store.current(sender) is None
    with sqlite3.connect(workspace.staff_db, timeout=30) as db:
        actions = [
            a
            for (a,) in db.execute(
                "SELECT action FROM audit_entry WHERE username = 'nina'"
                " AND action IN ('moved reminder', 'cancelled reminder') ORDER BY id"
            )
        ]
    assert actions[-2:] == ["moved reminder", "cancelled reminder"]


def test_a_missed_question_goes_to_its_topic_in_content(workspace, nurse_page):
    missed = "how many nights will the ward keep me once the pump is in"
    workspace.assistant.ask("missed", missed)
    wait_logged(workspace, missed)
    nurse_page.goto(workspace.url + "/?q=ward+nights")
    nurse_page.locator("table.inbox tbody tr").first.get_by_role("link").click()
    nurse_page.get_by_label("Topic", exact=True).select_option("hospital_stay")
    nurse_page.get_by_role("button", name="Add to this topic").click()
    expect(nurse_page.get_by_role("status")).to_contain_text("next training")
    topic_file = workspace.root / "content" / "topics" / "hospital_stay.yml"
    assert f"- {missed}\n" in topic_file.read_text()


def test_patient_html_shows_as_text_and_the_export_is_a_csv(workspace, nurse_page):
    script = "<script>alert(1)</script> <img src=x onerror=alert(2)>"
    workspace.assistant.ask("html", script)
    wait_logged(workspace, script)
    nurse_page.goto(workspace.url + "/?q=alert")
    expect(nurse_page.locator("table.inbox tbody tr").first).to_contain_text(script)
    assert nurse_page.locator("table.inbox img").count() == 0

    with nurse_page.expect_download() as download:
        nurse_page.get_by_role("link", name="Export CSV").click()
    rows = list(csv.DictReader(Path(download.value.path()).open(encoding="utf-8")))
    assert any(r["message"] == script for r in rows)
    assert {"time_utc", "conversation", "outcome", "topic"} <= set(rows[0])


def test_five_wrong_passwords_lock_the_account(browser, workspace):
    page = new_page(browser)
    try:
        for _ in range(5):
            log_in(page, workspace, "lockme", "not-the-password")
        log_in(page, workspace, "lockme")
        expect(page.get_by_role("heading", name="Account locked")).to_be_visible()
        expect(page.get_by_role("heading", name="Inbox")).to_have_count(0)
    finally:
        page.context.close()


def test_without_a_session_nothing_is_served_and_nginx_serves_only_the_workspace(workspace):
    for path in ["/", "/api/inbox/", "/messages/1/", "/export.csv", "/reminders/",
                 "/reminders/1/contact/", "/dashboard/", "/api/dashboard/", "/admin/",
                 "/admin/audit/entry/"]:  # fmt: skip
        response = requests.get(workspace.url + path, verify=False, allow_redirects=False)
        assert response.status_code in (302, 401, 403), path
        assert "login" in response.headers.get("Location", "login"), path
    assert requests.get(workspace.url + "/health/", verify=False).status_code == 404
    for patient_side in ["/socket.io/", "/webhooks/rest/webhook", "/widget/haip-chat.js"]:
        response = requests.get(workspace.url + patient_side, verify=False, allow_redirects=False)
        assert response.status_code in (302, 404), patient_side


def test_nginx_slows_sign_ins_from_one_address_and_still_serves_the_page(workspace, tmp_path):
    """A nginx of its own with the shipped server block, so the shared one's
    sign-ins (the other tests') are not slowed."""
    port = free_port()
    config = nginx_config(
        tmp_path,
        "nginx-staff.conf",
        [
            ("listen 443 ssl;", f"listen 127.0.0.1:{port} ssl;"),
            ("server_name staff.example-clinic.org;", "server_name localhost;"),
            *certificate_names("staff.example-clinic.org", tmp_path),
            ("http://127.0.0.1:8001", workspace.assistant.staff_url),
            ("/var/log/nginx/haip-staff.access.log", str(tmp_path / "access.log")),
        ],
    )
    url = f"https://localhost:{port}/login/"
    with nginx(config, port):
        guesses = [
            requests.post(url, data={"username": f"guess{n}", "password": "x"}, verify=False)
            for n in range(40)
        ]
        statuses = [response.status_code for response in guesses]
        assert 429 not in statuses[:20], statuses
        assert statuses[-10:] == [429] * 10, statuses
        # Reading the sign-in page is not a guess.
        assert requests.get(url, verify=False).status_code == 200


def test_a_nurse_cannot_open_the_admin_pages_and_an_admin_can(browser, workspace, nurse_page):
    nurse_page.goto(workspace.url + "/admin/")
    expect(nurse_page.get_by_text("Site administration")).to_have_count(0)
    expect(nurse_page.get_by_role("link", name="Admin", exact=True)).to_have_count(0)
    page = new_page(browser)
    try:
        log_in(page, workspace, "ada")
        # The original text, unmasked, for an admin only; the view is audited.
        workspace.assistant.ask("identified", "my name is Jane Roe, call me on 555-201-3344")
        wait_logged(workspace, "my name is [name], call me on [phone]")
        page.goto(workspace.url + "/?q=call+me")
        page.locator("table.inbox tbody tr").first.get_by_role("link").click()
        expect(page.get_by_text("my name is [name], call me on [phone]")).to_be_visible()
        page.get_by_role("link", name="Original text").click()
        expect(page.get_by_text("my name is Jane Roe, call me on 555-201-3344")).to_be_visible()
        page.get_by_role("link", name="Audit log", exact=True).click()
        entries = page.locator("table.audit")
        expect(entries.get_by_text("viewed original text").first).to_be_visible()
        expect(entries.get_by_text("viewed conversation").first).to_be_visible()
    finally:
        page.context.close()


def failed_text_reminder(workspace: Workspace, email: str, phone: str) -> int:
    """Real rows in the shared assistant's reminder store, made as the chat and
    the scheduler make them: a patient of their own with a confirmed e-mail
    address and a confirmed number, a reminder whose visit is ahead, and its
    sends: the e-mail sent, the text message failed for good. The reminder is
    due weeks from now, so the scheduler leaves it (and its sends) alone."""
    store = ReminderStore(workspace.assistant.env["HAIP_REMINDERS_DB"])
    try:
        sender = f"browser-reminder-{uuid.uuid4().hex}"
        now = dt.datetime.now(dt.timezone.utc)
        for kind, address in ((contacts.EMAIL, email), (contacts.SMS, phone)):
            contacts.offer(store, sender, None, kind, address, "123456", now)
            confirmed = contacts.confirm(store, sender, "123456", now)
            assert confirmed is contacts.ConfirmResult.CONFIRMED
        reminder = store.set(
            sender, dt.date.today() + dt.timedelta(days=60), now + dt.timedelta(days=50)
        )
        assert outbox.queue(store, reminder, now) == 2
        sends = {s["kind"]: s["id"] for s in outbox.for_reminder(store, reminder.id)}
        for send_id in sends.values():
            assert outbox.claim(store, send_id, now) is not None
        assert outbox.sent(store, sends[contacts.EMAIL], "provider-browser-test", now)
        outbox.attempt_failed(
            store, sends[contacts.SMS], "PermanentFailure: the carrier refused it", None, now
        )
        return reminder.id
    finally:
        store.db.conn.close()


def test_a_nurse_sees_a_reminders_channels_masked_and_opens_the_contact_audited(
    workspace, nurse_page
):
    # A domain of its own finds the row among the shared assistant's reminders.
    domain = f"r{uuid.uuid4().hex[:10]}.example.org"
    email, phone = f"pat.browser@{domain}", "+12025550161"
    reminder_id = failed_text_reminder(workspace, email, phone)

    nurse_page.get_by_role("link", name="Reminders", exact=True).click()
    expect(nurse_page.get_by_role("heading", name="Refill reminders")).to_be_visible()
    row = nurse_page.locator("table.reminders tbody tr", has_text=f"@{domain}")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Chat: waiting")
    expect(row).to_contain_text(f"E-mail p•••@{domain}: sent at")
    expect(row).to_contain_text("Text message +1 ••• ••• 0161: failed (PermanentFailure)")
    expect(row).to_contain_text("visit still ahead")
    # Masked everywhere: neither address in full, nor the error's text.
    for shown in (nurse_page.locator("body").inner_text(), nurse_page.content()):
        for secret in (email, "pat.browser", phone, "2025550161", "carrier refused"):
            assert secret not in shown, secret
    assert axe_violations(nurse_page) == []

    row.get_by_role("button", name="Show contact to call or write").click()
    heading = nurse_page.get_by_role("heading", name=f"Contact for reminder {reminder_id} ")
    expect(heading).to_be_visible()
    expect(nurse_page.get_by_role("link", name=email)).to_have_attribute("href", f"mailto:{email}")
    expect(nurse_page.get_by_role("link", name=phone)).to_have_attribute("href", f"tel:{phone}")
    expect(nurse_page.get_by_text("Your viewing was recorded in the audit log")).to_be_visible()
    assert axe_violations(nurse_page) == []
    conversation = re.search(r"\(conversation (\w+)\)", heading.inner_text()).group(1)

    # The audit log has who opened whose contact, and never the address.
    with sqlite3.connect(workspace.staff_db, timeout=30) as db:
        entries = db.execute(
            "SELECT username, target, detail FROM audit_entry WHERE action = ? AND detail = ?",
            ("viewed reminder contact", f"reminder {reminder_id}"),
        ).fetchall()
        leaked = db.execute(
            "SELECT COUNT(*) FROM audit_entry WHERE detail LIKE ? OR target LIKE ?"
            " OR detail LIKE ? OR target LIKE ?",
            (f"%{domain}%", f"%{domain}%", "%2025550161%", "%2025550161%"),
        ).fetchone()[0]
    assert entries == [("nina", conversation, f"reminder {reminder_id}")]
    assert leaked == 0


SAMPLE = [
    ("sample-1", "how long is the hospital stay"),
    ("sample-2", "can I talk to a nurse please"),
    ("sample-3", "my belly hurts a lot after I eat"),
    ("sample-4", "can my dog lick the pump scar"),
    ("sample-5", "how often do I need a refill"),
]


@pytest.mark.parametrize("where", ["/", "/dashboard/"])
def test_axe_finds_no_serious_or_critical_problems(workspace, nurse_page, where):
    # A day's kind of messages, so the pages (and the pictures in docs/) show each kind.
    for sender, text in SAMPLE:
        if not workspace.logged("text = ?", text):
            workspace.assistant.ask(sender, text)
    for _, text in SAMPLE:
        assert wait_logged(workspace, text)
    nurse_page.goto(workspace.url + where)
    assert axe_violations(nurse_page) == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = "staff-inbox" if where == "/" else "staff-dashboard"
    nurse_page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_200_messages_from_10_clients_are_all_in_the_log(workspace):
    def client(n: int) -> None:
        for k in range(20):
            workspace.assistant.ask(f"load-{n}", f"load question {k} from client {n}")

    with ThreadPoolExecutor(10) as pool:
        list(pool.map(client, range(10)))
    assert wait_until(lambda: len(workspace.logged("text LIKE ?", "load question %")) == 200,
                      120, 0.5)  # fmt: skip
    texts = [row[0] for row in workspace.logged("text LIKE ?", "load question %")]
    assert sorted(texts) == sorted(
        f"load question {k} from client {n}" for n in range(10) for k in range(20)
    )


def test_kill_9_of_the_workspace_and_the_log_while_messages_arrive_loses_nothing(workspace):
    running = workspace.assistant
    sent: list[str] = []

    def patient(n: int) -> None:
        for k in range(15):
            text = f"crash question {k} from patient {n}"
            running.ask(f"crash-{n}", text)
            sent.append(text)

    with ThreadPoolExecutor(3) as pool:
        work = [pool.submit(patient, n) for n in range(3)]
        time.sleep(2)
        for name in ("review log", "staff workspace"):
            pid = running.child_pid(name)
            assert pid, name
            subprocess.run(["kill", "-9", str(pid)], check=True)
            assert running.wait_for_new_child(name, pid, 60), f"{name} not restarted"
        for done in work:
            done.result()
    assert wait_until(lambda: len(workspace.logged("text LIKE ?", "crash question %")) == 45,
                      120, 0.5)  # fmt: skip
    texts = [row[0] for row in workspace.logged("text LIKE ?", "crash question %")]
    assert sorted(texts) == sorted(sent) and len(set(texts)) == 45

    def workspace_answers() -> bool:
        try:  # refused until the restarted gunicorn listens, slow while it loads
            return requests.get(running.staff_url + "/health/", timeout=5).ok
        except (requests.ConnectionError, requests.Timeout):
            return False

    assert wait_until(workspace_answers, 60)


def test_the_supervisor_runs_retention_at_start(workspace):
    def ran() -> bool:
        with sqlite3.connect(workspace.staff_db, timeout=30) as db:
            rows = db.execute("SELECT 1 FROM audit_entry WHERE action = 'retention'")
            return bool(rows.fetchall())

    assert wait_until(ran, 60, 1)


def test_the_staff_access_log_keeps_no_search_words(workspace, tmp_path_factory):
    import glob

    from tests.ports import STAFF_PUBLIC_URL

    requests.get(f"{STAFF_PUBLIC_URL}/?q=Zebulon+Quill", verify=False, timeout=30)
    time.sleep(0.5)
    base = tmp_path_factory.getbasetemp()
    (log,) = glob.glob(str(base / "staff-nginx[0-9]*" / "staff-access.log"))
    text = Path(log).read_text()
    assert '"GET /" ' in text and "Zebulon" not in text and "q=" not in text, text
