"""The channels app's notice service, for the apps below it (hotline, aid).

`reliefline.channels.services.notice_send` (and `selectors.notice_route`, for the
language) is looked up when called, so that an app that tells residents something
works (without telling them) wherever the channels app does not provide it, and
never imports an app above it.
"""

import importlib
import logging
from typing import Any

from django.db import transaction

from reliefline.errors import ReliefError

logger = logging.getLogger(__name__)


def _channels(module: str) -> Any:
    try:
        return importlib.import_module(f"reliefline.channels.{module}")
    except ImportError:
        return None


def notice_language(person: Any, *, otherwise: str) -> str:
    """Return the language a notice to the person goes out in (channels' notice_route).

    Values put in a notice (a time's clock, an item's name) are written in it, so
    that a message is in one language. `otherwise` when the channels app is not there.
    """
    selectors = _channels("selectors")
    route = getattr(selectors, "notice_route", None)
    return str(route(person).language) if route is not None else otherwise


def notice_try(*, what: str, **notice: Any) -> bool:
    """Hand a notice (notice_send's arguments) to the channels app; return whether it took it.

    A notice the channels app refuses (no template left for the kind, say) never
    stops the work that asked for it: it is logged as `what`, which must name no
    person, and the work stands. The notice is queued in the caller's transaction.
    """
    send = getattr(_channels("services"), "notice_send", None)
    if send is None:
        return False
    try:
        with transaction.atomic():  # a savepoint: a refused notice leaves no half of itself
            send(**notice)
    except ReliefError as error:
        logger.warning("%s: no notice (%s)", what, error.code)
        return False
    return True
