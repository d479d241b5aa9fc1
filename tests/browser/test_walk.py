"""What a person who has only the README found when they walked the demo (issue 13's "done when"),
each fixed, checked in Chromium with axe-core and the keyboard:

- the dashboard's figures led to the API's routes (a JSON 401 for a person): now to the pages;
- the business unit could not assure, reopen or reschedule an action from any page: the action's
  own page (/tracker/<id>) does, and the owning agency sees the assurance;
- an agency's subscription could not be cancelled from a page;
- an upcoming meeting's agenda offered "Record a decision", which the domain refuses until the day;
- the scrutineer's lists named agencies and forums by their ids, and an instant before the demo's
  load showed an empty list with no word of why.

The writes happen on this file's own demo server; the reads on the shared one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from domain.dates import today_in_england
from tests.browser.conftest import Server, check_page, demo_server, offline_context, signed_in, sqlite_demo_env

SCHOOLS = "st-helens-schools"
COMPLETED = "Brief every Designated Safeguarding Lead and issue a same-day reporting standard to all school staff."
"""The demo's one action completed and awaiting the business unit's assurance (St Helens Schools)."""
IMPACT = "A re-audit of 20 school referrals found every disclosure reached the DSL the same day."


@pytest.fixture(scope="module")
def own_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    where = tmp_path_factory.mktemp("walk-server")
    with demo_server(where, sqlite_demo_env(where), where / "lif.sqlite.secret") as server:
        yield server


@pytest.fixture
def own_context(browser: Browser, own_server: Server) -> Iterator[BrowserContext]:
    with offline_context(browser, own_server, viewport={"width": 1280, "height": 900}) as context:
        yield context


def _admin(context: BrowserContext, server: Server) -> Page:
    return signed_in(context, server, role="admin", name="walk-bu", display="Jo Bloggs")


def _press(page: Page, role: str, name: str) -> None:
    """Reach a control by keyboard focus and press Enter, as a keyboard-only person does."""
    control = page.get_by_role(role, name=name, exact=True)  # type: ignore[arg-type]
    control.focus()
    expect(control).to_be_focused()
    page.keyboard.press("Enter")


def test_every_figure_on_the_dashboard_leads_to_a_page(context: BrowserContext, server: Server) -> None:
    page = _admin(context, server)
    page.goto("/dashboard")
    hrefs = page.locator("main a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert len(hrefs) > 20, hrefs
    assert not [h for h in hrefs if h.startswith("/v1/")], "a person has no token for the API's routes"
    _all_lead_to_pages(page, hrefs)
    # A figure by agency filters the tracker by that agency, as the page's own filter does.
    by_agency = page.get_by_role("table", name="Actions by agency and RAG rating")
    by_agency.get_by_role("link", name="actions of St Helens Schools and Colleges").click()
    expect(page.get_by_label("Agency")).to_have_value(SCHOOLS)
    rows = page.get_by_role("table", name=re.compile("^Action tracker")).locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("St Helens Schools and Colleges")


def _all_lead_to_pages(page: Page, hrefs: list[str]) -> None:
    for href in sorted({h.split("#")[0] for h in hrefs if not h.startswith("#")}):
        answer = page.request.get(href, headers={"Accept": "text/html"})
        assert answer.status == 200, (href, answer.status)
        assert answer.headers["content-type"].startswith("text/html"), href


def test_every_row_of_the_business_units_lists_leads_to_its_page(context: BrowserContext, server: Server) -> None:
    page = _admin(context, server)
    for path in ("/tracker", "/recommendations", "/decisions", "/activities"):
        page.goto(path)
        rows = page.locator("main table tbody tr")
        assert rows.count() > 0, path
        for i in range(rows.count()):
            expect(rows.nth(i).get_by_role("link").first).to_be_visible()  # each row goes somewhere
        _all_lead_to_pages(page, page.locator("main a").evaluate_all("a => a.map(x => x.getAttribute('href'))"))
    # A decision on a recommendation leads to the recommendation on its activity's page.
    page.goto("/decisions?subject=recommendation")
    page.locator("main table tbody tr").first.get_by_role("link", name="Recommendation").click()
    expect(page).to_have_url(re.compile(r"/activities/[0-9a-f-]+#recommendations$"))
    # Each action of an activity, and each action found by a search, opens the action's page.
    actions = page.locator("#actions ~ table a[href^='/tracker/']")
    assert actions.count() > 0
    hits = page.goto("/search?q=fathers+carers")
    assert hits is not None
    expect(page.locator("ol.lif-search-results a[href^='/tracker/']").first).to_be_visible()


def test_the_business_unit_assures_a_completed_action_and_the_agency_sees_it(
    own_context: BrowserContext, own_server: Server, axe_source: str,
) -> None:
    page = _admin(own_context, own_server)
    page.goto("/tracker?rag=completed")
    _press(page, "link", COMPLETED)
    expect(page.get_by_role("heading", level=1)).to_have_text(COMPLETED)
    expect(page.locator(".govuk-summary-list")).to_contain_text("St Helens Schools and Colleges")
    expect(page.locator("#evidence + ul")).to_contain_text("58 of 61 schools")
    check_page(page, axe_source, "bu-action")

    _press(page, "button", "Assure the impact")
    expect(page.get_by_role("heading", level=1)).to_have_text("Assure the impact")
    check_page(page, axe_source, "bu-action-assure")
    _press(page, "button", "Continue")  # nothing said: refused beside the field, the date kept
    expect(page).to_have_title(re.compile("^Error: "))
    expect(page.locator("#impact_statement-error")).to_be_visible()
    expect(page.get_by_label("Day")).to_have_value(str(today_in_england().day))
    check_page(page, axe_source, "bu-action-assure-refused")
    page.get_by_label("What difference has the action made?").fill(IMPACT)
    _press(page, "button", "Continue")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before you assure the impact of this action")
    expect(page.locator(".govuk-summary-list")).to_contain_text(IMPACT)
    check_page(page, axe_source, "bu-action-check")
    _press(page, "button", "Assure the impact")

    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Impact assured")
    expect(page.locator("#assurance ~ dl")).to_contain_text(IMPACT)
    expect(page.get_by_role("button", name="Assure the impact")).to_have_count(0)
    expect(page.get_by_role("button", name="Reopen the action")).to_be_visible()
    check_page(page, axe_source, "bu-action-assured")

    # The owning agency's lead sees the assurance on the action's page.
    own_context.clear_cookies()
    lead = signed_in(own_context, own_server, role="agency", agency_id=SCHOOLS, name="walk-lead", display="Al Lee")
    lead.goto("/actions")
    lead.get_by_role("link", name=COMPLETED).click()
    expect(lead.locator("main")).to_contain_text(IMPACT)


def test_the_business_unit_cancels_an_agencys_subscription(
    own_context: BrowserContext, own_server: Server, axe_source: str,
) -> None:
    page = _admin(own_context, own_server)
    page.goto("/partnership/subscriptions")
    page.get_by_label("Agency", exact=True).select_option(label="St Helens CVS")
    page.get_by_label("Every piece of learning, other agencies' actions included").check()
    page.get_by_role("button", name="Set an agency's subscription").click()
    table = page.get_by_role("table", name="What each agency receives")
    expect(table).to_contain_text("St Helens CVS")

    page.goto("/partnership")
    _press(page, "link", "Cancel a subscription")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancel a subscription")
    check_page(page, axe_source, "bu-cancel-subscription")
    page.get_by_label("Agency", exact=True).select_option(label="St Helens CVS")
    _press(page, "button", "Cancel an agency's subscription")
    expect(page.locator(".govuk-notification-banner--success")).to_be_visible()
    expect(page.locator("main")).to_contain_text("None yet.")  # no agency subscribes now
    # Cancelling again is the domain's refusal, beside the field.
    page.get_by_label("Agency", exact=True).select_option(label="St Helens CVS")
    page.get_by_role("button", name="Cancel an agency's subscription").click()
    expect(page.locator("#agency_id-error")).to_contain_text("has no subscription")
    check_page(page, axe_source, "bu-cancel-subscription-refused")


def test_an_upcoming_meetings_agenda_says_when_decisions_can_be_recorded(
    context: BrowserContext, server: Server, axe_source: str,
) -> None:
    page = signed_in(context, server, role="secretary", forum_id="audit-review-learning-forum", name="walk-pa",
                     display="Sam Patel")
    page.goto("/forum")
    hrefs = page.locator("main a[href^='/forum/meetings/']").evaluate_all("a => a.map(x => x.getAttribute('href'))")
    agendas = [h for h in hrefs if re.fullmatch(r"/forum/meetings/\d{4}-\d{2}-\d{2}", h)]  # not a record's
    latest = max(agendas)  # ISO dates: the forum's last scheduled meeting, after today on the demo
    assert latest > f"/forum/meetings/{today_in_england().isoformat()}"
    page.goto(latest)
    expect(page.locator("#awaiting_decision")).to_be_visible()
    expect(page.locator("#decisions")).to_contain_text("The forum has not met yet")
    expect(page.get_by_role("link", name=re.compile("^Record a decision"))).to_have_count(0)
    check_page(page, axe_source, "secretary-upcoming")


def test_the_scrutineers_lists_name_agencies_and_forums(context: BrowserContext, server: Server) -> None:
    page = signed_in(context, server, role="scrutineer", name="walk-scrutineer", display="Ann Scrutineer")
    page.goto("/scrutiny/actions")
    actions = page.locator("main table")
    expect(actions).to_contain_text("The Probation Service")
    expect(actions).not_to_contain_text("probation-service")
    page.goto("/scrutiny/decisions")
    expect(page.locator("main table")).to_contain_text("Audit, Review and Learning Forum")
    expect(page.locator("main table")).not_to_contain_text("audit-review-learning-forum")


def test_an_empty_recorded_reading_says_when_lif_began_and_which_reading_answers(
    context: BrowserContext, server: Server, axe_source: str,
) -> None:
    """The demo's whole history is recorded at its load: every earlier instant is empty, and the
    page says why, and which reading shows what the records' own dates say of that day."""
    page = signed_in(context, server, role="scrutineer", name="walk-scrutineer", display="Ann Scrutineer")
    page.goto("/scrutiny/actions")
    page.get_by_label("As lif had recorded them by a moment").check()
    for part, value in (("Day", "1"), ("Month", "11"), ("Year", "2026")):
        page.get_by_role("textbox", name=part).fill(value)
    page.get_by_role("button", name="Show the records").click()
    expect(page.locator("#none")).to_be_visible()
    expect(page.locator("#first-recorded")).to_contain_text("lif recorded this partnership's first event on")
    check_page(page, axe_source, "scrutiny-recorded-empty")
    page.get_by_label("As the records' own dates say on a day").check()
    page.get_by_role("button", name="Show the records").click()
    expect(page.locator("main table tbody tr").first).to_be_visible()
    expect(page.locator("#first-recorded")).to_have_count(0)
