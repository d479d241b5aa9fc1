"""The pages as a person meets them in Chromium: accessible (axe-core), usable by keyboard,
working without JavaScript and without the internet, under a CSP with no inline script."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.browser.conftest import Server, check_page, signed_in

POLICE = "merseyside-police"


def _count(text: str) -> int:
    """The figure of a cell (its link also says, to a screen reader only, what it counts)."""
    match = re.match(r"\s*(\d+)", text)
    assert match, text
    return int(match.group(1))


def _counts(table: Locator) -> list[int]:
    return [_count(text) for text in table.locator("tbody td").all_inner_texts()]


def _dashboard(context: BrowserContext, server: Server) -> Page:
    page = signed_in(context, server)
    page.goto("/dashboard")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    return page


def test_the_start_page_invites_a_visitor_to_sign_in(context: BrowserContext, axe_source: str) -> None:
    page = context.new_page()
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Learning and improvement")
    expect(page.get_by_role("button", name="Start now")).to_have_attribute("href", "/sign-in")
    expect(page.get_by_role("banner")).to_contain_text("Sign in")
    check_page(page, axe_source, "start")


def test_a_signed_in_secretary_sees_who_they_are_and_can_sign_out_by_keyboard(
    context: BrowserContext, server: Server, axe_source: str
) -> None:
    page = signed_in(context, server, role="secretary", forum_id="executive", name="pa", display="Pat Adams")
    page.goto("/")
    banner = page.get_by_role("banner")
    expect(banner).to_contain_text("Signed in as Pat Adams (forum secretary)")
    expect(banner.get_by_role("link", name="Dashboard")).to_have_count(0)
    sign_out = banner.get_by_role("button", name="Sign out")
    expect(sign_out.locator("xpath=ancestor::form")).to_have_attribute("method", "post")
    token = sign_out.locator("xpath=ancestor::form//input[@name='csrf_token']")
    assert len(token.get_attribute("value") or "") >= 32
    sign_out.focus()
    expect(sign_out).to_be_focused()
    check_page(page, axe_source, "start-signed-in")


def test_the_dashboard_shows_the_demo_partnership_with_tables_behind_its_charts(
    context: BrowserContext, server: Server, axe_source: str
) -> None:
    page = _dashboard(context, server)
    expect(page.get_by_role("banner")).to_contain_text("Signed in as Jo Bloggs (partnership's business unit)")
    expect(page.locator(".govuk-caption-l")).to_have_text("St Helens Safeguarding Children Partnership")
    # The demo's ten actions, by rating, each figure a link to the actions it counts.
    rag = page.get_by_role("table", name="Actions by RAG rating")
    counts = _counts(rag)
    assert sum(counts) == 10, counts
    red = rag.get_by_role("row", name=re.compile("^Red"))
    expect(red.get_by_role("link")).to_have_attribute("href", "/tracker?rag=red")
    overdue = page.get_by_role("table", name=re.compile("overdue action"))
    expect(overdue.locator("tbody tr")).to_have_count(counts[0])
    expect(page.get_by_role("table", name="Actions by agency and RAG rating")).to_contain_text("Merseyside Police")
    statuses = page.get_by_role("table", name=re.compile("activities by status"))
    assert sum(_counts(statuses)) == 7
    themes = page.get_by_role("table", name="Findings by theme and quarter")
    expect(themes.locator("tbody tr").first).to_be_visible()
    # Every chart is a picture of its table: hidden from assistive technology, drawn without script.
    charts = page.locator("svg.lif-chart__svg")
    assert charts.count() == 5
    for i in range(charts.count()):
        expect(charts.nth(i)).to_have_attribute("aria-hidden", "true")
    check_page(page, axe_source, "dashboard")


def test_the_skip_link_is_the_first_tab_stop_and_moves_focus_to_the_main_content(
    context: BrowserContext, server: Server
) -> None:
    page = _dashboard(context, server)
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"
    expect(page.locator(".govuk-skip-link")).to_be_in_viewport()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main-content"
    page.keyboard.press("Tab")
    # The next stop is inside the main content, not back in the header.
    assert page.evaluate("document.getElementById('main-content').contains(document.activeElement)")


def test_a_day_that_is_not_a_date_is_named_beside_its_field_and_what_was_typed_is_kept(
    context: BrowserContext, server: Server, axe_source: str
) -> None:
    page = _dashboard(context, server)
    page.get_by_label("Day").fill("31")
    page.get_by_label("Month").fill("2")
    page.get_by_label("Year").fill("2027")
    page.get_by_role("button", name="Show figures").click()
    expect(page).to_have_title(re.compile("^Error: "))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()  # GOV.UK Frontend moves focus to the summary
    link = summary.get_by_role("link", name="The date must be a real date, for example 27 3 2026.")
    expect(link).to_have_attribute("data-error-code", "invalid_date")
    expect(page.locator("#today-error")).to_contain_text("The date must be a real date")
    expect(page.get_by_label("Day")).to_have_value("31")
    expect(page.get_by_label("Year")).to_have_value("2027")
    check_page(page, axe_source, "dashboard-error")
    link.click()
    expect(page.get_by_label("Day")).to_be_focused()


def test_another_day_judges_the_ratings_on_that_day(context: BrowserContext, server: Server) -> None:
    page = _dashboard(context, server)
    page.get_by_label("Day").fill("1")
    page.get_by_label("Month").fill("1")
    page.get_by_label("Year").fill("2099")
    page.get_by_role("button", name="Show figures").click()
    expect(page.locator("main")).to_contain_text("Figures on 1 January 2099")
    rag = page.get_by_role("table", name="Actions by RAG rating")
    # By 2099 every open action is overdue: red counts all that are neither completed nor assured.
    rows = {r.locator("th").inner_text(): _count(r.locator("td").inner_text()) for r in rag.locator("tbody tr").all()}
    assert rows["Amber: due within 14 days or off track"] == rows["Green: on track"] == 0
    assert rows["Red: overdue"] == 10 - rows["Completed, awaiting assurance"] - rows["Blue: impact assured"]


def test_the_dashboard_works_without_javascript(browser: Browser, server: Server) -> None:
    context = browser.new_context(base_url=server.url, java_script_enabled=False)
    try:
        page = signed_in(context, server)
        page.goto("/dashboard")
        rag = page.get_by_role("table", name="Actions by RAG rating")
        assert sum(_counts(rag)) == 10
        expect(page.locator("body")).not_to_have_class(re.compile("js-enabled"))
    finally:
        context.close()


def test_nobody_signed_in_is_sent_to_sign_in_and_another_role_is_refused(
    context: BrowserContext, server: Server, axe_source: str
) -> None:
    page = context.new_page()
    answer = page.request.get("/dashboard", max_redirects=0)
    assert answer.status == 303
    assert answer.headers["location"] == "/sign-in?next=/dashboard"
    lead = signed_in(context, server, role="agency", agency_id=POLICE, name="jdoe", display="Jay Doe")
    answer = lead.goto("/dashboard")
    assert answer is not None and answer.status == 403
    expect(lead.get_by_role("heading", level=1)).to_have_text("You cannot see this page")
    expect(lead.locator("main")).to_contain_text("This page is for the partnership's business unit")
    check_page(lead, axe_source, "forbidden")


def test_an_unknown_page_answers_a_page_not_found(context: BrowserContext, axe_source: str) -> None:
    page = context.new_page()
    answer = page.goto("/no-such-page")
    assert answer is not None and answer.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    check_page(page, axe_source, "not-found")


def test_the_api_documentation_works_offline_under_the_csp(context: BrowserContext) -> None:
    page = context.new_page()
    page.goto("/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("lif: learning and improvement")
    expect(page.locator(".opblock").first).to_be_visible()
    assert page.evaluate("window.__cspViolations") == []
