"""The business unit's job, walked in Chromium on the demo partnership, on SQLite and on PostgreSQL:
from the dashboard, open an activity (refused once, what was typed kept), record a finding, make
a recommendation, record the forum's decision on it, assign an action, report, sign off after
checking the answers, and add an agency; axe-core on every page. With LIF_SCREENSHOTS=<dir>,
`bu-activity-signed-off.png` is docs/screenshots/business-unit.png.

The server is this file's own `lif serve --demo` (the walk changes the demo, which the other
browser tests count), one per backend: on PostgreSQL in a schema of its own.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import Server, demo_server, offline_context, signed_in
from tests.browser.conftest import check_page as check_loaded_page

COUNCIL = "St Helens Borough Council Children's Services"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def walk_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`lif serve --demo` on a fresh store of the backend, on a free port."""
    where = tmp_path_factory.mktemp(f"walk-{request.param}")
    env = {**os.environ, "XDG_CONFIG_HOME": str(where / "config"), "LIF_SECRET_KEY_FILE": str(where / "key")}
    for name in ("LIF_SECRET_KEY", "LIF_TLS", "LIF_WEB_ASSETS_DIR", "LIF_POSTGRES_SCHEMA"):
        env.pop(name, None)
    if request.param == "sqlite":
        env.update(LIF_PERSISTENCE="sqlite", LIF_SQLITE_PATH=str(where / "lif.sqlite"))
    else:
        env.update(LIF_PERSISTENCE="postgres", LIF_POSTGRES_DSN=request.getfixturevalue("postgres_dsn"),
                   LIF_POSTGRES_SCHEMA=f"t_{uuid.uuid4().hex[:12]}")
    with demo_server(where, env, where / "key") as server:
        yield server


@pytest.fixture
def walk_context(browser: Browser, walk_server: Server) -> Iterator[BrowserContext]:
    with offline_context(browser, walk_server, viewport={"width": 1280, "height": 900}) as context:
        yield context


def _fill_date(page: Page, legend: str, day: date) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def check_page(page: Page, axe_source: str, name: str) -> None:
    """axe on the page once its stylesheets have loaded: a click's navigation returns on commit, and
    on a loaded machine an unstyled page (its links inline and small) fails axe's target-size rule."""
    page.wait_for_load_state("load")
    check_loaded_page(page, axe_source, name)


