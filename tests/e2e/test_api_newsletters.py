"""The newsletter over HTTP: drafted, edited, approved and issued as commands; read back as JSON,
a page, PDF (pypdf) and Word (python-docx); issued to its audience's feeds; frozen once issued."""

from __future__ import annotations

import io
from typing import Any

import docx
import pypdf
from fastapi import FastAPI

from adapters.envelope import envelope_for
from adapters.outbox import decode
from adapters.routing_state import Facts
from adapters.store import EventStore
from services.application.auth.principals import Role
from tests.e2e.conftest import COUNCIL, PARTNERSHIP, POLICE, Api, client_as, error_of

NEWSLETTER = "0b9f6f0e-5a55-4d8e-9d1e-5b0c8c1f2a01"
PERIOD = {"period_from": "2026-04-01", "period_to": "2026-06-30"}


def _learning(api: Api) -> str:
    """A practice review with a finding, a recommendation to the police, signed off on 15 June."""
    review, finding = api.reported_review()
    api.recommend(review, finding)
    api.decide("activity_sign_off", review)
    return review


def _drafted(api: Api, audience: str = "police") -> dict[str, Any]:
    return api.post("/newsletters", {
        "newsletter_id": NEWSLETTER, "title": "Summer learning 2026", "audience": audience,
        "drafted_on": "2026-06-20", **PERIOD,
    })


def _issued(api: Api) -> None:
    api.post("/newsletters/edits", {
        "newsletter_id": NEWSLETTER, "edited_on": "2026-06-21",
        "introduction": "This summer's learning is about fathers and the men in children's lives.\n\n"
                        "Please share it with your teams.",
    })
    api.post("/newsletters/approval", {"newsletter_id": NEWSLETTER, "approved_by": "Business manager",
                                       "approved_on": "2026-06-22"})
    api.post("/newsletters/issue", {"newsletter_id": NEWSLETTER, "issued_on": "2026-07-01"})


