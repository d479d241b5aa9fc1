"""The business unit's newsletter, walked in Chromium on the demo partnership: from the menu, draft
one (refused once, what was typed kept), read it as it will go out, write the editor's introduction,
approve it, issue it after checking the answers, download its PDF and Word; then an agency of its
audience finds it in its inbox and reads it. axe-core on every page; the issued newsletter's page is
docs/screenshots/newsletter.png.

The server is this file's own `lif serve --demo` (issuing a newsletter adds to every agency's inbox,
which the other browser tests count).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pypdf
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import (
    REPO,
    Server,
    check_page,
    demo_server,
    offline_context,
    signed_in,
    sqlite_demo_env,
)

SCREENSHOT = REPO / "docs" / "screenshots" / "newsletter.png"
POLICE = "merseyside-police"


@pytest.fixture(scope="module")
def newsletter_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    where = tmp_path_factory.mktemp("newsletter-walk")
    with demo_server(where, sqlite_demo_env(where), where / "lif.sqlite.secret") as server:
        yield server


@pytest.fixture
def walk_context(browser: Browser, newsletter_server: Server) -> Iterator[BrowserContext]:
    with offline_context(browser, newsletter_server, viewport={"width": 1280, "height": 900}) as context:
        yield context


def _fill_date(page: Page, legend: str, day: date) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def _heading(page: Page, text: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def test_the_business_unit_drafts_approves_and_issues_a_newsletter(
    walk_context: BrowserContext, newsletter_server: Server, axe_source: str,
) -> None:
    today = datetime.now(UTC).date()
    page = signed_in(walk_context, newsletter_server)
    page.goto("/dashboard")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Newsletters").click()
    _heading(page, "Newsletters")
    check_page(page, axe_source, "newsletter-list")

    page.get_by_role("button", name="Draft a newsletter").click()
    _heading(page, "Draft a newsletter")
    check_page(page, axe_source, "newsletter-draft")
    _fill_date(page, "From", today - timedelta(days=300))
    _fill_date(page, "To", today)
    page.get_by_role("button", name="Draft the newsletter").click()  # no title: refused
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("link")).to_contain_text("Title")
    expect(page.get_by_role("group", name="To").get_by_label("Day")).to_have_value(str(today.day))
    check_page(page, axe_source, "newsletter-draft-refused")
    page.get_by_label("Title").fill("Learning newsletter: this year")
    page.get_by_label("All agencies").check()
    page.get_by_role("button", name="Draft the newsletter").click()

    _heading(page, "Learning newsletter: this year")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Drafted")
    newsletter = page.get_by_role("region", name="The newsletter as it reads")
    expect(newsletter).to_contain_text("What we learned")
    expect(newsletter).to_contain_text("Reviews and audits signed off")
    check_page(page, axe_source, "newsletter-drafted")

    page.get_by_role("button", name="Write the introduction").click()
    _heading(page, "Edit the newsletter")
    page.get_by_label("Editor's introduction").fill(
        "Welcome to this year's learning.\n\nThree themes ran through our reviews: please share them.")
    check_page(page, axe_source, "newsletter-edit")
    page.get_by_role("button", name="Save").click()
    expect(newsletter).to_contain_text("Welcome to this year's learning.")

    page.get_by_role("button", name="Approve the newsletter").click()
    _heading(page, "Approve the newsletter")
    page.get_by_label("Approved by").fill("Business manager")
    check_page(page, axe_source, "newsletter-approve")
    page.get_by_role("button", name="Approve the newsletter").click()
    expect(page.locator(".govuk-summary-list")).to_contain_text("By Business manager")

    page.get_by_role("button", name="Issue the newsletter").click()
    _heading(page, "Issue the newsletter")
    check_page(page, axe_source, "newsletter-issue")
    page.get_by_role("button", name="Continue").click()
    _heading(page, "Check your answers before you issue the newsletter")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Merseyside Police")
    check_page(page, axe_source, "newsletter-check")
    page.get_by_role("button", name="Issue the newsletter").click()

    _heading(page, "Learning newsletter: this year")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Issued")
    expect(page.locator("main")).to_contain_text("it is in the feeds of")
    check_page(page, axe_source, "newsletter-issued")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    pdf = walk_context.request.get(
        page.get_by_role("link", name="Download the newsletter as a PDF").get_attribute("href") or "")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    text = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.body())).pages).split())
    assert "Learning newsletter: this year" in text and "Welcome to this year's learning." in text
    word = walk_context.request.get(
        page.get_by_role("link", name="Download the newsletter as a Word document").get_attribute("href") or "")
    assert word.ok and word.body()[:2] == b"PK"

    # The police, in its audience, find it in their inbox.
    lead = walk_context.new_page()
    walk_context.add_cookies([newsletter_server.cookie(  # type: ignore[list-item]
        role="agency", agency_id=POLICE, name="police-lead", display="Pat Lee")])
    lead.goto("/inbox")
    row = lead.get_by_role("table", name="Learning for your agency").locator("tbody tr").filter(
        has_text="Newsletter: Learning newsletter: this year")
    expect(row).to_have_count(1)
    check_page(lead, axe_source, "newsletter-agency-inbox")
    row.get_by_role("link").click()
    expect(lead.locator(".govuk-summary-list")).to_contain_text("Your agency is in the newsletter's audience.")
    lead.get_by_role("link", name="Read the newsletter").click()
    _heading(lead, "Learning newsletter: this year")
    expect(lead.get_by_role("region", name="The newsletter as it reads")).to_contain_text(
        "Welcome to this year's learning.")
    expect(lead.get_by_role("button", name="Edit the newsletter")).to_have_count(0)
    check_page(lead, axe_source, "newsletter-agency-read")
    href = lead.get_by_role("link", name="Download the newsletter as a PDF").get_attribute("href") or ""
    assert walk_context.request.get(href).ok
