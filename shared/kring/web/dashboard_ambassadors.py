"""The dashboard's ambassador pages (issue 14): the roster, one ambassador, a move of their phase,
their erasure, and the CSV import with its preview. Data and words:
:mod:`kring.dashboard.ambassador_overview`.

Each change needs the role the admin API's route doing the same thing needs
(:data:`kring.api.route_roles.ROUTE_RULES`), calls the same logic function and is written to the
audit trail with that route's summary: a move by hand (recruiter,
:func:`kring.programme.journey.move`), an erasure (admin,
:func:`kring.roster.ambassadors.erase_ambassador`), an import (admin,
:func:`kring.roster.imports.start_import`). A role below it is not shown the button and is refused
the POST (a 403 page, nothing changed).
"""

from __future__ import annotations

from kring.api import path_ids
from kring.api.route_roles import ROUTE_RULES, RouteRule
from kring.dashboard import ambassador_overview, frame
from kring.errors import FieldValidationError, InvalidInputError, NotFoundError, PayloadTooLargeError
from kring.integrations.sqs import SqsImportQueue
from kring.models.access import allows
from kring.models.common import PHASES
from kring.programme import journey as journeys
from kring.roster import ambassadors, csv_files, imports
from kring.web.dashboard import HEADERS, _Who, audited, csv_reply, page_of, posted
from kring.web.html import Reply, Request, redirect

MOVE: RouteRule = ROUTE_RULES[("POST", "/api/ambassadors/<ambassador_id>/phase")]
ERASE: RouteRule = ROUTE_RULES[("DELETE", "/api/ambassadors/<ambassador_id>")]
IMPORT: RouteRule = ROUTE_RULES[("POST", "/api/ambassadors/import")]
READ: RouteRule = ROUTE_RULES[("GET", "/api/ambassadors")]
MAX_REASON = 500
# a pasted file (at most ambassador_overview.MAX_PASTED_CHARACTERS), urlencoded: within the 6 MB a
# Lambda function's request may be
IMPORT_FORM_BYTES = 6 * 1024 * 1024
IMPORT_PREVIEW_ROUTE = "/dashboard/ambassadors/import/preview"


def _redirect(location: str) -> Reply:
    return redirect(location, HEADERS)


def _ok(body: str) -> Reply:
    return Reply(200, body, HEADERS)


def _not_there(who: _Who) -> Reply:
    return who.message(404, "portal.error.title", who.t("portal.error.not_found"))


def _known(raw_id: str) -> str:
    """The ambassador id of a path (percent-decoded, held exactly to the id's type): else 404."""
    return path_ids.ambassador_id(raw_id)


# --- the roster ------------------------------------------------------------------------------------
def roster(request: Request) -> Reply:
    def view(who: _Who) -> Reply:
        body = ambassador_overview.ambassadors_page(
            who.t,
            request.query,
            chrome=who.chrome("ambassadors"),
            may_import=allows(who.user.role, IMPORT.role),
        )
        return _ok(body)

    return page_of(request, READ.role, view)


def roster_csv(request: Request) -> Reply:
    def view(who: _Who) -> Reply:
        text = ambassador_overview.ambassadors_csv(who.t, request.query)
        return csv_reply(text, "ambassadors.csv") or _not_there(who)

    return page_of(request, READ.role, view)


# --- one ambassador --------------------------------------------------------------------------------
def ambassador(request: Request, raw_id: str) -> Reply:
    def view(who: _Who) -> Reply:
        body = ambassador_overview.ambassador_page(
            who.t,
            _known(raw_id),
            today=request.now.date(),
            chrome=who.chrome("ambassadors"),
            may_move=allows(who.user.role, MOVE.role),
            may_erase=allows(who.user.role, ERASE.role),
            done=request.query.get("done"),
        )
        return _ok(body) if body is not None else _not_there(who)

    return page_of(request, "viewer", view)


def ambassador_csv(request: Request, raw_id: str) -> Reply:
    def view(who: _Who) -> Reply:
        table = request.query.get("table", "")
        text = ambassador_overview.ambassador_csv(who.t, _known(raw_id), table, today=request.now.date())
        return csv_reply(text, f"ambassador-{table}.csv") or _not_there(who)

    return page_of(request, "viewer", view)


def _move_form(request: Request) -> tuple[str, str]:
    form = request.form or {}
    phase = (form.get("phase") or "").strip()
    reason = (form.get("reason") or "").strip()
    errors: list[dict[str, str]] = []
    if phase not in PHASES:
        errors.append({"field": "phase", "message": f"one of {', '.join(PHASES)}"})
    if not reason:
        errors.append({"field": "reason", "message": "say why (it is kept in the journey)"})
    elif len(reason) > MAX_REASON:
        errors.append({"field": "reason", "message": f"at most {MAX_REASON} characters"})
    if errors:
        raise FieldValidationError("the move is not valid", errors)
    return phase, reason


def move_phase(request: Request, raw_id: str) -> Reply:
    """A move by hand with a reason (POST): as ``POST /api/ambassadors/{id}/phase`` does it."""

    def view(who: _Who) -> Reply:
        refused = posted(request, who)
        if refused is not None:
            return refused
        ambassador_id = _known(raw_id)
        phase, reason = _move_form(request)
        wanted = next(p for p in PHASES if p == phase)
        journeys.move(ambassador_id, at=request.now, reason=reason, phase=wanted, by=who.user.name[:100])
        audited(
            who,
            request,
            route="POST /dashboard/ambassadors/<ambassador_id>/phase",
            target=ambassador_id,
            summary=MOVE.what,
        )
        return _redirect(frame.ambassador_url(ambassador_id, done="moved"))

    return page_of(request, MOVE.role, view)


