"""The admins' own pages in a real browser, through nginx, against the shared
assistant: an admin adds an account and deactivates it, then finds their own
sign-in and the deactivation in the audit log; every page axe-core clean."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import axe_violations
from tests.staff.workspace import log_in, new_page

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning"),
]


def test_an_admin_deactivates_an_account_and_finds_sign_ins_in_the_audit_log(browser, workspace):
    page = new_page(browser)
    try:
        log_in(page, workspace, "ada")
        page.get_by_role("link", name="Accounts", exact=True).click()
        expect(page.get_by_role("heading", name="Accounts")).to_be_visible()
        nina = page.get_by_role("row").filter(has=page.get_by_role("link", name="nina", exact=True))
        expect(nina).to_contain_text("Nurse: reviews patients' messages")
        assert axe_violations(page) == []

        page.get_by_role("link", name="Add an account").click()
        page.get_by_label("Account name").fill("leaving")
        page.get_by_label("Full name and credential").fill("Lee Leaving, RN")
        page.get_by_label("Nurse: reviews patients' messages").check()
        page.get_by_role("button", name="Add the account").click()
        expect(page.get_by_role("heading", name="Account leaving added")).to_be_visible()
        assert (
            page.get_by_label("Set-password link")
            .input_value()
            .startswith(f"{workspace.url}/password/")
        )
        assert axe_violations(page) == []

        page.get_by_role("link", name="Back to leaving").click()
        page.get_by_role("button", name="Deactivate leaving").click()
        expect(page.get_by_role("status")).to_contain_text("leaving is deactivated")
        expect(page.get_by_text("deactivated: cannot sign in")).to_be_visible()
        assert axe_violations(page) == []

        page.get_by_role("link", name="Audit log", exact=True).click()
        page.get_by_label("Person (account name)").fill("ada")
        page.get_by_label("Action").select_option("signed in")
        page.get_by_role("button", name="Filter").click()
        rows = page.locator("table.audit tbody tr")
        expect(rows.first).to_contain_text("signed in")
        expect(rows.filter(has_not_text="signed in")).to_have_count(0)
        expect(page.get_by_role("columnheader", name="Time (America/New_York)")).to_be_visible()
        assert axe_violations(page) == []

        page.get_by_label("Person (account name)").fill("leaving")
        page.get_by_label("Action").select_option("")
        page.get_by_role("button", name="Filter").click()
        expect(rows.filter(has_text="account deactivated")).to_contain_text("ada")
        expect(rows.filter(has_text="account added")).to_have_count(1)
    finally:
        page.context.close()
