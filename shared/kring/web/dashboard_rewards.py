"""The dashboard's Applications and Rewards pages (issue 14): the views, on the helpers of
:mod:`kring.web.dashboard`.

Reading needs a viewer, as ``GET /api/applications/.../attribution`` and ``GET /api/rewards`` do;
paying a reward needs an admin, as ``POST /api/rewards/{id}/{reward}/pay`` does, and calls the same
:func:`kring.attribution.rewards.pay`. A lesser role sees no pay buttons, and its POST gets the 403
page having paid nothing. Each reward a page pays is one audit entry.
"""

from __future__ import annotations

from kring.dashboard import applications_overview, frame, rewards_ledger
from kring.errors import FieldValidationError
from kring.models.access import allows
from kring.web.dashboard import HEADERS, SITE, _not_there, _Who, audited, csv_reply, page_of, posted
from kring.web.html import Reply, Request

PAY_ROUTE = "POST /dashboard/rewards/<ambassador_id>/<reward_id>/pay"
PAY_BATCH_ROUTE = "POST /dashboard/rewards/pay"
PAID_SUMMARY = "reward paid"  # as the API's route calls it (kring.api.route_roles)


# --- applications ----------------------------------------------------------------------------------
def applications(request: Request) -> Reply:
    def view(who: _Who) -> Reply:
        body = applications_overview.applications_page(
            who.t, next_token=request.query.get("next"), chrome=who.chrome("applications")
        )
        return Reply(200, body, HEADERS)

    return page_of(request, "viewer", view)


def applications_csv(request: Request) -> Reply:
    def view(who: _Who) -> Reply:
        text = applications_overview.applications_csv(who.t, next_token=request.query.get("next"))
        return csv_reply(text, "applications.csv") or _not_there(who)

    return page_of(request, "viewer", view)


def application(request: Request, provider: str, application_id: str) -> Reply:
    def view(who: _Who) -> Reply:
        body = applications_overview.application_page(
            who.t, provider, application_id, chrome=who.chrome("applications")
        )
        return Reply(200, body, HEADERS)

    return page_of(request, "viewer", view)


def application_csv(request: Request, provider: str, application_id: str) -> Reply:
    def view(who: _Who) -> Reply:
        table = request.query.get("table", "")
        text = applications_overview.application_csv(who.t, provider, application_id, table)
        return csv_reply(text, f"application-{table}.csv") or _not_there(who)

    return page_of(request, "viewer", view)


# --- rewards ---------------------------------------------------------------------------------------
def rewards(request: Request) -> Reply:
    def view(who: _Who) -> Reply:
        body = rewards_ledger.rewards_page(
            who.t,
            status=request.query.get("status"),
            next_token=request.query.get("next"),
            now=request.now,
            can_pay=allows(who.user.role, "admin"),
            done=rewards_ledger.done_of(request.query),
            chrome=who.chrome("rewards"),
        )
        return Reply(200, body, HEADERS)

    return page_of(request, "viewer", view)


def rewards_csv(request: Request) -> Reply:
    def view(who: _Who) -> Reply:
        text = rewards_ledger.rewards_csv(
            who.t, status=request.query.get("status"), next_token=request.query.get("next"), now=request.now
        )
        return csv_reply(text, "rewards.csv") or _not_there(who)

    return page_of(request, "viewer", view)


def rewards_totals_csv(request: Request) -> Reply:
    def view(who: _Who) -> Reply:
        return csv_reply(
            rewards_ledger.totals_csv(who.t, now=request.now), "reward-totals.csv"
        ) or _not_there(who)

    return page_of(request, "viewer", view)


def payroll_csv(request: Request) -> Reply:
    def view(who: _Who) -> Reply:
        text = rewards_ledger.payroll_csv(who.t, status=request.query.get("status"), now=request.now)
        return csv_reply(text, "rewards-payroll.csv") or _not_there(who)

    return page_of(request, "viewer", view)


def _back(request: Request, outcomes: dict[str, str]) -> Reply:
    """Post/Redirect/Get: back to the ledger as it was filtered, saying what was done."""
    form = request.form or {}
    try:
        status = rewards_ledger.parse_status(form.get("status"))
    except FieldValidationError:
        status = None
    return SITE.redirect(frame.rewards_url(status, **outcomes))


def pay_one(request: Request, ambassador_id: str, reward_id: str) -> Reply:
    def view(who: _Who) -> Reply:
        refused = posted(request, who)
        if refused is not None:
            return refused
        outcome = rewards_ledger.pay_one(ambassador_id, reward_id, request.now)
        if outcome == "paid":
            audited(
                who, request, route=PAY_ROUTE, target=f"{ambassador_id}/{reward_id}", summary=PAID_SUMMARY
            )
        return _back(request, rewards_ledger.counted([outcome]))

    return page_of(request, "admin", view)


def pay_batch(request: Request) -> Reply:
    def view(who: _Who) -> Reply:
        refused = posted(request, who)
        if refused is not None:
            return refused
        chosen = rewards_ledger.chosen(request.form or {})
        if not chosen:
            message = who.t("dashboard.rewards.none_chosen")
            raise FieldValidationError("the form is not valid", [{"field": "reward", "message": message}])
        if len(chosen) > rewards_ledger.MAX_BATCH:
            message = who.t("dashboard.rewards.too_many", count=rewards_ledger.MAX_BATCH)
            raise FieldValidationError("the form is not valid", [{"field": "reward", "message": message}])
        outcomes = rewards_ledger.pay_many(chosen, request.now)
        for ambassador_id, reward_id, outcome in outcomes:
            if outcome == "paid":
                target = f"{ambassador_id}/{reward_id}"
                audited(who, request, route=PAY_BATCH_ROUTE, target=target, summary=PAID_SUMMARY)
        return _back(request, rewards_ledger.counted(o for _a, _r, o in outcomes))

    return page_of(request, "admin", view)
