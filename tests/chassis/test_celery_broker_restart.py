"""A worker's broker connection, torn down after its Redis died, closes: so the worker reconnects.

On a connection error Celery's consumer first collects the connection (closing its channels, then
dropping the transport) and then closes it. At that moment the channel tasks come on may hold a BRPOP
whose reply will never come and unacknowledged messages (late acks), and the remote-control channel
fails to close too (deleting its fanout queue needs the server). With kombu's own channel the second
close raised AttributeError, which stopped the worker for good; chassis.broker's transport closes.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from kombu import Connection, Exchange, Queue

from chassis import devredis
from chassis.celery_app import make_celery
from tests.support.waiting import free_port, wait_until


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """A redis-server of the test's own, which it may kill."""
    port = free_port()
    server = devredis.start(port, str(tmp_path))
    url = f"redis://127.0.0.1:{port}/0"
    try:
        wait_until(lambda: devredis.answers(url), timeout=10, what=f"redis-server on port {port}")
        yield url, server
    finally:
        server.kill()
        server.wait(timeout=10)


def test_a_connection_whose_redis_died_under_a_pending_brpop_closes(own_redis):
    url, server = own_redis
    app = make_celery("broker-restart", broker_url=url, service="broker-restart-test")
    tasks = Queue("tasks", Exchange("tasks", type="direct"), "tasks")
    with app.connection_for_write() as producer:
        producer.Producer().publish({"step": 1}, routing_key="tasks", declare=[tasks])

    connection: Connection = app.connection_for_read()
    delivered = []
    connection.Consumer([tasks], callbacks=[lambda body, message: delivered.append(message)],
                        prefetch_count=2).consume()
    remote_control = Queue("worker.pidbox", Exchange("pidbox", type="fanout"), auto_delete=True)
    connection.Consumer([remote_control], channel=connection.channel(), no_ack=True).consume()
    wait_until(lambda: _drained(connection) and delivered, timeout=10, what="the task to be delivered")
    # Until a round brings nothing: the queue is empty, so the round's BRPOP is left waiting.
    wait_until(lambda: not _drained(connection), timeout=10, what="a round of the loop with nothing to deliver")
    tasks_channel = connection.default_channel
    assert tasks_channel.qos._delivered, "the task should be unacknowledged"
    assert tasks_channel._in_poll, "a BRPOP should be waiting for its reply"

    server.kill()
    server.wait(timeout=10)
    connection.collect(socket_timeout=5)  # what Celery's consumer does on a connection error, then ...
    connection.close()                    # ... this, which raised AttributeError
    assert tasks_channel.closed


def _drained(connection: Connection) -> bool:
    """One round of the consumer's loop; False when nothing came within a moment."""
    try:
        connection.drain_events(timeout=0.2)
    except TimeoutError:
        return False
    return True
