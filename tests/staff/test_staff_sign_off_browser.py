"""Answers to sign in a real browser, through nginx, against the shared
assistant: a clinician signs three answers, the clinic turns on "signed only",
and a patient gets exactly those three, and urgent guidance no one has signed;
a change voids a sign-off; a red flag's page to sign is accessible. The staff
pages name the clinic's time zone."""

from __future__ import annotations

import pytest
import yaml
from playwright.sync_api import expect

from harness.servers import all_text
from tests.browser import SCREENSHOTS, axe_violations
from tests.staff.workspace import log_in, new_page

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning"),
]
# Topics no other browser test asks about: an example question of each, and the
# first words of its answer.
SIGNED = {
    "airport_security": ("will my pump set off the metal detector", "Tell the security officer"),
    "costs_insurance": ("does insurance cover the pump", "Costs depend on your insurance"),
    "caregiver_support": ("how can i help my husband after he gets the pump", "Family and friends"),
}
UNSIGNED = ("i feel so anxious about the pump", "Many people with cancer feel fear")
REVIEWING = "still reviewing this answer"


def set_signed_only(workspace, on: bool) -> None:
    path = workspace.root / "content" / "clinic.yml"
    text = path.read_text(encoding="utf-8")
    old, new = f"serve_only_signed: {str(not on).lower()}", f"serve_only_signed: {str(on).lower()}"
    path.write_text(text.replace(old, new), encoding="utf-8")
    assert yaml.safe_load(path.read_text(encoding="utf-8"))["serve_only_signed"] is on


def test_a_clinician_signs_three_answers_and_patients_get_exactly_those(browser, workspace):
    changed = workspace.root / "content" / "topics" / "airport_security.yml"
    original = changed.read_text(encoding="utf-8")
    page = new_page(browser)
    try:
        log_in(page, workspace, "cleo")
        expect(page.get_by_role("heading", name="Answers to sign")).to_be_visible()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for topic in SIGNED:
            page.goto(f"{workspace.url}/content/{topic}/sign/")
            expect(page.get_by_role("heading", name="What the patient reads")).to_be_visible()
            if topic == "airport_security":
                page.screenshot(path=str(SCREENSHOTS / "staff-sign.png"))
            page.get_by_role("button", name="Sign this answer as I read it").click()
            expect(page.get_by_role("status")).to_contain_text("Signed")
        expect(page.locator("#signed-share")).to_contain_text("3 of")
        assert axe_violations(page) == []
        page.screenshot(path=str(SCREENSHOTS / "staff-sign-off.png"))
        set_signed_only(workspace, True)
        for n, (question, answer) in enumerate(SIGNED.values()):
            reply = all_text(workspace.assistant.ask(f"signed-only-{n}", question))
            assert answer in reply and REVIEWING not in reply, reply
        question, answer = UNSIGNED
        reply = all_text(workspace.assistant.ask("signed-only-unsigned", question))
        assert REVIEWING in reply and "911" in reply and answer not in reply, reply
        # An unsigned red flag still gets its urgent message: never withheld.
        reply = all_text(workspace.assistant.ask("signed-only-urgent", "my skin is turning yellow"))
        assert "yellow skin or eyes" in reply and REVIEWING not in reply, reply
        # A change to a signed answer voids its sign-off: patients no longer get it.
        signed = changed.read_text(encoding="utf-8")
        title = yaml.safe_load(signed)["title"]
        changed.write_text(signed.replace(title, title + " today"), encoding="utf-8")
        question, answer = SIGNED["airport_security"]
        reply = all_text(workspace.assistant.ask("signed-only-changed", question))
        assert REVIEWING in reply and answer not in reply, reply
        page.goto(f"{workspace.url}/content/sign/")
        first = page.locator("table tbody tr").first
        expect(first).to_contain_text("changed since signing")
        page.get_by_role("link", name="yellow skin or eyes").click()
        expect(
            page.get_by_role("heading", name="Its sources and the words that bring it")
        ).to_be_visible()
        expect(page.locator("pre.bubble")).to_contain_text("yellow skin or eyes")
        assert axe_violations(page) == []
    finally:
        set_signed_only(workspace, False)
        changed.write_text(original, encoding="utf-8")
        page.context.close()


def test_staff_pages_name_the_clinic_s_time_zone(browser, workspace):
    page = new_page(browser)
    try:
        log_in(page, workspace, "nina")
        expect(
            page.get_by_role("columnheader", name="Latest message (America/New_York)")
        ).to_be_visible()
        page.goto(f"{workspace.url}/reminders/")
        expect(page.get_by_text("on the clinic's clock (America/New_York)")).to_be_visible()
    finally:
        page.context.close()
