from reliefline.channels.tests.factories import outbox

__all__ = ["outbox"]
