"""The search box, for every person, and the business unit's lists of actions, recommendations
and decisions, in Chromium: reached from the menu, used by keyboard, accessible (axe-core)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import Server, check_page, signed_in

NHS = "mersey-west-lancs-nhs"
POLICE = "merseyside-police"
ARLF = "audit-review-learning-forum"


def _search(page: Page, words: str) -> list[dict[str, Any]]:
    """Search from the menu of the person's home page, by keyboard; each hit's kind, link and marked words."""
    page.goto("/")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Search").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Search")
    box = page.get_by_label("Find findings, recommendations and actions by their words")
    box.fill(words)
    box.press("Enter")
    page.wait_for_url("**/search?q=*")
    quoted = "\N{LEFT SINGLE QUOTATION MARK}" + words + "\N{RIGHT SINGLE QUOTATION MARK}"
    found = page.get_by_role("heading", level=2, name=f"Results for {quoted}, best first")
    nothing = page.get_by_text("Nothing you may read holds every one of these words.")
    expect(found.or_(nothing)).to_be_visible()
    hits = []
    for item in page.locator("ol.lif-search-results > li").all():
        hits.append({
            "kind": item.locator(".govuk-caption-s").inner_text(),
            "href": item.get_by_role("link").get_attribute("href"),
            "marked": [m.lower() for m in item.locator("mark").all_inner_texts()],
        })
    return hits


def test_the_business_unit_finds_a_recommendation_and_its_action_by_their_words(
    context: BrowserContext, server: Server, axe_source: str
) -> None:
    page = signed_in(context, server)
    page.goto("/dashboard")
    hits = _search(page, "fathers carers")
    kinds = {h["kind"] for h in hits}
    assert {"Recommendation", "Action"} <= kinds, hits
    assert all(h["href"].startswith("/tracker/" if h["kind"] == "Action" else "/activities/") for h in hits), hits
    assert all(h["marked"] and set(h["marked"]) <= {"fathers", "carers", "father", "carer"} for h in hits), hits
    check_page(page, axe_source, "search")
    page.locator("ol.lif-search-results a").first.click()
    expect(page).to_have_url(f"{server.url}{hits[0]['href']}")


def test_a_search_with_nothing_found_says_so_and_markup_typed_is_shown_as_text(
    context: BrowserContext, server: Server
) -> None:
    page = signed_in(context, server)
    page.goto("/search?q=%3Cb%3Equokka%3C%2Fb%3E")
    expect(page.get_by_text("Nothing you may read holds every one of these words.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Search")
    assert page.locator("main b").count() == 0
    expect(page.get_by_label("Find findings, recommendations and actions by their words")).to_have_value(
        "<b>quokka</b>")


def test_each_person_is_sent_to_their_own_page_for_a_hit_and_an_agency_finds_only_its_own(
    context: BrowserContext, server: Server, axe_source: str
) -> None:
    nhs = _search(signed_in(context, server, role="agency", agency_id=NHS, name="lead"), "fathers carers")
    actions = [h for h in nhs if h["kind"] == "Action"]
    assert actions and all(h["href"].startswith("/actions/") for h in actions), nhs
    police_page = signed_in(context, server, role="agency", agency_id=POLICE, name="lead2")
    police = _search(police_page, "fathers carers")
    assert not [h for h in police if h["kind"] == "Action"], police
    check_page(police_page, axe_source, "search-agency")
    scrutineer = _search(signed_in(context, server, role="scrutineer", name="sc"), "fathers carers")
    assert scrutineer and all(h["href"].startswith("/scrutiny/") for h in scrutineer), scrutineer
    assert any(h["href"].startswith("/scrutiny/actions/") for h in scrutineer), scrutineer
    secretary = _search(signed_in(context, server, role="secretary", forum_id=ARLF, name="pa"), "fathers")
    assert all(h["href"] == "/forum" for h in secretary), secretary


def _column(page: Page, n: int) -> list[str]:
    return page.locator(f"table tbody tr td:nth-child({n})").all_inner_texts()


def _groups(column: list[str]) -> list[str]:
    """The runs of equal values, in order: a column sorted by it holds each value once."""
    return [value for i, value in enumerate(column) if i == 0 or column[i - 1] != value]


def test_the_action_tracker_filters_and_sorts_from_the_menu(
    context: BrowserContext, server: Server, axe_source: str
) -> None:
    page = signed_in(context, server)
    page.goto("/dashboard")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Action tracker").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Action tracker")
    check_page(page, axe_source, "tracker")
    everyone = _column(page, 2)
    assert len(everyone) > 3 and "Merseyside Police" in everyone, everyone  # agencies by name
    page.get_by_role("link", name="Agency", exact=True).click()
    expect(page).to_have_url(f"{server.url}/tracker?sort=owner_agency_id")
    ascending = _groups(_column(page, 2))
    assert sorted(ascending) == sorted(set(everyone)), "each agency's actions together, every agency once"
    expect(page.get_by_role("link", name="Agency (ascending)", exact=True)).to_have_attribute("aria-current", "true")
    page.get_by_role("link", name="Agency (ascending)", exact=True).click()
    assert _groups(_column(page, 2)) == ascending[::-1]
    page.get_by_label("Words").fill("fathers")
    page.get_by_label("Words").press("Enter")
    found = page.locator("table tbody tr").all_inner_texts()
    assert found and all("fathers" in row.lower() for row in found), found
    assert "sort=-owner_agency_id" in page.url  # the filter keeps the sort


def test_the_recommendations_and_decisions_lists_filter_by_their_values(
    context: BrowserContext, server: Server, axe_source: str
) -> None:
    page = signed_in(context, server)
    page.goto("/dashboard")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Recommendations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Recommendations")
    check_page(page, axe_source, "recommendations")
    assert len(_column(page, 1)) > 3
    page.get_by_label("Status").select_option("accepted")
    page.get_by_role("button", name="Filter").click()
    statuses = _column(page, 3)
    assert statuses and set(statuses) == {"Accepted"}, statuses
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Decisions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Forum decisions")
    check_page(page, axe_source, "decisions")
    page.get_by_label("Outcome").select_option("defer")
    page.get_by_role("button", name="Filter").click()
    outcomes = _column(page, 4)
    assert set(outcomes) <= {"Defer"}
    page.goto("/decisions?sort=-meeting_on&cursor=not-ours")
    expect(page.locator(".govuk-error-summary")).to_contain_text("cursor")
