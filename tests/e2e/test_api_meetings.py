"""A forum meeting's whole cycle over HTTP, as the forum's secretary: the agenda drafted from the
generated items, added to, reordered and published; the published agenda frozen while the records
move on (and the live agenda compared with it); the meeting recorded; its minutes and open actions
carried to the forum's next meeting, which approves the minutes."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import docx
from fastapi import FastAPI

from domain.meeting_state import meeting_uuid
from services.application.auth.principals import Role
from tests.e2e.conftest import BOARD, EXECUTIVE, MEETING_DAYS, PARTNERSHIP, POLICE, Api, client_as, error_of

FIRST, SECOND = MEETING_DAYS


def test_a_meeting_cycle_from_draft_to_the_next_meetings_approval(api: Api, app: FastAPI) -> None:
    review, finding = api.reported_review()
    recommendation = api.recommend(review, finding)["id"]
    secretary = Api(client_as(app, Role.SECRETARY, forum=BOARD))
    meeting = f"/forums/{BOARD}/meetings/{FIRST}"

    # The record of a meeting not yet drafted: nothing on it but what the forum carries forward.
    record = secretary.get(meeting)
    assert (record["status"], record["items"], record["next_meeting_on"]) == ("not_drafted", [], SECOND)

    proposal = secretary.get(f"{meeting}/agenda-draft", params={"min_position": api.position})
    meeting_id = proposal["meeting_id"]
    assert meeting_id == str(meeting_uuid(PARTNERSHIP, BOARD, date.fromisoformat(FIRST)))
    by_section = {g["section"]: g for g in proposal["generated"]}
    assert by_section["awaiting_decision"]["subject_id"] == recommendation
    assert by_section["awaiting_sign_off"]["purpose"] == "for_decision"

    body: dict[str, Any] = {
        "forum_id": BOARD, "meets_on": FIRST, "venue": "Town Hall, Committee Room 2", "starts_at": "10:00",
        "chair": "Independent Chair", "generated": proposal["generated"], "drafted_on": "2026-03-10",
    }
    drafted = secretary.post("/agendas", body, expect=201)
    assert drafted["id"] == meeting_id and drafted["status"] == "drafted"
    r = secretary.client.post(f"{secretary.base}/agendas", json=body)
    assert r.status_code == 409 and (error_of(r)["code"], error_of(r)["field"]) == ("meeting_drafted", "meets_on")

    m = f"/meetings/{meeting_id}"
    secretary.post(f"{m}/items", {"title": "Neglect strategy refresh", "purpose": "for_decision",
                                  "presenter": "Head of Children's Services", "minutes_allowed": 20})
    added = secretary.post(f"{m}/items", {"title": "Any other business", "purpose": "for_information"})
    order = [i["item_id"] for i in added["items"]]
    secretary.post(f"{m}/order", {"order": ["added-1", *(i for i in order if i != "added-1")]})
    generated_one = by_section["awaiting_decision"]["item_id"]
    r = secretary.client.post(f"{secretary.base}{m}/removals", json={"item_id": generated_one})
    assert r.status_code == 409 and (error_of(r)["code"], error_of(r)["field"]) == ("generated_item", "item_id")
    secretary.post(f"{m}/removals", {"item_id": "added-2"})
    published = secretary.post(f"{m}/publication", {"published_on": "2026-03-17"})
    assert published["status"] == "published"
    frozen = secretary.get(meeting)["items"]
    assert [i["number"] for i in frozen] == list(range(1, len(frozen) + 1))
    assert frozen[0]["title"] == "Neglect strategy refresh" and frozen[0]["minutes_allowed"] == 20
    assert secretary.get(f"{meeting}/agenda-diff", params={"min_position": api.position}) == {
        "added": [], "gone": [], "changed": [],
    }

    # The records move on: the Board signs the review off. The published agenda does not change;
    # the live one no longer has the sign-off, and the comparison says so.
    api.decide("activity_sign_off", review)
    assert secretary.get(meeting)["items"] == frozen
    diff = secretary.get(f"{meeting}/agenda-diff", params={"min_position": api.position})
    assert by_section["awaiting_sign_off"]["item_id"] in [g["item_id"] for g in diff["gone"]]
    r = secretary.client.post(f"{secretary.base}{m}/items", json={"title": "Late", "purpose": "for_information"})
    assert r.status_code == 409 and error_of(r)["code"] == "agenda_published"

    # The meeting is recorded against its published agenda.
    decision_item = by_section["awaiting_decision"]["item_id"]
    secretary.post(f"{m}/attendance", {
        "present": ["Independent Chair", "DCI Jones"], "apologies": ["Director of Public Health"],
        "declarations": [{"person": "DCI Jones", "interest": "Manages the officer in the case",
                          "item_id": decision_item}],
    })
    secretary.post(f"{m}/minutes", {"item_id": decision_item, "minutes": "The Board discussed the recommendation.",
                                    "decision": "Accepted, with a report back in June."})
    secretary.post(f"{m}/actions", {"description": "Report back on male carers' records", "owner_agency_id": POLICE,
                                    "due_on": "2026-06-01", "item_id": decision_item})
    logged = secretary.post(f"{m}/actions", {"description": "Circulate the refreshed strategy",
                                             "owner_agency_id": POLICE, "due_on": "2026-04-30"})
    secretary.post(f"{m}/actions/done", {"number": 2, "done_on": "2026-04-20"})
    r = secretary.client.post(f"{secretary.base}{m}/actions/done", json={"number": 2, "done_on": "2026-04-21"})
    assert r.status_code == 409 and (error_of(r)["code"], error_of(r)["field"]) == ("action_done", "number")
    assert logged["version"] + 1 == secretary.get(meeting)["version"]

    record = secretary.get(meeting)
    assert record["venue"] == "Town Hall, Committee Room 2" and record["starts_at"] == "10:00:00"
    assert record["apologies"] == ["Director of Public Health"]
    item_number = next(i["number"] for i in record["items"] if i["item_id"] == decision_item)
    assert record["declarations"] == [{"person": "DCI Jones", "interest": "Manages the officer in the case",
                                       "item_number": item_number}]
    assert [(a["number"], a["owner"], a["done_on"]) for a in record["actions"]] == [
        (1, "Merseyside Police", None), (2, "Merseyside Police", "2026-04-20"),
    ]

    # The next meeting carries the minutes for approval and the open action as a matter arising.
    following = secretary.get(f"/forums/{BOARD}/meetings/{SECOND}")
    assert following["previous_meeting_on"] == FIRST
    minutes = following["previous_minutes"]
    assert minutes["approved_on"] is None
    assert [(i["minutes"], i["decision"]) for i in minutes["items"]] == [
        ("The Board discussed the recommendation.", "Accepted, with a report back in June."),
    ]
    assert [(a["meets_on"], a["number"]) for a in following["matters_arising"]] == [(FIRST, 1)]
    # The packs circulated say what the meetings' records say (services/application/products/meeting_pack.py).
    first_pack, next_pack = (_pack_text(secretary, day) for day in (FIRST, SECOND))
    for said in ("Town Hall, Committee Room 2", "Independent Chair", "Neglect strategy refresh",
                 "Head of Children's Services", "Director of Public Health"):
        assert said in first_pack, said
    assert "The Board discussed the recommendation." in next_pack
    assert "Report back on male carers' records" in next_pack
    r = secretary.client.post(f"{secretary.base}{m}/minutes/approval", json={"approved_on": FIRST})
    assert r.status_code == 409 and error_of(r)["code"] == "not_the_next_meeting"
    secretary.post(f"{m}/minutes/approval", {"approved_on": SECOND})
    assert secretary.get(f"/forums/{BOARD}/meetings/{SECOND}")["previous_minutes"]["approved_on"] == SECOND
    r = secretary.client.post(f"{secretary.base}{m}/minutes", json={"item_id": decision_item, "minutes": "Later."})
    assert r.status_code == 409 and error_of(r)["code"] == "minutes_approved"

    # The meetings view: the forum's meetings with where each stands.
    listed = secretary.get(f"/forums/{BOARD}/meetings", params={"min_position": secretary.position})["items"]
    assert [(x["meets_on"], x["status"], x["items"], x["actions"], x["open_actions"], x["minutes_approved_on"])
            for x in listed] == [(FIRST, "published", len(frozen), 2, 1, SECOND)]


def _pack_text(secretary: Api, day: str) -> str:
    """The Word pack of the board's meeting on `day`, as its paragraphs' and tables' text."""
    r = secretary.client.get(f"{secretary.base}/forums/{BOARD}/agenda-pack.docx", params={"meeting_on": day})
    assert r.status_code == 200, r.text
    word = docx.Document(io.BytesIO(r.content))
    cells = [c.text for t in word.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in word.paragraphs] + cells)


