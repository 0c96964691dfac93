"""The Celery app that publishes nothing in a dry run.

Every way of sending a task ends in `Celery.send_task`: `delay`, `apply_async`, signatures and canvases,
and `delay_on_commit` once its commit comes (in a dry run it never does). So that one method is guarded.
"""

from __future__ import annotations

from typing import Any

from celery import Celery, uuid

from chassis.dryrun.state import suppressed


class GuardedCelery(Celery):
    """A Celery app whose `send_task`, in a dry run, logs the message as suppressed and answers with a result
    for a task id that was never sent; outside one it is Celery's."""

    def send_task(self, name: str, args: Any = None, kwargs: Any = None, *more: Any, **options: Any) -> Any:
        if suppressed("celery", name, queue=options.get("queue")):
            result_cls = options.get("result_cls") or self.AsyncResult
            return result_cls(options.get("task_id") or uuid())
        return super().send_task(name, args, kwargs, *more, **options)
