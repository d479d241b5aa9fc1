"""The independent scrutineer's walk, end to end in Chromium against `lif serve --demo`:
home → the records as lif had recorded them by an instant (before the demo was loaded: nothing)
→ as the records' own dates say on a day → a list → an activity's decision history, the reading
carried in every address → the hash chain's verification and its anchor → the reads recorded.
Every page is checked with axe-core; nothing on these pages can change a record."""

from __future__ import annotations

import os
import re
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import REPO, Server, check_page, signed_in

SCREENSHOT = REPO / "docs" / "screenshots" / "scrutineer.png"


def _words(day: date) -> str:
    return f"{day.day} {day.strftime('%b %Y')}"


def _choose(page: Page, reading: str, day: date, at: str = "") -> None:
    """Sets the "as at" control (keyboard and pointer alike: it is a plain GET form)."""
    form = page.locator("form.lif-as-at-form")
    choice = form.get_by_label(reading)
    choice.focus()
    page.keyboard.press("Space")
    expect(choice).to_be_checked()
    form.get_by_label("Day", exact=True).fill(str(day.day))
    form.get_by_label("Month", exact=True).fill(str(day.month))
    form.get_by_label("Year", exact=True).fill(str(day.year))
    form.get_by_label(re.compile("Time \\(UTC\\)")).fill(at)
    form.get_by_role("button", name="Show the records").click()


def _no_forms_that_change_anything(page: Page) -> None:
    methods = page.locator("main form").evaluate_all("forms => forms.map(f => f.method)")
    assert all(m == "get" for m in methods), methods


def _links_carry(page: Page, param: str, value: str) -> None:
    """Every link of the page's own (menu, breadcrumbs, content) carries the reading."""
    own = "header nav a[href^='/scrutiny'], main a[href^='/scrutiny'], .govuk-breadcrumbs a"
    hrefs = page.locator(own).evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert hrefs
    for href in hrefs:
        assert parse_qs(urlsplit(href).query).get(param) == [value], href


def test_the_scrutineer_reads_the_partnership_as_at_two_readings_and_verifies_its_history(
    context: BrowserContext, server: Server, axe_source: str
) -> None:
    page = signed_in(context, server, role="scrutineer", name="ofsted", display="Sam Inspector")
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/scrutiny$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Scrutiny")
    expect(page.get_by_role("banner")).to_contain_text("Signed in as Sam Inspector (independent scrutineer)")
    expect(page.locator("[data-reading]")).to_have_text("As lif holds it now")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    _no_forms_that_change_anything(page)
    check_page(page, axe_source, "scrutineer-home")

    # What lif had recorded before the demo was loaded: nothing, and the page says so.
    yesterday = date.today() - timedelta(days=1)
    _choose(page, "As lif had recorded them by a moment", yesterday, "09:30")
    expect(page.locator("[data-reading]")).to_have_text(f"As recorded by {_words(yesterday)} 09:30 UTC")
    as_of = f"{yesterday.isoformat()}T09:30:00+00:00"
    _links_carry(page, "as_of", as_of)
    page.get_by_role("main").get_by_role("link", name="Activities", exact=True).click()
    expect(page.locator("#none")).to_have_text("No activities as at this moment.")
    assert parse_qs(urlsplit(page.url).query)["as_of"] == [as_of]
    check_page(page, axe_source, "scrutineer-activities-recorded")

    # What the records' own dates say held five weeks ago: some activities, not all.
    day = date.today() - timedelta(days=35)
    _choose(page, "As the records' own dates say on a day", day)
    expect(page.locator("[data-reading]")).to_have_text(f"As the records' own dates say on {_words(day)}")
    _links_carry(page, "as_at_day", day.isoformat())
    then = page.locator("main tbody tr").count()
    page.goto("/scrutiny/activities")
    now = page.locator("main tbody tr").count()
    assert 0 < then < now, (then, now)
    page.go_back()
    check_page(page, axe_source, "scrutineer-activities-effective")

    # An activity's decision history, as at that day: who, when, why, in order.
    review = page.get_by_role("link", name=re.compile("practice review: serious injury"))
    review.click()
    expect(page).to_have_url(re.compile(rf"/scrutiny/activities/[0-9a-f-]{{36}}\?as_at_day={day.isoformat()}$"))
    expect(page.get_by_role("heading", name="Decision history")).to_be_visible()
    entries = page.locator(".lif-history__entry")
    entries_then = entries.count()
    assert entries_then >= 3
    first = entries.first
    expect(first).to_contain_text("Opened safeguarding_practice_review")
    expect(first).to_contain_text("Who")
    days = [
        date.fromisoformat(d) for d in entries.evaluate_all(
            "es => es.map(e => e.getAttribute('data-effective-on'))"
        )
    ]
    assert days and all(d <= day for d in days), days
    _links_carry(page, "as_at_day", day.isoformat())
    _no_forms_that_change_anything(page)
    check_page(page, axe_source, "scrutineer-history")
    history_path = urlsplit(page.url).path
    # Now, its sign-off is there too: the forum's decision, who decided and why.
    page.goto(history_path)
    sign_off = page.locator(".lif-history__entry", has_text="on activity_sign_off")
    expect(sign_off).to_contain_text("decided by")
    expect(sign_off.locator("dd").last).not_to_have_text("No rationale was given.")
    assert page.locator(".lif-history__entry").count() > entries_then
    page.go_back()

    # The hash chain, verified now, with the anchor to keep and check again.
    page.get_by_role("link", name="Verify the history").click()
    assert parse_qs(urlsplit(page.url).query)["as_at_day"] == [day.isoformat()]
    expect(page.locator("#result")).to_have_attribute("data-ok", "true")
    anchor = page.locator("#anchor-to-keep").inner_text().strip()
    assert re.fullmatch(r"[1-9][0-9]*:[0-9a-f]{64}", anchor), anchor
    check_page(page, axe_source, "scrutineer-verify")
    page.get_by_label("Anchor (POSITION:HASH)").fill(anchor)
    page.get_by_role("button", name="Check the anchor").click()
    expect(page.locator(".govuk-panel")).to_contain_text("the anchor you gave is still in the chain")
    page.get_by_label("Anchor (POSITION:HASH)").fill("12:abc")
    page.get_by_role("button", name="Check the anchor").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("is not POSITION:HASH")
    check_page(page, axe_source, "scrutineer-verify-error")

    # Each page read was recorded, as the API records a scrutineer's reads.
    page.goto("/scrutiny/audit?reads=true")
    expect(page.get_by_role("heading", level=1)).to_have_text("Scrutineers' reads")
    read = page.locator("main tbody tr", has_text=f"Scrutiny read: GET {history_path}")
    for _ in range(20):  # the audit view follows the log: reload until it has the newest reads
        if read.count():
            break
        page.wait_for_timeout(250)
        page.reload()
    expect(read.first).to_contain_text("scrutineer:ofsted")
    check_page(page, axe_source, "scrutineer-reads")

    if os.environ.get("LIF_SCREENSHOTS"):  # the README's picture of the scrutineer's main page
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(f"/scrutiny?as_at_day={day.isoformat()}")
        page.screenshot(path=str(SCREENSHOT), full_page=True)


def test_a_scrutineer_page_is_not_for_other_roles(context: BrowserContext, server: Server) -> None:
    page = signed_in(context, server, role="agency", agency_id="merseyside-police", name="lead")
    answer = page.goto("/scrutiny/verify")
    assert answer is not None and answer.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot see this page")

