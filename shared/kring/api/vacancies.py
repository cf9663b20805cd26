"""``/api/vacancies``: the vacancies Kring knows and the personal share links made for them.

The ATS owns its vacancies; the talent team may only set a vacancy's language
(``PATCH /api/vacancies/{id}``). The logic lives in :mod:`kring.intake.vacancies` and
:mod:`kring.links.codes`; this module maps their entities to the API's output models.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from kring import config, safe_json
from kring.api import pagination, path_ids
from kring.api.request_body import body_bytes
from kring.api.resource_models import ListOut, ShareOut, VacancyOut, VacancyPatchIn
from kring.api.responses import json_response
from kring.dal import keys
from kring.intake import vacancies
from kring.links import codes as links
from kring.models.common import NETWORKS
from kring.models.vacancy import ShareLink
from kring.roster.names import names_of

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # Powertools leaves __init__ unannotated

LIST_SCOPE = "vacancies"


def _shares_scope(vacancy_id: str) -> str:
    return f"vacancy-shares:{vacancy_id}"


def _limit() -> int:
    return pagination.page_limit(
        router.current_event.get_query_string_value("limit"), config.api().api_page_size
    )


def share_out(link: ShareLink, names: Mapping[str, str]) -> ShareOut:
    return ShareOut(
        ambassador_id=link.ambassador_id,
        ambassador_name=names.get(link.ambassador_id),
        code=link.code,
        link=links.link_url(link.code),
        share={network: links.share_url(link.code, network) for network in NETWORKS},
    )


@router.get("/vacancies")
def list_vacancies() -> Response[str]:
    cursor = pagination.decode(
        router.current_event.get_query_string_value("next"),
        LIST_SCOPE,
        partition={keys.GSI1_PK: keys.VACANCY_LIST},
    )
    page = vacancies.list_vacancies(_limit(), cursor)
    out = ListOut[VacancyOut](
        items=[VacancyOut.of(v) for v in page.items], next=pagination.encode(LIST_SCOPE, page.cursor)
    )
    return json_response(200, out)


@router.get("/vacancies/<vacancy_id>")
def get_vacancy(vacancy_id: str) -> Response[str]:
    return json_response(200, VacancyOut.of(vacancies.get_vacancy(path_ids.vacancy_id(vacancy_id))))


@router.patch("/vacancies/<vacancy_id>")
def patch_vacancy(vacancy_id: str) -> Response[str]:
    """``{"language": "nl" | "en" | null}``: 200 with the vacancy; 422 for anything else."""
    change = _patch_input()
    return json_response(
        200, VacancyOut.of(vacancies.set_language(path_ids.vacancy_id(vacancy_id), change.language))
    )


def _patch_input() -> VacancyPatchIn:
    body = body_bytes(router.current_event)  # 400 / 413 when not JSON, 422 when not a change
    return safe_json.parse(body, VacancyPatchIn.model_validate, invalid="the change is not valid")


@router.get("/vacancies/<vacancy_id>/shares")
def list_vacancy_shares(vacancy_id: str) -> Response[str]:
    """The personal links of a vacancy, by ambassador, with each network's share URL.

    An unknown vacancy is a 404, not an empty list.
    """
    vacancy = vacancies.get_vacancy(path_ids.vacancy_id(vacancy_id))
    scope = _shares_scope(vacancy.id)
    cursor = pagination.decode(
        router.current_event.get_query_string_value("next"),
        scope,
        partition={keys.GSI1_PK: keys.shares_of_vacancy(vacancy.id)},
    )
    page = links.list_vacancy_shares(vacancy.id, _limit(), cursor)
    names = names_of(s.ambassador_id for s in page.items)
    out = ListOut[ShareOut](
        items=[share_out(s, names) for s in page.items], next=pagination.encode(scope, page.cursor)
    )
    return json_response(200, out)
