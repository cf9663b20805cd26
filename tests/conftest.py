"""Shared test set-up.

Fake credentials and region are set before anything imports a handler; Kring creates its clients
lazily, so moto (or DynamoDB Local) only has to be in place before the first call.
"""

from __future__ import annotations

import os

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "POWERTOOLS_SERVICE_NAME": "kring",
        "POWERTOOLS_METRICS_NAMESPACE": "Kring",
        "POWERTOOLS_TRACE_DISABLED": "1",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }
)
for _name in [n for n in os.environ if n.startswith("AWS_ENDPOINT_URL")]:
    del os.environ[_name]

pytest_plugins = ["tests.support.fixtures", "pytester"]
