"""One DuckDB transaction: committed whole, or rolled back and the error raised."""

from __future__ import annotations

import contextlib

import duckdb


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection):
    con.execute("BEGIN TRANSACTION")
    try:
        yield
        con.execute("COMMIT")
    except BaseException:  # a failed COMMIT too: nothing of it stays open
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise
