"""The admin API and the two public routes, fuzzed: generated ids in paths, query strings, bodies
and headers through the real handlers under moto. Whatever arrives:

- the answer is never a 5xx; an admin API 4xx (and a share intent's, but for its 410 page) is a
  JSON error body;
- a read changes nothing at all, and a refused request changes nothing: no item, no queued
  message, no event on the bus.

The stack holds an ambassador, an open and a closed vacancy and their share links, so generated
requests also reach found things, not only 404s. ``make test`` runs a few examples of each;
``make fuzz`` many (``HYPOTHESIS_PROFILE=fuzz``).
"""

from __future__ import annotations

import base64
import json
import re
from urllib.parse import quote, urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st
from urllib3 import encode_multipart_formdata

from kring.api import pagination
from tests.integration.test_api_vacancies import _seed_shares, _store, _vacancy
from tests.support import hostile
from tests.support.fixtures import HttpResult, MotoStack

EXAMPLES = 10  # per property in `make test`; `make fuzz` runs its profile's number
AMBASSADOR = {
    "id": "E1001",
    "name": "Ann de Vries",
    "email": "ann@example.com",
    "locale": "nl",
    "interests": ["Engineering"],
    "phase": "decision",
    "opted_in": True,
    "share_cap_per_week": 3,
}
TEAM_RECIPIENT = {"email": "talent@example.com", "locale": "nl"}
TEAM_SETTINGS = {
    "time_zone": "Europe/Amsterdam",
    "point_weights": {"share_intent": 1, "click": 2, "hire": 50},
    "other_channels": [
        {"channel": "agency", "label": "Agencies", "cost_per_hire": "8000.00", "currency": "EUR"}
    ],
}
PHASE_MOVE = {"phase": "evangelize", "reason": "a workshop", "by": "hr"}
TEAM_USER = {"email": "rita@example.com", "name": "Rita", "role": "recruiter", "locale": "nl"}
API_TOKEN = {"name": "nightly export", "role": "viewer"}
PROGRAMME_SETTINGS = {
    "dormancy_days": 30,
    "evangelist": {"min_colleagues": 1, "min_applications": 0, "active_days": 30},
    "onboarding_checklist": [{"id": "goal", "nl": "Een doel", "en": "A goal"}],
}
OPEN, CLOSED = "greenhouse-1", "greenhouse-2"


@pytest.fixture
def seeded(moto_stack: MotoStack) -> dict[str, str]:
    """An ambassador, an open and a closed vacancy, and the ambassador's link to each: code by
    vacancy id."""
    assert moto_stack.http("POST", "/api/ambassadors", body=AMBASSADOR, admin=True).status == 201
    _store(_vacancy(1), _vacancy(2, status="closed"))
    return {OPEN: _seed_shares(OPEN, ["E1001"])["E1001"], CLOSED: _seed_shares(CLOSED, ["E1001"])["E1001"]}


@pytest.fixture
def watch(moto_stack: MotoStack, seeded: dict[str, str]) -> hostile.StackWatch:
    return hostile.StackWatch(moto_stack)


# ------------------------------------------------------------------------------------ strategies
KNOWN_IDS = ["E1001", OPEN, CLOSED, "r1", "greenhouse", "71980812"]
RAW_SEGMENT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="/?#", exclude_categories=["Cs"]),
    min_size=1,
    max_size=40,
)


@st.composite
def path_ids(draw: st.DrawFn) -> str:
    """One path segment as a client may send it: a known id, one with something around it
    (spaces, a tab, a NBSP, percent-encoded or not), a long one, or anything."""
    base = draw(st.sampled_from(KNOWN_IDS) | RAW_SEGMENT | st.just("V" * 2100) | st.just("é" * 600))
    around = draw(
        st.sampled_from(["", "%20", " ", "%09", "%C2%A0", "%2F", "%00", "%", "%E", "%ZZ", "%ED%A0%80"])
    )
    value = draw(st.sampled_from([base + around, around + base, base]))
    return quote(value, safe="%") if draw(st.booleans()) else value


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


