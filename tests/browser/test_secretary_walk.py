"""The forum secretary's walk, in Chromium: from the forum's home to the next meeting's agenda,
its print view, and a decision recorded from an agenda item (refused once, as the API refuses
it, then checked and recorded), seen on the agenda. axe-core on every page.

The walk records a decision and schedules a meeting today, so it has a demo server of its own
(`lif serve --demo`, as tests/browser/conftest.py starts the shared one): the other walks see
the demo as loaded.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from domain.dates import today_in_england
from projections.agenda.render import long_date
from services.application.auth.principals import Role, make_principal
from services.application.auth.tokens import issue
from tests.browser.conftest import Server, check_page, demo_server, offline_context, signed_in, sqlite_demo_env

ARLF = "audit-review-learning-forum"
RECOMMENDATION = "Add a three-month practice follow-up to every partnership course."
"""Awaiting the ARLF's decision in the demo (deferred once already)."""


@pytest.fixture(scope="module")
def own_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    where = tmp_path_factory.mktemp("secretary-server")
    with demo_server(where, sqlite_demo_env(where), where / "lif.sqlite.secret") as server:
        yield server


@pytest.fixture
def secretary_context(browser: Browser, own_server: Server) -> Iterator[BrowserContext]:
    with offline_context(browser, own_server, viewport={"width": 1280, "height": 900}) as context:
        yield context


def _meets_today(server: Server) -> None:
    """The forum meets today: scheduled as the secretary may, through the API."""
    principal = make_principal(Role.SECRETARY, "st-helens", "pa", forum_id=ARLF)
    token = issue(server.signing_key, principal, timedelta(minutes=5))
    body = json.dumps({"forum_id": ARLF, "meets_on": today_in_england().isoformat()}).encode()
    request = urllib.request.Request(
        f"{server.url}/v1/partnerships/st-helens/meetings", data=body, method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert answer.status == 200


def test_a_secretary_records_a_decision_from_the_next_meetings_agenda(
    secretary_context: BrowserContext, own_server: Server, axe_source: str
) -> None:
    _meets_today(own_server)
    today = long_date(today_in_england())
    page: Page = signed_in(secretary_context, own_server, role="secretary", forum_id=ARLF, name="pa",
                           display="Sam Patel")

    # Home: the forum's meetings, the next one (today) first.
    page.goto("/")
    expect(page).to_have_url(f"{own_server.url}/forum")
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit, Review and Learning Forum")
    expect(page.locator(".lif-next-meeting")).to_contain_text("Today")
    check_page(page, axe_source, "secretary-home")

    # The next meeting's agenda; by keyboard, the skip link is the first tab stop.
    page.get_by_role("link", name=f"Agenda for the meeting on {today}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Agenda for {today_in_england():%A} {today}")
    awaiting = page.locator("#awaiting_decision")
    expect(awaiting).to_contain_text(RECOMMENDATION)
    expect(awaiting).to_contain_text("addressed to the partnership")
    expect(page.locator("#actions")).to_contain_text("owner St Helens Borough Council Children's Services")
    check_page(page, axe_source, "secretary")  # docs/screenshots/secretary.png under LIF_SCREENSHOTS
    page.keyboard.press("Tab")
    expect(page.locator(".govuk-skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#main-content")).to_be_focused()
    page.keyboard.press("Tab")  # the first thing in the page's own content
    expect(page.get_by_role("link", name="Forum meetings").last).to_be_focused()

    # The print view: on paper, no menus and no links to act on.
    page.get_by_role("link", name="Print view of this agenda").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("agenda for")
    expect(page.get_by_role("link", name="Record a decision")).to_have_count(0)
    check_page(page, axe_source, "secretary-print")
    page.emulate_media(media="print")
    expect(page.locator(".govuk-service-navigation")).to_be_hidden()
    expect(page.locator("#awaiting_decision")).to_contain_text(RECOMMENDATION)
    page.emulate_media(media="screen")
    page.get_by_role("link", name="Back to the agenda").click()

    # Record a decision from the item: refused once (no rationale), what was typed kept.
    page.get_by_role("link", name=f"Record a decision on the recommendation: {RECOMMENDATION}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a decision")
    check_page(page, axe_source, "secretary-decide")
    page.get_by_label("Accept the recommendation").check()
    page.get_by_label("Who decided").fill("ARLF Chair\nPartnership Business Manager")
    page.get_by_role("button", name="Continue").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("A forum decision records its rationale.")
    expect(summary.locator("[data-error-code='rationale_required']")).to_have_attribute("href", "#rationale")
    expect(page.locator("#rationale-error")).to_contain_text("A forum decision records its rationale.")
    expect(page.get_by_label("Who decided")).to_have_value("ARLF Chair\nPartnership Business Manager")
    expect(page.get_by_label("Accept the recommendation")).to_be_checked()
    expect(page).to_have_title(re.compile(r"^Error: Record a decision"))
    check_page(page, axe_source, "secretary-decide-refused")
    summary.get_by_role("link", name="A forum decision records its rationale.").click()
    expect(page.get_by_label("Rationale")).to_be_focused()

    page.get_by_label("Rationale").fill("A follow-up is cheap and the evaluation shows it is needed.")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the decision before you record it")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Accepted")
    check_page(page, axe_source, "secretary-check")
    page.get_by_role("button", name="Record the decision").click()

    # Back on the agenda: the banner, the decision in the meeting's decisions, the item off the list.
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Agenda for {today_in_england():%A} {today}")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Decision recorded: accepted")
    decisions = page.get_by_role("table", name="Decisions recorded for this meeting, in the order they were recorded")
    row = decisions.get_by_role("row", name=RECOMMENDATION)
    expect(row).to_contain_text("Accepted")
    expect(row).to_contain_text("ARLF Chair, Partnership Business Manager")
    expect(page.locator("#awaiting_decision")).not_to_contain_text(RECOMMENDATION)
    check_page(page, axe_source, "secretary-decided")