def test_a_newsletter_is_drafted_approved_issued_and_read_as_pdf_and_word(api: Api, store: EventStore) -> None:
    review = _learning(api)
    drafted = _drafted(api)
    [record] = drafted["newsletters"]
    assert record["status"] == "drafted" and record["audience"] == "police"
    r = api.client.post(f"{api.base}/newsletters/approval", json={
        "newsletter_id": NEWSLETTER, "approved_by": "Business manager", "approved_on": "2026-06-22"})
    assert r.status_code == 409 and error_of(r)["code"] == "introduction_required"
    r = api.client.post(f"{api.base}/newsletters/issue", json={"newsletter_id": NEWSLETTER, "issued_on": "2026-07-01"})
    assert r.status_code == 409 and error_of(r)["code"] == "newsletter_not_approved"

    content = api.get(f"/newsletters/{NEWSLETTER}")
    assert content["status"] == "drafted" and content["agencies"] == ["Merseyside Police"]
    [theme] = content["themes"]  # a finding is listed once, under its first theme
    assert theme["theme"] == "information_sharing" and theme["findings"][0]["also"] == ["male_carers"]
    assert [s["activity_id"] for s in content["signed_off"]] == [review]
    assert [a["addressed_to"] for a in content["asked_of_audience"]] == [["Merseyside Police"]]

    _issued(api)
    [listed] = api.client.get(f"{api.base}/newsletters").json()
    assert listed["status"] == "issued" and listed["agencies"] == [POLICE]

    r = api.client.get(f"{api.base}/newsletters/{NEWSLETTER}/newsletter.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(r.content))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    headings = ["From the editor", "In this issue", "What we learned", "Reviews and audits signed off",
                "7-minute briefings published", "Reports published", "Asked of police agencies"]
    at = 0
    for heading in headings:  # each after the one before (the contents list names some of them first)
        at = text.index(heading, at)
    assert "Summer learning 2026" in text and "newsletter for police agencies" in text
    assert "Issued on 1 July 2026 to Merseyside Police" in text
    assert "Information about the father was not shared between agencies" in text
    assert "Agencies record and share who the male carers are." in text
    assert "OFFICIAL-SENSITIVE" in text and "Page 1 of" in text

    r = api.client.get(f"{api.base}/newsletters/{NEWSLETTER}/newsletter.docx")
    assert r.status_code == 200 and r.headers["content-disposition"].endswith('.docx"')
    word = docx.Document(io.BytesIO(r.content))
    assert [p.text for p in word.paragraphs if p.style is not None and p.style.name == "Heading 1"] == headings
    body = "\n".join(p.text for p in word.paragraphs)
    assert "Please share it with your teams." in body and "Information sharing (1 finding)" in body
    assert "also about male carers" in body
    [table] = [t for t in word.tables if t.rows[0].cells[0].text == "Review or audit"]
    assert table.rows[1].cells[2].text == "Safeguarding Partnership Board"

    r = api.client.get(f"{api.base}/newsletters/{NEWSLETTER}/newsletter.html")
    assert r.status_code == 200 and ">From the editor</h2>" in r.text and "Summer learning 2026</h1>" in r.text

    # Issued is final, and learning: routed to its audience's feeds whatever they subscribed to.
    r = api.client.post(f"{api.base}/newsletters/edits",
                        json={"newsletter_id": NEWSLETTER, "title": "Later", "edited_on": "2026-07-02"})
    assert r.status_code == 409 and error_of(r)["code"] == "newsletter_issued"
    facts, decided = Facts(PARTNERSHIP), []
    for notification in store.recorder.select_notifications(start=1, limit=100_000):
        event = decode(store, notification)
        if event is not None and event.partnership_id == PARTNERSHIP:
            decision = facts.apply(envelope_for(event, notification.id))
            if decision is not None and decision.envelope.type == "lif.partnership.newsletter_issued":
                decided.append(decision)
    [decision] = decided
    assert decision.recipients == {POLICE: "audience"}


def test_an_issued_newsletter_reads_as_it_was_issued(api: Api) -> None:
    review, _ = api.reported_review()
    _drafted(api, audience="all")
    _issued(api)
    before = api.get(f"/newsletters/{NEWSLETTER}")
    # Learning recorded after the issue, though in its period, is not in what went out.
    api.finding(review, summary="A later finding on neglect.", themes=["neglect"], recorded_on="2026-06-01")
    after = api.get(f"/newsletters/{NEWSLETTER}")
    assert after["themes"] == before["themes"] and "neglect" not in {t["theme"] for t in after["themes"]}
    assert after["as_of"] == before["as_of"]


def test_who_may_draft_and_read_a_newsletter(api: Api, app: FastAPI) -> None:
    _learning(api)
    _drafted(api)
    police = client_as(app, Role.AGENCY, agency=POLICE, name="pat")
    council = client_as(app, Role.AGENCY, agency=COUNCIL, name="sam")
    assert police.post(f"{api.base}/newsletters/edits", json={
        "newsletter_id": NEWSLETTER, "introduction": "Hi.", "edited_on": "2026-06-21"}).status_code == 403
    # Not yet issued: no agency reads it.
    assert police.get(f"{api.base}/newsletters/{NEWSLETTER}").status_code == 403
    _issued(api)
    assert police.get(f"{api.base}/newsletters/{NEWSLETTER}/newsletter.pdf").status_code == 200
    assert council.get(f"{api.base}/newsletters/{NEWSLETTER}").status_code == 403  # not in its audience
    assert police.get(f"{api.base}/newsletters").status_code == 403
    r = api.client.post(f"{api.base}/newsletters", json={
        "title": "Nobody's", "audience": "other", "drafted_on": "2026-06-20", **PERIOD})
    assert r.status_code == 409 and error_of(r) == {**error_of(r), "code": "audience_empty", "field": "audience"}
