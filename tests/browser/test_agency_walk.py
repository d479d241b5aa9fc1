"""The agency safeguarding lead's job, end to end in Chromium against `lif serve --demo`: the inbox,
an item of learning, acknowledging it with how it was cascaded (refused once, what was typed kept),
the agency's actions, reporting progress and completing one with evidence. Every page is checked
with axe-core; the inbox's screenshot is docs/screenshots/agency.png."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import REPO, Server, check_page, signed_in

AGENCY = "mersey-west-lancs-nhs"
"""A demo agency with learning signed off and an open action of its own."""
SCREENSHOT = REPO / "docs" / "screenshots" / "agency.png"


def _lead(context: BrowserContext, server: Server) -> Page:
    return signed_in(context, server, role="agency", agency_id=AGENCY, name="walk-lead", display="Sam Lee")


def _submit_by_keyboard(page: Page, name: str) -> None:
    button = page.get_by_role("button", name=name)
    button.focus()
    expect(button).to_be_focused()
    page.keyboard.press("Enter")


CLOCK_KINDS = ("Reminder:", "is overdue", "Acknowledgement still awaited")


def test_the_agency_lead_acknowledges_learning_and_reports_on_an_action(
    context: BrowserContext, server: Server, axe_source: str,
) -> None:
    page = _lead(context, server)
    page.goto("/")  # the lead's home is the inbox
    expect(page).to_have_url(re.compile(r"/inbox$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Inbox")
    expect(page.locator(".govuk-caption-l")).to_have_text("Mersey and West Lancashire Teaching Hospitals NHS Trust")
    expect(page.locator("#new-since")).to_contain_text("This is your first visit")
    table = page.get_by_role("table", name="Learning for your agency")
    rows = table.locator("tbody tr")
    assert rows.count() >= 3
    expect(rows.first).to_contain_text("New")
    # Newest first: of the learning the demo loaded, its last (the action agreed) leads; what the
    # demo's clock has recorded since (reminders, acknowledgements awaited) arrived later still.
    loaded = [t for t in rows.all_inner_texts() if not any(k in t for k in CLOCK_KINDS)]
    assert "Action agreed for Mersey and West Lancashire" in loaded[0], loaded
    expect(page.locator("main")).not_to_contain_text("Merseyside Police")  # nothing of another agency
    check_page(page, axe_source, "agency-inbox")
    Path(SCREENSHOT).parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    table.get_by_role("link", name=re.compile("^Recommendation made")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Recommendation made")
    expect(page.locator(".govuk-summary-list")).to_contain_text("It is addressed to your agency.")
    expect(page.locator(".govuk-summary-list")).to_contain_text("(signed off)")
    check_page(page, axe_source, "agency-item")

    # A refusal first: no way of cascading chosen. The API's code, field and sentence; typed kept.
    who = "Maternity and health visiting team leaders, at the safeguarding forum."
    page.get_by_label("Who was it cascaded to?").fill(who)
    _submit_by_keyboard(page, "Acknowledge and record the cascade")
    expect(page).to_have_title(re.compile("^Error: "))
    summary = page.locator(".govuk-error-summary")
    link = summary.get_by_role("link", name="Say how the learning was cascaded (at least one method).")
    expect(link).to_have_attribute("data-error-code", "cascade_method_required")
    expect(page.locator("#cascaded_by-error")).to_contain_text("Say how the learning was cascaded")
    expect(page.get_by_label("Who was it cascaded to?")).to_have_value(who)
    check_page(page, axe_source, "agency-item-refused")
    link.click()
    expect(page.get_by_label("Team briefing")).to_be_focused()

    page.get_by_label("Team briefing").check()
    page.get_by_label("Training").check()
    page.get_by_role("button", name="Acknowledge and record the cascade").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Acknowledged")
    acknowledged = page.locator("#acknowledgement + p + .govuk-summary-list")
    expect(acknowledged).to_contain_text("Team briefing, training")
    expect(acknowledged).to_contain_text(who)
    check_page(page, axe_source, "agency-item-acknowledged")

    page.get_by_role("link", name="Back to your inbox").click()
    expect(page.get_by_role("table", name="Learning for your agency")).to_contain_text("Yes, on")

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Actions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your agency's actions")
    actions = page.get_by_role("table", name=re.compile("^Actions owned by"))
    row = actions.locator("tbody tr", has_text="fathers' and male carers' details")
    expect(row.locator(".govuk-tag")).to_have_text(re.compile(r"^(Green|Amber|Red): "))  # colour and words
    check_page(page, axe_source, "agency-actions")
    row.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Record fathers' and male carers' details")
    expect(page.locator("#assurance + p")).to_contain_text("Not assured yet")
    check_page(page, axe_source, "agency-action")

    page.get_by_label("What has been done since the last update?").fill(
        "Maternity record template changed; health visiting template change booked with the supplier.")
    page.get_by_label("No, off track (amber)").check()
    page.get_by_role("button", name="Report progress").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Progress reported.")
    expect(page.get_by_role("table", name="Progress reported, oldest first")).to_contain_text("No, off track")
    expect(page.locator(".govuk-summary-list .govuk-tag")).to_have_text("Amber: due within 14 days or off track")
    expect(page.locator(".govuk-summary-list .govuk-tag")).to_have_class(re.compile("govuk-tag--orange"))

    evidence = "An audit of 30 maternity records found the father's details recorded in 28."
    page.get_by_label("Evidence of what was done").fill(evidence)
    page.get_by_label("Reference to the evidence (optional)").fill("MWL-AUDIT-12")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before completing the action")
    expect(page.locator(".govuk-summary-list")).to_contain_text(evidence)
    check_page(page, axe_source, "agency-check-completion")
    page.get_by_role("button", name="Confirm and complete the action").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Action completed")
    expect(page.locator(".govuk-summary-list .govuk-tag").first).to_have_text("Completed, awaiting assurance")
    expect(page.locator("#evidence + ul")).to_contain_text("(reference: MWL-AUDIT-12)")
    expect(page.get_by_role("button", name="Report progress")).to_have_count(0)
    check_page(page, axe_source, "agency-action-completed")


def test_another_agencys_action_is_not_found_in_the_browser(
    context: BrowserContext, server: Server, axe_source: str,
) -> None:
    police = signed_in(context, server, role="agency", agency_id="merseyside-police", name="walk-other")
    police.goto("/actions")
    own = police.get_by_role("table", name=re.compile("^Actions owned by")).get_by_role("link").first
    href = own.get_attribute("href")
    assert href and href.startswith("/actions/")
    page = _lead(context, server)
    answer = page.goto(href)
    assert answer is not None and answer.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    check_page(page, axe_source, "agency-not-found")