def test_a_secretary_keeps_only_their_own_forums_meetings(api: Api, app: FastAPI) -> None:
    board = Api(client_as(app, Role.SECRETARY, forum=BOARD))
    executive = Api(client_as(app, Role.SECRETARY, forum=EXECUTIVE))
    body = {"forum_id": BOARD, "meets_on": FIRST, "venue": "Town Hall", "starts_at": "09:30", "chair": "Chair",
            "drafted_on": "2026-03-01"}
    r = executive.client.post(f"{executive.base}/agendas", json=body)
    assert r.status_code == 403 and error_of(r)["code"] == "out_of_scope"
    meeting_id = board.post("/agendas", body, expect=201)["id"]
    for path, payload in ((f"/meetings/{meeting_id}/items", {"title": "AOB", "purpose": "for_information"}),
                          (f"/meetings/{meeting_id}/publication", {"published_on": "2026-03-02"})):
        r = executive.client.post(executive.base + path, json=payload)
        assert r.status_code == 403 and error_of(r)["code"] == "out_of_scope", path
    r = executive.client.get(f"{executive.base}/forums/{BOARD}/meetings/{FIRST}")
    assert r.status_code == 403
    r = board.client.post(f"{board.base}/meetings/{meeting_id}/publication", json={"published_on": "2026-03-02"})
    assert r.status_code == 409 and (error_of(r)["code"], error_of(r)["field"]) == ("empty_agenda", "items")
    r = board.client.post(f"{board.base}/meetings/{meeting_id}/attendance", json={"present": ["Chair"]})
    assert r.status_code == 409 and error_of(r)["code"] == "agenda_not_published"
    r = board.client.get(f"{board.base}/forums/{BOARD}/meetings/2026-03-25")
    assert r.status_code == 404 and error_of(r)["code"] == "unknown_meeting"
