"""The redirect's cold start: a fresh process imports the function and serves clicks without ever
loading pydantic, pydantic-settings, Powertools, boto3 or Kring's pydantic-based modules.
(Nothing is timed here: bench/redirect.py measures.)"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

FORBIDDEN_PACKAGES = ("pydantic", "pydantic_settings", "pydantic_core", "aws_lambda_powertools", "boto3")
FORBIDDEN_MODULES = ("kring.config", "kring.dal.items", "kring.models", "kring.events", "kring.links.codes")

SCRIPT = """
import json, os, sys
sys.path[:0] = [{function!r}, {shared!r}, {root!r}]
os.environ.update({{
    "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_DEFAULT_REGION": "eu-west-1",
    "TABLE_NAME": "kring-t", "EVENT_BUS_NAME": "kring-t",
    "CLICK_SPOOL_QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/1/kring-t-click-spool",
    "CAREERS_PAGE_URL": "https://careers.example.com/", "SECRETS_SSM_PATH": "/kring/t/",
}})
import app
after_import = sorted(sys.modules)
from bench.canned_aws import CannedAws
from kring import aws
canned = CannedAws()
canned.install(aws.hot_path_session())
def click(code, method="GET", agent="Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"):
    event = {{
        "requestContext": {{
            "http": {{"method": method, "sourceIp": "203.0.113.9"}}, "timeEpoch": 1795770761000
        }},
        "pathParameters": {{"code": code}},
        "headers": {{"user-agent": agent, "accept-language": "en"}},
    }}
    before = dict(canned.requests)
    status = app.handler(event, None)["statusCode"]
    return status, {{k: v - before.get(k, 0) for k, v in canned.requests.items() if v - before.get(k, 0)}}
out = {{
    "malformed": click("nope!"),
    "first": click("AbCdE12345"),
    "cached": click("AbCdE12345"),
    "same_vacancy": click("BbCdE12345"),
    "unknown": click("missing123"),
    "head": click("AbCdE12345", method="HEAD"),
    "bot": click("AbCdE12345", agent="Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"),
}}
out["after_import"] = after_import
out["after_clicks"] = sorted(sys.modules)
print(json.dumps(out))
"""


def _run() -> dict[str, object]:
    script = SCRIPT.format(
        function=str(ROOT / "functions" / "redirect"), shared=str(ROOT / "shared"), root=str(ROOT)
    )
    result = subprocess.run(  # noqa: S603 - our own script, run by this interpreter
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, cwd="/"
    )
    assert result.returncode == 0, result.stderr
    data: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def _forbidden(modules: object) -> list[str]:
    assert isinstance(modules, list)
    return [
        m
        for m in modules
        if m.split(".")[0] in FORBIDDEN_PACKAGES
        or any(m == f or m.startswith(f + ".") for f in FORBIDDEN_MODULES)
    ]


def test_the_redirect_imports_and_serves_clicks_without_the_heavy_modules() -> None:
    out = _run()
    assert _forbidden(out["after_import"]) == []
    assert _forbidden(out["after_clicks"]) == []


def test_requests_per_click_cached_and_not() -> None:
    out = _run()
    assert out["malformed"] == [404, {}]
    # The container's first click: the visitor key (once), the link, the vacancy, the event.
    assert out["first"] == [302, {"GetParameter": 1, "GetItem": 2, "PutEvents": 1}]
    assert out["cached"] == [302, {"PutEvents": 1}]
    assert out["same_vacancy"] == [302, {"GetItem": 1, "PutEvents": 1}]
    assert out["unknown"] == [404, {"GetItem": 1}]
    assert out["head"] == [302, {"PutEvents": 1}]
    assert out["bot"] == [302, {"PutEvents": 1}]
