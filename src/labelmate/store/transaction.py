"""The one transaction helper every write goes through.

One helper, not ad-hoc ``commit()`` calls, so that "an edit is all or nothing" is
true by construction: BEGIN IMMEDIATE takes the write lock up front (no deadlock
half-way through an edit), COMMIT makes it durable, and *any* exception — a bug,
a constraint, even KeyboardInterrupt — rolls the whole thing back and propagates.
A nested use becomes a savepoint, so a use-case can group several store calls
into one edit while each call still works on its own.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager


class Transactions:
    """Hands out transactions on one connection in driver autocommit mode."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._depth = 0

    @contextmanager
    def __call__(self) -> Iterator[sqlite3.Connection]:
        conn = self._conn
        if not conn.in_transaction:
            conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield conn
            except BaseException:
                _rollback(conn)
                raise
            else:
                try:
                    conn.execute("COMMIT")
                except BaseException:
                    _rollback(conn)
                    raise
            finally:
                self._depth = 0
            return
        self._depth += 1
        name = f"labelmate_{self._depth}"
        conn.execute(f"SAVEPOINT {name}")
        try:
            yield conn
        except BaseException:
            # An error such as SQLITE_FULL may already have ended the whole
            # transaction; then there is no savepoint left to roll back to.
            if conn.in_transaction:
                conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
                conn.execute(f"RELEASE SAVEPOINT {name}")
            raise
        else:
            conn.execute(f"RELEASE SAVEPOINT {name}")
        finally:
            self._depth -= 1


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        conn.execute("ROLLBACK")
