"""The one data-access style: a repository object per stored item (or aggregate) that takes a
client. ``Repository()`` uses the function's cached client and table (resolved on first use, so
constructing one costs nothing at import); tests and tools pass their own client and table."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kring import aws, config

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class Repository:
    """The client and the table name every repository reads and writes through."""

    def __init__(self, client: DynamoDBClient | None = None, table_name: str | None = None) -> None:
        self._client = client
        self._table_name = table_name

    @property
    def client(self) -> DynamoDBClient:
        return self._client or aws.dynamodb()

    @property
    def table(self) -> str:
        return self._table_name or config.tables().table_name
