"""Inbound messages from real senders and outbound notices to residents."""
