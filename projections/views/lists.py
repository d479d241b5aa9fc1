"""The lists view: activities, recommendations and forum decisions as rows to filter, sort and page.

(Actions are listed from the tracker's tables: the tracker already keeps every action
with what a list filters on, so a second copy would only double the rebuild's work.)

Multi-valued facts a list filters on (an activity's agencies, a recommendation's agencies
and themes) are rows of `lists_tags`, so a filter is an indexed EXISTS; a finding's themes
are kept per finding, so amending or withdrawing one changes the activity's themes at once.
Routing keeps both the points of dissemination and the sign-off forum of each kind: what a
forum secretary may read of an activity (services/application/auth/policy.py `routed_*`).

Free text the lists keep (titles, recommendations' text, decisions' rationale and who decided) may later be
corrected by a redaction event (`TextRedacted`): `correct_text` is the one place that writes the correction.
"""

from __future__ import annotations

from typing import Any

from adapters.sql import Cursor, Dialect
from domain import activity as ev
from domain import findings as fnd
from domain import partnership as pev
from domain import recommendation as rec
from domain.decision import DecisionRecorded
from domain.events import DomainEvent
from domain.redaction import TextRedacted
from projections import codecs
from projections.codecs import ident
from projections.facts import STATUS_AFTER
from projections.view import View, handles
from projections.writes import Writes

ACTIVITIES = "lists_activities"
RECOMMENDATIONS = "lists_recommendations"
DECISIONS = "lists_decisions"
FINDINGS = "lists_findings"
TAGS = "lists_tags"
ROUTING = "lists_routing"

AGENCY, THEME = "agency", "theme"
"""What a row of `lists_tags` says of its entity."""

_DDL = (
    f"""{ACTIVITIES} (activity_id TEXT PRIMARY KEY, partnership_id TEXT NOT NULL, kind TEXT NOT NULL,
        title TEXT NOT NULL, status TEXT NOT NULL, opened_on TEXT NOT NULL, agencies TEXT NOT NULL,
        findings INTEGER NOT NULL DEFAULT 0, reported_on TEXT, signed_off_on TEXT, closed_on TEXT,
        version INTEGER NOT NULL)""",
    f"""{RECOMMENDATIONS} (recommendation_id TEXT PRIMARY KEY, partnership_id TEXT NOT NULL,
        activity_id TEXT NOT NULL, source_kind TEXT NOT NULL, activity_title TEXT NOT NULL, text TEXT NOT NULL,
        addressed_to TEXT NOT NULL, themes TEXT NOT NULL, status TEXT NOT NULL, made_on TEXT NOT NULL,
        decided_on TEXT, deferrals INTEGER NOT NULL DEFAULT 0, version INTEGER NOT NULL)""",
    f"""{DECISIONS} (decision_id TEXT PRIMARY KEY, partnership_id TEXT NOT NULL, forum_id TEXT NOT NULL,
        meeting_on TEXT NOT NULL, subject TEXT NOT NULL, subject_id TEXT NOT NULL, outcome TEXT NOT NULL,
        decided_by TEXT NOT NULL, rationale TEXT NOT NULL, chairs_action INTEGER NOT NULL,
        recorded_at TEXT NOT NULL)""",
    f"""{FINDINGS} (finding_id TEXT PRIMARY KEY, activity_id TEXT NOT NULL, partnership_id TEXT NOT NULL,
        themes TEXT NOT NULL)""",
    f"""{TAGS} (entity_id TEXT NOT NULL, tag TEXT NOT NULL, value TEXT NOT NULL, partnership_id TEXT NOT NULL,
        PRIMARY KEY (entity_id, tag, value))""",
    f"""{ROUTING} (partnership_id TEXT NOT NULL, source_kind TEXT NOT NULL, forum_id TEXT NOT NULL,
        PRIMARY KEY (partnership_id, source_kind, forum_id))""",
)

