"""Which vacancy URLs an ambassador may be handed (kring.intake.vacancy_urls): the organisation's own
account on its ATS's job board, or its own careers hosts, read the way a browser reads them; and
the plain-ASCII form they are stored in. No network: Ada parses in-process."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from ada_url import parse_url
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kring import config
from kring.intake import vacancy_urls
from kring.integrations.ats import registry
from kring.integrations.ats.base import BoardPage

ACCOUNTS = {
    "GREENHOUSE_BOARD_TOKEN": "acme",
    "LEVER_SITE": "acme",
    "ASHBY_JOB_BOARD": "acme",
    "RECRUITEE_SUBDOMAIN": "acme",
    "TEAMTAILOR_SUBDOMAIN": "acme",
    "WORKABLE_SUBDOMAIN": "acme",
    "SMARTRECRUITERS_COMPANY": "Acme",
    "CAREERS_HOSTS": "werkenbij.acme.nl,*.careers.acme.com",
}
PROVIDERS = ("greenhouse", "lever", "ashby", "recruitee", "teamtailor", "workable", "smartrecruiters")


@pytest.fixture(autouse=True)
def _accounts(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ACCOUNTS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("LEVER_JOBS_HOST", raising=False)
    config.clear_caches()


def check(provider: str, url: object) -> vacancy_urls.UrlVerdict:
    return vacancy_urls.check(provider, url)


# ------------------------------------------------------------------------------ the findings
def test_a_backslash_before_the_at_sign_is_refused_because_a_browser_goes_to_the_host_before_it() -> None:
    url = "https://evil.com\\@jobs.ashbyhq.com/acme/x"
    assert urlsplit(url).hostname == "jobs.ashbyhq.com"  # what the old check saw
    assert parse_url(url)["hostname"] == "evil.com"  # where a browser goes

    verdict = check("ashby", url)

    assert (verdict.url, verdict.reason) == (None, "a space, control character or backslash")


@pytest.mark.parametrize(
    ("provider", "url", "reason"),
    [
        ("lever", "https://jobs.lever.co/attacker-company/x", "not the organisation's account"),
        ("ashby", "https://jobs.ashbyhq.com/other-org/x", "not the organisation's account"),
        ("greenhouse", "https://job-boards.greenhouse.io/globex/jobs/1", "not the organisation's account"),
        ("smartrecruiters", "https://jobs.smartrecruiters.com/Globex/1-x", "not the organisation's account"),
        ("workable", "https://apply.workable.com/globex/j/ABC/", "not the organisation's account"),
        ("workable", "https://apply.workable.com/j/ABC", "not the organisation's account"),  # no account
        ("workable", "https://globex.workable.com/jobs/1", "not the organisation's account"),
        ("recruitee", "https://globex.recruitee.com/o/x", "not the organisation's account"),
        ("teamtailor", "https://globex.teamtailor.com/jobs/1-x", "not the organisation's account"),
        ("teamtailor", "https://acme.na.teamtailor.com/jobs/1-x", "not the organisation's account"),
        ("lever", "https://jobs.lever.co/acme-evil/x", "not the organisation's account"),
        ("lever", "https://jobs.lever.co/acme/../attacker/x", "not the organisation's account"),
        ("lever", "https://jobs.lever.co/%2e%2e/attacker/x", "not the organisation's account"),
        ("lever", "https://jobs.lever.co/acme%2f..%2fattacker/x", "not the organisation's account"),
        ("lever", "https://jobs.lever.co/", "not the organisation's account"),
        ("teamtailor", "https://jobs.lever.co/acme/x", "another provider's job board"),
        ("lever", "https://acme.teamtailor.com/jobs/1-x", "another provider's job board"),
        ("greenhouse", "https://jobs.ashbyhq.com/acme/x", "another provider's job board"),
        ("lever", "https://evil.example/acme/x", "not a careers host"),
        ("lever", "https://acme.com/x", "not a careers host"),
        ("lever", "https://careers.acme.com/x", "not a careers host"),  # the wildcard is for subdomains
    ],
)
def test_only_the_organisation_s_own_account_on_its_own_provider_s_board_is_taken(
    provider: str, url: str, reason: str
) -> None:
    verdict = check(provider, url)

    assert verdict.url is None
    assert verdict.reason is not None
    assert verdict.reason.startswith(reason)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://werkenbij.acme.nl:8443/x", "port 8443"),
        ("https://werkenbij.acme.nl:0/x", "port 0"),
        ("https://user@werkenbij.acme.nl/x", "user info"),
        ("https://werkenbij.acme.nl@evil.com/x", "user info"),
        ("https://:@werkenbij.acme.nl/x", "user info"),
        ("https://werkenbij.acme.nl\\x", "a space, control character or backslash"),
        ("https://werkenbij.acme.nl/x\\..\\..\\y", "a space, control character or backslash"),
        ("https://werkenbij.acme.nl/x\ty", "a space, control character or backslash"),
        ("https://werkenbij.acme.nl/x\ny", "a space, control character or backslash"),
        ("https://werkenbij.acme.nl/x\x00", "a space, control character or backslash"),
        ("https://werkenbij.acme.nl/x\x85", "a space, control character or backslash"),
        (" https://werkenbij.acme.nl/x", "a space, control character or backslash"),
        ("https://werkenbij.acme.nl/a b", "a space, control character or backslash"),
        ("http://werkenbij.acme.nl/x", "not https://<host>"),
        ("https:werkenbij.acme.nl/x", "not https://<host>"),
        ("https:/werkenbij.acme.nl/x", "not https://<host>"),
        ("javascript:alert(1)//werkenbij.acme.nl", "not https://<host>"),
        ("//werkenbij.acme.nl/x", "not https://<host>"),
        ("https:///werkenbij.acme.nl/x", "no host after https://"),
        ("https://", "no host after https://"),
        ("https://werkenbij%2eacme.nl/x", "a percent-encoded host"),
        ("https://[evil.com/x", "not a URL a browser can open"),
        ("https://werkenbij.acme.nl\uff0fx", "not a URL a browser can open"),  # a full-width slash
        ("https://werkenbij.acme.nl\uff03x", "not a URL a browser can open"),  # a full-width '#'
        ("https://\ud800.acme.nl/", "not a URL a browser can open"),  # a lone surrogate
        ("https://127.0.0.1/x", "an IP address"),
        ("https://0x7f.1/x", "an IP address"),
        ("https://[::1]/x", "an IP address"),
        ("https://werkenbij.acme.nl./x", "a host ending in a dot"),
        ("https://werkenbij.acme.nl/" + "x" * 2000, "longer than 2000 characters"),
    ],
)
def test_what_is_ambiguous_or_unparsable_is_refused_never_raised(url: str, reason: str) -> None:
    verdict = check("greenhouse", url)

    assert verdict.url is None
    assert verdict.reason is not None
    assert verdict.reason.startswith(reason), verdict.reason


@pytest.mark.parametrize("value", [None, 7, b"https://werkenbij.acme.nl/x", ["https://werkenbij.acme.nl/x"]])
def test_what_is_not_text_is_refused(value: object) -> None:
    assert check("greenhouse", value) == vacancy_urls.UrlVerdict(None, "not text")


# ------------------------------------------------------------------------------ what is taken
@pytest.mark.parametrize(
    ("provider", "url"),
    [
        ("greenhouse", "https://job-boards.greenhouse.io/acme/jobs/4012345"),
        ("greenhouse", "https://boards.greenhouse.io/acme/jobs/4012345?gh_jid=4012345"),
        ("lever", "https://jobs.lever.co/acme/5ac21346-8e0c-4494-8e7a-3eb92ff77902"),
        ("lever", "https://jobs.lever.co/acme/5ac21346-8e0c-4494-8e7a-3eb92ff77902/apply"),
        ("ashby", "https://jobs.ashbyhq.com/acme/7458d4e9-da2e-47bd-98cb-adfda43d42b2"),
        ("recruitee", "https://acme.recruitee.com/o/senior-backend-engineer"),
        ("teamtailor", "https://acme.teamtailor.com/jobs/2-it-designer"),
        ("workable", "https://apply.workable.com/acme/j/D3M0C5M01/"),
        ("workable", "https://acme.workable.com/jobs/102268944"),
        ("smartrecruiters", "https://jobs.smartrecruiters.com/Acme/743999-data-engineer"),
        ("smartrecruiters", "https://careers.smartrecruiters.com/Acme/engineering"),
        ("lever", "https://jobs.lever.co/ACME/5ac21346"),  # an account is not case-sensitive
        ("lever", "https://werkenbij.acme.nl/vacatures/backend"),  # careers hosts: any provider
        ("teamtailor", "https://jobs.careers.acme.com/backend"),
    ],
)
def test_the_organisation_s_pages_are_taken_as_they_are(provider: str, url: str) -> None:
    verdict = check(provider, url)

    assert verdict.url == url
    assert verdict.reason is None


def test_an_eu_lever_account_is_taken_only_on_the_eu_job_board(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEVER_JOBS_HOST", "jobs.eu.lever.co")
    config.clear_caches()

    assert check("lever", "https://jobs.eu.lever.co/acme/1").url == "https://jobs.eu.lever.co/acme/1"
    assert check("lever", "https://jobs.lever.co/acme/1").url is None


def test_a_teamtailor_account_outside_the_eu_names_its_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEAMTAILOR_SUBDOMAIN", "acme.na")
    config.clear_caches()

    assert check("teamtailor", "https://acme.na.teamtailor.com/jobs/1-x").url is not None
    assert check("teamtailor", "https://acme.teamtailor.com/jobs/1-x").url is None


@pytest.mark.parametrize(
    ("url", "stored"),
    [
        (
            "https://WerkenBij.Acme.NL:443/vacatures/caf\u00e9?plaats=Den\u00a0Haag&s=\u00e9#sollicit\u00e9er",
            "https://werkenbij.acme.nl/vacatures/caf%C3%A9?plaats=Den%C2%A0Haag&s=%C3%A9#sollicit%C3%A9er",
        ),
        ("HTTPS://werkenbij.acme.nl/a/./b/../c", "https://werkenbij.acme.nl/a/c"),
        ("https://werkenbij.acme.nl", "https://werkenbij.acme.nl/"),
        ("https://b\u00fccher.careers.acme.com/stellen", "https://xn--bcher-kva.careers.acme.com/stellen"),
        ("https://werkenbij.acme.nl/\u202ecod.exe", "https://werkenbij.acme.nl/%E2%80%AEcod.exe"),
    ],
)
def test_a_taken_url_is_stored_in_plain_ascii_as_a_browser_requests_it(url: str, stored: str) -> None:
    verdict = check("greenhouse", url)

    assert verdict.url == stored
    assert stored.isascii()


def test_an_internationalised_careers_host_is_configured_in_its_ascii_form(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CAREERS_HOSTS", "xn--bcher-kva.example")
    config.clear_caches()

    assert check("ashby", "https://b\u00fccher.example/x").url == "https://xn--bcher-kva.example/x"


# ------------------------------------------------------------------------------ configuration
@pytest.mark.parametrize(
    ("provider", "variable", "parameter", "url"),
    [
        (
            "greenhouse",
            "GREENHOUSE_BOARD_TOKEN",
            "GreenhouseBoardToken",
            "https://job-boards.greenhouse.io/acme/jobs/1",
        ),
        ("lever", "LEVER_SITE", "LeverSite", "https://jobs.lever.co/acme/1"),
        ("ashby", "ASHBY_JOB_BOARD", "AshbyJobBoard", "https://jobs.ashbyhq.com/acme/1"),
        ("recruitee", "RECRUITEE_SUBDOMAIN", "RecruiteeSubdomain", "https://acme.recruitee.com/o/x"),
        ("teamtailor", "TEAMTAILOR_SUBDOMAIN", "TeamtailorSubdomain", "https://acme.teamtailor.com/jobs/1"),
        ("workable", "WORKABLE_SUBDOMAIN", "WorkableSubdomain", "https://apply.workable.com/acme/j/X/"),
        (
            "smartrecruiters",
            "SMARTRECRUITERS_COMPANY",
            "SmartRecruitersCompany",
            "https://jobs.smartrecruiters.com/Acme/1-x",
        ),
    ],
)
def test_without_the_organisation_s_account_nothing_on_the_shared_board_is_taken_and_it_says_why(
    monkeypatch: pytest.MonkeyPatch, provider: str, variable: str, parameter: str, url: str
) -> None:
    monkeypatch.setenv(variable, "")
    config.clear_caches()

    verdict = check(provider, url)

    assert verdict.url is None
    assert verdict.reason is not None
    assert verdict.reason.startswith(f"{parameter} is not set")
    assert check(provider, "https://werkenbij.acme.nl/x").url is not None  # careers hosts still count


@pytest.mark.parametrize(
    "entry",
    ["jobs.lever.co", "*.lever.co", "*.teamtailor.com", "*.com", "*.co", "acme.recruitee.com", "*.io"],
)
def test_a_careers_host_on_a_provider_s_domain_or_too_broad_is_ignored(
    monkeypatch: pytest.MonkeyPatch, entry: str
) -> None:
    monkeypatch.setenv("CAREERS_HOSTS", f"werkenbij.acme.nl,{entry}")
    monkeypatch.setenv("LEVER_SITE", "")
    monkeypatch.setenv("RECRUITEE_SUBDOMAIN", "")
    config.clear_caches()

    for provider, url in [
        ("lever", "https://jobs.lever.co/attacker/x"),
        ("teamtailor", "https://attacker.teamtailor.com/jobs/1"),
        ("recruitee", "https://acme.recruitee.com/o/x"),
        ("greenhouse", "https://evil.com/x"),
        ("greenhouse", "https://job-boards.greenhouse.io/attacker/jobs/1"),
    ]:
        assert check(provider, url).url is None, (entry, url)
    assert check("lever", "https://werkenbij.acme.nl/x").url is not None


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("careers.acme.nl", True),
        ("jobs.acme.com", True),
        ("x.jobs.acme.com", True),
        ("acme.com", False),  # the wildcard is for subdomains only
        ("evilacme.com", False),
        ("x.careers.acme.nl", False),  # an exact entry does not allow its subdomains
        ("careers.acme.nl.evil.example", False),
    ],
)
def test_careers_hosts_are_exact_or_a_declared_wildcard(host: str, allowed: bool) -> None:
    assert vacancy_urls.host_allowed(host, ("careers.acme.nl", "*.acme.com")) is allowed


def test_every_provider_declares_its_job_board() -> None:
    boards = registry.job_boards()

    assert sorted(boards) == sorted(PROVIDERS)
    assert boards["lever"].pages == (BoardPage("jobs.lever.co", "acme"),)
    assert boards["recruitee"].pages == (BoardPage("acme.recruitee.com"),)
    domains = [d for board in boards.values() for d in board.domains]
    assert len(domains) == len(set(domains))  # no domain is two providers'


# ------------------------------------------------------------------------------ properties
_HOSTS = st.sampled_from(
    [
        "werkenbij.acme.nl",
        "jobs.careers.acme.com",
        "careers.acme.com",
        "evil.com",
        "jobs.lever.co",
        "jobs.eu.lever.co",
        "jobs.ashbyhq.com",
        "job-boards.greenhouse.io",
        "acme.recruitee.com",
        "acme.teamtailor.com",
        "apply.workable.com",
        "acme.workable.com",
        "jobs.smartrecruiters.com",
        "WERKENBIJ.acme.nl",
        "b\u00fccher.careers.acme.com",
        "werkenbij.acme.nl.",
        "127.0.0.1",
        "[::1]",
        "[evil.com",
        "evil.com\\@jobs.lever.co",
        "evil.com@werkenbij.acme.nl",
        "werkenbij.acme.nl\uff0fevil.com",
        "",
    ]
)
# Mostly well-formed, so that many are taken and the property is about something; the rest hostile.
_SCHEMES = st.sampled_from(
    ["https://"] * 6 + ["HTTPS://", "http://", "https:", "https:/", "https:///", " https://"]
)
_PORTS = st.sampled_from([""] * 6 + [":443", ":8443", ":", ":0"])
_SEGMENTS = st.one_of(
    st.sampled_from(["acme", "ACME", "Acme", "globex", "..", ".", "%2e%2e", "j", "o", "acme%2f..", ""]),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Zs")), max_size=8),
)
_URLISH = st.builds(
    lambda scheme, host, port, path, tail: f"{scheme}{host}{port}/{'/'.join(path)}{tail}",
    _SCHEMES,
    _HOSTS,
    _PORTS,
    st.lists(_SEGMENTS, max_size=4),
    st.sampled_from([""] * 4 + ["?q=\u00e9", "#x", "\\x", "?a=b#c", "\t", "\n", "?x=\\"]),
)


def _on_an_allowed_page(provider: str, host: str, path: str) -> bool:
    careers = vacancy_urls.usable_careers_hosts(
        config.vacancies().careers_hosts, tuple(d for b in registry.job_boards().values() for d in b.domains)
    )
    if vacancy_urls.host_allowed(host, careers):
        return True
    segment = path.split("/")[1].lower()
    return any(
        page.host == host and (page.account is None or page.account.lower() == segment)
        for page in registry.job_boards()[provider].pages
    )


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(provider=st.sampled_from(PROVIDERS), url=st.one_of(_URLISH, st.text(max_size=60)))
@example(provider="ashby", url="https://evil.com\\@jobs.ashbyhq.com/acme/x")
@example(provider="lever", url="https://jobs.lever.co/attacker-company/x")
def test_any_string_is_checked_without_raising_and_what_is_taken_is_ascii_on_an_allowed_page(
    provider: str, url: str
) -> None:
    verdict = check(provider, url)

    if verdict.url is None:
        assert verdict.reason
        return
    stored = verdict.url
    assert stored.isascii()
    assert stored.isprintable()
    assert " " not in stored
    seen = parse_url(stored)  # what a browser makes of the stored URL
    assert (seen["protocol"], seen["port"], seen["username"], seen["password"]) == ("https:", "", "", "")
    assert seen["hostname"] == verdict.host
    assert _on_an_allowed_page(provider, str(seen["hostname"]), str(seen["pathname"]))
    assert check(provider, stored).url == stored  # the stored form is its own stored form
