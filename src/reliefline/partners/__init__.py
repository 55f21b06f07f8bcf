"""Organisations, sharing agreements, 3W activities and exports."""
