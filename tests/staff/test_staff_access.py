"""Every page and API needs a login; roles decide the rest; five wrong passwords
from one address lock the account at that address for a while, or until an admin
unlocks it."""

import time
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from staff.accounts import accounts, client_address, roles
from staff.audit.models import Entry
from staff.review.models import Conversation, Message
from tests.staff.tracker_events import Tracker

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-passphrase-9"
# allauth's pages for someone not signed in: a deactivated account, a sign-on
# the person cancelled at the provider (text only, nothing of the workspace's).
OPEN = {"login", "health", "account_inactive", "socialaccount_login_cancelled"}


def all_paths():
    """Every URL the workspace serves, with sample arguments."""

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield p.name, prefix + str(p.pattern)

    for name, pattern in walk(get_resolver().url_patterns):
        path = "/" + pattern.replace("<int:pk>", "1").replace("<path:object_id>", "1")
        path = path.replace("^", "").replace("$", "").replace("\\Z", "")
        if "<" in path or "(?P" in path:
            continue
        yield name, path


def test_without_a_session_every_page_redirects_to_login(client):
    checked = 0
    for name, path in all_paths():
        if name in OPEN:
            continue
        response = client.get(path)
        assert response.status_code in (301, 302, 401, 403), (path, response.status_code)
        if response.status_code == 302:
            assert "login" in response["Location"], path
        checked += 1
    assert checked >= 12
    assert client.get("/health/").status_code == 200


def test_every_page_renders_for_someone_with_every_role(client, content):
    """Every link and redirect a page names resolves (a missed namespace is a
    NoReverseMatch, which the test client raises), on the pages with sample
    arguments and on the topic pages a slug opens."""
    person = accounts.add("allie", roles.ADMIN, PASSWORD)
    person.groups.set([roles.group(role) for role in roles.ROLES])
    client.force_login(person)
    paths = [path for name, path in all_paths() if name not in {"logout", "account_logout"}]
    paths += ["/content/hair_loss/", "/content/hair_loss/history/", "/content/hair_loss/sign/",
              "/content/hair_loss/translation/es/"]  # fmt: skip
    for path in paths:
        response = client.get(path)
        assert response.status_code < 500, (path, response.status_code)
    pages = sum(client.get(p).status_code == 200 for p in paths)
    assert pages >= 25


@pytest.fixture
def nurse(client):
    client.force_login(accounts.add("nina", roles.NURSE, PASSWORD))
    return client


def test_a_nurse_cannot_open_the_admin_pages(nurse):
    for path in ["/admin/", "/admin/auth/user/", "/admin/audit/entry/"]:
        response = nurse.get(path, follow=True)
        assert b"Site administration" not in response.content, path
        assert b"not authorized" in response.content or response.status_code == 403


def test_an_editor_cannot_open_the_inbox(client):
    client.force_login(accounts.add("ed", roles.EDITOR, PASSWORD))
    for path in ["/api/inbox/", "/messages/1/", "/export.csv", "/reminders/"]:
        assert client.get(path).status_code == 403, path
    # Patients' addresses least of all (a POST: the page is never a link).
    assert client.post("/reminders/1/contact/").status_code == 403
    assert client.get("/")["Location"] == "/content/"  # where an editor works


def test_a_nurse_cannot_edit_content(nurse):
    for path in ["/content/", "/content/hospital_stay/", "/content/hospital_stay/history/",
                 "/content/red-flags/"]:  # fmt: skip
        assert nurse.get(path).status_code == 403, path
    for path in ["/content/hospital_stay/", "/content/hospital_stay/preview/",
                 "/content/hospital_stay/revert/abc123/"]:  # fmt: skip
        assert nurse.post(path, {"title": "x"}).status_code == 403, path


def login(client, password, address="10.0.0.9", **headers):
    return client.post(
        reverse("accounts:login"),
        {"username": "nina", "password": password},
        REMOTE_ADDR=address,
        **headers,
    )


def five_wrong_passwords(client, address="10.0.0.9", **headers):
    for _ in range(5):
        login(client, "wrong", address, **headers)


def locked(response) -> bool:
    return response.status_code in (403, 429) and b"locked" in response.content


