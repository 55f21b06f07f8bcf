"""Create the PostgreSQL database named in DATABASE_URL when it does not exist yet.

With --recreate, drop it first (benchmarks start from an empty database).
"""

import os
import sys

import dj_database_url
import psycopg
from psycopg import sql


def main() -> None:
    config = dj_database_url.parse(os.environ["DATABASE_URL"])
    name = config["NAME"]
    with psycopg.connect(
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        if "--recreate" in sys.argv[1:]:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


if __name__ == "__main__":
    main()
