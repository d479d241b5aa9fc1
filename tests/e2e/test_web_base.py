"""The web layer's base, through HTTP: security headers on every response, the signed session
and who it says is signed in, CSRF on every form, pages for people's errors, /docs offline."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import PlainTextResponse
from fastapi.routing import APIRoute

from adapters.settings import Settings
from services.api.app import create_app
from services.web import assets
from services.web.csrf import check_csrf, csrf_token, include_pages
from services.web.security_headers import CONTENT_SECURITY_POLICY, content_security_policy, style_hash
from tests.e2e.conftest import Api, TestClient, make_settings
from tests.fixtures.auth import auth_headers
from tests.fixtures.web import COOKIE, person, session_cookie

HTML = {"Accept": "text/html,application/xhtml+xml"}


def _signed_in(app: FastAPI, **who: object) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    client.cookies.set(COOKIE, session_cookie(app.state.signing_key, **who))  # type: ignore[arg-type]
    return client


def _assert_security_headers(headers: object, tls: bool = False) -> None:
    h = dict(headers)  # type: ignore[call-overload]
    assert h["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in h["content-security-policy"]
    assert "unsafe-inline" not in h["content-security-policy"]
    assert re.search(r"script-src 'self'(;|$)", h["content-security-policy"])
    assert h["x-content-type-options"] == "nosniff"
    assert h["referrer-policy"] == "no-referrer"
    assert h["x-frame-options"] == "DENY"
    assert ("strict-transport-security" in h) is tls


def test_every_kind_of_response_carries_the_security_headers(client: TestClient) -> None:
    Api(client).register(with_framework_defaults=False)
    anonymous = TestClient(client.app, follow_redirects=False)
    answers = {
        "page": anonymous.get("/", headers=HTML),
        "api 200": client.get("/v1/partnerships/st-helens/framework"),
        "api 401": anonymous.get("/v1/partnerships/st-helens/tracker"),
        "docs": anonymous.get("/docs"),
        "openapi": anonymous.get("/openapi.json"),
        "health": anonymous.get("/health"),
        "asset": anonymous.get("/static/lif/lif.css"),
        "page 404": anonymous.get("/no-such-page", headers=HTML),
        "sign-in redirect": anonymous.get("/dashboard", headers=HTML),
    }
    assert {name: r.status_code for name, r in answers.items()} == {
        "page": 200, "api 200": 200, "api 401": 401, "docs": 200, "openapi": 200, "health": 200, "asset": 200,
        "page 404": 404, "sign-in redirect": 303,
    }
    for name, r in answers.items():
        try:
            _assert_security_headers(r.headers)
        except AssertionError as e:
            raise AssertionError(f"{name}: {e}") from e


def test_under_tls_hsts_is_sent_and_the_session_cookie_is_secure(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path, tls=True))
    with TestClient(app, base_url="https://testserver") as client:
        answer = client.get("/health")
        _assert_security_headers(answer.headers, tls=True)
        assert answer.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
        client.cookies.set(COOKIE, session_cookie(app.state.signing_key))
        page = client.get("/", headers=HTML, follow_redirects=False)
        # The start page redirects an admin; the session was only read, so no cookie is sent:
        # a page with a form writes its token, and that cookie must be Secure.
        assert page.status_code == 303
        form = _with_form(app)
        cookie = form.get("/test-form", headers=HTML).headers["set-cookie"].lower()
        assert "; secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie


def test_an_error_that_escapes_is_a_500_with_the_headers_and_a_page_for_a_person(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path))
    router = APIRouter()

    @router.get("/broken")
    def broken() -> None:
        raise RuntimeError("boom")

    include_pages(app, router)
    client = TestClient(app, raise_server_exceptions=False)
    page = client.get("/broken", headers=HTML)
    assert page.status_code == 500 and "Sorry, there is a problem with the service" in page.text
    _assert_security_headers(page.headers)
    plain = client.get("/broken")
    assert plain.status_code == 500 and plain.text == "Internal Server Error"
    _assert_security_headers(plain.headers)


# --- the session ------------------------------------------------------------------------


def test_a_signed_in_admin_sees_who_they_are_and_the_cookie_is_httponly_and_lax(client: TestClient) -> None:
    Api(client).register(with_framework_defaults=False)
    app = client.app
    assert isinstance(app, FastAPI)
    with _signed_in(app) as client:
        answer = client.get("/dashboard", headers=HTML)
        assert answer.status_code == 200, answer.text[:500]
        assert "Signed in as Jo Bloggs (partnership&#39;s business unit)" in answer.text
        cookie = answer.headers["set-cookie"].lower()  # the page's sign-out form wrote its token
        assert cookie.startswith(f"{COOKIE}=") and "httponly" in cookie and "samesite=lax" in cookie
        assert "secure" not in cookie


@pytest.mark.parametrize(("what", "session"), [
    ("nobody", None),
    ("a service is never a person", {"person": person("service", name="case-system")}),
    ("an agency without its agency", {"person": {**person("agency", name="jdoe"), "agency_id": None}}),
    ("a subject of another role", {"person": {**person(), "subject": "scrutineer:jo"}}),
    ("a subject of another agency", {"person": {**person("agency", agency_id="merseyside-police"),
                                                "subject": "agency:st-helens-council:jo"}}),
    ("not a person at all", {"person": "admin"}),
])
def test_a_session_without_a_well_formed_person_is_nobody(app: FastAPI, what: str, session: dict | None) -> None:
    client = TestClient(app, follow_redirects=False)
    if session is not None:
        client.cookies.set(COOKIE, session_cookie(app.state.signing_key, session))
    answer = client.get("/dashboard", headers=HTML)
    assert (answer.status_code, answer.headers.get("location")) == (303, "/sign-in?next=/dashboard"), what


def test_a_cookie_signed_with_another_key_or_the_token_key_itself_is_nobody(app: FastAPI) -> None:
    for key in (b"x" * 32, None):
        client = TestClient(app, follow_redirects=False)
        value = session_cookie(key or b"other key of 32 characters......")
        if key is None:
            # Signed with the bearer tokens' key itself rather than the session's derived one.
            import itsdangerous

            signer = itsdangerous.TimestampSigner(app.state.signing_key)
            value = signer.sign(session_cookie(app.state.signing_key).rsplit(".", 2)[0]).decode()
        client.cookies.set(COOKIE, value)
        assert client.get("/dashboard", headers=HTML).status_code == 303


def test_a_person_of_another_role_is_refused_with_a_page(app: FastAPI) -> None:
    with _signed_in(app, role="scrutineer", name="sam") as client:
        answer = client.get("/dashboard", headers=HTML)
        assert answer.status_code == 403
        assert "This page is for the partnership&#39;s business unit" in answer.text
        assert "you are signed in as independent scrutineer" in answer.text


def test_the_way_back_after_sign_in_keeps_the_query(app: FastAPI) -> None:
    answer = TestClient(app, follow_redirects=False).get("/dashboard?today-day=1", headers=HTML)
    assert answer.headers["location"] == "/sign-in?next=/dashboard%3Ftoday-day%3D1"


# --- CSRF -----------------------------------------------------------------------------


def _with_form(app: FastAPI) -> TestClient:
    """A page with a form and the route it posts to, on this app only (never in lif's)."""
    router = APIRouter()

    @router.get("/test-form")
    def form(request: Request) -> PlainTextResponse:
        return PlainTextResponse(csrf_token(request))

    @router.post("/test-form")
    async def post(request: Request) -> PlainTextResponse:
        return PlainTextResponse("done: " + str((await request.form()).get("what")))

    include_pages(app, router)
    return TestClient(app, follow_redirects=False, base_url="https://testserver")


@pytest.fixture
def form_client(app: FastAPI) -> Iterator[TestClient]:
    with _with_form(app) as client:
        yield client


def test_a_form_with_the_sessions_token_is_accepted(form_client: TestClient) -> None:
    token = form_client.get("/test-form").text
    answer = form_client.post("/test-form", data={"csrf_token": token, "what": "x"})
    assert (answer.status_code, answer.text) == (200, "done: x")
    assert form_client.post("/test-form", data={"what": "y"}, headers={"X-CSRF-Token": token}).text == "done: y"


@pytest.mark.parametrize("sent", [None, "", "forged-token"])
def test_a_form_without_the_sessions_token_is_refused_and_nothing_is_done(form_client: TestClient,
                                                                           sent: str | None) -> None:
    form_client.get("/test-form")
    data = {"what": "x"} if sent is None else {"what": "x", "csrf_token": sent}
    answer = form_client.post("/test-form", data=data, headers=HTML)
    assert answer.status_code == 403
    assert "Your form could not be accepted" in answer.text and "done" not in answer.text


def test_a_token_from_another_session_is_refused(form_client: TestClient, app: FastAPI) -> None:
    theirs = form_client.get("/test-form").text
    with _with_form(app) as mine:
        mine.get("/test-form")
        assert mine.post("/test-form", data={"csrf_token": theirs}).status_code == 403


def test_every_page_route_that_changes_something_checks_the_token(app: FastAPI) -> None:
    unguarded = [
        (sorted(route.methods), route.path)
        for route in app.routes
        if isinstance(route, APIRoute) and not route.path.startswith("/v1/")
        and route.methods - {"GET", "HEAD", "OPTIONS"}
        and check_csrf not in [d.call for d in route.dependant.dependencies]
    ]
    assert unguarded == []


# --- pages for errors, /docs --------------------------------------------------------------


def test_a_person_gets_a_page_and_a_program_gets_json_for_the_same_error(client: TestClient) -> None:
    page = client.get("/no-such-page", headers=HTML)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "Page not found" in page.text and 'id="main-content"' in page.text
    program = client.get("/no-such-page")
    assert program.status_code == 404 and program.json()["error"]["code"] == "not_found"
    api = client.get("/v1/partnerships/st-helens/activities/00000000-0000-0000-0000-000000000000", headers=HTML)
    assert api.headers["content-type"] == "application/json"


def test_docs_are_served_from_local_files_with_no_inline_script(client: TestClient) -> None:
    html = TestClient(client.app).get("/docs").text
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/") for s in sources), sources
    assert "/static/swagger/swagger-ui-bundle.js" in sources and "/static/lif/swagger-init.js" in sources
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []  # every script is a file
    for path in ("/static/swagger/swagger-ui-bundle.js", "/static/swagger/swagger-ui.css",
                 "/static/govuk/govuk-frontend.min.js", "/assets/images/favicon.svg"):
        assert TestClient(client.app).get(path).status_code == 200, f"{path} (run `npm ci`)"


def test_only_the_listed_files_of_the_packages_are_served(client: TestClient) -> None:
    anonymous = TestClient(client.app)
    for path in ("/static/swagger/index.html", "/static/swagger/swagger-initializer.js",
                 "/static/govuk/template.njk", "/static/govuk/../../package.json"):
        assert anonymous.get(path).status_code == 404, path


def test_missing_assets_are_named_and_not_installed_from_elsewhere(tmp_path: Path) -> None:
    settings = Settings(persistence="memory", web_assets_dir=str(tmp_path))
    said: list[str] = []
    assert len(assets.missing(settings)) == len(assets.GOVUK_FILES) + 1 + len(assets.SWAGGER_FILES)
    assert assets.ensure_assets(settings, said.append) is False
    assert said and f"LIF_WEB_ASSETS_DIR={tmp_path}" in said[0]
    assert assets.missing(Settings(persistence="memory")) == [], "run `npm ci` at the repository's root"


def test_an_api_client_is_not_signed_in_by_a_session(app: FastAPI) -> None:
    with _signed_in(app) as client:
        assert client.get("/v1/partnerships/st-helens/tracker").status_code == 401
        assert client.get("/v1/partnerships/st-helens/tracker", headers=auth_headers(app)).status_code != 401


def test_the_printable_agenda_keeps_its_inline_style_admitted_by_its_hash_alone(client: TestClient) -> None:
    Api(client).register()
    url = "/v1/partnerships/st-helens/forums/executive/agenda.html?meeting_on=2026-06-15"
    # The agenda is a view: it answers once the projector has caught up with the registration.
    deadline = time.monotonic() + 30
    while (answer := client.get(url)).status_code == 404 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert answer.status_code == 200, answer.text
    styles = re.findall(r"<style>(.*?)</style>", answer.text, re.S)
    policy = answer.headers["content-security-policy"]
    assert len(styles) == 1 and policy == content_security_policy([style_hash(styles[0])])
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy
    assert style_hash(styles[0] + " ") not in policy
