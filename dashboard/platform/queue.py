"""Enqueue Celery tasks by name without ever holding up a web request.

Services sit below tasks in the layers, so they queue work by task name. With no broker
(the embedded default) tasks run inline; with a broker, publishing happens on a small
background pool: a paused or unreachable Redis costs the request nothing, and the failure is
logged (the next page view or beat run fetches what the task would have).
"""

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import connections

from config.celery import app

logger = logging.getLogger("dashboard.queue")

_publisher = ThreadPoolExecutor(max_workers=2, thread_name_prefix="enqueue")


def _publish(task_name: str, kwargs: dict, countdown: float | None = None) -> None:
    try:
        # The project's app explicitly: Celery's "current app" is per thread, and this runs
        # on a publishing thread.
        app.tasks[task_name].apply_async(
            kwargs=kwargs,
            countdown=countdown,
            retry=True,
            retry_policy=settings.CELERY_TASK_PUBLISH_RETRY_POLICY,
        )
    except Exception as exc:  # broker down: log and move on, never raise into a request
        logger.warning("could not queue %s: %s", task_name, exc.__class__.__name__)


def enqueue(task_name: str, **kwargs: int | str) -> None:
    """Queue `task_name` with id-only keyword arguments."""
    if app.conf.task_always_eager:
        _publish(task_name, kwargs)
    else:
        _publisher.submit(_publish, task_name, kwargs)


def enqueue_later(task_name: str, *, countdown: float, **kwargs: int | str) -> None:
    """Queue `task_name` to run in `countdown` seconds. Without a broker a timer thread of this
    process runs it then: the work must be recorded where a sweep finds it if this process ends
    first (held decisions are, in the database)."""
    if app.conf.task_always_eager:
        timer = threading.Timer(countdown, _run_here, args=(task_name, kwargs))
        timer.daemon = True
        timer.start()
    else:
        _publisher.submit(_publish, task_name, kwargs, countdown)


def _run_here(task_name: str, kwargs: dict) -> None:
    try:
        _publish(task_name, kwargs)
    finally:
        connections.close_all()  # this thread's own connections


def runs_inline() -> bool:
    """True when there is no broker and tasks run inline (the embedded default)."""
    return bool(app.conf.task_always_eager)
