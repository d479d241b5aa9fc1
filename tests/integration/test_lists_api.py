"""Lists and search over HTTP, on a SQLite file and on a real PostgreSQL server.

The demo partnership (services/seeds/scenarios/st-helens.toml) is loaded once per backend
through the API; projections run in the request (`min_position`), so what the views hold
is certain. Each list is checked for what its filters select, the order its sorts give,
pages that neither repeat nor miss a row while the list grows, 422s that name the field,
and the reader's scope; search for its ranking and its scope; and a rebuild of the views
for answering the same.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi import FastAPI

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from projections.writes import Writes
from services.application.auth.principals import Role
from services.seeds import demo
from tests.e2e.conftest import Api, error_of
from tests.fixtures.auth import auth_headers
from tests.fixtures.services import postgres_dsn  # noqa: F401  (also provided by the root conftest)
from tests.integration.stores import postgres_settings, sqlite_settings

PID = "st-helens"
BASE = f"/v1/partnerships/{PID}"
POLICE, COUNCIL = "merseyside-police", "st-helens-council"
BOARD = "safeguarding-partnership-board"
FRESHNESS = ("position", "head", "lag", "degraded")


@dataclass
class Demo:
    app: FastAPI
    admin: TestClient

    def head(self) -> int:
        return int(self.app.state.store.recorder.max_notification_id())

    def get(self, path: str, client: TestClient | None = None, expect: int = 200, **params: Any) -> Any:
        r = (client or self.admin).get(BASE + path, params={**params, "min_position": self.head()})
        assert r.status_code == expect, (path, params, r.text)
        return r.json()

    def every(self, path: str, client: TestClient | None = None, **params: Any) -> list[dict[str, Any]]:
        """All the items of a list, page by page."""
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            page = self.get(path, client, **params, **({"cursor": cursor} if cursor else {}))
            items.extend(page["items"])
            cursor = page["next"]
            if cursor is None:
                return items

    def as_role(self, role: Role, **kw: Any) -> TestClient:
        return TestClient(self.app, headers=auth_headers(self.app, role, PID, **kw))


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    base = sqlite_settings(tmp_path_factory.mktemp("lists")) if request.param == "sqlite" else postgres_settings(
        request.getfixturevalue("postgres_dsn")
    )
    from services.api.app import create_app

    app = create_app(base.model_copy(update={"projections_in_process": False, "rate_limit_per_minute": 0}))
    with TestClient(app, headers=auth_headers(app, Role.ADMIN, PID)) as admin:
        demo.load_demo_if_empty(app)
        yield Demo(app, admin)


def ids(items: list[dict[str, Any]], key: str) -> list[str]:
    return [item[key] for item in items]


# --- filters ------------------------------------------------------------------------------


def test_each_filter_selects_exactly_the_rows_it_names(world: Demo) -> None:
    activities = world.every("/activities", limit=200)
    assert len(activities) >= 7
    for status in {a["status"] for a in activities}:
        chosen = world.every("/activities", status=status)
        assert ids(chosen, "activity_id") == [a["activity_id"] for a in activities if a["status"] == status]
    police = world.every("/activities", agency=POLICE)
    assert police and ids(police, "activity_id") == [
        a["activity_id"] for a in activities if POLICE in a["agencies_involved"]]
    opened = sorted(a["opened_on"] for a in activities)
    middle = opened[len(opened) // 2]
    assert all(a["opened_on"] > middle for a in world.every("/activities", opened_after=middle))
    assert all(a["opened_on"] < middle for a in world.every("/activities", opened_before=middle))

    recommendations = world.every("/recommendations")
    neglect = world.every("/recommendations", theme="neglect")
    assert neglect and ids(neglect, "recommendation_id") == [
        r["recommendation_id"] for r in recommendations if "neglect" in r["themes"]]
    accepted = world.every("/recommendations", status="accepted", agency=POLICE)
    assert accepted and all(r["status"] == "accepted" and POLICE in r["addressed_to"] for r in accepted)

    actions = world.every("/actions", limit=200)
    council = world.every("/actions", agency=COUNCIL)
    assert council and ids(council, "action_id") == [a["action_id"] for a in actions if a["owner_agency_id"] == COUNCIL]
    for rag in ("red", "amber", "green", "blue", "completed"):
        assert all(a["rag"] == rag for a in world.every("/actions", rag=rag))
    assert {a["rag"] for a in actions} >= {"red", "green", "blue"}
    word = "Training"
    trained = world.every("/actions", text=word.upper())
    assert trained and ids(trained, "action_id") == [
        a["action_id"] for a in actions if word.lower() in a["description"].lower()]
    due = sorted(a["due_on"] for a in actions)[3]
    assert ids(world.every("/actions", due_before=due), "action_id") == [
        a["action_id"] for a in actions if a["due_on"] < due]

    decisions = world.every("/decisions")
    deferred = world.every("/decisions", forum=BOARD, outcome="defer")
    assert ids(deferred, "decision_id") == [
        d["decision_id"] for d in decisions if d["forum_id"] == BOARD and d["outcome"] == "defer"]
    assert len(decisions) >= 17


def test_a_text_filter_takes_like_wildcards_as_plain_text(world: Demo) -> None:
    actions = world.every("/actions", limit=200)
    percent = world.every("/actions", text="%")
    assert percent and ids(percent, "action_id") == [a["action_id"] for a in actions if "%" in a["description"]]
    assert world.every("/activities", text="_") == []  # no title holds an underscore


# --- sorting ------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "column", "key"), [
    ("/activities", "title", "activity_id"), ("/activities", "opened_on", "activity_id"),
    ("/recommendations", "made_on", "recommendation_id"), ("/actions", "due_on", "action_id"),
    ("/actions", "owner_agency_id", "action_id"), ("/decisions", "meeting_on", "decision_id"),
])
def test_each_sort_orders_by_its_column_then_by_id(world: Demo, path: str, column: str, key: str) -> None:
    ascending = world.every(path, sort=column, limit=200)
    descending = world.every(path, sort=f"-{column}", limit=200)
    assert [(i[column], i[key]) for i in ascending] == sorted((i[column], i[key]) for i in ascending)
    assert descending == ascending[::-1]


def test_the_defaults_are_newest_first_and_soonest_due_first(world: Demo) -> None:
    assert world.get("/activities")["sort"] == "-opened_on"
    assert world.get("/actions")["sort"] == "due_on"
    meetings = [d["meeting_on"] for d in world.every("/decisions")]
    assert meetings == sorted(meetings, reverse=True)


# --- pagination ---------------------------------------------------------------------------


def test_pages_neither_repeat_nor_miss_a_row_while_the_list_grows(world: Demo) -> None:
    whole = world.every("/activities", sort="opened_on", limit=200)
    first = world.get("/activities", sort="opened_on", limit=3)
    assert first["count"] == 3 and first["items"] == whole[:3] and first["next"]
    # Meanwhile an activity opened before every one on the first page, and one after them all.
    api = Api(world.admin, PID)
    earliest = api.open_audit(title="Thematic audit opened earliest", opened_on="2020-01-06")["id"]
    latest = api.open_audit(title="Thematic audit opened latest", opened_on="2026-12-31")["id"]
    rest: list[dict[str, Any]] = []
    cursor = first["next"]
    while cursor:
        page = world.get("/activities", sort="opened_on", limit=3, cursor=cursor)
        assert page["count"] <= 3
        rest.extend(page["items"])
        cursor = page["next"]
    seen = ids(first["items"] + rest, "activity_id")
    assert len(seen) == len(set(seen))
    assert earliest not in seen  # before the cursor: the pages already read do not shift
    assert seen == [*ids(whole, "activity_id"), latest]


def test_the_limit_is_bounded_and_a_full_last_page_says_no_more(world: Demo) -> None:
    decisions = world.every("/decisions", limit=200)
    last = world.get("/decisions", limit=len(decisions))
    assert last["count"] == len(decisions) and last["next"] is None


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "params", "field", "code"), [
    ("/activities", {"status": "finished"}, "status", None),
    ("/activities", {"sort": "-colour"}, "sort", None),
    ("/activities", {"opened_after": "2026-02-30"}, "opened_after", None),
    ("/activities", {"theme": "weather"}, "theme", None),
    ("/recommendations", {"agency": "Not A Slug"}, "agency", None),
    ("/actions", {"rag": "purple"}, "rag", None),
    ("/actions", {"limit": "0"}, "limit", None),
    ("/actions", {"limit": "201"}, "limit", None),
    ("/decisions", {"outcome": "maybe"}, "outcome", None),
    ("/decisions", {"cursor": "bm90LWEtY3Vyc29y"}, "cursor", "invalid_cursor"),
    ("/search", {"q": ""}, "q", None),
    ("/search", {"q": "x", "kind": "decision"}, "kind", None),
])
def test_a_bad_value_is_refused_naming_its_field(
    world: Demo, path: str, params: dict[str, str], field: str, code: str | None
) -> None:
    r = world.admin.get(BASE + path, params=params)
    assert r.status_code == 422, r.text
    error = error_of(r)
    assert error["field"] == field, error
    if code:
        assert error["code"] == code


def test_a_cursor_of_another_sort_is_refused(world: Demo) -> None:
    cursor = world.get("/actions", sort="due_on", limit=1)["next"]
    r = world.admin.get(f"{BASE}/actions", params={"sort": "-due_on", "cursor": cursor})
    assert r.status_code == 422 and error_of(r)["code"] == "invalid_cursor" and "'due_on'" in error_of(r)["message"]


# --- scope ---------------------------------------------------------------------------------


def test_an_agency_lists_only_what_is_addressed_to_it_or_its_own(world: Demo) -> None:
    police = world.as_role(Role.AGENCY, agency=POLICE, name="jdoe")
    recommendations = world.every("/recommendations", police)
    assert recommendations and all(POLICE in r["addressed_to"] for r in recommendations)
    assert len(recommendations) < len(world.every("/recommendations"))
    actions = world.every("/actions", police)
    assert actions and {a["owner_agency_id"] for a in actions} == {POLICE}
    for path, params in (("/actions", {"agency": COUNCIL}), ("/recommendations", {"agency": COUNCIL})):
        r = police.get(BASE + path, params=params)
        assert r.status_code == 403 and error_of(r)["code"] == "out_of_scope", path
    for path in ("/activities", "/decisions"):
        r = police.get(BASE + path)
        assert r.status_code == 403 and error_of(r)["code"] == "forbidden_role", path
    council_action = world.every("/actions", agency=COUNCIL)[0]
    word = max(council_action["description"].split(), key=len).strip(".,")
    hits = world.get("/search", police, q=word)["items"]
    assert council_action["action_id"] not in ids(hits, "id")
    assert {h["kind"] for h in world.get("/search", police, q="record")["items"]} <= {"recommendation", "action"}


def test_a_secretary_lists_its_forums_decisions_and_the_learning_routed_to_it(world: Demo) -> None:
    board = world.as_role(Role.SECRETARY, forum=BOARD)
    decisions = world.every("/decisions", board)
    assert decisions and {d["forum_id"] for d in decisions} == {BOARD}
    routed = world.every("/activities", board)
    assert routed == world.every("/activities", forum=BOARD)
    r = board.get(f"{BASE}/decisions", params={"forum": "executive"})
    assert r.status_code == 403 and error_of(r)["code"] == "out_of_scope"


def test_a_scrutineers_list_reads_are_recorded(world: Demo) -> None:
    before = world.head()
    world.get("/recommendations", world.as_role(Role.SCRUTINEER, name="inspector"), status="accepted")
    assert world.head() == before + 1


# --- search ----------------------------------------------------------------------------------


def test_search_finds_every_word_ranks_the_best_first_and_links_each_hit(world: Demo) -> None:
    api = Api(world.admin, PID)
    audit = api.open_audit(title="Thematic audit: xylophone lessons", opened_on="2026-02-02")["id"]
    api.act(audit, "start", {})
    strong = api.finding(audit, finding_id=(dense := str(uuid4())), summary="Xylophone lessons; xylophone "
                         "practice; xylophone again.", recorded_on="2026-02-10")
    sparse = str(uuid4())
    api.finding(audit, finding_id=sparse, recorded_on="2026-02-11", summary=(
        "Agencies met monthly and shared their notes; among the many things discussed over the year, "
        "one school mentioned a xylophone, and the rest of the meeting covered attendance and transport."))
    assert strong
    page = world.get("/search", q="xylophone")
    found = [(h["kind"], h["id"]) for h in page["items"]]
    # The word thrice in a short summary, once in a short title, once in a long summary.
    assert found[:3] == [("finding", dense), ("activity", audit), ("finding", sparse)]
    scores = [h["score"] for h in page["items"]]
    assert scores == sorted(scores, reverse=True)
    hit = page["items"][0]
    assert hit["link"] == f"{BASE}/activities/{audit}" and "[" in hit["snippet"] and "]" in hit["snippet"]
    assert hit["title"] == "Thematic audit: xylophone lessons"
    assert world.admin.get(hit["link"]).status_code == 200
    # Every word must be there; a kind narrows; stemming finds "lesson" in "lessons".
    assert [h["id"] for h in world.get("/search", q="xylophone transport")["items"]] == [sparse]
    assert {h["kind"] for h in world.get("/search", q="xylophone", kind="activity")["items"]} == {"activity"}
    assert dense in ids(world.get("/search", q="lesson xylophone")["items"], "id")
    # Pages by rank: the second page starts where the first ended.
    one = world.get("/search", q="xylophone", limit=1)
    two = world.get("/search", q="xylophone", limit=1, cursor=one["next"])
    assert [one["items"][0]["id"], two["items"][0]["id"]] == [dense, audit]
    # Words of no document, and a query of no words, find nothing.
    assert world.get("/search", q="zzzqqq")["items"] == []
    assert world.get("/search", q="!!!")["items"] == []


def test_corrected_text_is_indexed_again(world: Demo) -> None:
    api = Api(world.admin, PID)
    audit = api.open_audit(title="Thematic audit: corrections", opened_on="2026-02-02")["id"]
    api.act(audit, "start", {})
    finding = str(uuid4())
    api.finding(audit, finding_id=finding, summary="The harmonica group was not told.", recorded_on="2026-02-10")
    assert ids(world.get("/search", q="harmonica")["items"], "id") == [finding]
    api.act(audit, "finding-amendments", {
        "finding_id": finding, "category": "good_practice", "summary": "The ukulele group was told late.",
        "themes": ["information_sharing"], "agencies_concerned": [], "amended_on": "2026-02-23",
        "rationale": "Records checked again.",
    })
    assert world.get("/search", q="harmonica")["items"] == []
    assert ids(world.get("/search", q="ukulele")["items"], "id") == [finding]
    api.act(audit, "finding-withdrawals", {"finding_id": finding, "withdrawn_on": "2026-02-24",
                                           "rationale": "Outside the audit's scope."})
    assert world.get("/search", q="ukulele")["items"] == []


# --- a rebuild answers the same ----------------------------------------------------------------


def test_a_rebuild_gives_the_same_answers(world: Demo) -> None:
    reads: list[tuple[str, dict[str, Any]]] = [
        ("/activities", {"sort": "title"}), ("/activities", {"theme": "neglect"}),
        ("/recommendations", {"limit": 4}), ("/actions", {"rag": "amber", "today": "2026-09-01"}),
        ("/actions", {"sort": "-due_on", "limit": 5}), ("/decisions", {"forum": BOARD}),
        ("/search", {"q": "fathers"}), ("/search", {"q": "training", "kind": "action"}),
    ]

    def answers() -> list[Any]:
        return [{k: v for k, v in world.get(p, **q).items() if k not in FRESHNESS} for p, q in reads]

    before = answers()
    assert all(a["items"] for a in before)
    world.app.state.projector.rebuild(["lists", "search", "tracker"])
    assert answers() == before


# --- the hook a redaction event will call -------------------------------------------------------


def test_corrected_text_replaces_what_the_lists_and_the_index_keep(world: Demo) -> None:
    """`TextRedacted` is not on main yet: its handlers will call `correct_text`, as here."""
    api = Api(world.admin, PID)
    audit = api.open_audit(title="Thematic audit: the marimba nickname", opened_on="2026-02-02")["id"]
    api.act(audit, "start", {})
    world.get("/activities")  # caught up
    projector = world.app.state.projector
    views = {view.name: view for view in projector.views}
    conn = projector.db.connect()
    try:
        with projector.db.transaction(conn) as cur:
            w = Writes(cur)
            views["lists"].correct_text(w, "activity.title", UUID(audit), "Thematic audit: [redacted]")
            views["search"].correct_text(w, UUID(audit), "Thematic audit: [redacted]")
            w.flush()
    finally:
        conn.close()
    titles = {a["activity_id"]: a["title"] for a in world.every("/activities", text="audit")}
    assert titles[audit] == "Thematic audit: [redacted]"
    assert world.get("/search", q="marimba")["items"] == []
    assert ids(world.get("/search", q="redacted")["items"], "id") == [audit]


def test_a_stop_word_is_a_word_on_sqlite_and_nothing_on_postgres(world: Demo) -> None:
    """PostgreSQL's English configuration drops stop words: the query is then empty and must
    find nothing (not every document of the partnership); SQLite's FTS5 keeps every word."""
    hits = world.get("/search", q="the")["items"]
    if world.app.state.projector.db.dialect == "postgres":
        assert hits == []
    else:
        assert hits and all("[the]" in hit["snippet"].lower() for hit in hits)
