#!/usr/bin/env bash
# A short tour of the API, run against `lif serve --demo`; README.md shows this script and its output,
# and tests/integration/test_readme_tour.py runs it verbatim against a fresh demo, so both stay true.
set -euo pipefail

usage() {
  cat <<'HELP'
usage: docs/tour.sh [--help]

Walks the API of a running `lif serve --demo`: opens a thematic audit, meets the framework's
rules (findings_required, version_conflict, not_a_meeting_date), signs it off as a chair's
action, acknowledges its learning, ingests a batch and reads the audit trail of admin:jo.
Each request is printed (> method path, > body) before its answer (< status, < body).
It exits non-zero as soon as an answer is not the one the tour expects.

environment:
  LIF_TOUR_URL  the API's base URL (default http://localhost:8000)
  LIF           the lif command that issues the token (default .venv/bin/lif); it must
                see the server's signing key (same LIF_SQLITE_PATH or LIF_SECRET_KEY)
HELP
}
[[ ${1-} == -h || ${1-} == --help ]] && { usage; exit 0; }
[[ $# -eq 0 ]] || { usage >&2; exit 2; }

ANSWER_FILE=$(mktemp); trap 'rm -f "$ANSWER_FILE"' EXIT

# request STATUS METHOD PATH [BODY] [CURL ARGS...]: print the request, send it, print the answer
# (abridged), keep its body in $ANSWER; stop unless it answered STATUS.
request() {
  local expected=$1 method=$2 path=$3 body=${4-}
  shift $(($# < 4 ? $# : 4))
  printf '\n> %s %s\n' "$method" "$path"
  local args=(-s -o "$ANSWER_FILE" -w '%{http_code}' -X "$method" "$API$path" -H "$AUTH" "$@")
  if [[ -n $body ]]; then
    printf '> %s\n' "$body"
    args+=(-H 'Content-Type: application/json' -d "$body")
  fi
  local status; status=$(curl "${args[@]}")
  ANSWER=$(<"$ANSWER_FILE")
  printf '< %s\n< %s\n' "$status" "$(abridge <<<"$ANSWER")"
  [[ $status == "$expected" ]] || { echo "tour: expected $expected, got $status" >&2; exit 1; }
}
# abridge: an answer's telling fields, each cut at 160 characters; "…" marks what is left out.
abridge() {
  python3 -c '
import json, sys
text = sys.stdin.read()
try:
    answer = json.loads(text)
except ValueError:
    answer = None
if not isinstance(answer, dict):
    print(text if len(text) <= 300 else text[:300] + "…")
    sys.exit()
keep = [k for k in answer if k in ("error", "id", "version", "status", "subject", "outcome", "chairs_action",
        "meeting_on", "acknowledgements", "applied", "rejected", "count", "position", "lag")]
def short(key, value):
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 160 or key in ("error", "rejected") else text[:160] + "…"
print("{" + ", ".join(f"\"{k}\": {short(k, answer[k])}" for k in keep) + (", …}" if len(keep) < len(answer) else "}"))
for entry in answer.get("items", []):   # events (the audit trail, a history) one line each; other lists left out
    if isinstance(entry, dict) and "summary" in entry:
        print("    {position} {topic} by {principal}: {summary}".format(**entry))
'
}
# field NAME: a top-level field of the last answer (python3, so the tour needs no jq).
field() { python3 -c 'import json, sys; print(json.loads(sys.stdin.read())[sys.argv[1]])' "$1" <<<"$ANSWER"; }

# --- the tour begins ---
LIF=${LIF:-.venv/bin/lif}
API=${LIF_TOUR_URL:-http://localhost:8000}; P=/v1/partnerships/st-helens
TOKEN=$("$LIF" token create --role admin --partnership st-helens --subject jo 2>/dev/null)
AUTH="Authorization: Bearer $TOKEN"
TODAY=$(python3 -c 'import datetime; print(datetime.date.today())')   # the demo's dates are relative to today

# Open a thematic audit; a retry with the same Idempotency-Key gets the same answer.
request 201 POST $P/activities '{"kind": "thematic_audit", "title": "Neglect in adolescents",
  "opened_on": "'"$TODAY"'", "scope": "Twelve cases of neglect of 13-17 year olds, 2025-26"}' \
  -H "Idempotency-Key: tour-$TODAY-$$"
AID=$(field id)
request 200 POST "$P/activities/$AID/start" '{}'

# The framework's rules answer with a code, the field and a sentence.
request 409 POST "$P/activities/$AID/report" '{"report_summary": "Drift in core groups", "reported_on": "'"$TODAY"'"}'
request 200 POST "$P/activities/$AID/findings" '{"category": "area_for_improvement", "recorded_on": "'"$TODAY"'",
  "summary": "Core groups did not meet for six weeks in four of the twelve cases.", "themes": ["neglect"],
  "agencies_concerned": ["st-helens-council"]}'
VERSION=$(field version)

# A batch from a service: each item is checked on its own; the valid ones apply together.
request 200 POST /v1/ingest '{"items": [
  {"partnership_id": "st-helens", "command": "open_activity", "payload": {"kind": "thematic_audit",
   "title": "Missing from education", "opened_on": "'"$TODAY"'", "scope": "Ten children missing from education"}},
  {"partnership_id": "st-helens", "command": "record_finding", "target_id": "'"$AID"'",
   "payload": {"category": "good_practice", "recorded_on": "2019-05-01", "summary": "Too early.", "themes": ["neglect"]}}]}'

# A stale expected_version (here the version before the finding) gets 409 with the current one.
request 409 POST "$P/activities/$AID/report" '{"report_summary": "Drift in core groups", "reported_on": "'"$TODAY"'",
  "expected_version": '$((VERSION - 1))'}'
request 200 POST "$P/activities/$AID/report" '{"report_summary": "Drift in core groups", "reported_on": "'"$TODAY"'",
  "expected_version": '"$VERSION"'}'

# A forum decides on its meeting dates; today is not one of the Audit, Review and Learning Forum's,
# so the sign-off is refused until it is recorded as a chair's action.
SIGN_OFF='"forum_id": "audit-review-learning-forum", "meeting_on": "'"$TODAY"'", "subject": "activity_sign_off",
  "subject_id": "'"$AID"'", "outcome": "accept", "decided_by": ["ARLF Chair"], "rationale": "Findings agreed."'
request 409 POST $P/decisions "{$SIGN_OFF}"
request 201 POST $P/decisions "{$SIGN_OFF, \"chairs_action\": true}"

# An agency acknowledges the learning and says how it cascaded it (not before the sign-off).
request 200 POST "$P/activities/$AID/acknowledgements" '{"agency_id": "merseyside-police",
  "acknowledged_on": "'"$TODAY"'", "cascaded_by": ["team_briefing", "newsletter"]}'

# Read models report their position; ?min_position= waits for your own write.
request 200 GET "$P/entities/$AID/history"
request 200 GET "$P/audit?principal=admin:jo"
request 200 GET "$P/tracker?rag=red"
