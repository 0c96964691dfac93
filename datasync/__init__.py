"""Moving a table from one side of a migration to the other, proving every step (DESIGN §5.3).

A *module* (datasync.spec.Module) is one table kept on two sides, each in its own database: the
*origin* (the monolith, which owns the rows first) and the *target* (the extracted service). The phases,
each reversible, are run by `strangler data ...` (strangler_proxy/cli/data.py):

    sync-on        tables of the mechanism + capture triggers on both sides; the owner's writes go to its
                   outbox in the same transaction (datasync.sql)
    relay          a process per module: the owner's outbox, in order, applied on the other side
                   idempotently (event ids deduplicated, stale versions ignored) (datasync.relay)
    backfill       keyset batches copied as JSON in SQL, checksummed per batch, resumable, then the rows
                   changed meanwhile re-copied from the event stream (datasync.backfill)
    verify         checksummed key ranges on each side, bisected down to rows; --repair (datasync.reconcile)
    switch-reads   gated on zero differences; the route moves with the proxy's controls
    switch-writes  gated; ownership flips, the relay runs in reverse (datasync.phases)
    retire         gated; the origin's copy is frozen and no longer kept
    back           one phase back from wherever the module is, losing no write

Capture is a trigger, not a model signal: it sees bulk `update()`, raw SQL and the admin alike, and it
refuses writes on the side that does not own the rows, so a flipped table cannot be written by old code.
The tool speaks SQL to both databases directly (PostgreSQL or SQLite, the same kind on both sides), as
migration tools do; it needs no model and no endpoint on either side.
"""
