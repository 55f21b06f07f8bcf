"""The channels app's notice service, for the apps below it (hotline, aid).

`reliefline.channels.services.notice_send` is looked up when called, so that an app
that tells residents something works (without telling them) wherever the channels
app does not provide it, and never imports an app above it.
"""

import importlib
import logging
from typing import Any

from django.db import transaction

from reliefline.errors import ReliefError

logger = logging.getLogger(__name__)


def notice_try(*, what: str, **notice: Any) -> bool:
    """Hand a notice (notice_send's arguments) to the channels app; return whether it took it.

    A notice the channels app refuses (no template left for the kind, say) never
    stops the work that asked for it: it is logged as `what`, which must name no
    person, and the work stands. The notice is queued in the caller's transaction.
    """
    try:
        module = importlib.import_module("reliefline.channels.services")
    except ImportError:
        return False
    send = getattr(module, "notice_send", None)
    if send is None:
        return False
    try:
        with transaction.atomic():  # a savepoint: a refused notice leaves no half of itself
            send(**notice)
    except ReliefError as error:
        logger.warning("%s: no notice (%s)", what, error.code)
        return False
    return True
