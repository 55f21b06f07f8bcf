from reliefline.channels.tests.factories import kobo_mapping, outbox, senders_on

__all__ = ["kobo_mapping", "outbox", "senders_on"]
