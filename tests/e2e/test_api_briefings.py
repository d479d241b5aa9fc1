"""A 7-minute briefing over HTTP: proposed from the review, drafted, edited, approved and
published as commands; read back as PDF (pypdf) and Word (python-docx); routed like learning."""

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
from domain.briefing_state import PARTS, QUESTIONS_HEADING
from services.application.auth.principals import Role
from tests.e2e.conftest import BOARD, COUNCIL, PARTNERSHIP, Api, client_as, error_of

HEADINGS = [heading for _, heading in PARTS] + [QUESTIONS_HEADING]


def _briefed_review(api: Api) -> tuple[str, dict[str, Any]]:
    """A reported practice review with a recommendation: its id, and its briefing's first draft."""
    api.post("/subscriptions", {"agency_id": COUNCIL, "source_kinds": ["safeguarding_practice_review"]})
    review, finding = api.reported_review()
    made = api.client.post(f"{api.base}/activities/{review}/recommendations", json={
        "finding_ids": [finding], "text": "Agencies record and share who the male carers are.",
        "addressed_to": [COUNCIL], "made_on": "2026-06-02",
    })
    assert made.status_code == 201, made.text
    # Read your write: the draft reads the recommendations from the lists view.
    proposal = api.get(f"/activities/{review}/briefing/draft", params={"min_position": made.headers["Lif-Position"]})
    return review, proposal


def test_a_briefing_goes_from_proposal_to_published_pdf_and_word(api: Api, app: FastAPI, store: EventStore) -> None:
    review, proposal = _briefed_review(api)
    # Drafted from the finding, its themes and the recommendation made from it.
    assert "Information about the father was not shared" in proposal["what_we_found"]
    assert "male carers" in proposal["what_we_learned"]
    assert proposal["what_to_do_now"] == "Agencies record and share who the male carers are."
    assert "Who are the men in the child's life, and what do you know about them?" in proposal["questions"]

    r = api.client.get(f"{api.base}/activities/{review}/briefing.pdf")
    assert r.status_code == 404 and error_of(r)["code"] == "no_briefing"
    drafted = api.post(f"/activities/{review}/briefing", {**proposal, "drafted_on": "2026-06-02"})
    assert drafted["briefing"]["status"] == "drafted"
    r = api.client.post(f"{api.base}/activities/{review}/briefing", json={**proposal, "drafted_on": "2026-06-02"})
    assert r.status_code == 409 and error_of(r)["code"] == "briefing_exists"

    edited = api.post(f"/activities/{review}/briefing/edits", {
        "what_went_well": "The nursery recorded what R said, in R's words.", "edited_on": "2026-06-03",
    })
    assert edited["briefing"]["what_went_well"].startswith("The nursery")
    approval = {"approved_by": "Business manager", "approved_on": "2026-06-04"}
    api.post(f"/activities/{review}/briefing/approval", approval)
    r = api.client.post(f"{api.base}/activities/{review}/briefing/publication", json={"published_on": "2026-06-20"})
    assert r.status_code == 409 and error_of(r)["code"] == "activity_not_signed_off"
    api.decide("activity_sign_off", review)
    published = api.post(f"/activities/{review}/briefing/publication", {"published_on": "2026-06-20"})
    assert published["briefing"]["status"] == "published"

    r = api.client.get(f"{api.base}/activities/{review}/briefing.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(r.content))
    assert 1 <= len(reader.pages) <= 2
    text = "\n".join(page.extract_text() for page in reader.pages)
    positions = [text.index(heading) for heading in HEADINGS]
    assert positions == sorted(positions)  # the seven parts, in the field's order
    assert "The nursery recorded what R said" in text and "Published 20 June 2026" in text
    assert "OFFICIAL-SENSITIVE" in text and f"Page 1 of {len(reader.pages)}" in text
    assert "Signed off by the Safeguarding Partnership Board on 15 June 2026" in " ".join(text.split())

    r = api.client.get(f"{api.base}/activities/{review}/briefing.docx")
    assert r.status_code == 200 and r.headers["content-disposition"].endswith('.docx"')
    word = docx.Document(io.BytesIO(r.content))
    headings = [p.text for p in word.paragraphs if p.style is not None and p.style.name.startswith("Heading")]
    assert headings == HEADINGS
    assert word.sections[0].header.paragraphs[0].text == "OFFICIAL-SENSITIVE"

    # Published is final; and it is learning: routed like the review's, to its subscribers.
    r = api.client.post(f"{api.base}/activities/{review}/briefing/edits",
                        json={"background": "Later.", "edited_on": "2026-06-21"})
    assert r.status_code == 409 and error_of(r)["code"] == "briefing_published"
    facts, decided = Facts(PARTNERSHIP), []
    for notification in store.recorder.select_notifications(start=1, limit=100_000):
        event = decode(store, notification)
        if event is not None and event.partnership_id == PARTNERSHIP:
            decision = facts.apply(envelope_for(event, notification.id))
            if decision is not None and decision.envelope.type == "lif.activity.briefing_published":
                decided.append(decision)
    [decision] = decided
    assert decision.recipients == {COUNCIL: "subscribed:source_kind=safeguarding_practice_review"}
    assert decision.title.startswith("7-minute briefing published:")


def test_who_may_draft_and_read_a_briefing(api: Api, app: FastAPI) -> None:
    review, proposal = _briefed_review(api)
    agency = client_as(app, Role.AGENCY, agency=COUNCIL, name="jdoe")
    r = agency.post(f"{api.base}/activities/{review}/briefing", json={**proposal, "drafted_on": "2026-06-02"})
    assert r.status_code == 403
    secretary = client_as(app, Role.SECRETARY, forum=BOARD)
    r = secretary.get(f"{api.base}/activities/{review}/briefing/draft")
    assert r.status_code == 200, r.text
    api.post(f"/activities/{review}/briefing", {**proposal, "drafted_on": "2026-06-02"})
    r = secretary.get(f"{api.base}/activities/{review}/briefing.docx")
    assert r.status_code == 200
    service = client_as(app, Role.SERVICE, name="case-system")
    r = service.post(f"{api.base}/activities/{review}/briefing/approval",
                     json={"approved_by": "A service", "approved_on": "2026-06-04"})
    assert r.status_code == 403  # approving the text is a person's: the partnership's admins