_INDEXES = (
    (f"{ACTIVITIES}_opened", ACTIVITIES, "partnership_id, opened_on, activity_id"),
    (f"{ACTIVITIES}_status", ACTIVITIES, "partnership_id, status, opened_on"),
    (f"{RECOMMENDATIONS}_made", RECOMMENDATIONS, "partnership_id, made_on, recommendation_id"),
    (f"{RECOMMENDATIONS}_status", RECOMMENDATIONS, "partnership_id, status, made_on"),
    (f"{RECOMMENDATIONS}_activity", RECOMMENDATIONS, "activity_id"),
    (f"{DECISIONS}_meeting", DECISIONS, "partnership_id, meeting_on, decision_id"),
    (f"{DECISIONS}_forum", DECISIONS, "partnership_id, forum_id, meeting_on"),
    (f"{FINDINGS}_activity", FINDINGS, "activity_id"),
    (f"{TAGS}_value", TAGS, "partnership_id, tag, value, entity_id"),
)

TEXT_COLUMNS: dict[str, tuple[str, str, str]] = {
    "activity.title": (ACTIVITIES, "title", "activity_id"),
    "recommendation.text": (RECOMMENDATIONS, "text", "recommendation_id"),
    "decision.rationale": (DECISIONS, "rationale", "decision_id"),
}
"""Free text the lists keep: (table, column, key column), by `<aggregate>.<field>`."""
_REDACTABLE = {
    (ev.ActivityOpened.TOPIC, "title"): "activity.title",
    (rec.RecommendationMade.TOPIC, "text"): "recommendation.text",
    (DecisionRecorded.TOPIC, "rationale"): "decision.rationale",
}
"""Which of TEXT_COLUMNS a redaction of (event topic, field) corrects, keyed by the event's aggregate."""


def _tags(w: Writes, entity_id: Any, partnership_id: str, tag: str, values: Any) -> None:
    w.write(
        TAGS, entity_id,
        f"INSERT INTO {TAGS} (entity_id, tag, value, partnership_id) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
        *((ident(entity_id), tag, str(value), partnership_id) for value in dict.fromkeys(values)),
    )


_COPIED = "kind, title, agencies"
"""The facet of an activity's row its recommendations copy (Writes.one)."""


