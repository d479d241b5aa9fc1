"""A forum secretary takes one meeting through its whole cycle, in Chromium, without JavaScript
needed (each change is a form): the agenda drafted from the generated items, an item added and moved up, checked and
published; attendance, minutes with a decision, and the action log recorded; then the forum's
next meeting shows the last one's minutes for approval and its open action as a matter arising,
and the minutes are approved there. axe-core on every page.

It records a meeting, so it has a demo server of its own (as the secretary's walk does).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from domain.dates import today_in_england
from projections.agenda.render import long_date
from services.seeds.scenario import relative_date
from tests.browser.conftest import Server, check_page, demo_server, offline_context, signed_in, sqlite_demo_env

ARLF = "audit-review-learning-forum"
# Two of the demo forum's past meetings, as the scenario dates them (services/seeds/scenarios/st-helens.toml).
HELD = relative_date("-56d", today_in_england())
NEXT = relative_date("-21d", today_in_england())


@pytest.fixture(scope="module")
def own_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    where = tmp_path_factory.mktemp("meeting-server")
    with demo_server(where, sqlite_demo_env(where), where / "lif.sqlite.secret") as server:
        yield server


@pytest.fixture
def meeting_context(browser: Browser, own_server: Server) -> Iterator[BrowserContext]:
    with offline_context(browser, own_server, viewport={"width": 1280, "height": 900}) as context:
        yield context


def test_a_secretary_takes_a_meeting_from_draft_to_the_next_meetings_approval(
    meeting_context: BrowserContext, own_server: Server, axe_source: str
) -> None:
    page: Page = signed_in(meeting_context, own_server, role="secretary", forum_id=ARLF, name="pa",
                           display="Sam Patel")
    page.goto("/forum")
    page.get_by_role("link", name=f"meeting record of {long_date(HELD)}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"meeting on {HELD:%A} {long_date(HELD)}")
    expect(page.locator("main .govuk-tag").first).to_have_text("Not drafted")
    check_page(page, axe_source, "meeting-not-drafted")

    # Draft: refused once (no venue), what was typed kept; then drafted from the generated items.
    page.get_by_label("Start time").fill("10:00")
    page.get_by_label("Chair", exact=True).fill("ARLF Chair")
    page.get_by_role("button", name="Draft the agenda").click()
    expect(page).to_have_title(re.compile(r"^Error: Meeting record"))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Venue")
    expect(page.get_by_label("Chair")).to_have_value("ARLF Chair")
    check_page(page, axe_source, "meeting-draft-refused")
    page.get_by_label("Venue").fill("Town Hall, Committee Room 2")
    page.get_by_role("button", name="Draft the agenda").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Agenda drafted")
    agenda = page.locator("#agenda + table")
    generated = agenda.locator("tbody tr").count()
    assert generated >= 1

    # An item added by the secretary goes last, then moves up to the top.
    page.get_by_role("link", name="Add an item").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add an item to the agenda")
    check_page(page, axe_source, "meeting-add-item")
    page.get_by_label("Title of the item").fill("Neglect strategy refresh")
    page.get_by_label("For decision").check()
    page.get_by_label("Presenter (optional)").fill("Head of Children's Services")
    page.get_by_label("Minutes allowed (optional)").fill("20")
    page.get_by_role("button", name="Save").click()
    rows = page.locator("#agenda + table tbody tr")
    expect(rows.last).to_contain_text("Neglect strategy refresh")
    for _ in range(generated):  # each a form of its own: no script needed
        rows.filter(has_text="Neglect strategy refresh").get_by_role("button", name="Up").click()
    expect(rows.first).to_contain_text("Neglect strategy refresh")
    expect(rows.first).to_contain_text("20 minutes")
    check_page(page, axe_source, "meeting-drafted")

    # Check your answers, then publish: frozen.
    page.get_by_role("link", name="Check and publish the agenda").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the agenda before you publish it")
    expect(page.locator("ol.lif-agenda-list li").first).to_contain_text("Neglect strategy refresh")
    check_page(page, axe_source, "meeting-publish-check")
    page.get_by_role("button", name="Publish the agenda").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Agenda published")
    expect(page.locator("main .govuk-tag").first).to_have_text("Published")
    expect(page.get_by_role("button", name="Up")).to_have_count(0)
    expect(page.locator("#changes + p")).to_contain_text("same items as the published one")

    # The meeting: attendance, minutes with a decision, an action.
    page.get_by_role("link", name="Record attendance, apologies and declarations").click()
    check_page(page, axe_source, "meeting-attendance")
    page.get_by_label("Present", exact=True).fill("ARLF Chair\nDCI Jones, Merseyside Police")
    page.get_by_label("Apologies (optional)").fill("Director of Public Health")
    page.get_by_label("Declarations of interest (optional)").fill("DCI Jones: manages the officer in the case")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#attendance + dl")).to_contain_text("DCI Jones: manages the officer in the case")

    page.get_by_role("link", name="Record minutes of item 1").click()
    check_page(page, axe_source, "meeting-minutes")
    page.get_by_label("Minutes of the item").fill("The forum discussed the refreshed strategy.")
    page.get_by_label("Decision (optional)").fill("Approved for consultation.")
    page.get_by_role("button", name="Save").click()
    expect(rows.first).to_contain_text("Approved for consultation.")

    page.get_by_role("link", name="Add an action to the log").click()
    check_page(page, axe_source, "meeting-action")
    page.get_by_label("Action", exact=True).fill("Circulate the strategy to every agency")
    page.get_by_label("Owner agency").select_option(label="Merseyside Police")
    due = today_in_england() + timedelta(days=30)
    page.get_by_label("Day").fill(str(due.day))
    page.get_by_label("Month").fill(str(due.month))
    page.get_by_label("Year").fill(str(due.year))
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#actions + table")).to_contain_text("Circulate the strategy to every agency")
    check_page(page, axe_source, "meeting")  # docs/screenshots/meeting.png under LIF_SCREENSHOTS

    # The next meeting: the minutes for approval, the action as a matter arising.
    page.get_by_role("link", name=long_date(NEXT)).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(long_date(NEXT))
    last = page.locator("#last-minutes ~ ol").first
    expect(last).to_contain_text("Approved for consultation.")
    arising = page.locator("#matters-arising + table")
    expect(arising).to_contain_text("Circulate the strategy to every agency")
    expect(arising).to_contain_text(f"Action 1 of the meeting on {long_date(HELD)}")
    check_page(page, axe_source, "meeting-next")
    page.get_by_role("button", name="Record the minutes as approved").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Minutes of the last meeting approved")
    expect(page.locator("main")).to_contain_text(f"at the meeting of {long_date(NEXT)}")
    arising.get_by_role("button", name="Mark done").click()
    expect(page.locator("#matters-arising + table")).to_contain_text(f"Done {long_date(today_in_england())}")
    check_page(page, axe_source, "meeting-next-approved")
