"""``python -m infra.local``: run Kring on this machine (what ``make run`` does), list and redrive
dead-letter queues, or print a signed webhook call.

    python -m infra.local                       start the local stack (Ctrl-C stops it)
    python -m infra.local dlq list [--queue NAME] [--body] [--all]   what the local DLQs hold, and why
    python -m infra.local dlq redrive [--queue NAME]
    python -m infra.local dlq redrive --queue-url URL [--target-url URL | --bus NAME]   (AWS)
    python -m infra.local sign greenhouse FILE  a ready-to-paste curl for a signed delivery
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import shlex
import signal
import sys
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from infra.local import dynamodb_local, running
from infra.local.demo import DEMO_CLICKED_APPLICATION, demo_vacancy_id, sign_greenhouse, team_users
from infra.local.demo import load as load_demo
from infra.local.dlq import Parked, Redriven, list_parked, redrive_aws, redrive_local
from infra.local.settings import PROVIDERS, AtsSettingsError, LocalSettings, real_ats, unknown_settings
from infra.local.stack import QUEUES_FILE, LocalStack, ats_api_lines, queue_store, template_stack

JOB_POLLER = "JobPollerFunction"
MAIL_PLANNER = "MailPlannerFunction"
EXAMPLE_DELIVERY = Path("events") / "http" / "greenhouse_job_post_published.json"
EXAMPLE_CSV = Path("docs") / "examples" / "ambassadors.csv"


def command_prefix(settings: LocalSettings) -> str:
    """The settings a command needs to find this stack, as a shell prefix: the data folder and the
    port when they are not the defaults (empty otherwise)."""
    words = []
    default = LocalSettings.model_fields
    if settings.data_dir.resolve() != Path(str(default["data_dir"].default)).resolve():
        words.append(f"KRING_DATA_DIR={shlex.quote(str(settings.data_dir.resolve()))}")
    if settings.port != default["port"].default:
        words.append(f"KRING_PORT={settings.port}")
    return " ".join(words) + " " if words else ""


def _dashboard_hint(demo: dict[str, object]) -> str:
    if "loaded" not in demo:  # no demo: the first users are made with the admin token
        return "(talent-team users sign in by mailed link; make one with POST /api/team/users)"
    users = ", ".join(f"{u['email']} ({u['role']})" for u in team_users())
    return f"(sign in as {users}: the link lands in the outbox)"


def _banner(settings: LocalSettings, secrets: dict[str, str], demo: dict[str, object]) -> str:
    url = settings.gateway_url
    token = secrets["admin-token"]
    prefix = command_prefix(settings)
    lines = [
        "",
        f"Kring is running on {url}",
        f"  admin token      {token}   (the bootstrap admin: makes users and tokens, /api/team/…)",
        f"  dashboard        {url}/dashboard   {_dashboard_hint(demo)}",
        f"  ATS webhooks     POST {url}/webhooks/<provider>   ({', '.join(PROVIDERS)})",
        f"  webhook secrets  {settings.data_dir.resolve() / 'secrets.json'}   (webhook-secret-<provider>)",
        *[f"  ATS APIs         {line}" for line in ats_api_lines(settings)],
        f"  data             {settings.data_dir.resolve()}   (DynamoDB Local, queues, secrets)",
    ]
    if demo.get("loaded"):
        lines.append(
            f"  demo             {demo['ambassadors']} ambassadors and the vacancy {demo['vacancy_id']}:"
            f" {demo['shared_by']} of them shared it; their links had {demo['clicks']} clicks by people"
            f" ({demo['raw_clicks']} with repeats within the hour), {demo['bot_clicks']} by bots and"
            f" {demo['own_clicks']} by the ambassadors themselves;"
            f" {demo.get('applications', 0)} applications came in through Greenhouse,"
            f" {demo.get('hires', 0)} hired"
        )
        lines.append(
            f"                   the {demo.get('feed_vacancies', 0)} Lever and Workable vacancies, open"
            f" before the ambassadors came: {demo.get('feed_links', 0)} links (links follow eligibility)"
        )
        if demo.get("campaign"):
            lines.append(
                f"                   an invitation campaign to everyone ({demo['campaign']}): the"
                f" {demo.get('invited', 0)} ambassadors who have not volunteered yet find their"
                " invitation in the outbox moments after this banner"
            )
    lines += [
        "",
        "Try:",
        f"  curl -s -H 'Authorization: Bearer {token}' '{url}/api/ambassadors?limit=5'",
        f"  curl -s -H 'Authorization: Bearer {token}' {url}/api/vacancies",
        "  import ambassadors from a CSV (Excel's too): answers at once with the job to follow",
        f"  curl -s -H 'Authorization: Bearer {token}' -F file=@{EXAMPLE_CSV} {url}/api/ambassadors/import",
        f"    then GET its status_url, {url}/api/ambassadors/imports/<job_id>: status, counts, who can share"
        " and why not, each line (?status=error: the lines that failed)",
    ]
    if demo.get("import_job"):
        lines += [
            "  the demo's own import (its ambassadors came in as a Dutch Excel file):",
            f"  curl -s -H 'Authorization: Bearer {token}' {url}/api/ambassadors/imports/"
            f"{demo['import_job']}",
        ]
    if "loaded" in demo:  # loaded now or on an earlier start
        lines.append(
            f"  curl -s -H 'Authorization: Bearer {token}' {url}/api/vacancies/{demo_vacancy_id()}/shares"
        )
        lines.append(
            f"  curl -s -H 'Authorization: Bearer {token}' {url}/api/vacancies/{demo_vacancy_id()}/funnel"
        )
        lines.append(f"  curl -s -H 'Authorization: Bearer {token}' {url}/api/program/funnel")
        lines.append(
            f"  curl -s -H 'Authorization: Bearer {token}' {url}/api/applications/greenhouse/"
            f"{DEMO_CLICKED_APPLICATION}/attribution"
        )
        lines.append(f"  curl -s -H 'Authorization: Bearer {token}' {url}/api/rewards")
        lines.append(f"  curl -s -H 'Authorization: Bearer {token}' {url}/api/programme/invitations")
    lines += [
        f"The programme page (public; an invitation's link shows it too): {url}/portal/programme",
        "A signed Greenhouse delivery (prints the curl; append `| sh` to send it):",
        f"  {prefix}.venv/bin/python -m infra.local sign greenhouse {EXAMPLE_DELIVERY}",
        f"Mail: every message Kring sends is listed at {url}/outbox"
        f" (as .eml in {settings.data_dir.resolve() / 'outbox'})"
        + ("; the demo's digests for this week are there" if demo.get("digests") else "")
        + ";",
        "run the mail schedules' next runs now (all, or one kind; a period is mailed once):",
        f"  {prefix}make digest",
        f"  {prefix}make digest KIND=reward_eligible",
        "What the dead-letter queues hold and why; then put it back:",
        f"  {prefix}make dlq",
        f"  {prefix}make redrive",
        "",
        "Ctrl-C stops.",
    ]
    return "\n".join(lines)


def run(settings: LocalSettings) -> int:
    other = running.already_running(settings)
    if other is not None:
        print(
            f"Cannot start: a Kring stack (pid {other.pid}) already runs with {running.where(settings)}"
            f" on {other.gateway_url}. Stop it, or give this one its own KRING_DATA_DIR and KRING_PORT.",
            file=sys.stderr,
        )
        return 2
    for name in unknown_settings():
        logging.getLogger("local").warning("%s is no setting of the local stack: ignored", name)
    stack = LocalStack(settings)
    try:
        stack.start()  # stops whatever it started when it fails
    except (dynamodb_local.DynamoDBLocalUnavailable, AtsSettingsError) as exc:
        print(f"Cannot start the local stack: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(
            f"Cannot start the local stack: {exc}. Is another Kring running on {settings.gateway_url}?"
            " Set KRING_PORT (and KRING_AWS_PORT, KRING_DYNAMODB_PORT) to free ports.",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        return 130
    stopping = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.set())
    try:
        running.announce(settings)  # the commands (sign, dlq) find this stack through it
        # The job feeds (Lever, Workable) are read at once rather than 15 minutes from now.
        stack.loading = "polling the job feeds"
        polled = stack.fire_schedules_of(JOB_POLLER)
        logging.getLogger("local").info("job feeds polled at start: %d schedule(s) ran", polled)
        demo: dict[str, object] = {}
        if settings.demo:
            stack.loading = "loading the demo organisation"
            demo = load_demo(
                settings.gateway_url,
                stack.secrets["admin-token"],
                stack.secrets["webhook-secret-greenhouse"],
                settings.data_dir,
            )
        if demo.get("loaded"):
            # The demo's digests, as this week's scheduled runs will send them (make digest does
            # the same): in the outbox moments after the banner.
            stack.loading = "running the demo's mail schedules"
            demo["digests"] = stack.fire_mail_schedules(MAIL_PLANNER, None)
        stack.mark_ready()
        print(_banner(settings, stack.secrets, demo), flush=True)
        stopping.wait()
        print("stopping…", flush=True)
    finally:
        running.withdraw(settings)
        stack.stop()
    return 0


def _local_data(settings: LocalSettings, command: str) -> bool:
    """Whether a local stack ever ran with this data folder (else says so)."""
    if (settings.data_dir / QUEUES_FILE).exists():
        return True
    print(
        f"{command}: no Kring stack has run with {running.where(settings)}: nothing is parked there."
        " If the stack runs with KRING_DATA_DIR (or KRING_PORT) set, set them here too: the banner"
        " prints `make dlq` and `make redrive` with them.",
        file=sys.stderr,
    )
    return False


def _when(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


BODY_PREVIEW = 160


def dlq(args: argparse.Namespace, settings: LocalSettings) -> int:
    if args.queue_url:
        if args.action != "redrive":
            print("--queue-url is for `dlq redrive` in AWS", file=sys.stderr)
            return 2
        print(redrive_aws(args.queue_url, args.target_url, args.bus))
        return 0
    if not _local_data(settings, f"dlq {args.action}"):
        return 1
    try:
        found: running.RunningStack | None = running.find(settings)
    except running.NoRunningStack as exc:
        found = None
        print(
            f"{exc} {'Listing what it left parked.' if args.action == 'list' else ''}".strip(),
            file=sys.stderr,
        )
    stack = template_stack(settings)
    store = queue_store(settings, stack)
    try:
        if args.action == "list":
            _print_parked(list_parked(stack, store, args.queue, limit=None if args.all else 5), args.body)
        else:
            _print_redriven(redrive_local(stack, store, args.queue, aws_url=found.aws_url if found else None))
    except KeyError as exc:
        print(f"dlq {args.action}: {exc.args[0]}", file=sys.stderr)
        return 1
    finally:
        store.close()
    return 0


def _print_parked(parked_queues: list[Parked], whole_bodies: bool) -> None:
    for parked in parked_queues:
        more = f", the first {len(parked.messages)} below" if parked.count > len(parked.messages) else ""
        print(f"{parked.queue}: {parked.count} message(s){more}")
        for message in parked.messages:
            print(f"  {message.id}  parked {_when(message.parked_at)}: {message.reason}")
            if message.error:
                error = message.error.strip().replace("\n", "\n      ")  # a multi-line error, indented
                print(f"    last error: {error}")
            body = message.body
            if whole_bodies or len(body) <= BODY_PREVIEW:
                print(f"    body: {body}")
            else:
                print(
                    f"    body: {body[:BODY_PREVIEW]}… ({len(body)} characters;"
                    " `make dlq BODY=1` or `dlq list --body` shows it whole)"
                )


def _print_redriven(results: list[Redriven]) -> None:
    for result in results:
        if not (result.moved or result.skipped):
            continue
        line = f"{result.queue}: {result.moved} message(s) put back"
        if result.skipped:
            line += f"; {result.skipped} left parked: {result.reason}"
        print(line)
    moved, skipped = sum(r.moved for r in results), sum(r.skipped for r in results)
    print(f"{moved} message(s) put back, {skipped} left parked")


def sign(args: argparse.Namespace, settings: LocalSettings) -> int:
    """A curl for a signed Greenhouse delivery to the running stack, with the secret it uses."""
    try:
        found = running.find(settings)
    except running.NoRunningStack as exc:
        print(f"sign: {exc}", file=sys.stderr)
        return 1
    body = Path(args.file).read_bytes()
    with contextlib.suppress(KeyError, TypeError, ValueError):
        body = json.loads(body)["body"].encode()  # an events/http sample: the request's body
    secret = json.loads((settings.data_dir / "secrets.json").read_text())["webhook-secret-greenhouse"]
    print(
        f"curl -s -X POST {found.gateway_url}/webhooks/greenhouse -H 'content-type: application/json'"
        f" -H {shlex.quote('Signature: ' + sign_greenhouse(body, secret))}"
        f" -H 'Greenhouse-Event-ID: {uuid.uuid4()}'"
        f" --data-binary {shlex.quote(body.decode())}"
    )
    return 0


def digest(args: argparse.Namespace, settings: LocalSettings) -> int:
    """Run the mail schedules' next runs (template.yaml's MailPlannerFunction) now, on the running
    stack: this week's digest as it stands; a period already mailed is not mailed again."""
    import json
    import urllib.error
    import urllib.request

    try:
        found = running.find(settings)
    except running.NoRunningStack as exc:
        print(f"{exc} Start it with `make run` first.", file=sys.stderr)
        return 1
    request = urllib.request.Request(  # noqa: S310 - the local stack's own loopback endpoint
        found.aws_url,
        data=json.dumps({"Function": MAIL_PLANNER, "Kind": args.kind}).encode(),
        headers={"x-amz-target": "KringLocal.FireSchedules", "content-type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=300) as answer:  # noqa: S310
            fired = json.loads(answer.read())["Fired"]
    except urllib.error.HTTPError as exc:
        print(f"digest: {exc.read().decode(errors='replace')}", file=sys.stderr)
        return 1
    if not fired:
        print(f"digest: no mail schedule{' for ' + args.kind if args.kind else ''} ran", file=sys.stderr)
        return 1
    print(f"ran {', '.join(fired)}; the mails are at {found.gateway_url}/outbox once sent")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra.local",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("run", help="start the local stack (the default)")
    dlq_parser = commands.add_parser(
        "dlq",
        help="list or redrive dead-letter queues",
        description="Locally: list what each DLQ of template.yaml holds, or put it back (a queue's DLQ"
        " into its source queue; a rule target's DLQ back to that target). In AWS, with --queue-url:"
        " a queue's DLQ through SQS's message-move task, a rule's DLQ (--bus) through PutEvents.",
    )
    dlq_parser.add_argument("action", choices=["list", "redrive"])
    dlq_parser.add_argument("--queue", help="only this local DLQ (by name)")
    dlq_parser.add_argument("--body", action="store_true", help="list: each message's whole body")
    dlq_parser.add_argument("--all", action="store_true", help="list: every message, not the first five")
    dlq_parser.add_argument("--queue-url", help="AWS: the DLQ to redrive")
    dlq_parser.add_argument(
        "--target-url",
        help="AWS: a rule DLQ's target queue (its envelopes are sent there)",
    )
    dlq_parser.add_argument("--bus", help="AWS: a rule DLQ's events go back onto this event bus")
    digest_parser = commands.add_parser(
        "digest",
        help="run the mail schedules' next runs now (every one, or --kind's)",
        description=digest.__doc__,
    )
    digest_parser.add_argument("--kind", help="only this mail kind (ambassador → ambassador_digest, …)")
    sign_parser = commands.add_parser("sign", help="print a signed webhook call")
    sign_parser.add_argument("provider", choices=["greenhouse"])
    sign_parser.add_argument("file", help="a raw JSON body, or an events/http/*.json sample")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", datefmt="%H:%M:%S")
    try:
        settings = LocalSettings()
        real_ats(settings)
    except ValidationError as exc:
        for error in exc.errors():
            name = "KRING_" + "_".join(str(part) for part in error["loc"]).upper()
            print(f"{name}: {error['msg']}", file=sys.stderr)
        return 2
    except AtsSettingsError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    if args.command == "dlq":
        return dlq(args, settings)
    if args.command == "sign":
        return sign(args, settings)
    if args.command == "digest":
        return digest(args, settings)
    return run(settings)


if __name__ == "__main__":
    sys.exit(main())
