"""Dry-run writes: the service side of the proxy's shadowed writes (routes.toml: `writes = "dry-run"`).

A service opts in by installing `chassis.dryrun.middleware.DryRunMiddleware` (right after the request id)
and `chassis.dryrun.mail.GuardedEmailBackend` as its EMAIL_BACKEND; the proxy's route table then marks its
upstream `dry_run = true`. A request carrying the proxy's signed `X-Strangler-Shadow` marker
(chassis.identity.sign_shadow) runs in full and is answered as usual, inside a transaction on every
configured database that is always rolled back, and with every side effect suppressed:

    Celery messages          chassis.dryrun.publishing.GuardedCelery (chassis.celery_app.make_celery builds
                             one): send_task, and so delay/apply_async, publish nothing
    transaction.on_commit    never run: the transaction does not commit (delay_on_commit included)
    outbound HTTP            chassis.http.ServiceSession refuses every method but GET, HEAD and OPTIONS
                             (DryRunRefused, a requests.ConnectionError: the call was not made)
    e-mail                   chassis.dryrun.mail.GuardedEmailBackend sends nothing (and reports it sent)
    SNS                      integrations.sns guards its client: every call but reads is answered unsent

Each suppressed effect is logged (a JSON line, "dry run: effect suppressed") and counted; the request's
counts go into its log line ("dry run rolled back") and its `X-Strangler-Dry-Run` answer header. Outside a
dry run none of these hooks changes anything. A marker that does not verify (forged, expired, signed with
an unknown key) is refused with 403: run for real, it would repeat the primary's write with every effect.

    state.py        whether a dry run is on (a context variable), and the record of what it suppressed
    middleware.py   the marker check, the rolled-back transaction, the on_commit count
    publishing.py   the Celery app that publishes nothing in a dry run
    mail.py         the e-mail backend that sends nothing in a dry run
    aws.py          the boto3 client guard
"""

from chassis.dryrun.state import DryRun, active, dry_run, suppressed

__all__ = ["DryRun", "active", "dry_run", "suppressed"]