class ListsView(View):
    name = "lists"
    tables = (ACTIVITIES, RECOMMENDATIONS, DECISIONS, FINDINGS, TAGS, ROUTING)

    def create(self, cur: Cursor, dialect: Dialect) -> None:
        for table in _DDL:
            cur.execute(f"CREATE TABLE IF NOT EXISTS {table}")
        for index, table, columns in _INDEXES:
            cur.execute(f"CREATE INDEX IF NOT EXISTS {index} ON {table} ({columns})")

    @handles(pev.RoutingSet)
    def _routing(self, w: Writes, e: pev.RoutingSet, position: int) -> None:
        key = (e.partnership_id, e.source_kind.value)
        w.write(ROUTING, key, f"DELETE FROM {ROUTING} WHERE partnership_id = ? AND source_kind = ?", key)
        forums = dict.fromkeys([*e.points_of_dissemination, e.sign_off_forum])
        w.write(
            ROUTING, key, f"INSERT INTO {ROUTING} (partnership_id, source_kind, forum_id) VALUES (?, ?, ?)",
            *((*key, forum) for forum in forums if forum),
        )

    # --- activities ---------------------------------------------------------------------

    @handles(ev.ActivityOpened)
    def _opened(self, w: Writes, e: ev.ActivityOpened, position: int) -> None:
        w.write(
            ACTIVITIES, e.originator_id,
            f"INSERT INTO {ACTIVITIES} (activity_id, partnership_id, kind, title, status, opened_on, agencies,"
            " version) VALUES (?, ?, ?, ?, 'opened', ?, ?, ?) ON CONFLICT (activity_id) DO NOTHING",
            (ident(e.originator_id), e.partnership_id, e.kind.value, e.title, codecs.day(e.opened_on),
             codecs.items(e.agencies_involved), e.originator_version),
        )
        w.know(ACTIVITIES, e.originator_id, _COPIED, (e.kind.value, e.title,
                                                                       codecs.items(e.agencies_involved)))
        _tags(w, e.originator_id, e.partnership_id, AGENCY, e.agencies_involved)

    @handles(ev.AgencyInvolved)
    def _involved(self, w: Writes, e: ev.AgencyInvolved, position: int) -> None:
        row = w.one(ACTIVITIES, e.originator_id,
                    f"SELECT kind, title, agencies FROM {ACTIVITIES} WHERE activity_id = ?",
                    (ident(e.originator_id),), _COPIED)
        if row is None:
            return
        agencies = codecs.items(dict.fromkeys([*codecs.read_items(row[2]), e.agency_id]))
        self._update(w, e, agencies=agencies)
        w.know(ACTIVITIES, e.originator_id, _COPIED, (row[0], row[1], agencies))
        _tags(w, e.originator_id, e.partnership_id, AGENCY, [e.agency_id])

    @handles(*STATUS_AFTER)
    def _status(self, w: Writes, e: DomainEvent, position: int) -> None:
        columns: dict[str, Any] = {"status": STATUS_AFTER[type(e)]}
        if isinstance(e, ev.ActivityReported):
            columns["reported_on"] = codecs.day(e.reported_on)
        elif isinstance(e, ev.ActivitySignedOff):
            columns["signed_off_on"] = codecs.day(e.signed_off_on)
        elif isinstance(e, ev.ActivityClosed):
            columns["closed_on"] = codecs.day(e.closed_on)
        self._update(w, e, **columns)

    def _update(self, w: Writes, e: DomainEvent, extra: str = "", **columns: Any) -> None:
        assignments = "".join(f"{c} = ?, " for c in columns)
        w.write(
            ACTIVITIES, e.originator_id,
            f"UPDATE {ACTIVITIES} SET {assignments}{extra}version = ? WHERE activity_id = ?",
            (*columns.values(), e.originator_version, ident(e.originator_id)),
            # A status or a count changes; what a recommendation copies of its activity stays.
            keeps=None if "agencies" in columns or "agencies" in extra else _COPIED,
        )

    # --- findings: counted on their activity, their themes kept for the theme filter -----

    @handles(ev.FindingRecorded)
    def _finding(self, w: Writes, e: ev.FindingRecorded, position: int) -> None:
        themes = codecs.items(dict.fromkeys(t.value for t in e.themes))
        w.write(
            FINDINGS, e.finding_id,
            f"INSERT INTO {FINDINGS} (finding_id, activity_id, partnership_id, themes) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (finding_id) DO NOTHING",
            (ident(e.finding_id), ident(e.originator_id), e.partnership_id, themes),
        )
        w.know(FINDINGS, e.finding_id, "themes", (themes,))
        self._update(w, e, extra="findings = findings + 1, ")

    @handles(fnd.FindingAmended)
    def _amended(self, w: Writes, e: fnd.FindingAmended, position: int) -> None:
        themes = codecs.items(dict.fromkeys(t.value for t in e.themes))
        w.write(FINDINGS, e.finding_id, f"UPDATE {FINDINGS} SET themes = ? WHERE finding_id = ?",
                (themes, ident(e.finding_id)))
        w.know(FINDINGS, e.finding_id, "themes", (themes,))
        self._update(w, e)

    @handles(fnd.FindingWithdrawn)
    def _withdrawn(self, w: Writes, e: fnd.FindingWithdrawn, position: int) -> None:
        w.write(FINDINGS, e.finding_id, f"DELETE FROM {FINDINGS} WHERE finding_id = ?", (ident(e.finding_id),))
        w.know(FINDINGS, e.finding_id, "themes", None)
        self._update(w, e, extra="findings = findings - 1, ")

    # --- recommendations ----------------------------------------------------------------

    @handles(rec.RecommendationMade)
    def _made(self, w: Writes, e: rec.RecommendationMade, position: int) -> None:
        themes: list[str] = []
        for finding_id in e.finding_ids:
            row = w.one(FINDINGS, finding_id, f"SELECT themes FROM {FINDINGS} WHERE finding_id = ?",
                        (ident(finding_id),), "themes")
            themes.extend(codecs.read_items(row[0]) if row else ())
        kind, title, _ = w.one(
            ACTIVITIES, e.activity_id, f"SELECT kind, title, agencies FROM {ACTIVITIES} WHERE activity_id = ?",
            (ident(e.activity_id),), _COPIED,
        ) or ("", "", "")
        w.write(
            RECOMMENDATIONS, e.originator_id,
            f"INSERT INTO {RECOMMENDATIONS} (recommendation_id, partnership_id, activity_id, source_kind,"
            " activity_title, text, addressed_to, themes, status, made_on, version)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'awaiting_decision', ?, ?) ON CONFLICT (recommendation_id) DO NOTHING",
            (ident(e.originator_id), e.partnership_id, ident(e.activity_id), kind, title, e.text,
             codecs.items(e.addressed_to), codecs.items(dict.fromkeys(themes)), codecs.day(e.made_on),
             e.originator_version),
        )
        _tags(w, e.originator_id, e.partnership_id, AGENCY, e.addressed_to)
        _tags(w, e.originator_id, e.partnership_id, THEME, themes)

    @handles(rec.RecommendationDecided)
    def _decided(self, w: Writes, e: rec.RecommendationDecided, position: int) -> None:
        params: tuple[str, ...] = ()
        if e.outcome is rec.DecisionOutcome.DEFER:
            change = "deferrals = deferrals + 1"
        else:
            status = "accepted" if e.outcome is rec.DecisionOutcome.ACCEPT else "rejected"
            change, params = "status = ?", (status,)
        w.write(
            RECOMMENDATIONS, e.originator_id,
            f"UPDATE {RECOMMENDATIONS} SET {change}, decided_on = ?, version = ? WHERE recommendation_id = ?",
            (*params, codecs.day(e.decided_on), e.originator_version, ident(e.originator_id)),
        )

    # --- decisions ----------------------------------------------------------------------

    @handles(DecisionRecorded)
    def _decision(self, w: Writes, e: DecisionRecorded, position: int) -> None:
        w.write(
            DECISIONS, e.originator_id,
            f"INSERT INTO {DECISIONS} (decision_id, partnership_id, forum_id, meeting_on, subject, subject_id,"
            " outcome, decided_by, rationale, chairs_action, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (decision_id) DO NOTHING",
            (ident(e.originator_id), e.partnership_id, e.forum_id, codecs.day(e.meeting_on), e.subject.value,
             ident(e.subject_id), e.outcome.value, codecs.items(e.decided_by), e.rationale or "",
             int(e.chairs_action), codecs.instant(e.timestamp)),
        )

    # --- corrections ----------------------------------------------------------------------

    @handles(TextRedacted)
    def _redacted(self, w: Writes, e: TextRedacted, position: int) -> None:
        what = _REDACTABLE.get((e.event_topic, e.field))
        if what is not None:
            self.correct_text(w, what, e.aggregate_id, e.text)
            w.forget()  # the activities' titles kept by `know` may be the old text
        elif e.event_topic == DecisionRecorded.TOPIC and e.field.startswith("decided_by."):
            self._correct_decided_by(w, e)

    def _correct_decided_by(self, w: Writes, e: TextRedacted) -> None:
        """One name of who decided, in the list kept as one column: the row's list with that item replaced."""
        row = w.one(DECISIONS, e.aggregate_id, f"SELECT decided_by FROM {DECISIONS} WHERE decision_id = ?",
                    (ident(e.aggregate_id),))
        index = int(e.field.split(".")[1])
        names = list(codecs.read_items(row[0])) if row is not None else []
        if index < len(names):
            names[index] = e.text
            w.write(DECISIONS, e.aggregate_id, f"UPDATE {DECISIONS} SET decided_by = ? WHERE decision_id = ?",
                    (codecs.items(names), ident(e.aggregate_id)))

    def correct_text(self, w: Writes, what: str, entity_id: Any, text: str) -> None:
        """Puts corrected free text in place of what the lists keep (`what` is a key of
        TEXT_COLUMNS), from a redaction (`TextRedacted`) of the field."""
        table, column, key = TEXT_COLUMNS[what]
        w.write(table, entity_id, f"UPDATE {table} SET {column} = ? WHERE {key} = ?", (text, ident(entity_id)))
        if what == "activity.title":  # recommendations show their activity's title too
            w.execute(f"UPDATE {RECOMMENDATIONS} SET activity_title = ? WHERE activity_id = ?",
                      (text, ident(entity_id)))
