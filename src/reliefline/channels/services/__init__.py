"""Every write of the channels: inbound messages and outbound notices."""

from reliefline.channels.services.inbound import (
    ACK_NONE,
    ACK_REPLY,
    ACK_SEND,
    Inbound,
    Receipt,
    message_receive,
)
from reliefline.channels.services.notices import (
    BROADCAST_KINDS,
    PLACEHOLDERS,
    PreviewLine,
    broadcast_preview,
    broadcast_validate,
    notice_attempt,
    notice_delivery_report,
    notice_render,
    notice_replied,
    notice_send,
    notice_texts_save,
    notices_broadcast,
    notices_requeue_orphans,
    notices_unstick,
    template_check,
)
from reliefline.channels.services.retention import channels_purge

__all__ = [
    "ACK_NONE",
    "ACK_REPLY",
    "ACK_SEND",
    "BROADCAST_KINDS",
    "PLACEHOLDERS",
    "Inbound",
    "PreviewLine",
    "Receipt",
    "broadcast_preview",
    "broadcast_validate",
    "channels_purge",
    "message_receive",
    "notice_attempt",
    "notice_delivery_report",
    "notice_render",
    "notice_replied",
    "notice_send",
    "notice_texts_save",
    "notices_broadcast",
    "notices_requeue_orphans",
    "notices_unstick",
    "template_check",
]