def test_five_wrong_passwords_lock_the_account_at_that_address_until_an_admin_unlocks_it(client):
    accounts.add("nina", roles.NURSE, PASSWORD)
    five_wrong_passwords(client)
    response = login(client, PASSWORD)
    assert locked(response)
    assert b"unlocks by itself in 20 minutes" in response.content
    assert accounts.listing() == [("nina", roles.NURSE, True)]
    accounts.unlock("nina")
    assert login(client, PASSWORD).status_code == 302
    assert Entry.objects.filter(action="account unlocked", target="nina").exists()


def test_a_stranger_who_knows_the_name_cannot_lock_the_nurse_out_where_she_works(client):
    accounts.add("nina", roles.NURSE, PASSWORD)
    five_wrong_passwords(client, address="203.0.113.7")
    assert locked(login(client, PASSWORD, address="203.0.113.7"))
    assert login(client, PASSWORD, address="10.0.0.9").status_code == 302


def test_a_lock_out_ends_by_itself_after_the_cool_off(client, settings):
    assert timedelta(minutes=15) <= settings.AXES_COOLOFF_TIME <= timedelta(minutes=30)
    accounts.add("nina", roles.NURSE, PASSWORD)
    five_wrong_passwords(client)
    assert locked(login(client, PASSWORD))
    # The failures as if they were made a cool-off ago (the clock stays real).
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time
        - settings.AXES_COOLOFF_TIME
        - timedelta(seconds=1)
    )
    assert accounts.listing() == [("nina", roles.NURSE, False)]
    assert login(client, PASSWORD).status_code == 302


def test_behind_nginx_each_client_is_locked_by_its_own_address(client):
    accounts.add("nina", roles.NURSE, PASSWORD)
    five_wrong_passwords(client, address="127.0.0.1", HTTP_X_REAL_IP="203.0.113.7")
    assert locked(login(client, PASSWORD, address="127.0.0.1", HTTP_X_REAL_IP="203.0.113.7"))
    response = login(client, PASSWORD, address="127.0.0.1", HTTP_X_REAL_IP="10.0.0.9")
    assert response.status_code == 302


@pytest.mark.parametrize(
    "direct, header, seen",
    [
        ("127.0.0.1", "203.0.113.7", "203.0.113.7"),  # from nginx on the same machine
        ("::1", "2001:db8::5", "2001:db8::5"),
        ("127.0.0.1", "", "127.0.0.1"),  # a local client without nginx
        ("127.0.0.1", "not an address", "127.0.0.1"),
        ("127.0.0.1", "203.0.113.7, 10.0.0.1", "127.0.0.1"),
        # Straight from the network, the header is the client's own choice.
        ("198.51.100.4", "203.0.113.7", "198.51.100.4"),
    ],
)
def test_the_address_a_login_is_locked_by(direct, header, seen):
    request = RequestFactory().post("/login/", REMOTE_ADDR=direct, HTTP_X_REAL_IP=header)
    assert client_address.address(request) == seen


def test_a_session_ends_after_the_idle_time(nurse, settings):
    assert settings.SESSION_SAVE_EVERY_REQUEST and settings.SESSION_COOKIE_AGE == 30 * 60
    session = nurse.session
    session.set_expiry(-1)
    session.save()
    assert nurse.get("/").status_code == 302


def test_search_filters_and_export(nurse, tmp_path):
    from staff.review.follower import Follower

    tracker = Tracker(tmp_path / "tracker.db")
    tracker.turn("a", "my pump site hurts", "action_urgent_guidance", "Call.", intent="urgent")
    tracker.turn("b", "how long is the stay", "action_answer_faq", "3 days.", topic="hospital_stay")
    tracker.turn("c", "=HYPERLINK(1) <script>alert(1)</script>", "action_not_sure", "Sorry.")
    Follower(tracker.path).catch_up()
    page = nurse.get("/")
    body = page.content.decode()
    # Urgent and not-understood first, the answered one last.
    assert body.index("my pump site hurts") < body.index("how long is the stay")
    assert body.index("HYPERLINK") < body.index("how long is the stay")
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body
    found = nurse.get("/", {"q": "pump hur"}).content.decode()
    assert "my pump site hurts" in found and "how long is the stay" not in found
    for weird in ['"', "NEAR(", "*", "AND OR", "'; DROP TABLE review_message;--", "💉"]:
        assert nurse.get("/", {"q": weird}).status_code == 200
    only = nurse.get("/", {"outcome": "answered"}).content.decode()
    assert "how long is the stay" in only and "my pump site hurts" not in only
    csv = nurse.get("/export.csv").content.decode()
    assert "my pump site hurts" in csv and "'=HYPERLINK" in csv
    assert Entry.objects.filter(action="export", username="nina").exists()


