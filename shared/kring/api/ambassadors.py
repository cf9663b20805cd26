"""``/api/ambassadors``: create or replace, change (merge patch), read, list, import (CSV, as a
job) and erase ambassadors."""

from __future__ import annotations

from urllib.parse import unquote

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from kring import safe_json
from kring.api import pagination, path_ids
from kring.api.request_body import body_bytes
from kring.api.resource_models import AmbassadorOut, ImportJobOut, ImportStartedOut, ListOut
from kring.api.responses import json_response, no_content
from kring.dal import keys
from kring.errors import FieldValidationError
from kring.integrations.sqs import SqsImportQueue
from kring.roster import ambassadors, imports

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # Powertools leaves __init__ unannotated

LIST_SCOPE = "ambassadors"
MAX_BODY_BYTES = 64 * 1024  # one ambassador: 50 interests of 100 characters fit many times over
IMPORT_SCOPE = "import-report"
IMPORT_REPORT_PAGE_SIZE = 500


def _body_bytes() -> bytes:
    return body_bytes(router.current_event)


@router.post("/ambassadors")
def save_ambassador() -> Response[str]:
    """Create (201) or replace (200, ``created_at`` kept) one ambassador."""
    data = ambassadors.parse_input(_body_bytes(), max_bytes=MAX_BODY_BYTES)  # 400 / 413 / 422 when refused
    saved = ambassadors.save_ambassador(data)
    body = AmbassadorOut.of(saved.ambassador)
    if saved.created:
        return json_response(201, body, {"Location": f"/api/ambassadors/{saved.ambassador.id}"})
    return json_response(200, body)


@router.get("/ambassadors")
def list_ambassadors() -> Response[str]:
    items, next_token = pagination.list_page(
        router.current_event, LIST_SCOPE, keys.AMBASSADOR_LIST, ambassadors.list_ambassadors
    )
    return json_response(
        200, ListOut[AmbassadorOut](items=[AmbassadorOut.of(a) for a in items], next=next_token)
    )


@router.post("/ambassadors/import")
def import_ambassadors() -> Response[str]:
    """A CSV file (the raw body, or the ``file`` field of a multipart form) in; 202 with the
    import job to follow (:mod:`kring.roster.imports`). Nothing is imported before the answer."""
    event = router.current_event
    job = imports.start_import(_body_bytes(), event.headers.get("content-type"), queue=SqsImportQueue())
    status_url = f"/api/ambassadors/imports/{job.job_id}"
    out = ImportStartedOut(
        job_id=job.job_id,
        status=imports.status_of(job),
        status_url=status_url,
        lines=job.lines,
        chunks=job.chunks,
    )
    return json_response(202, out, {"Location": status_url})


@router.get("/ambassadors/imports/<job_id>")
def get_import(job_id: str) -> Response[str]:
    """The job: status, progress, counts, eligibility, warnings and a page of its line report
    (``limit`` lines, ``status=`` one of created/updated/unchanged/error, ``next``)."""
    event = router.current_event
    job_id = imports.known_job_id(unquote(job_id))
    limit = pagination.page_limit(event.get_query_string_value("limit"), IMPORT_REPORT_PAGE_SIZE)
    wanted = event.get_query_string_value("status")
    if wanted is not None and wanted not in imports.LINE_STATUSES:
        raise FieldValidationError(
            "the query is not valid",
            [{"field": "status", "message": f"one of {', '.join(imports.LINE_STATUSES)}"}],
        )
    scope = f"{IMPORT_SCOPE}:{job_id}:{wanted or ''}"
    cursor = pagination.decode(
        event.get_query_string_value("next"), scope, partition={keys.PK: keys.import_job(job_id)["pk"]}
    )
    position: keys.Key | None = None
    if cursor is not None:
        if set(cursor) != {keys.PK, keys.SK}:
            raise pagination.InvalidPageTokenError("the next token is not valid")
        position = {"pk": cursor[keys.PK], "sk": cursor[keys.SK]}
    report = imports.report(job_id, limit=limit, position=position, status=wanted)
    next_token = pagination.encode(scope, dict(report.position) if report.position else None)
    return json_response(200, ImportJobOut.of(report, next_token))


@router.get("/ambassadors/<ambassador_id>")
def get_ambassador(ambassador_id: str) -> Response[str]:
    return json_response(
        200, AmbassadorOut.of(ambassadors.get_ambassador(path_ids.ambassador_id(ambassador_id)))
    )


@router.patch("/ambassadors/<ambassador_id>")
def patch_ambassador(ambassador_id: str) -> Response[str]:
    """A JSON merge patch (RFC 7396): the members given change, ``null`` clears (where a field
    may be empty), the rest is kept; 200 with the profile, 422 with field errors."""
    patch = safe_json.loads(_body_bytes(), max_bytes=MAX_BODY_BYTES)  # 400 / 413 when refused
    changed = ambassadors.patch_ambassador(path_ids.ambassador_id(ambassador_id), patch)
    return json_response(200, AmbassadorOut.of(changed))


@router.delete("/ambassadors/<ambassador_id>")
def erase_ambassador(ambassador_id: str) -> Response[str]:
    """Erasure (GDPR): 204, also when the ambassador was erased before; 404 for an unknown id."""
    ambassadors.erase_ambassador(path_ids.ambassador_id(ambassador_id))
    return no_content()
