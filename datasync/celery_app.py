"""datasync's scheduled reconciliation: every module that syncs is reconciled on a beat, its result
recorded in both sides' state (what `strangler data status` shows) and published to Redis for the
proxy's dashboard (datasync.summary).

    celery --quiet -A datasync.celery_app worker --beat --queues datasync --concurrency 1

No Django here: the job speaks SQL to both sides, as the command does. A module that is off, or whose
databases are not configured in this process, is skipped with a log line.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from chassis.celery_app import make_celery
from chassis.env import env_int, env_str, env_url
from datasync.reconcile import reconcile
from datasync.spec import SpecError, module_named, modules
from datasync.sql import DatabaseError
from datasync.store import current, open_sides
from datasync.summary import publisher_from_env

logger = logging.getLogger("datasync.jobs")
QUEUE = env_str("DATASYNC_QUEUE", "datasync")
EVERY_SECONDS = env_int("DATASYNC_RECONCILE_SECONDS", 300, minimum=1)

app = make_celery("datasync", service="datasync",
                  broker_url=env_url("CELERY_BROKER_URL", env_url("REDIS_URL", schemes=("redis", "rediss")),
                                     schemes=("redis", "rediss", "amqp", "amqps", "sqs")))
app.conf.update(
    task_default_queue=QUEUE,
    beat_scheduler="celery.beat:Scheduler",
    beat_schedule={f"reconcile-{name}": {"task": "datasync.reconcile", "args": [name],
                                         "schedule": float(EVERY_SECONDS), "options": {"expires": EVERY_SECONDS}}
                   for name in modules()},
)


@app.task(name="datasync.reconcile")
def reconcile_module(name: str) -> dict[str, Any] | None:
    """Reconcile module `name` if it syncs; the result is recorded in its state and published for the
    dashboard (when REDIS_URL is set). Running it twice is harmless."""
    publisher = publisher_from_env(os.environ)
    try:
        with open_sides(module_named(name), publisher=publisher) as sides:
            if current(sides).phase == "off":
                return None
            result = reconcile(sides)
    except (SpecError, DatabaseError) as error:
        logger.warning("reconciliation skipped", extra={"datasync_module": name, "reason": str(error)})
        return None
    finally:
        if publisher is not None:
            publisher.close()
    level = logging.WARNING if result.differences else logging.INFO
    logger.log(level, "reconciled", extra={"datasync_module": name, "differences": result.differences,
                                           "missing": len(result.missing), "extra": len(result.extra),
                                           "differing": len(result.differing), "seconds": result.seconds})
    return result.as_dict()
