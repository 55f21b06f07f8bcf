"""The one exception family of reliefline's domain, mapped to HTTP in one place."""

from typing import Any


class ReliefError(Exception):
    """A rule of the domain was broken; `status` is the HTTP status it maps to."""

    code = "error"
    status = 400

    def __init__(self, message: Any, *, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.field = field

    def as_dict(self) -> dict[str, Any]:
        """Return the API's error body; the detail names the field, as validation's do."""
        body: dict[str, Any] = {"detail": self.message, "code": self.code}
        if self.field:
            body["detail"] = f"{self.field}: {self.message}"
            body["field"] = self.field
        return body


class InvalidInput(ReliefError):
    code = "invalid"
    status = 422


class NotFound(ReliefError):
    code = "not_found"
    status = 404


class Conflict(ReliefError):
    code = "conflict"
    status = 409