TOKENS = st.one_of(
    hostile.HOSTILE_TEXTS.map(lambda t: _b64(t.encode("utf-8", "surrogatepass"))),
    st.builds(
        pagination.encode,
        st.sampled_from(
            [
                "ambassadors",
                "vacancies",
                "rewards",
                "rewards-of-ambassador",
                f"vacancy-shares:{OPEN}",
                "suspicious:week:2026-11-29",
                "invitation-campaigns",
            ]
        ),
        st.dictionaries(
            st.sampled_from(["pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "other"]),
            hostile.ODD_TEXT,
            min_size=1,
            max_size=6,
        ),
    ),
    hostile.ODD_TEXT,
)
QUERY_VALUES: st.SearchStrategy[str] = st.one_of(
    hostile.ODD_TEXT,
    st.sampled_from(["1", "0", "-1", "10000", "1e3", "2026-02-30", "2026-11-29", "1970-01-01", "9999-12-31"]),
    st.sampled_from(["pending", "eligible", "paid", "cancelled", "E1001", "E1001 ", "V" * 2100]),
    st.sampled_from(["week", "month", "quarter", "department:Sales", "location:", "overall"]),
    TOKENS,
)
QUERIES = st.dictionaries(
    st.sampled_from(
        [
            "limit",
            "next",
            "from",
            "to",
            "status",
            "ambassador_id",
            "ch",
            "email",
            "by",
            "x",
            "period",
            "at",
            "scope",
        ]
    ),
    QUERY_VALUES,
    max_size=4,
).map(urlencode)

ADMIN_ROUTES: list[tuple[str, str]] = [
    ("GET", "/api/ambassadors"),
    ("POST", "/api/ambassadors"),
    ("POST", "/api/ambassadors/import"),
    ("GET", "/api/ambassadors/imports/{a}"),
    ("GET", "/api/ambassadors/{a}"),
    ("PATCH", "/api/ambassadors/{a}"),
    ("DELETE", "/api/ambassadors/{a}"),
    ("GET", "/api/ambassadors/{a}/stats"),
    ("GET", "/api/vacancies"),
    ("GET", "/api/vacancies/{a}"),
    ("PATCH", "/api/vacancies/{a}"),
    ("GET", "/api/vacancies/{a}/shares"),
    ("GET", "/api/vacancies/{a}/ambassadors"),
    ("GET", "/api/vacancies/{a}/funnel"),
    ("GET", "/api/program/funnel"),
    ("GET", "/api/applications/{a}/{b}/attribution"),
    ("GET", "/api/rewards"),
    ("POST", "/api/rewards/{a}/{b}/pay"),
    ("PUT", "/api/ambassadors/{a}"),
    ("GET", "/api/suppressions"),
    ("GET", "/api/suppressions/{a}"),
    ("DELETE", "/api/suppressions/{a}"),
    ("GET", "/api/team/recipients"),
    ("POST", "/api/team/recipients"),
    ("GET", "/api/team/recipients/{a}"),
    ("DELETE", "/api/team/recipients/{a}"),
    ("GET", "/api/team/settings"),
    ("PUT", "/api/team/settings"),
    ("GET", "/api/programme/phases"),
    ("GET", "/api/programme/settings"),
    ("PUT", "/api/programme/settings"),
    ("GET", "/api/programme/invitations"),
    ("POST", "/api/programme/invitations"),
    ("GET", "/api/ambassadors/{a}/journey"),
    ("POST", "/api/ambassadors/{a}/phase"),
    ("GET", "/api/leaderboards"),
    ("GET", "/api/leaderboards/suspicious"),
    ("GET", "/api/ambassadors/{a}/points"),
    ("GET", "/api/team/users"),
    ("POST", "/api/team/users"),
    ("GET", "/api/team/users/{a}"),
    ("PATCH", "/api/team/users/{a}"),
    ("DELETE", "/api/team/users/{a}"),
    ("GET", "/api/team/tokens"),
    ("POST", "/api/team/tokens"),
    ("DELETE", "/api/team/tokens/{a}"),
    ("GET", "/api/audit"),
]

CSV = st.one_of(
    hostile.ODD_TEXT,
    st.lists(st.lists(hostile.ODD_TEXT, min_size=1, max_size=4).map(",".join), min_size=1, max_size=4).map(
        lambda rows: "id,name,email\n" + "\n".join(rows)
    ),
    st.just('id,name,email\nE2,\u202eBob,bob@example.com\n"E3,unterminated'),
)
BODIES: st.SearchStrategy[bytes] = st.one_of(
    hostile.mutated(AMBASSADOR, hostile.PAYLOAD_REPLACEMENTS).map(hostile.payload_text),
    hostile.mutated(TEAM_RECIPIENT, hostile.PAYLOAD_REPLACEMENTS).map(hostile.payload_text),
    hostile.mutated(TEAM_SETTINGS, hostile.PAYLOAD_REPLACEMENTS).map(hostile.payload_text),
    hostile.mutated(PHASE_MOVE, hostile.PAYLOAD_REPLACEMENTS).map(hostile.payload_text),
    hostile.mutated(PROGRAMME_SETTINGS, hostile.PAYLOAD_REPLACEMENTS).map(hostile.payload_text),
    hostile.mutated(TEAM_USER, hostile.PAYLOAD_REPLACEMENTS).map(hostile.payload_text),
    hostile.mutated(API_TOKEN, hostile.PAYLOAD_REPLACEMENTS).map(hostile.payload_text),
    hostile.HOSTILE_TEXTS.map(lambda t: t.encode("utf-8", "surrogatepass")),
    hostile.HOSTILE_BYTES,
    CSV.map(lambda t: t.encode("utf-8", "surrogatepass")),
)


def assert_json_error(result: HttpResult) -> None:
    assert result.headers.get("content-type", "").startswith("application/json"), (result.status, result.body)
    error = result.json()["error"]
    assert isinstance(error["code"], str)
    assert isinstance(error["message"], str)


# ------------------------------------------------------------------------------------ admin API
def test_every_admin_route_answers_below_500_and_a_refusal_changes_nothing(
    moto_stack: MotoStack, watch: hostile.StackWatch
) -> None:
    @hostile.fuzz_settings(examples=8 * EXAMPLES)
    @given(
        route=st.sampled_from(ADMIN_ROUTES),
        a=path_ids(),
        b=path_ids(),
        query=QUERIES,
        body=BODIES,
        content_type=st.sampled_from(["application/json", "text/csv", "application/octet-stream", ""]),
    )
    def admin(*, route: tuple[str, str], a: str, b: str, query: str, body: bytes, content_type: str) -> None:
        method, template = route
        before = watch.state()

        result = moto_stack.http(
            method,
            template.format(a=a, b=b),
            query=query,
            body=body if method in ("POST", "PUT", "PATCH") else b"",
            headers={"content-type": content_type} if content_type else {},
            admin=True,
        )

        assert result.status < 500, (result.status, result.body[:500])
        if result.status >= 400:
            assert_json_error(result)
        watch.settle(before, refused=result.status >= 400 or method == "GET")  # a read changes nothing

    admin()


def test_without_the_admin_token_every_route_is_a_401_that_changes_nothing(
    moto_stack: MotoStack, watch: hostile.StackWatch
) -> None:
    @hostile.fuzz_settings(examples=2 * EXAMPLES)
    @given(
        route=st.sampled_from(ADMIN_ROUTES),
        a=path_ids(),
        authorization=st.one_of(
            st.none(), hostile.ODD_TEXT, hostile.ODD_TEXT.map(lambda t: f"Bearer {t}"), st.just("Bearer")
        ),
    )
    def unauthorised(route: tuple[str, str], a: str, authorization: str | None) -> None:
        method, template = route
        before = watch.state()

        result = moto_stack.http(
            method,
            template.format(a=a, b=a),
            body=json.dumps(AMBASSADOR).encode(),
            headers={} if authorization is None else {"authorization": authorization},
        )

        assert result.status in (401, 404, 405), (result.status, result.body[:300])
        assert_json_error(result)
        assert watch.state() == before

    unauthorised()


# ------------------------------------------------------------------------------------ public routes
HEADERS = st.fixed_dictionaries(
    {},
    optional={
        "user-agent": hostile.ODD_TEXT
        | st.sampled_from(["Googlebot/2.1", "Slackbot-LinkExpanding 1.0", "Mozilla/5.0 (iPhone)"]),
        "accept-language": hostile.ODD_TEXT | st.sampled_from(["nl-NL,nl;q=0.9", "*", "en;q=NaN"]),
        "referer": hostile.ODD_TEXT
        | st.sampled_from(["https://www.linkedin.com/", "https://[::1", "android-app://x"]),
        "accept": hostile.ODD_TEXT | st.sampled_from(["text/html", "application/json", "*/*"]),
    },
)


def test_the_redirect_answers_below_500_and_an_unknown_code_changes_nothing(
    moto_stack: MotoStack, watch: hostile.StackWatch, seeded: dict[str, str]
) -> None:
    codes = st.sampled_from(sorted(seeded.values())) | path_ids()

    @hostile.fuzz_settings(examples=4 * EXAMPLES)
    @given(method=st.sampled_from(["GET", "HEAD"]), code=codes, query=QUERIES, headers=HEADERS)
    def redirect(method: str, code: str, query: str, headers: dict[str, str]) -> None:
        before = watch.state()

        result = moto_stack.http(method, f"/r/{code}", query=query, headers=headers)

        assert result.status < 500, (result.status, result.body[:500])
        assert result.status in (302, 404), (result.status, result.body[:300])
        watch.settle(before, refused=result.status >= 400)

    redirect()


def test_the_share_intent_answers_below_500_and_a_refusal_changes_nothing(
    moto_stack: MotoStack, watch: hostile.StackWatch, seeded: dict[str, str]
) -> None:
    codes = st.sampled_from(sorted(seeded.values())) | path_ids()
    networks = st.sampled_from(["linkedin", "x", "facebook", "whatsapp", "email", "LinkedIn"]) | path_ids()

    @hostile.fuzz_settings(examples=4 * EXAMPLES)
    @given(code=codes, network=networks, query=QUERIES, headers=HEADERS)
    def share(code: str, network: str, query: str, headers: dict[str, str]) -> None:
        before = watch.state()

        result = moto_stack.http("GET", f"/s/{code}/{network}", query=query, headers=headers)

        assert result.status < 500, (result.status, result.body[:500])
        closed_page = result.status == 410 and result.headers.get("content-type", "").startswith("text/html")
        if result.status >= 400 and not closed_page:
            assert_json_error(result)
        watch.settle(before, refused=result.status >= 400)

    share()


def test_the_fuzzed_routes_are_every_admin_route_of_the_template(moto_stack: MotoStack) -> None:
    """A route added to template.yaml is fuzzed too: the list above names every ``/api`` route."""

    def shape(path: str) -> str:
        return re.sub(r"\{[^}]+\}", "{}", path)

    fuzzed = {(method, shape(path)) for method, path in ADMIN_ROUTES}
    for route in moto_stack.stack.routes():
        method, path = route.route_key.split(" ", 1)
        if not path.startswith("/api/"):
            continue
        methods = {"GET", "POST", "PUT", "PATCH", "DELETE"} if method == "ANY" else {method}
        assert any((m, shape(path)) in fuzzed for m in methods), route.route_key


def test_the_dashboard_pages_answer_below_500_and_a_read_or_forged_link_changes_nothing(
    moto_stack: MotoStack, watch: hostile.StackWatch
) -> None:
    pages = st.sampled_from(["", "/sign-in", "/sign-out", "/nothing"]) | path_ids().map(
        lambda t: f"/sign-in/{quote(t, safe='%')}"  # {proxy+} takes any character, once encoded
    )
    cookies = st.one_of(
        st.just(""),
        hostile.ODD_TEXT.map(lambda t: f"kring_dashboard={t}"),
        st.just("kring_dashboard=" + "a" * 43),
    )

    @hostile.fuzz_settings(examples=2 * EXAMPLES)
    @given(
        page=pages,
        body=BODIES,
        cookie=cookies,
        content_type=st.sampled_from(["application/x-www-form-urlencoded", "text/plain"]),
    )
    def dashboard(page: str, body: bytes, cookie: str, content_type: str) -> None:
        for method in ("GET", "POST"):
            before = watch.state()
            headers = {"content-type": content_type, **({"cookie": cookie} if cookie else {})}
            result = moto_stack.http(method, f"/dashboard{page}", body=body, headers=headers)
            assert result.status < 500, (result.status, result.body[:500])
            assert result.headers["content-type"].startswith("text/html")
            # asking for a link counts towards its limits, even for an unknown address
            asks = method == "POST" and page == "/sign-in"
            watch.settle(before, refused=not asks)

    dashboard()


def _dashboard_routes() -> list[tuple[str, str]]:
    """Every route of the dashboard function (its resolver's), as (method, path with ``<param>``)."""
    from functions.dashboard import app as dashboard_app

    resolver = dashboard_app.app
    return [(r.method, r.path) for r in [*resolver._static_routes, *resolver._dynamic_routes]]


# The routes a signed-in fuzz leaves out: signing in and out (the property above fuzzes them; signing
# out would end the session the examples share).
_NOT_SIGNED_IN = ("/dashboard/sign-in", "/dashboard/sign-out")
FORM_NAMES = st.sampled_from(
    ["csrf", "email", "name", "role", "locale", "phase", "reason", "confirm", "id", "ids", "reward_id",
     "table", "by", "status", "next", "amount", "value", "text", "file", "department", "location", "x"]
)  # fmt: skip


def test_every_dashboard_page_answers_a_signed_in_user_below_500_whatever_the_query_or_form(
    moto_stack: MotoStack, watch: hostile.StackWatch, seeded: dict[str, str]
) -> None:
    """Signed in as an admin (every page open), each of the dashboard function's routes — the ones
    added later too — with generated path ids, query strings and forms (with the session's CSRF
    token or not): never a 5xx, always a page or a CSV. A GET changes nothing."""
    from tests.support import team

    cookie = team.signed_in_as(moto_stack, "admin")
    home = moto_stack.http("GET", "/dashboard", headers={"cookie": cookie})
    [csrf] = re.findall(r'name="csrf" value="([^"]+)"', home.body)[:1]
    # ("/dashboard/" is the resolver's spelling of the landing page; the HTTP API routes "/dashboard")
    routes = [
        (m, p) for m, p in _dashboard_routes() if not p.startswith(_NOT_SIGNED_IN) and p != "/dashboard/"
    ]
    assert ("GET", "/dashboard/programme") in routes
    forms = st.dictionaries(FORM_NAMES, QUERY_VALUES, max_size=5)

    @hostile.fuzz_settings(examples=4 * EXAMPLES)
    @given(route=st.sampled_from(routes), ids=st.lists(path_ids(), min_size=2, max_size=2), query=QUERIES,
           form=forms, with_csrf=st.booleans(), file=st.none() | st.binary(max_size=300))  # fmt: skip
    def signed_in(
        route: tuple[str, str],
        ids: list[str],
        query: str,
        form: dict[str, str],
        *,
        with_csrf: bool,
        file: bytes | None,
    ) -> None:
        method, template = route
        names = iter(ids)
        path = re.sub(r"<[^>]+>", lambda _: quote(next(names), safe="%"), template)
        before = watch.state()
        fields = {**form, **({"csrf": csrf} if with_csrf else {})}
        headers = {"cookie": cookie, "content-type": "application/x-www-form-urlencoded"}
        body: str | bytes | None = urlencode(fields) if method == "POST" else None
        if method == "POST" and file is not None:  # a form with a file input (the import's), any bytes
            parts: dict[str, str | tuple[str, bytes]] = {**fields, "file": ("ambassadors.csv", file)}
            body, headers["content-type"] = encode_multipart_formdata(parts)
        result = moto_stack.http(method, path, query=query, body=body, headers=headers)
        assert result.status < 500, (method, path, query, result.status, result.body[:500])
        assert result.headers["content-type"].startswith(("text/html", "text/csv")), result.headers
        watch.settle(before, refused=method == "GET")

    signed_in()


def test_the_mail_link_pages_answer_below_500_and_a_forged_link_changes_nothing(
    moto_stack: MotoStack, watch: hostile.StackWatch, seeded: dict[str, str]
) -> None:
    from kring.mail import unsubscribe

    real = [unsubscribe.make_token("E1001", "outcomes"), unsubscribe.make_token("E1001", "preferences")]
    tokens = st.sampled_from(real) | path_ids() | st.sampled_from(real).map(lambda t: t[:-2] + "AA")
    pages = st.sampled_from(["unsubscribe", "preferences"])

    @hostile.fuzz_settings(examples=2 * EXAMPLES)
    @given(
        page=pages,
        token=tokens,
        body=BODIES,
        content_type=st.sampled_from(
            ["application/x-www-form-urlencoded", "multipart/form-data; boundary=b", "text/plain"]
        ),
    )
    def link(page: str, token: str, body: bytes, content_type: str) -> None:
        for method in ("GET", "POST"):
            before = watch.state()
            result = moto_stack.http(
                method, f"/mail/{page}/{token}", body=body, headers={"content-type": content_type}
            )
            assert result.status < 500, (result.status, result.body[:500])
            assert result.headers["content-type"].startswith("text/html")
            forged = token not in real
            if method == "GET" or forged or result.status >= 400:
                watch.settle(before, refused=True)
            else:
                watch.settle(before, refused=False)

    link()
