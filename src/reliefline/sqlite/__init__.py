"""Django's SQLite backend, with writers queueing on a lock file instead of sleeping.

Use `ENGINE = "reliefline.sqlite"` (settings.py does, for every SQLite DATABASE_URL).
"""
