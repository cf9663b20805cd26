"""``python -m infra.local``: run Kring on this machine (what ``make run`` does), list and redrive
dead-letter queues, or print a signed webhook call.

    python -m infra.local                       start the local stack (Ctrl-C stops it)
    python -m infra.local dlq list              what the local DLQs hold
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
from pathlib import Path

from infra.local import dynamodb_local
from infra.local.demo import DEMO_CLICKED_APPLICATION, demo_vacancy_id, sign_greenhouse
from infra.local.demo import load as load_demo
from infra.local.dlq import RedriveError, list_parked, redrive_aws, redrive_local
from infra.local.settings import PROVIDERS, LocalSettings, kept_secrets
from infra.local.stack import LocalStack, queue_store, template_stack

JOB_POLLER = "JobPollerFunction"
EXAMPLE_CSV = Path("docs") / "examples" / "ambassadors.csv"


def _banner(settings: LocalSettings, secrets: dict[str, str], demo: dict[str, object]) -> str:
    url = settings.gateway_url
    token = secrets["admin-token"]
    example = Path("events") / "http" / "greenhouse_job_post_published.json"
    lines = [
        "",
        f"Kring is running on {url}",
        f"  admin token      {token}",
        f"  ATS webhooks     POST {url}/webhooks/<provider>   ({', '.join(PROVIDERS)})",
        f"  webhook secrets  {settings.data_dir.resolve() / 'secrets.json'}   (webhook-secret-<provider>)",
        f"  ATS APIs (fake)  {settings.ats_api_url}   (the Lever feed the job poller reads, API calls)",
        f"  data             {settings.data_dir.resolve()}   (DynamoDB Local, queues, secrets)",
    ]
    if demo.get("loaded"):
        lines.append(
            f"  demo             {demo['ambassadors']} ambassadors and the vacancy {demo['vacancy_id']}:"
            f" {demo['shared_by']} of them shared it, {demo['link_requests']} visits followed their links;"
            f" {demo.get('applications', 0)} applications came in through Greenhouse,"
            f" {demo.get('hires', 0)} hired"
        )
    lines += [
        "",
        "Try:",
        f"  curl -s -H 'Authorization: Bearer {token}' '{url}/api/ambassadors?limit=5'",
        f"  curl -s -H 'Authorization: Bearer {token}' {url}/api/vacancies",
        "  import ambassadors from a CSV (Excel's too): answers at once with the job to follow",
        f"  curl -s -H 'Authorization: Bearer {token}' -F file=@{EXAMPLE_CSV} {url}/api/ambassadors/import",
        f"  curl -s -H 'Authorization: Bearer {token}' {url}/api/ambassadors/imports/<job_id>",
        "    (status, counts, who can share and why not, each line; ?status=error: the lines that failed)",
    ]
    if demo.get("import_job"):
        lines.append(
            f"  curl -s -H 'Authorization: Bearer {token}' {url}/api/ambassadors/imports/{demo['import_job']}"
            "   (the demo's own import)"
        )
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
    lines += [
        "  a signed Greenhouse delivery (prints the curl; append `| sh` to send it):",
        f"  .venv/bin/python -m infra.local sign greenhouse {example}",
        "",
        "Dead-letter queues: make dlq / make redrive.  Ctrl-C stops.",
    ]
    return "\n".join(lines)


def run(settings: LocalSettings) -> int:
    stack = LocalStack(settings)
    try:
        stack.start()  # stops whatever it started when it fails
    except dynamodb_local.DynamoDBLocalUnavailable as exc:
        print(f"Cannot start DynamoDB Local: {exc}", file=sys.stderr)
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
        # The job feeds (Lever, Workable) are read at once rather than 15 minutes from now.
        polled = stack.fire_schedules_of(JOB_POLLER)
        logging.getLogger("local").info("job feeds polled at start: %d schedule(s) ran", polled)
        demo: dict[str, object] = {}
        if settings.demo:
            demo = load_demo(
                settings.gateway_url,
                stack.secrets["admin-token"],
                stack.secrets["webhook-secret-greenhouse"],
                settings.data_dir,
            )
        print(_banner(settings, stack.secrets, demo), flush=True)
        stopping.wait()
        print("stopping…", flush=True)
    finally:
        stack.stop()
    return 0


def dlq(args: argparse.Namespace, settings: LocalSettings) -> int:
    if args.queue_url:
        if args.action != "redrive":
            print("--queue-url is for `dlq redrive` in AWS", file=sys.stderr)
            return 2
        print(redrive_aws(args.queue_url, args.target_url, args.bus))
        return 0
    stack = template_stack(settings)
    store = queue_store(settings, stack)
    try:
        if args.action == "list":
            for parked in list_parked(stack, store):
                print(f"{parked.queue}: {parked.count} message(s)")
                for sample in parked.samples:
                    print(f"    {sample}")
        else:
            for queue, count in redrive_local(stack, store, args.queue, aws_url=settings.aws_url).items():
                print(f"{queue}: {count} message(s) put back")
    except (KeyError, RedriveError) as exc:
        print(f"dlq {args.action}: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    return 0


def sign(args: argparse.Namespace, settings: LocalSettings) -> int:
    body = Path(args.file).read_bytes()
    with contextlib.suppress(KeyError, TypeError, ValueError):
        body = json.loads(body)["body"].encode()  # an events/http sample: the request's body
    secret = kept_secrets(settings)["webhook-secret-greenhouse"]
    print(
        f"curl -s -X POST {settings.gateway_url}/webhooks/greenhouse -H 'content-type: application/json'"
        f" -H {shlex.quote('Signature: ' + sign_greenhouse(body, secret))}"
        f" -H 'Greenhouse-Event-ID: {uuid.uuid4()}'"
        f" --data-binary {shlex.quote(body.decode())}"
    )
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
    dlq_parser.add_argument("--queue-url", help="AWS: the DLQ to redrive")
    dlq_parser.add_argument("--target-url", help="AWS: where a queue DLQ goes (default: its source queue)")
    dlq_parser.add_argument("--bus", help="AWS: a rule DLQ's events go back onto this event bus")
    sign_parser = commands.add_parser("sign", help="print a signed webhook call")
    sign_parser.add_argument("provider", choices=["greenhouse"])
    sign_parser.add_argument("file", help="a raw JSON body, or an events/http/*.json sample")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", datefmt="%H:%M:%S")
    settings = LocalSettings()
    if args.command == "dlq":
        return dlq(args, settings)
    if args.command == "sign":
        return sign(args, settings)
    return run(settings)


if __name__ == "__main__":
    sys.exit(main())
