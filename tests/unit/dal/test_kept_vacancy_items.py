"""The vacancy list read again and again (a warm mail sender): an unchanged item is not parsed
again, a changed one is."""

from __future__ import annotations

from datetime import UTC, datetime

from kring.dal import vacancies
from kring.models.vacancy import Vacancy

PUBLISHED = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def _item(title: str, status: str = "published", n: int = 1) -> dict[str, object]:
    vacancy = Vacancy.model_validate(
        {
            "id": f"greenhouse-{n}",
            "provider": "greenhouse",
            "external_id": str(n),
            "title": title,
            "url": "https://job-boards.greenhouse.io/acme/jobs/1",
            "department": "Sales",
            "status": status,
            "published_at": PUBLISHED,
            "updated_at": PUBLISHED,
        }
    )
    return vacancies.to_item(vacancies.StoredVacancy(vacancy=vacancy, post_live=True))


def test_an_unchanged_item_gives_what_was_parsed_before_and_equals_a_fresh_parse() -> None:
    kept = vacancies.KeptItems()
    first = kept(_item("Account manager"))
    again = kept(_item("Account manager"))  # an equal item, read again
    assert again is first
    assert again == vacancies.from_item(_item("Account manager"))


def test_a_changed_item_is_parsed_again() -> None:
    kept = vacancies.KeptItems()
    kept(_item("Account manager"))
    changed = kept(_item("Account manager", status="closed"))
    assert changed.vacancy.status == "closed"
    assert changed == vacancies.from_item(_item("Account manager", status="closed"))
    assert kept(_item("Sales lead")).vacancy.title == "Sales lead"


def test_at_most_its_size_is_kept() -> None:
    kept = vacancies.KeptItems(size=1)
    first = kept(_item("Account manager"))
    assert kept(_item("Account manager")) is first
    kept(_item("Sales lead", n=2))  # another vacancy: the one kept before is let go
    assert kept(_item("Account manager")) is not first
