"""Which workspaces a person may see: asked of WebWork with their own token, and failing closed.

The list of workspaces a person manages is authorisation data. It is trusted for
`ACCESS_RECHECK_SECONDS` after WebWork gave it and never beyond: past that, a WebWork that fails
means access cannot be confirmed, not that the old answer still holds (a manager demoted in
WebWork must not keep access for as long as WebWork is down). And WebWork refusing any read of
a workspace (403) takes that workspace off the person's list at once.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser

from dashboard.platform.cache import cache_peek, cache_put, cached_fetch, user_key
from dashboard.selectors.parallel import page_client
from dashboard.webwork import Forbidden, Workspace


def person_scope(user_id: int) -> str:
    """The breaker's scope for a person's reads: WebWork's rate limit is per person."""
    return f"user:{user_id}"


def _key(user_id: int) -> str:
    return user_key(user_id, "workspaces")


def workspace_list_for_user(*, user: AbstractBaseUser, force: bool = False) -> list[Workspace]:
    """The workspaces this person manages, from their own token.

    Raises the WebWork error when WebWork fails and the list it last gave is older than
    `ACCESS_RECHECK_SECONDS`: an old answer is never served as a stale one.
    """
    recheck = settings.ACCESS_RECHECK_SECONDS
    entry = cached_fetch(
        _key(user.pk),
        lambda: [w for w in page_client(user.pk).list_workspaces() if w.can_manage],
        fresh_for=recheck,
        keep_for=recheck,
        breaker_scope=person_scope(user.pk),
        force=force,
        serve_stale=False,
    )
    return entry.value


def workspace_list_age(*, user_id: int) -> float | None:
    """Seconds since WebWork gave this person's list (None when none is held)."""
    entry = cache_peek(_key(user_id))
    return entry.age_seconds if entry is not None else None


def workspace_list_prime(*, user_id: int, workspaces: list[Workspace]) -> None:
    """Remember the manageable workspaces learnt at sign-in (saves a call)."""
    cache_put(_key(user_id), list(workspaces), keep_for=settings.ACCESS_RECHECK_SECONDS)


# --------------------------------------------------------------------------- refusals
# The workspaces WebWork refused during the current request, so that the page answering it can
# turn into a 404 (see `access_refusals`). A set shared with the page's worker threads, which
# run in copies of this context.
_refused: ContextVar[set[int] | None] = ContextVar("refused_workspaces", default=None)


@contextmanager
def access_refusals() -> Iterator[set[int]]:
    """Collect the workspaces WebWork refuses (403) while the block runs."""
    refused: set[int] = set()
    marker = _refused.set(refused)
    try:
        yield refused
    finally:
        _refused.reset(marker)


def workspace_access_drop(*, user_id: int, workspace_id: int) -> None:
    """WebWork refused this person a read of the workspace: take it off their list now."""
    refused = _refused.get()
    if refused is not None:
        refused.add(workspace_id)
    entry = cache_peek(_key(user_id))
    if entry is None or all(w.id != workspace_id for w in entry.value):
        return
    remaining = [w for w in entry.value if w.id != workspace_id]
    cache_put(
        _key(user_id),
        remaining,
        keep_for=settings.ACCESS_RECHECK_SECONDS,
        fetched_at=entry.fetched_at,
    )


def guarded[T](user_id: int, workspace_id: int, fetch: Callable[[], T]) -> Callable[[], T]:
    """`fetch` (a read of the workspace), dropping the workspace from the list on a 403."""

    def read() -> T:
        try:
            return fetch()
        except Forbidden:
            workspace_access_drop(user_id=user_id, workspace_id=workspace_id)
            raise

    return read