# --- erasure ---------------------------------------------------------------------------------------
def erase_page(request: Request, raw_id: str) -> Reply:
    """The confirmation: what erasure takes and what it keeps, and the button."""

    def view(who: _Who) -> Reply:
        found = ambassadors.get_ambassador(_known(raw_id))
        body = frame.render(
            "ambassador_erase",
            who.t,
            title=who.t("dashboard.ambassador_erase.title", name=found.name),
            chrome=who.chrome("ambassadors"),
            erased=False,
            name=found.name,
            ambassador_id=found.id,
            action=frame.ambassador_erase_url(found.id),
            back_href=frame.ambassador_url(found.id),
        )
        return _ok(body)

    return page_of(request, ERASE.role, view)


def erase(request: Request, raw_id: str) -> Reply:
    """Erase (POST, admin): as ``DELETE /api/ambassadors/{id}`` does it; then the page that says
    what was erased."""

    def view(who: _Who) -> Reply:
        refused = posted(request, who)
        if refused is not None:
            return refused
        ambassador_id = _known(raw_id)
        ambassadors.erase_ambassador(ambassador_id, now=request.now)
        audited(
            who,
            request,
            route="POST /dashboard/ambassadors/<ambassador_id>/erase",
            target=ambassador_id,
            summary=ERASE.what,
        )
        return _redirect(frame.ambassador_erased_url(ambassador_id))

    return page_of(request, ERASE.role, view)


def erased(request: Request, raw_id: str) -> Reply:
    """After an erasure: what went and what was kept (an ambassador still there: their page)."""

    def view(who: _Who) -> Reply:
        ambassador_id = _known(raw_id)
        try:
            ambassadors.get_ambassador(ambassador_id)
        except NotFoundError:
            body = frame.render(
                "ambassador_erase",
                who.t,
                title=who.t("dashboard.ambassador_erase.done_title"),
                chrome=who.chrome("ambassadors"),
                erased=True,
                ambassador_id=ambassador_id,
            )
            return _ok(body)
        return _redirect(frame.ambassador_url(ambassador_id))

    return page_of(request, ERASE.role, view)


# --- the import ------------------------------------------------------------------------------------
def _import_page(
    who: _Who,
    status: int = 200,
    *,
    csv_text: str = "",
    preview: imports.Preview | None = None,
    job: imports.ImportReport | None = None,
    error: str | None = None,
) -> Reply:
    body = ambassador_overview.render_import(
        who.t,
        chrome=who.chrome("ambassadors"),
        csv_text=csv_text,
        preview=preview,
        job=job,
        error=error,
    )
    return Reply(status, body, HEADERS)


def import_page(request: Request) -> Reply:
    """The form; with ``?job=<id>``, that import as it stands."""

    def view(who: _Who) -> Reply:
        job_id = request.query.get("job")
        if not job_id:
            return _import_page(who)
        report = imports.report(imports.known_job_id(job_id), limit=100, status="error")
        return _import_page(who, job=report)

    return page_of(request, IMPORT.role, view)


def _csv_text(request: Request) -> str:
    """The file's text: the chosen file (``file``, read in its encoding as the API reads an upload:
    UTF-8, UTF-16 or Excel's Windows-1252), else the pasted lines (``csv``)."""
    chosen = request.files.get("file")
    field_name = "file" if chosen is not None else "csv"
    text = csv_files.decode(chosen)[0] if chosen is not None else (request.form or {}).get("csv", "")
    if not text.strip():
        message = "choose a CSV file or paste its lines" if field_name == "csv" else "the file is empty"
        raise FieldValidationError("the file is not valid", [{"field": field_name, "message": message}])
    limit = ambassador_overview.MAX_PASTED_CHARACTERS
    if len(text) > limit:
        message = f"at most {limit} characters here; import a larger file with POST /api/ambassadors/import"
        raise FieldValidationError("the file is not valid", [{"field": field_name, "message": message}])
    return text


def import_preview(request: Request) -> Reply:
    """What the chosen or pasted file would do (POST, nothing written): new, changed (field: old → new),
    refused (why); the button that imports it. A file that cannot be read: the form again, saying why."""

    def view(who: _Who) -> Reply:
        refused = posted(request, who)
        if refused is not None:
            return refused
        text = (request.form or {}).get("csv", "")
        try:
            text = _csv_text(request)
            preview = imports.preview(text.encode("utf-8"), "text/csv", now=request.now)
        except (InvalidInputError, PayloadTooLargeError) as error:
            return _import_page(who, 400, csv_text=text, error=_said(error))
        return _import_page(who, csv_text=text, preview=preview)

    return page_of(request, IMPORT.role, view)


def _said(error: Exception) -> str:
    if isinstance(error, FieldValidationError):
        return "; ".join(f"{d.get('field')}: {d.get('message')}" for d in error.details)
    return str(error)


def run_import(request: Request) -> Reply:
    """Import the previewed file (POST, admin): the path ``POST /api/ambassadors/import`` takes
    (a job, applied in the background); then the job's page."""

    def view(who: _Who) -> Reply:
        refused = posted(request, who)
        if refused is not None:
            return refused
        text = (request.form or {}).get("csv", "")
        try:
            job = imports.start_import(
                _csv_text(request).encode("utf-8"), "text/csv", queue=SqsImportQueue(), now=request.now
            )
        except (InvalidInputError, PayloadTooLargeError) as error:
            return _import_page(who, 400, csv_text=text, error=_said(error))
        audited(
            who,
            request,
            route="POST /dashboard/ambassadors/import",
            target=job.job_id,
            summary=IMPORT.what,
        )
        return _redirect(frame.ambassadors_import_url(job.job_id))

    return page_of(request, IMPORT.role, view)
