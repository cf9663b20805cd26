"""Domain errors. Handlers map them to responses in one place; everything else propagates so
that the platform retries it and, in the end, parks it in a dead-letter queue."""


class KringError(Exception):
    """Base of every error Kring raises on purpose."""


class NotFoundError(KringError):
    """The thing asked for does not exist."""


class GoneError(KringError):
    """The thing asked for existed but is no longer available (a closed vacancy)."""


class ConflictError(KringError):
    """A conditional write lost: the item exists, or changed underneath."""


class InvalidInputError(KringError):
    """Input that can never succeed, however often it is retried."""


class FieldValidationError(InvalidInputError):
    """Well-formed input whose fields break the rules; ``details`` names each field and why."""

    def __init__(self, message: str, details: list[dict[str, str]]) -> None:
        super().__init__(message)
        self.details = details


class UnauthorizedError(KringError):
    """Missing or wrong credentials (admin token, webhook signature)."""


class ForbiddenError(KringError):
    """Valid credentials whose role does not allow what was asked (a viewer changing data)."""


class PayloadTooLargeError(KringError):
    """A request body over the configured limit."""


class ProviderNotConfiguredError(KringError):
    """A webhook for an ATS that this installation has not connected."""


class TransientError(KringError):
    """Worth retrying: the platform's retries and DLQ take it from here."""
