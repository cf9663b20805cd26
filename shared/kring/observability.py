"""The only Logger and Metrics instances. Service name and namespace come from the template's
Globals (POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE).

Tracer is deliberately absent here: it imports the X-Ray SDK, which costs a cold start. Functions
that want tracing create it themselves; the redirect path never does.
"""

from aws_lambda_powertools import Logger, Metrics

logger = Logger()
metrics = Metrics()
