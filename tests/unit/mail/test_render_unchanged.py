"""A digest and a vacancy notice rendered in both languages are byte for byte the mails kept in
``rendered/`` (made before the templates' vacancy macro took its labels and translator as
arguments and the environment stopped checking the template files on every render): how the
templates are put together may change, the mails they make may not."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from kring import config
from kring.mail.digest_content import Activity, AmbassadorDigest, DigestPeriod, DigestVacancy, digest_vacancy
from kring.mail.i18n import Translator
from kring.mail.instant import InstantNotice
from kring.mail.nudges import Nudge
from kring.mail.render import render_mail
from kring.models.common import Locale
from kring.models.vacancy import Vacancy

RENDERED = Path(__file__).parent / "rendered"
PUBLISHED = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def public_base_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://go.example.com")
    config.clear_caches()
    yield
    config.clear_caches()


def _vacancy(n: int, location: str | None, department: str | None) -> Vacancy:
    return Vacancy.model_validate(
        {
            "id": f"greenhouse-{n}",
            "provider": "greenhouse",
            "external_id": str(n),
            "title": f"Engineer <{n}> & co",  # escaped in the HTML part, as it is in the text
            "url": f"https://job-boards.greenhouse.io/acme/jobs/{n}",
            "department": department,
            "location": location,
            "status": "published",
            "published_at": PUBLISHED,
            "updated_at": PUBLISHED,
        }
    )


def _listed() -> list[DigestVacancy]:
    return [
        digest_vacancy(_vacancy(1, "Utrecht", "Engineering"), "AbCdEfGhIj"),
        digest_vacancy(_vacancy(2, None, "Sales"), "KlMnOpQrSt"),
        digest_vacancy(_vacancy(3, None, None), "UvWxYz0123"),
    ]


def _digest_context(t: Translator) -> tuple[str, dict[str, Any]]:
    from kring.mail import digests, nudges

    digest = AmbassadorDigest(
        ambassador_id="E1",
        locale=t.locale,
        period=DigestPeriod(
            key="weekly:2026-W49", frequency="weekly", start=date(2026, 11, 30), end=date(2026, 12, 7)
        ),
        new_vacancies=_listed(),
        more_new_vacancies=2,
        activity=Activity(share_intents=3, clicks=1234, hires=1),
        activity_before=Activity(clicks=7, applications=2),
        nudge=Nudge(key="decision", params={"new_vacancies": 5}),
    )
    rows = [
        (name, int(getattr(digest.activity, name)), int(getattr(digest.activity_before, name)))
        for name in digests.ACTIVITY_ROWS
    ]
    mail = digests.DigestMail(
        digest=digest,
        nudge=nudges.text(digest.nudge, t.locale, t.number),
        rows=rows,
        last_day=date(2026, 12, 6),
        share_labels=digests.share_labels(t),
    )
    return "ambassador_digest", {"mail": mail, "topic": t("topic.digest")}


def _notice_context(t: Translator) -> tuple[str, dict[str, Any]]:
    from kring.mail import digests, vacancy_notice

    notice = InstantNotice(ambassador_id="E1", locale=t.locale, batch_id="b1", vacancies=_listed()[:2])
    mail = vacancy_notice.VacancyNoticeMail(notice=notice, share_labels=digests.share_labels(t))
    return "vacancy_notice", {"mail": mail, "topic": t("topic.instant")}


@pytest.mark.parametrize("locale", ["nl", "en"])
@pytest.mark.parametrize("make", [_digest_context, _notice_context], ids=["digest", "notice"])
def test_the_mail_is_the_one_rendered_before(locale: Locale, make: Any) -> None:
    t = Translator(locale, "Europe/Amsterdam")
    template, context = make(t)
    rendered = render_mail(
        template,
        t=t,
        subject="Subject & more",
        context={
            **context,
            "first_name": "Eva",
            "programme": "Kring",
            "unsubscribe_url": "https://go.example.com/mail/unsubscribe/TOKEN",
            "preferences_url": "https://go.example.com/mail/preferences/TOKEN",
        },
    )
    name = f"{template}.{locale}"
    assert rendered.html == (RENDERED / f"{name}.html").read_text(encoding="utf-8")
    assert rendered.text == (RENDERED / f"{name}.txt").read_text(encoding="utf-8")
