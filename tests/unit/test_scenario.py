"""The scenario file: relative dates, references, meetings, and errors that name the step and field."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from services.seeds.scenario import ScenarioError, default_scenario, load_scenario, relative_date

WEDNESDAY = date(2026, 12, 2)

_MINIMAL = """
[scenario]
partnership_id = "tiny"
display_name = "Tiny Partnership"
loaded_when = { activity = "@activity:audit", field = "opened_on" }

[people]
board = ["Chair"]

[meetings]
"safeguarding-partnership-board" = ["-7d"]

[[step]]
key = "register"
label = "registering"
command = "register_partnership"
[step.payload]
partnership_id = "tiny"
display_name = "Tiny Partnership"
with_framework_defaults = true

[[step]]
key = "audit/open"
label = "opening the audit"
command = "open_activity"
creates = "activity:audit"
[step.payload]
kind = "thematic_audit"
title = "An audit"
opened_on = "-30d"
scope = "Some cases."

[[step]]
key = "audit/start"
label = "starting"
command = "start_activity"
target = "@activity:audit"

[[step]]
key = "audit/finding"
label = "recording a finding"
command = "record_finding"
target = "@activity:audit"
creates = "finding:gcp2"
[step.payload]
category = "good_practice"
summary = "The Graded Care Profile 2 was used well."
themes = ["neglect"]
recorded_on = "-20d"

[[step]]
key = "audit/report"
label = "reporting"
command = "report_activity"
target = "@activity:audit"
[step.payload]
report_summary = "What the audit found."
reported_on = "-10d"

[[step]]
key = "audit/sign-off"
label = "signing off"
command = "record_decision"
creates = "decision:sign-off"
[step.payload]
forum_id = "safeguarding-partnership-board"
meeting_on = "-7d"
subject = "activity_sign_off"
subject_id = "@activity:audit"
outcome = "defer"
rationale = "More evidence first."
decided_by = "@people:board"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scenario.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _error(tmp_path: Path, text: str) -> str:
    with pytest.raises(ScenarioError) as e:
        load_scenario(_write(tmp_path, text), WEDNESDAY)
    return str(e.value)


def test_day_offsets_move_to_a_working_day_away_from_today() -> None:
    # Wednesday 2 December 2026: -4d is a Saturday (back to Friday), +4d a Sunday (on to Monday).
    assert relative_date("-4d", WEDNESDAY) == date(2026, 11, 27)
    assert relative_date("+4d", WEDNESDAY) == date(2026, 12, 7)
    assert relative_date("0d", WEDNESDAY) == WEDNESDAY
    assert relative_date("-6wd", WEDNESDAY) == date(2026, 11, 24)
    # Terms apply left to right: Friday 27 November plus three working days.
    assert relative_date("-4d+3wd", WEDNESDAY) == date(2026, 12, 2)
    with pytest.raises(ValueError, match="not a relative date"):
        relative_date("2026-11-27", WEDNESDAY)


def test_a_scenario_resolves_ids_dates_people_and_meetings(tmp_path: Path) -> None:
    s = load_scenario(_write(tmp_path, _MINIMAL), WEDNESDAY)
    assert [step.key for step in s.steps] == [
        "register", "meeting/safeguarding-partnership-board/-7", "audit/open", "audit/start", "audit/finding",
        "audit/report", "audit/sign-off",
    ]
    meeting, opened, decided = s.steps[1], s.steps[2], s.steps[6]
    assert s.steps[3].path == f"/v1/partnerships/tiny/activities/{opened.body['activity_id']}/start"
    assert meeting.path == "/v1/partnerships/tiny/meetings"
    assert meeting.body == {"forum_id": "safeguarding-partnership-board", "meets_on": "2026-11-25"}
    assert opened.creates is not None and opened.body["activity_id"] == str(opened.creates[1])
    assert opened.body["opened_on"] == "2026-11-02"
    assert decided.body["subject_id"] == str(opened.creates[1])
    assert decided.body["decided_by"] == ["Chair"]
    assert decided.idempotency_key == "lif-demo:tiny:audit/sign-off"
    assert s.loaded_when.activity_id == opened.creates[1]

    # Ids follow names, not days: a later load addresses the same records with other dates.
    later = load_scenario(_write(tmp_path, _MINIMAL), date(2027, 3, 3))
    assert later.steps[2].creates == opened.creates
    assert later.steps[2].body["opened_on"] != opened.body["opened_on"]


def test_the_packaged_scenario_loads_and_decides_only_at_meetings() -> None:
    s = load_scenario(default_scenario(), WEDNESDAY)
    meetings = {(st.body["forum_id"], st.body["meets_on"]) for st in s.steps if st.key.startswith("meeting/")}
    decisions = [st for st in s.steps if st.path.endswith("/decisions")]
    assert decisions and all((d.body["forum_id"], d.body["meeting_on"]) in meetings for d in decisions)
    assert s.partnership_id == "st-helens" and s.steps[0].key == "register"


@pytest.mark.parametrize(
    ("change", "names"),
    [
        (('meeting_on = "-7d"', 'meeting_on = "-8d"'), ["step 6 ('audit/sign-off')", "'payload.meeting_on'",
                                                        "2026-11-24 is not a meeting"]),
        (('subject_id = "@activity:audit"', 'subject_id = "@activity:nope"'),
         ["step 6 ('audit/sign-off')", "'payload.subject_id'", "refers to nothing"]),
        (('opened_on = "-30d"', "opened_on = 2026-11-02"),
         ["step 2 ('audit/open')", "'payload.opened_on'", "relative to the demo's day"]),
        (('opened_on = "-30d"', 'opened_on = "last month"'), ["step 2 ('audit/open')", "'payload.opened_on'"]),
        (('command = "open_activity"', 'command = "open_actvity"'), ["step 2 ('audit/open')", "'command'"]),
        (('decided_by = "@people:board"', 'decided_by = "@people:panel"'),
         ["step 6 ('audit/sign-off')", "'payload.decided_by'", "no group 'panel'"]),
        (('creates = "activity:audit"', 'creates = "finding:audit"'), ["step 2 ('audit/open')", "'creates'"]),
        (('command = "record_decision"', 'command = "start_activity"'), ["step 6 ('audit/sign-off')", "'target'"]),
    ],
)
def test_a_bad_scenario_names_the_step_and_the_field(
    tmp_path: Path, change: tuple[str, str], names: list[str]
) -> None:
    old, new = change
    assert old in _MINIMAL
    message = _error(tmp_path, _MINIMAL.replace(old, new, 1))
    for name in names:
        assert name in message


def test_a_file_that_is_not_toml_is_refused_with_its_path(tmp_path: Path) -> None:
    message = _error(tmp_path, "[scenario\n")
    assert "scenario.toml is not valid TOML" in message