def _heading(page: Page, text: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def test_the_business_unit_opens_an_activity_and_walks_it_to_sign_off(
    walk_context: BrowserContext, walk_server: Server, axe_source: str,
) -> None:
    today = datetime.now(UTC).date()
    page = signed_in(walk_context, walk_server)
    page.goto("/dashboard")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Activities").click()
    _heading(page, "Activities")
    expect(page.get_by_role("table")).to_contain_text("Rapid review")
    check_page(page, axe_source, "bu-activities")

    # Open an activity, forgetting its title: refused beside the field, what was typed kept.
    page.get_by_role("button", name="Open an activity").click()
    _heading(page, "Open an activity")
    check_page(page, axe_source, "bu-open")
    page.get_by_role("radio", name="Thematic audit").check()
    page.get_by_label("Scope").fill("Twenty cases of neglect in the under-fives, across the agencies.")
    _fill_date(page, "Date opened", today)
    page.get_by_role("group", name="Agencies involved (optional)").get_by_label(COUNCIL).check()
    page.get_by_role("button", name="Open the activity").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    expect(summary.get_by_role("link")).to_have_attribute("href", "#title")
    expect(page.locator("#title-error")).to_contain_text("invalid_string_too_short")
    expect(page.get_by_label("Scope")).to_have_value("Twenty cases of neglect in the under-fives, across the agencies.")
    expect(page.get_by_role("radio", name="Thematic audit")).to_be_checked()
    check_page(page, axe_source, "bu-open-refused")
    summary.get_by_role("link").click()
    expect(page.locator("#title")).to_be_focused()
    page.locator("#title").fill("Thematic audit: neglect in the early years")
    page.get_by_role("button", name="Open the activity").click()
    _heading(page, "Thematic audit: neglect in the early years")
    expect(page.locator("main .govuk-tag").first).to_have_text("Opened")
    check_page(page, axe_source, "bu-activity-opened")

    page.get_by_role("button", name="Start the activity").click()
    check_page(page, axe_source, "bu-step")
    page.get_by_role("button", name="Start the activity").click()
    expect(page.locator("main .govuk-tag").first).to_have_text("In progress")

    page.get_by_role("button", name="Record a finding").click()
    page.get_by_role("radio", name="Area for improvement").check()
    themes = page.get_by_role("group", name="Themes")
    themes.get_by_label("Neglect").check()
    themes.get_by_label("Information sharing").check()
    page.get_by_label("Finding", exact=True).fill("Chronologies were not kept in most of the cases audited.")
    _fill_date(page, "Date recorded", today)
    check_page(page, axe_source, "bu-finding")
    page.get_by_role("button", name="Record the finding").click()
    findings = page.locator(".govuk-summary-card")
    expect(findings).to_contain_text("Neglect, Information sharing")

    findings.get_by_role("link", name="Make a recommendation").click()
    _heading(page, "Make a recommendation")
    expect(page.get_by_role("group", name="Drawn from the findings").get_by_role("checkbox")).to_be_checked()
    page.get_by_label("Recommendation", exact=True).fill("Keep a chronology in every case of neglect.")
    page.get_by_role("group", name="Addressed to").get_by_label(COUNCIL).check()
    _fill_date(page, "Date made", today)
    check_page(page, axe_source, "bu-recommendation")
    page.get_by_role("button", name="Make the recommendation").click()

    page.get_by_role("link", name="Record the forum's decision").click()
    expect(page.get_by_label("Forum")).to_have_value("audit-review-learning-forum")
    _fill_date(page, "Date of the meeting", today)
    page.get_by_role("radio", name="Accept").check()
    page.get_by_label("Who decided").fill("Chair of the forum")
    page.get_by_role("checkbox", name="Decided by the chair").check()
    page.get_by_role("textbox", name="Rationale").fill("The chair accepts it between meetings: the audit is urgent.")
    check_page(page, axe_source, "bu-decision")
    page.get_by_role("button", name="Record the decision").click()
    recommendations = page.get_by_role("table", name="Recommendations drawn from the findings")
    expect(recommendations).to_contain_text("Accepted")

    recommendations.get_by_role("link", name="Assign an action").click()
    page.get_by_label("Agency that owns the action").select_option(label=COUNCIL)
    page.get_by_label("What the agency will do").fill("Audit the chronologies of neglect cases each quarter.")
    _fill_date(page, "Due date", today + timedelta(days=90))
    check_page(page, axe_source, "bu-action")
    page.get_by_role("button", name="Assign the action").click()
    expect(page.get_by_role("table", name=r"Actions agreed with agencies, soonest due first")).to_contain_text(
        "Audit the chronologies of neglect cases each quarter.")

    page.get_by_role("button", name="Report the activity").click()
    page.get_by_label("What the report says").fill("Chronologies are missing; the partnership will audit them.")
    _fill_date(page, "Reported on", today)
    page.get_by_role("button", name="Report the activity").click()
    expect(page.locator("main .govuk-tag").first).to_have_text("Reported")

    # Sign-off is a change that matters: its answers are checked first.
    page.get_by_role("button", name="Record the sign-off decision").click()
    expect(page.get_by_label("Forum")).to_have_value("audit-review-learning-forum")
    _fill_date(page, "Date of the meeting", today)
    page.get_by_label("Who decided").fill("Chair of the forum")
    page.get_by_role("checkbox", name="Decided by the chair").check()
    page.get_by_role("textbox", name="Rationale").fill("The audit is sound and its learning is ready to share.")
    page.get_by_role("button", name="Continue").click()
    _heading(page, "Check your answers before you record the sign-off")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Audit, Review and Learning Forum")
    check_page(page, axe_source, "bu-check-sign-off")
    page.get_by_role("button", name="Record the sign-off decision").click()
    expect(page.locator("main .govuk-tag").first).to_have_text("Signed off")
    expect(page.get_by_role("button", name="Close the activity")).to_be_visible()
    check_page(page, axe_source, "bu-activity-signed-off")

    # The partnership's data: add an agency.
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Partnership").click()
    _heading(page, "Manage the partnership")
    check_page(page, axe_source, "bu-manage")
    page.get_by_role("link", name="Agencies").click()
    _heading(page, "Agencies")
    page.get_by_label("Id").fill("st-helens-youth-service")
    page.get_by_label("Name").fill("St Helens Youth Service")
    page.get_by_role("radio", name="Local authority").check()
    page.get_by_role("button", name="Add an agency").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Saved")
    expect(page.get_by_role("table")).to_contain_text("St Helens Youth Service")
    check_page(page, axe_source, "bu-agencies")
    # By keyboard: the skip link is the first tab stop, and the form's first field is reachable.
    page.goto("/partnership/agencies")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Enter")
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "agency_id":
            break
    expect(page.get_by_label("Id")).to_be_focused()


def test_every_page_of_the_business_unit_is_accessible_and_linked(
    context: BrowserContext, server: Server, axe_source: str,
) -> None:
    """Read only (the package's demo server): each management page, a refused change, the
    activities filtered and a demo activity with the steps of its kind."""
    page = signed_in(context, server)
    page.goto("/partnership")
    for title in ("Agencies", "Forums", "Meetings", "Routing", "Subscriptions"):
        page.get_by_role("link", name=title, exact=True).click()
        _heading(page, title)
        expect(page.get_by_role("table").or_(page.get_by_text("None yet."))).to_be_visible()
        check_page(page, axe_source, f"bu-manage-{title.lower()}")
        page.get_by_role("link", name="Manage the partnership").click()
    page.goto("/partnership/routing")
    page.get_by_label("Method of learning").select_option(label="Thematic Audit")
    page.get_by_role("button", name="Set the routing of a method of learning").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Signed off by: Field required")
    expect(page.get_by_label("Method of learning")).to_have_value("thematic_audit")
    check_page(page, axe_source, "bu-manage-refused")

    page.goto("/activities")
    page.get_by_label("Method of learning").select_option(label="Rapid Review")
    page.get_by_role("button", name="Filter").click()
    rows = page.get_by_role("table").locator("tbody tr")
    expect(rows).to_have_count(2)
    check_page(page, axe_source, "bu-activities-filtered")
    rows.first.get_by_role("link").click()
    expect(page.locator(".govuk-caption-l")).to_have_text("Rapid Review")
    check_page(page, axe_source, "bu-activity-rapid-review")