def test_review_note_assign_and_audit(nurse, tmp_path):
    from staff.review.follower import Follower

    accounts.add("nora", roles.NURSE, PASSWORD)
    tracker = Tracker(tmp_path / "tracker.db")
    tracker.turn("a", "can i talk to someone", "action_handoff", "Call.", intent="handoff")
    Follower(tracker.path).catch_up()
    message = Message.objects.get(sender=Message.PATIENT)
    assert nurse.get(f"/messages/{message.pk}/").status_code == 200
    assert Entry.objects.filter(action="viewed conversation", username="nina").exists()
    from django.contrib.auth.models import User

    nora = User.objects.get(username="nora")
    conversation = Conversation.objects.get(name=message.conversation)
    response = nurse.post(
        f"/conversations/{conversation.pk}/review/",
        {"status": "follow_up", "note": "Called, no answer", "assigned_to": nora.pk},
    )
    assert response.status_code == 302
    conversation.refresh_from_db()
    assert conversation.status == "follow_up" and conversation.assigned_to.username == "nora"
    assert conversation.notes.get().text == "Called, no answer"
    entry = Entry.objects.get(action="changed conversation")
    assert "Called" not in entry.detail and "follow_up" in entry.detail and "nora" in entry.detail
    # Only an admin sees the original text.
    assert nurse.get(f"/messages/{message.pk}/original/").status_code == 403


def test_a_whole_conversation_is_reviewed_in_one_step_and_mine_are_found(nurse, tmp_path):
    from django.contrib.auth.models import User

    from staff.review.follower import Follower

    tracker = Tracker(tmp_path / "tracker.db")
    tracker.turn("a", "I have a fever", "action_urgent_guidance", "Call.", intent="urgent_symptom")
    tracker.turn("a", "what is a flow scan", "action_not_sure", "Not sure.", intent="nlu_fallback")
    tracker.turn("b", "another patient", "action_not_sure", "Not sure.", intent="nlu_fallback")
    Follower(tracker.path).catch_up()
    not_sure = Message.objects.get(text="what is a flow scan")
    a = Conversation.objects.get(name=not_sure.conversation)
    # From the not-sure message's page: the whole conversation, its fever message too.
    response = nurse.post(f"/conversations/{a.pk}/reviewed/", {"message": not_sure.pk})
    assert response.status_code == 302 and response["Location"] == f"/messages/{not_sure.pk}/"
    statuses = dict(Conversation.objects.values_list("lead__text", "status"))
    assert statuses == {"I have a fever": "reviewed", "another patient": "new"}
    entry = Entry.objects.get(action="reviewed conversation")
    assert entry.username == "nina" and entry.target == a.name

    nina = User.objects.get(username="nina")
    Conversation.objects.filter(pk=a.pk).update(assigned_to=nina)
    mine = nurse.get("/?assigned=me").context["page"]
    assert [c.lead.text for c in mine] == ["I have a fever"]
    nobody = [c.lead.text for c in nurse.get("/?assigned=nobody").context["page"]]
    assert nobody == ["another patient"]
    assert len(nurse.get("/?assigned=everyone").context["page"]) == 2  # unknown: no filter


def test_the_inbox_background_check_does_not_keep_a_session_alive(nurse):
    from django.contrib.sessions.models import Session

    nurse.get("/")
    key = nurse.session.session_key
    before = Session.objects.get(session_key=key).expire_date
    time.sleep(1.1)
    assert nurse.get("/api/inbox/", headers={"X-Staff-Background": "1"}).status_code == 200
    assert Session.objects.get(session_key=key).expire_date == before
    nurse.get("/")  # a page a nurse opens is activity
    assert Session.objects.get(session_key=key).expire_date > before
