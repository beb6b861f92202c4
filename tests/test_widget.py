"""The chat widget in a real headless Chromium (Debian's), against the real
servers started as `make run` starts them."""

import json
import re
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Page, expect

from harness.nginx import certificate_names, nginx, nginx_config
from harness.servers import Assistant, free_port, started_assistant
from tests.browser import SCREENSHOTS, axe_violations, chromium
from tests.ports import CLINIC_PORT, CLINIC_SITE

pytestmark = pytest.mark.integration

LAUNCHER = "Questions about your pump? Chat with us"
WAIT_MS = 60_000
# The first answers after a start can take seconds (models warming up).
expect.set_options(timeout=WAIT_MS)


@pytest.fixture(scope="module")
def assistant(browser_assistant):
    return browser_assistant


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser):
    """A new visitor: empty storage, a desktop window."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(WAIT_MS)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert not errors, errors


@contextmanager
def sized_page(browser, width: int, height: int, scale: int = 1, bypass_csp: bool = False):
    """A page in a window of this size (scale 2: twice the pixel density, as at
    200% zoom); bypass_csp lets axe be injected."""
    context = browser.new_context(
        viewport={"width": width, "height": height},
        device_scale_factor=scale,
        bypass_csp=bypass_csp,
    )
    context.set_default_timeout(WAIT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


def open_chat(page: Page, assistant: Assistant) -> None:
    page.goto(assistant.web_url + "/")
    page.get_by_role("button", name=LAUNCHER).click()
    expect(assistant_messages(page).first).to_contain_text("not a person")


def assistant_messages(page: Page):
    return page.locator(".haip-msg--assistant")


def ask(page: Page, text: str) -> None:
    page.get_by_label("Type your question").fill(text)
    page.get_by_role("button", name="Send").click()


def ask_hospital_stay(page: Page, whole: bool = False) -> None:
    """The question most tests use; its answer comes once. whole: wait for its
    last part too (the sources and buttons come a moment after the text)."""
    ask(page, "how long is the hospital stay")
    expect(assistant_messages(page).filter(has_text="about 3 days")).to_have_count(1)
    if whole:
        expect(assistant_messages(page).last).to_contain_text("Sources")


def visible_text(locator) -> str:
    """The text as seen on screen: without the words only screen readers get
    ("opens in a new tab")."""
    return locator.evaluate(
        "e => { const c = e.cloneNode(true);"
        " c.querySelectorAll('.haip-sr').forEach(s => s.remove()); return c.textContent; }"
    )


def chat_id(page: Page) -> str:
    return page.evaluate("localStorage.getItem('haip-chat-sender')")


def log_texts(page: Page) -> list[str]:
    return page.locator(".haip-msg").all_inner_texts()


def test_a_patient_asks_about_the_hospital_stay_and_reads_the_answer(page, assistant):
    open_chat(page, assistant)
    # The opening disclaimer and the emergency line are there before anything is asked.
    welcome = assistant_messages(page).first
    expect(welcome).to_contain_text("cannot give medical advice")
    emergency = page.locator(".haip-emergency")
    expect(emergency).to_have_text("In an emergency, call 911.")
    expect(emergency.get_by_role("link", name="911")).to_have_attribute("href", "tel:911")

    page.evaluate(
        """() => {
        window.typingSeen = false;
        new MutationObserver(() => {
            if (!document.querySelector('.haip-typing').hidden) window.typingSeen = true;
        }).observe(document.querySelector('.haip-typing'), {attributes: true});
    }"""
    )
    ask(page, "how long is the hospital stay")
    expect(page.locator(".haip-msg--patient").last).to_contain_text("how long is the hospital stay")
    answer = assistant_messages(page).filter(has_text="about 3 days")
    expect(answer).to_have_count(1)
    assert page.evaluate("window.typingSeen"), "no typing indicator while waiting"
    expect(page.locator(".haip-typing")).to_be_hidden()

    # Rasa's socket.io channel sends each paragraph as its own message; the
    # sources are the answer's last line, so they come in its last bubble, as
    # one small line of links, with the follow-up topics under it.
    last = assistant_messages(page).last
    expect(last).to_contain_text("about 3 days")
    sources = last.locator(".haip-bubble > p.haip-sources")
    expect(sources).to_have_count(1)
    assert sources.evaluate("p => p === p.parentElement.lastElementChild")
    assert visible_text(sources) == "Sources: Johns Hopkins Medicine, Penn Medicine"
    link = sources.get_by_role("link", name="Johns Hopkins Medicine")
    assert link.evaluate("a => a instanceof HTMLAnchorElement")
    assert (
        link.get_attribute("href")
        == "https://joh.2.broadcastmed.net/videos/hepatic-artery-infusion-pump"
    )
    assert link.get_attribute("target") == "_blank"
    assert link.get_attribute("rel") == "noopener noreferrer"
    assert (
        sources.get_by_role("link", name="Penn Medicine")
        .get_attribute("href")
        .startswith("https://pennmedicine.org/")
    )
    # Smaller than the answer, and not a bubble of its own.
    size = "e => parseFloat(getComputedStyle(e).fontSize)"
    assert sources.evaluate(size) < last.locator(".haip-bubble > p").first.evaluate(size)
    expect(assistant_messages(page).filter(has_text="Sources")).to_have_count(1)
    expect(
        last.get_by_role("button", name="Recovering at home after the operation")
    ).to_be_visible()


def test_an_urgent_symptom_gets_urgent_guidance_first(page, assistant):
    open_chat(page, assistant)
    ask(page, "I have a fever and the pump site is red")
    expect(page.locator(".haip-msg--patient")).to_have_count(1)
    first_reply = page.locator(".haip-msg--patient ~ .haip-msg--assistant").first
    expect(first_reply).to_contain_text("Please call our 24-hour line now")
    expect(first_reply.get_by_role("link", name="(555) 555-0199")).to_have_attribute(
        "href", "tel:+15555550199"
    )


@pytest.mark.parametrize("width, height", [(1280, 800), (360, 740)])
def test_urgent_guidance_is_unmistakable_and_announced(browser, assistant, width, height):
    with sized_page(browser, width, height, bypass_csp=True) as page:
        open_chat(page, assistant)
        ask(page, "I have chest pain and I can't breathe")
        urgent = page.locator(".haip-msg--urgent")
        expect(urgent.first).to_contain_text("Urgent: please act now")
        expect(urgent.first).to_contain_text("Call 911 now")
        assert urgent.first.get_attribute("role") == "alert"  # read out at once
        # Its phone number is a large button, and it looks unlike an ordinary answer.
        call = urgent.first.get_by_role("link", name="911").first
        assert call.bounding_box()["height"] >= 44
        box = urgent.first.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5
        ordinary = page.locator(".haip-msg--assistant:not(.haip-msg--urgent) .haip-bubble").first
        style = "b => getComputedStyle(b).borderTopWidth + getComputedStyle(b).backgroundColor"
        assert urgent.first.locator(".haip-bubble").evaluate(style) != ordinary.evaluate(style)
        assert axe_violations(page) == []
        # An ordinary answer is not marked.
        count = urgent.count()
        ask_hospital_stay(page)
        expect(page.locator(".haip-msg--urgent")).to_have_count(count)


@pytest.mark.parametrize(
    "viewport, scale", [((360, 740), 1), ((640, 400), 2)], ids=["phone-360", "zoom-200"]
)
def test_a_long_answer_shows_from_its_first_line(browser, assistant, viewport, scale):
    with sized_page(browser, *viewport, scale) as page:
        open_chat(page, assistant)
        ask(page, "what are the side effects of the pump chemo")
        answer = assistant_messages(page).filter(has_text="side effect").first
        expect(answer).to_be_visible()
        page.wait_for_timeout(1500)  # every part of the reply has arrived
        log = page.locator(".haip-log").bounding_box()
        first = page.locator(".haip-msg--patient ~ .haip-msg--assistant").first.bounding_box()
        # The first line of the reply is in view, not scrolled away above.
        assert log["y"] - 1 <= first["y"] <= log["y"] + log["height"] - 20, (log, first)


def test_a_button_asks_its_topic(page, assistant):
    open_chat(page, assistant)
    assistant_messages(page).first.get_by_role(
        "button", name="How long you stay in the hospital"
    ).click()
    # The patient's side shows the button's words, not its payload.
    expect(page.locator(".haip-msg--patient").last).to_have_text(
        "You said: How long you stay in the hospital"
    )
    expect(assistant_messages(page).filter(has_text="about 3 days")).to_have_count(1)


def test_a_reload_keeps_the_conversation(page, assistant):
    open_chat(page, assistant)
    ask_hospital_stay(page)
    # The answer's last part (sources and follow-up buttons) can come a moment later.
    expect(assistant_messages(page).last).to_contain_text("Sources")
    before = log_texts(page)
    sender = chat_id(page)

    page.reload()
    # The chat was open, so it opens again, with the same messages.
    expect(page.locator(".haip-msg")).to_have_count(len(before))
    assert log_texts(page) == before
    assert chat_id(page) == sender
    assert not any("/greet" in text for text in log_texts(page))

    # The conversation goes on where it was: no second welcome.
    ask(page, "how often is the pump refilled")
    expect(page.locator(".haip-msg--patient")).to_have_count(2)
    expect(assistant_messages(page).last).to_contain_text("Source")
    expect(assistant_messages(page).filter(has_text="not a person")).to_have_count(1)


def test_the_keyboard_alone_is_enough(page, assistant):
    page.goto(assistant.web_url + "/")
    # The chat button shows once its words (widget/config.json) have come.
    expect(page.get_by_role("button", name=LAUNCHER)).to_be_visible()
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('haip-launcher')"):
            break
    else:
        pytest.fail("Tab never reached the chat button")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Type your question")).to_be_focused()
    expect(assistant_messages(page).first).to_contain_text("not a person")

    page.keyboard.type("how long is the hospital stay")
    page.keyboard.press("Enter")
    expect(assistant_messages(page).filter(has_text="about 3 days")).to_have_count(1)
    expect(page.get_by_label("Type your question")).to_be_focused()

    # Back from the text box to the answer's last follow-up button, and press it.
    # The buttons come in the answer's last part, which can arrive after the
    # text; without this wait Shift+Tab can land on the welcome's buttons.
    expect(page.get_by_role("button", name="The operation to place the pump")).to_be_visible()
    page.keyboard.press("Shift+Tab")
    focused = page.locator(":focus")
    expect(focused).to_have_text("The operation to place the pump")
    outline = focused.evaluate(
        "e => getComputedStyle(e).outlineStyle + ' ' + getComputedStyle(e).outlineWidth"
    )
    assert outline == "solid 3px", f"focus is not visible: {outline}"
    page.keyboard.press("Enter")
    expect(page.locator(".haip-msg--patient").last).to_contain_text(
        "The operation to place the pump"
    )
    expect(assistant_messages(page).filter(has_text="about an hour and a half")).to_have_count(1)

    # Escape closes the chat and gives the focus back to its button.
    page.keyboard.press("Escape")
    expect(page.locator(".haip-panel")).to_be_hidden()
    expect(page.get_by_role("button", name=LAUNCHER)).to_be_focused()


@pytest.mark.parametrize("width, height", [(1280, 800), (360, 740)])
def test_axe_finds_no_serious_or_critical_problems(browser, assistant, width, height):
    # bypass_csp: the demo page allows only its own scripts, and axe is injected.
    context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    try:
        page.goto(assistant.web_url + "/")
        closed = axe_violations(page)
        open_chat(page, assistant)
        ask_hospital_stay(page)
        opened = axe_violations(page)
        assert closed == [] and opened == [], json.dumps(closed + opened, indent=1)
    finally:
        context.close()


# 360 px: a phone. 640 x 400 at twice the pixel density: a 1280 x 800 screen at 200% zoom.
@pytest.mark.parametrize(
    "name, viewport, scale",
    [("phone-360", (360, 740), 1), ("zoom-200", (640, 400), 2), ("desktop-1280", (1280, 800), 1)],
)
def test_the_chat_fits_phones_and_zoom(browser, assistant, name, viewport, scale):
    width, height = viewport
    context = browser.new_context(
        viewport={"width": width, "height": height}, device_scale_factor=scale
    )
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    try:
        open_chat(page, assistant)
        ask_hospital_stay(page, whole=True)
        parts = [".haip-panel", ".haip-emergency", ".haip-input", ".haip-send"]
        for part in [*parts, ".haip-language", ".haip-close"]:
            box = page.locator(part).bounding_box()
            assert box and box["x"] >= 0 and box["y"] >= 0, part
            assert box["x"] + box["width"] <= width + 0.5, f"{part} is cut off on the right"
            assert box["y"] + box["height"] <= height + 0.5, f"{part} is cut off at the bottom"
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        # Scrolling a message into view moves the messages, never the title or the emergency line.
        page.locator(".haip-msg--patient").last.evaluate("m => m.scrollIntoView({block: 'start'})")
        assert page.locator(".haip-panel").evaluate("p => p.scrollTop") == 0
        assert page.locator(".haip-log").bounding_box()["height"] >= 60
        if name != "zoom-200":
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            # The question and the start of its answer, as a patient sees them.
            page.evaluate(
                "() => { const m = document.querySelectorAll('.haip-msg--patient');"
                " document.querySelector('.haip-log').scrollTop = m[m.length - 1].offsetTop; }"
            )
            page.screenshot(path=str(SCREENSHOTS / f"chat-{width}.png"))
    finally:
        context.close()


def test_bot_and_patient_text_is_never_html(page, assistant):
    open_chat(page, assistant)
    attack = '<img src=x onerror="window.pwned=1"><script>window.pwned=1</script>'
    ask(page, attack)
    expect(page.locator(".haip-msg--patient").last).to_have_text("You said: " + attack)
    expect(assistant_messages(page)).to_have_count(2)
    assert page.locator(".haip-log img, .haip-log script").count() == 0
    assert page.evaluate("window.pwned") is None

    # The safe subset: bold, web links, phone numbers; everything else stays text.
    rendered = page.evaluate(
        """() => {
        const box = document.createElement('div');
        box.appendChild(HaipChat.renderText(
            '**Call** (555) 555-0100 or 911.\\nSee https://example.org/a/b. <b>x</b>\\n\\n' +
            'javascript:alert(1) [x](javascript:alert(1)) <a onclick="alert(1)">y</a>'));
        return {
            paragraphs: box.querySelectorAll('p').length,
            breaks: box.querySelectorAll('br').length,
            strong: [...box.querySelectorAll('strong')].map(e => e.textContent),
            links: [...box.querySelectorAll('a')].map(a => [a.getAttribute('href'), a.textContent]),
            elements: [...box.querySelectorAll('*')].map(e => e.tagName.toLowerCase()),
            text: box.textContent,
        };
    }"""
    )
    assert rendered["paragraphs"] == 2 and rendered["breaks"] == 1
    assert rendered["strong"] == ["Call"]
    assert rendered["links"] == [
        ["tel:+15555550100", "(555) 555-0100"],
        ["tel:911", "911"],
        ["https://example.org/a/b", "example.org (opens in a new tab)"],
    ]
    assert set(rendered["elements"]) <= {"p", "br", "strong", "a", "span"}
    assert "<b>x</b>" in rendered["text"] and '<a onclick="alert(1)">y</a>' in rendered["text"]


def test_only_web_addresses_become_named_links(page, assistant):
    open_chat(page, assistant)
    text = "\n".join(
        [
            "See [Penn Medicine](https://pennmedicine.org/a_%28b%29) or [x](javascript:alert(1)),"
            " [y](JavaScript:alert(1)), [z](data:text/html,hi) and [w](//evil.example).",
            "[<script>window.pwned=1</script>](https://example.org/s)"
            " <script>window.pwned=1</script>",
            "Sources: [Penn Medicine](https://pennmedicine.org/p),"
            " [Johns Hopkins](http://jh.example/v)",
            "Sources: [x](javascript:alert(1))",
        ]
    )
    rendered = page.evaluate(
        """text => {
        const box = document.createElement('div');
        box.appendChild(HaipChat.renderText(text));
        document.body.appendChild(box);
        return {
            links: [...box.querySelectorAll('a')].map(a => [
                a.getAttribute('href'), a.firstChild.textContent, a.target, a.rel,
            ]),
            elements: [...box.querySelectorAll('*')].map(e => e.tagName.toLowerCase()),
            small: [...box.querySelectorAll('p.haip-sources')].map(p => p.textContent),
            text: box.textContent,
        };
    }""",
        text,
    )
    tab = ["_blank", "noopener noreferrer"]
    assert rendered["links"] == [
        ["https://pennmedicine.org/a_%28b%29", "Penn Medicine", *tab],
        ["https://example.org/s", "<script>window.pwned=1</script>", *tab],
        ["https://pennmedicine.org/p", "Penn Medicine", *tab],
        ["http://jh.example/v", "Johns Hopkins", *tab],
    ]
    assert set(rendered["elements"]) <= {"p", "br", "a", "span"}
    for kept in (
        "[x](javascript:alert(1))",
        "[y](JavaScript:alert(1))",
        "[z](data:text/html,hi)",
        "[w](//evil.example)",
        "<script>window.pwned=1</script>",
    ):
        assert kept in rendered["text"], kept
    # Only a line of web links is the small sources line.
    assert rendered["small"] == [
        "Sources: Penn Medicine (opens in a new tab), Johns Hopkins (opens in a new tab)"
    ]
    assert page.evaluate("window.pwned") is None


def test_a_refill_reminder_appears_in_the_open_page(page, assistant):
    open_chat(page, assistant)
    ask(page, "remind me about my pump refill")
    expect(assistant_messages(page).last).to_contain_text("When is your next pump refill")
    ask(page, "in 2 weeks")
    expect(assistant_messages(page).filter(has_text="Done. Your next refill")).to_have_count(1)

    calendar = page.get_by_role("link", name="Add my refill dates to my calendar")
    expect(calendar).to_have_attribute("download", "pump-refills.ics")

    # The patient closes the chat but keeps the page open; the reminder
    # (REMINDER_LEAD_S after it was set) still arrives and is announced.
    page.keyboard.press("Escape")
    launcher = page.get_by_role("button", name=LAUNCHER)
    expect(launcher).to_contain_text("1 new")
    expect(page.locator(".haip-chat > [role=status]")).to_have_text(
        "New message from the pump assistant."
    )
    launcher.click()
    expect(assistant_messages(page).last).to_contain_text("Reminder: your pump refill")

    with page.expect_download() as download:
        calendar.click()
    assert download.value.suggested_filename == "pump-refills.ics"
    assert Path(download.value.path()).read_text().startswith("BEGIN:VCALENDAR")


class Line:
    """Stands between the page and the assistant's socket.io, so a test can cut
    the connection, keep it down for a while, and let it come back."""

    def __init__(self) -> None:
        self.up = True
        self.open: list = []

    def route(self, page_side) -> None:
        if not self.up:
            page_side.close()  # refused, as by a phone without signal
            return
        server_side = page_side.connect_to_server()
        page_side.on_message(server_side.send)
        # Frames arriving once the line is cut are lost, as on a dead connection.
        server_side.on_message(lambda frame: self.up and page_side.send(frame))
        self.open.append((page_side, server_side))

    def cut(self) -> None:
        self.up = False
        for page_side, server_side in self.open:
            server_side.close()
            page_side.close()
        self.open.clear()


def history_texts(assistant: Assistant, sender: str, who: str) -> list[str]:
    response = requests.get(f"{assistant.web_url}/api/history/{sender}", timeout=30)
    response.raise_for_status()
    return [m["text"] for m in response.json()["messages"] if m["from"] == who]


def test_what_was_sent_while_the_connection_was_down_shows_when_it_returns(page, assistant):
    line = Line()
    page.route_web_socket(re.compile(r"/socket\.io/"), line.route)
    open_chat(page, assistant)
    ask(page, "remind me about my pump refill")
    expect(assistant_messages(page).last).to_contain_text("When is your next pump refill")
    ask(page, "in 2 weeks")
    expect(assistant_messages(page).filter(has_text="Done. Your next refill")).to_have_count(1)
    # Cut at once: the calendar after "Done" and the reminder after it are lost.
    line.cut()
    expect(page.locator(".haip-status")).to_have_text(re.compile("lost its connection|can't reach"))
    page.keyboard.press("Escape")

    sender = chat_id(page)
    reminder = "Reminder: your pump refill"
    for _ in range(60):
        if any(reminder in text for text in history_texts(assistant, sender, "assistant")):
            break
        page.wait_for_timeout(500)  # lets Playwright refuse reconnects meanwhile
    else:
        pytest.fail("the reminder was never sent")
    expect(page.get_by_role("link", name="Add my refill dates to my calendar")).to_have_count(0)
    expect(assistant_messages(page).filter(has_text=reminder)).to_have_count(0)

    line.up = True
    launcher = page.get_by_role("button", name=LAUNCHER)
    expect(launcher).to_contain_text("new")
    launcher.click()
    expect(assistant_messages(page).filter(has_text=reminder)).to_have_count(1)
    expect(page.get_by_role("link", name="Add my refill dates to my calendar")).to_have_count(1)
    # Nothing shown twice, nothing missing: the page now says what the history
    # says, each text as the widget's own renderer shows it.
    shown = assistant_messages(page).evaluate_all(
        "items => items.map(i => i.querySelector('.haip-bubble')?.textContent ?? '')"
    )
    said = page.evaluate(
        "texts => texts.map(t => { const box = document.createElement('div');"
        " box.appendChild(HaipChat.renderText(t)); return box.textContent; })",
        history_texts(assistant, sender, "assistant"),
    )
    assert shown == said


@pytest.fixture
def clinic_site(assistant):
    """The clinic's own page, with nothing of ours but the one tag."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    page = (
        '<!doctype html><html lang="en"><head><title>Example clinic</title></head>'
        "<body><main><h1>Our HAI pump program</h1></main>"
        f'<script src="{assistant.web_url}/widget/haip-chat.js" defer'
        ' data-clinic-name="Example Cancer Center" data-color-primary="#ffd700"></script>'
        "</body></html>"
    ).encode()

    class ClinicPage(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", CLINIC_PORT), ClinicPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield CLINIC_SITE + "/"
    server.shutdown()
    server.server_close()


def test_one_tag_puts_the_chat_on_a_clinics_own_site(page, assistant, clinic_site):
    page.goto(clinic_site)
    launcher = page.get_by_role("button", name=LAUNCHER)
    # A light brand colour gets dark text, so the contrast stays readable.
    expect(launcher).to_have_css("background-color", "rgb(255, 215, 0)")
    expect(launcher).to_have_css("color", "rgb(0, 0, 0)")
    launcher.click()
    title = page.get_by_role("heading", name="Pump questions: Example Cancer Center")
    expect(title).to_be_visible()
    expect(assistant_messages(page).first).to_contain_text("not a person")
    ask_hospital_stay(page)
    # The reload history comes across origins too.
    page.reload()
    expect(assistant_messages(page).filter(has_text="about 3 days")).to_have_count(1)


@pytest.fixture(scope="module")
def behind_https(tmp_path_factory):
    """The assistant as docs/install.md sets it up behind the clinic's HTTPS."""
    root = tmp_path_factory.mktemp("https")
    port = free_port()
    public = f"https://localhost:{port}"
    with started_assistant(root, HAIP_SOCKET_URL=public) as running:
        config = nginx_config(
            root,
            "nginx-https.conf",
            [
                ("listen 443 ssl;", f"listen 127.0.0.1:{port} ssl;"),
                ("server_name assistant.example-clinic.org;", "server_name localhost;"),
                *certificate_names("assistant.example-clinic.org", root),
                ("http://127.0.0.1:5005", f"http://127.0.0.1:{running.rasa_port}"),
                ("http://127.0.0.1:8000", f"http://127.0.0.1:{running.web_port}"),
                ("/var/log/nginx/haip-chat.access.log", str(root / "chat-access.log")),
            ],
        )
        with nginx(config, port):
            yield public


def test_the_https_access_log_keeps_no_chat_id_or_token(behind_https, tmp_path_factory):
    import glob
    import time

    chat_id = "0123456789abcdef0123456789abcdef"
    for path in [f"/api/history/{chat_id}?x=1", "/unsubscribe?t=SECRET-TOKEN-42"]:
        requests.get(behind_https + path, verify=False, timeout=30)
    time.sleep(0.5)
    (log,) = glob.glob(str(tmp_path_factory.getbasetemp() / "https[0-9]*" / "chat-access.log"))
    text = Path(log).read_text()
    assert '"GET /api/history/-" ' in text and '"GET /unsubscribe" ' in text, text
    assert chat_id not in text and "SECRET-TOKEN" not in text and "?" not in text


def test_the_chat_works_behind_the_clinics_https(browser, behind_https):
    context = browser.new_context(ignore_https_errors=True)
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    sockets: list[str] = []
    page.on("websocket", lambda socket: sockets.append(socket.url))
    try:
        page.goto(behind_https + "/")
        page.get_by_role("button", name=LAUNCHER).click()
        expect(assistant_messages(page).first).to_contain_text("not a person")
        ask_hospital_stay(page)
        assert sockets and all(url.startswith("wss://localhost:") for url in sockets), sockets
        # Only socket.io and the web chat pass: Rasa's API and REST channel do not.
        for private in ["/conversations/x/tracker", "/webhooks/rest/webhook", "/model/parse"]:
            assert page.request.get(behind_https + private).status == 404, private
    finally:
        context.close()


END_CHAT = "End chat and forget this device"


def test_end_chat_forgets_this_device_and_starts_afresh(browser, assistant):
    # bypass_csp: axe is injected at the end.
    context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    try:
        open_chat(page, assistant)
        ask_hospital_stay(page, whole=True)
        old = chat_id(page)

        # The keyboard reaches it: text box, Send, then the button.
        page.get_by_label("Type your question").focus()
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        end = page.get_by_role("button", name=END_CHAT)
        expect(end).to_be_focused()
        assert end.evaluate("e => getComputedStyle(e).outlineWidth") == "3px"
        page.keyboard.press("Enter")

        expect(page.locator(".haip-chat > [role=status]")).to_have_text(
            "Chat ended. This device no longer keeps it. A new chat has started."
        )
        expect(page.locator(".haip-msg--patient")).to_have_count(0)
        expect(assistant_messages(page).filter(has_text="about 3 days")).to_have_count(0)
        expect(assistant_messages(page).first).to_contain_text("not a person")
        new = chat_id(page)
        assert new and new != old
        stored = page.evaluate("JSON.stringify(Object.assign({}, localStorage))")
        assert old not in stored

        # A reload brings back the new conversation only.
        page.reload()
        expect(assistant_messages(page).first).to_contain_text("not a person")
        expect(assistant_messages(page).filter(has_text="not a person")).to_have_count(1)
        expect(assistant_messages(page).filter(has_text="about 3 days")).to_have_count(0)
        assert axe_violations(page) == []
    finally:
        context.close()


def test_end_chat_with_a_reminder_asks_what_to_do_with_it_first(page, assistant):
    import datetime as dt

    from bot.reminders.store import ReminderStore

    open_chat(page, assistant)
    ask_hospital_stay(page)
    old = chat_id(page)
    reminders = ReminderStore(assistant.env["HAIP_REMINDERS_DB"])
    now = dt.datetime.now(dt.timezone.utc)
    reminders.set(old, (now + dt.timedelta(days=20)).date(), now + dt.timedelta(days=19))

    page.get_by_role("button", name=END_CHAT).click()
    question = assistant_messages(page).filter(has_text="forgotten chat cannot remind you")
    expect(question).to_have_count(1)
    expect(page.get_by_role("link", name="Add my refill dates to my calendar")).to_be_visible()
    # The hidden payload is not a patient message.
    expect(page.locator(".haip-msg--patient").filter(has_text="forget")).to_have_count(0)
    page.get_by_role("button", name="Keep this chat").click()
    expect(assistant_messages(page).last).to_contain_text("stays on this device")
    assert chat_id(page) == old and reminders.current(old) is not None

    page.get_by_role("button", name=END_CHAT).click()
    expect(question).to_have_count(2)
    page.get_by_role("button", name="Stop my reminders, and forget this chat").last.click()
    expect(page.locator(".haip-note")).to_contain_text("Your refill reminders are stopped")
    expect(assistant_messages(page).first).to_contain_text("not a person")
    expect(assistant_messages(page).filter(has_text="about 3 days")).to_have_count(0)
    new = chat_id(page)
    assert new and new != old
    assert reminders.current(old) is None


def test_the_widget_drops_a_chat_id_older_than_the_clinic_allows(page, assistant):
    open_chat(page, assistant)
    ask_hospital_stay(page)
    old = chat_id(page)
    # The patient last wrote 31 days ago (the demo clinic allows 30); the
    # server still knows the id as recent, so only the widget's own check acts.
    page.evaluate("localStorage.setItem('haip-chat-last', String(Date.now() - 31 * 864e5))")
    page.reload()
    expect(assistant_messages(page).first).to_contain_text("not a person")
    expect(assistant_messages(page).filter(has_text="about 3 days")).to_have_count(0)
    assert chat_id(page) != old


def test_the_unsubscribe_page_of_a_reminder_e_mail(browser, assistant):
    """The link in every reminder e-mail, opened in a browser: it asks first (mail
    programs open links to check them), and the button stops the e-mails."""
    import datetime as dt

    from bot.reminders import contacts
    from bot.reminders.store import ReminderStore

    store = ReminderStore(assistant.env["HAIP_REMINDERS_DB"])
    now = dt.datetime.now(dt.timezone.utc)
    patient = "patient-unsubscribe-page"
    contact = contacts.offer(store, patient, None, "email", "jo@example.org", "123456", now)
    contacts.confirm(store, patient, "123456", now)
    # bypass_csp: axe is injected.
    context = browser.new_context(viewport={"width": 360, "height": 740}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{assistant.web_url}/unsubscribe?t={contact.unsubscribe_token}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Stop these reminder e-mails")
    assert contacts.active(store, patient)  # opened, not yet stopped
    assert axe_violations(page) == []
    page.get_by_role("button", name="Stop these reminder e-mails").click()
    expect(page.locator("main")).to_contain_text("no more reminder e-mails")
    assert contacts.active(store, patient) == []
    assert axe_violations(page) == []
    context.close()


# --- the patient's language (issue 25) ------------------------------------------


def ask_in_spanish(page: Page, text: str) -> None:
    page.get_by_label("Escriba su pregunta").fill(text)
    page.get_by_role("button", name="Enviar").click()


def since_the_spanish_welcome(page: Page) -> list[str]:
    """The messages as seen on screen, from the welcome the choice of Spanish brought."""
    shown = [visible_text(m) for m in page.locator(".haip-msg").all()]
    start = next(i for i, text in enumerate(shown) if "programa de computadora" in text)
    return shown[start:]


def screen_reader_texts(page: Page, selector: str) -> list[str]:
    return page.locator(selector).all_text_contents()


def expect_spanish_widget(page: Page) -> None:
    """Every word of the widget in Spanish, and the page says so (lang)."""
    expect(page.locator(".haip-panel")).to_have_attribute("lang", "es")
    expect(page.locator(".haip-chat")).to_have_attribute("lang", "es")
    back = page.get_by_role("button", name="English", exact=True)
    expect(back.locator("[lang=en]")).to_have_text("English")
    expect(page.locator(".haip-title")).to_contain_text("Preguntas sobre la bomba")
    expect(page.get_by_role("button", name="Cerrar el chat")).to_be_visible()
    expect(page.locator(".haip-emergency")).to_have_text("En una emergencia, llame al 911.")
    expect(page.get_by_role("log", name="Mensajes del chat")).to_be_visible()
    expect(page.get_by_label("Escriba su pregunta")).to_be_visible()
    expect(
        page.get_by_role("button", name="Terminar el chat y olvidar este aparato")
    ).to_be_visible()


def test_a_spanish_speaking_patient_chooses_espanol_and_keeps_it(browser, assistant):
    # bypass_csp: axe is injected.
    context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        open_chat(page, assistant)
        espanol = page.get_by_role("button", name="Español", exact=True)
        expect(espanol.locator("[lang=es]")).to_have_text("Español")
        espanol.focus()
        page.keyboard.press("Enter")  # the keyboard reaches it, as any button
        expect_spanish_widget(page)
        expect(page.locator(".haip-chat > [role=status]")).to_have_text(
            "El chat ahora está en español."
        )
        # The assistant is told, and welcomes the patient in Spanish.
        expect(assistant_messages(page).filter(has_text="programa de computadora")).to_have_count(1)
        assert page.evaluate("localStorage.getItem('haip-chat-language')") == "es"

        ask_in_spanish(page, "¿Cuántos días voy a estar en el hospital?")
        expect(assistant_messages(page).filter(has_text="unos 3 días")).to_have_count(1)
        expect(assistant_messages(page).last).to_contain_text("Fuentes")
        ask_in_spanish(page, "quiero un recordatorio para mi relleno")
        expect(assistant_messages(page).last).to_contain_text("¿Cuándo es su próximo relleno")
        ask_in_spanish(page, "en dos semanas")
        expect(
            assistant_messages(page).filter(has_text="Listo. Su próximo relleno es el")
        ).to_have_count(1)
        calendar = page.get_by_role("link", name="Agregar mis fechas de relleno a mi calendario")
        with page.expect_download() as download:
            calendar.click()
        ics = Path(download.value.path()).read_text()
        assert ics.startswith("BEGIN:VCALENDAR") and "Relleno de la bomba" in ics, ics

        # What only screen readers get is in Spanish too, in Spanish-marked messages.
        assert screen_reader_texts(page, ".haip-msg--patient > .haip-sr")[-1] == "Usted dijo: "
        assert screen_reader_texts(page, ".haip-msg--assistant > .haip-sr")[-1] == (
            "El asistente dijo: "
        )
        assert " (se abre en otra pestaña)" in screen_reader_texts(page, "a .haip-sr")
        expect(page.get_by_role("group", name="Temas sugeridos").last).to_be_visible()
        assert assistant_messages(page).last.get_attribute("lang") == "es"
        violations = axe_violations(page)
        assert violations == [], json.dumps(violations, indent=1)

        before = since_the_spanish_welcome(page)
        page.reload()
        # The same conversation, and the widget still in Spanish.
        expect_spanish_widget(page)
        expect(assistant_messages(page).filter(has_text="unos 3 días")).to_have_count(1)
        assert since_the_spanish_welcome(page) == before
        expect(
            page.get_by_role("link", name="Agregar mis fechas de relleno a mi calendario")
        ).to_have_count(1)
        assert set(screen_reader_texts(page, ".haip-msg--patient > .haip-sr")) == {"Usted dijo: "}
        violations = axe_violations(page)
        assert violations == [], json.dumps(violations, indent=1)
        # And it goes on in Spanish: a tapped topic has no words of its own.
        page.get_by_role("button", name="Llenados de la bomba").first.click()
        expect(assistant_messages(page).filter(has_text="cada 14 días").first).to_be_visible()
    finally:
        context.close()
    assert not errors, errors


def test_a_patient_switches_back_to_english(page, assistant):
    page.goto(assistant.web_url + "/")
    page.evaluate("localStorage.setItem('haip-chat-language', 'es')")
    page.reload()
    # A new chat starts in the language chosen on an earlier visit.
    page.get_by_role("button", name="¿Preguntas sobre su bomba? Chatee con nosotros").click()
    expect(assistant_messages(page).first).to_contain_text("programa de computadora")
    expect(assistant_messages(page).filter(has_text="computer program")).to_have_count(0)
    expect_spanish_widget(page)
    # The longer Spanish title bar still fits a phone.
    page.set_viewport_size({"width": 360, "height": 740})
    for part in [".haip-title", ".haip-language", ".haip-close"]:
        box = page.locator(part).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 360.5, part
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.set_viewport_size({"width": 1280, "height": 800})

    page.get_by_role("button", name="English", exact=True).click()
    expect(page.locator(".haip-panel")).to_have_attribute("lang", "en")
    expect(page.locator(".haip-chat > [role=status]")).to_have_text("The chat is now in English.")
    expect(page.get_by_role("button", name="Español", exact=True)).to_be_visible()
    expect(page.get_by_label("Type your question")).to_be_visible()
    expect(page.locator(".haip-emergency")).to_have_text("In an emergency, call 911.")
    expect(assistant_messages(page).filter(has_text="computer program")).to_have_count(1)
    # The Spanish welcome stays marked as Spanish; what comes now is English.
    assert assistant_messages(page).first.get_attribute("lang") == "es"
    ask_hospital_stay(page)
    assert assistant_messages(page).last.get_attribute("lang") == "en"
    assert page.evaluate("localStorage.getItem('haip-chat-language')") == "en"
    page.reload()
    expect(page.locator(".haip-panel")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Send")).to_be_visible()
