"""Domain errors: each carries a message that is safe to show to a user."""


class DomainError(Exception):
    """Base class for refusals the user can act on."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFoundError(DomainError):
    """The thing asked for does not exist (or is outside the actor's scope)."""


class PermissionDeniedError(DomainError):
    """The actor's role or scope does not allow this action."""


class InvalidInputError(DomainError):
    """The input is malformed; `errors` may list one message per offending row."""

    def __init__(self, message: str, errors: list[str] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


class ConflictError(DomainError):
    """The action conflicts with the current state (already verified, wrong state...)."""
