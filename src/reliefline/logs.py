"""What reliefline's log (settings.LOGGING) does to a record before writing it."""

import logging

from django.utils.functional import empty


def _user_id(request: object) -> object:
    """Return the id of the request's user, or "-" when none is known yet.

    A user the request has not read yet (AuthenticationMiddleware's lazy one) is not
    read here: it would cost a query for every 404, and with the database down turn a
    4xx into an error raised from the log.
    """
    user = getattr(request, "user", None)
    wrapped = getattr(user, "_wrapped", user)  # reading _wrapped never loads the user
    if wrapped is empty:
        return "-"
    return getattr(wrapped, "pk", None) or "-"


def refusal_one_line(record: logging.LogRecord) -> bool:
    """Return True, having cut the record of a request answered 4xx to one line.

    Django logs a refused request (a PermissionDenied above all) with the traceback of
    the exception that refused it: a session's dozens of 403s would bury the 500s, which
    keep theirs. The line adds the method, the status and the user's id to Django's
    message, which names the path without its query string.
    """
    request, status = getattr(record, "request", None), getattr(record, "status_code", None)
    method = getattr(request, "method", None)  # runserver's records carry a socket
    if method is None or not isinstance(status, int) or status >= 500:
        return True
    record.msg = f"{record.getMessage()} ({method} {status}, user {_user_id(request)})"
    record.args = None
    record.exc_info = record.exc_text = record.stack_info = None
    return True
