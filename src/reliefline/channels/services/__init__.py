"""Every write of the channels: inbound messages and outbound notices."""

from reliefline.channels.services.notices import (
    BROADCAST_KINDS,
    PLACEHOLDERS,
    broadcast_validate,
    notice_attempt,
    notice_delivery_report,
    notice_render,
    notice_replied,
    notice_send,
    notices_broadcast,
    template_check,
)

__all__ = [
    "BROADCAST_KINDS",
    "PLACEHOLDERS",
    "broadcast_validate",
    "notice_attempt",
    "notice_delivery_report",
    "notice_render",
    "notice_replied",
    "notice_send",
    "notices_broadcast",
    "template_check",
]
