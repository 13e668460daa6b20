"""How many pages each of a workspace's WebWork lists had, kept in the database (`ListShape`).

A list whose cached copy is gone (expired, or the cache emptied) would otherwise cost two
rounds: its first page, which tells how many follow, then the rest. Knowing the count from
last time, every page is asked for at once (a list that shrank meanwhile still gives exactly
its items; one that grew asks its extra pages after the first). A page's reads run in worker
threads that touch only WebWork and the cache, so the shapes are read and written by the
thread that opened the book (`list_shapes`), once per page: read when a list must be fetched,
written (only what changed) when the block ends. Without a book nothing is read or written
here and a cold list is read as before.
"""

import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.db import DatabaseError

from dashboard.models import ListShape
from dashboard.platform.cache import Cached

logger = logging.getLogger(__name__)

type Month = tuple[int, int]


@dataclass(frozen=True)
class Shape:
    """A list's pages, and (for the pending list) the months its requests touched."""

    pages: int
    months: tuple[Month, ...] | None = None


@dataclass
class ShapeBook:
    """The shapes of the workspaces a page reads, and what its reads learnt of them."""

    owner: int = field(default_factory=threading.get_ident)
    workspaces: set[int] = field(default_factory=set)  # read by `shapes_ready`
    known: dict[int, dict[str, Shape]] = field(default_factory=dict)
    # What the page's reads learnt: (pages, months), None where they learnt nothing of it.
    seen: dict[tuple[int, str], tuple[int | None, tuple[Month, ...] | None]] = field(
        default_factory=dict
    )

    def load(self, workspace_id: int) -> dict[str, Shape] | None:
        """The workspace's shapes; read from the database only in the owner's thread."""
        if workspace_id not in self.known and threading.get_ident() == self.owner:
            self.known[workspace_id] = {
                row.name: Shape(row.pages, _months(row.months))
                for row in ListShape.objects.filter(workspace_id=workspace_id)
            }
        return self.known.get(workspace_id)

    def flush(self) -> None:
        """Write the shapes that changed (nothing when every list was as recorded)."""
        changed = {}
        for (workspace_id, name), (pages, months) in self.seen.items():
            known = (self.load(workspace_id) or {}).get(name)
            shape = Shape(
                pages if pages is not None else (known.pages if known else 1),
                months if months is not None else (known.months if known else None),
            )
            if shape != known:
                changed[workspace_id, name] = shape
        self.seen.clear()
        for (workspace_id, name), shape in changed.items():
            months = shape.months
            try:
                ListShape.objects.update_or_create(
                    workspace_id=workspace_id,
                    name=name,
                    defaults={
                        "pages": shape.pages,
                        "months": None if months is None else [_month_text(m) for m in months],
                    },
                )
            except DatabaseError:  # another page wrote it first, or the database is away
                logger.warning("list shape %s of workspace %s not recorded", name, workspace_id)
                continue
            self.known.setdefault(workspace_id, {})[name] = shape


def _month_text(month: Month) -> str:
    return f"{month[0]:04d}-{month[1]:02d}"


def _months(value) -> tuple[Month, ...] | None:
    if not isinstance(value, list):
        return None
    months = []
    for text in value:
        try:
            year, month = (int(part) for part in str(text).split("-"))
        except ValueError:
            continue
        if 1 <= month <= 12:
            months.append((year, month))
    return tuple(months)


_book: ContextVar[ShapeBook | None] = ContextVar("list_shapes", default=None)


@contextmanager
def list_shapes(*workspace_ids: int) -> Iterator[ShapeBook]:
    """Within the block, lists read cold ask as many pages at once as they had last time, and
    what they have now is written when the block ends. A block inside another shares its book
    (the outer one writes); `workspace_ids` are read from the database on the first need."""
    book = _book.get()
    if book is not None:
        book.workspaces.update(workspace_ids)
        yield book
        return
    book = ShapeBook(workspaces=set(workspace_ids))
    marker = _book.set(book)
    try:
        yield book
    finally:
        _book.reset(marker)
    book.flush()


def shapes_ready() -> None:
    """Read the shapes of the book's workspaces now, before worker threads (which can't) need
    them: called only when some list must be fetched, so a page served from the cache reads
    nothing here."""
    book = _book.get()
    if book is not None:
        for workspace_id in sorted(book.workspaces):
            book.load(workspace_id)


def read_list[T](
    workspace_id: int,
    name: str,
    read: Callable[[int], Iterable[T]],
    *,
    held: Cached[list] | None = None,
    ahead: bool = True,
) -> list[T]:
    """Read a whole list with `read(expect_pages)`, asking as many pages at once as the copy
    still `held` had, else as the list had last time; then note what it has now. Without
    `ahead` (the worker's renewals, which spend a small share of calls page by page) only the
    first page is asked before the count is known."""
    expect = expected_pages(workspace_id, name, held=None if held is None else len(held.value))
    expect = expect if ahead else 1
    items = list(read(expect))
    shape_note(workspace_id, name, len(items))
    return items


def expected_pages(workspace_id: int, name: str, *, held: int | None = None) -> int:
    """How many pages to ask for at once: as many as the copy still held had (`held` items),
    else as many as the list had last time it was read, else 1."""
    if held is not None:
        return pages_for(held)
    book = _book.get()
    shapes = book.load(workspace_id) if book is not None else None
    shape = (shapes or {}).get(name)
    return shape.pages if shape is not None else 1


def pending_months_hint(workspace_id: int) -> tuple[Month, ...]:
    """The months the pending list's requests touched when it was last read in full."""
    book = _book.get()
    shapes = book.load(workspace_id) if book is not None else None
    shape = (shapes or {}).get(PENDING_SHAPE)
    return shape.months or () if shape is not None else ()


def shape_note(workspace_id: int, name: str, items: int) -> None:
    """A list was just read in full with `items` items (100 to a page)."""
    _note(workspace_id, name, pages=pages_for(items))


def pending_months_note(workspace_id: int, months: list[Month]) -> None:
    """The months the pending list's first requests touch (read beside it next time); kept
    when the page read something from WebWork (a page served from the cache writes nothing)."""
    book = _book.get()
    if book is not None and workspace_id in book.known:
        _note(workspace_id, PENDING_SHAPE, months=tuple(sorted(set(months))))


def _note(
    workspace_id: int, name: str, *, pages: int | None = None, months: tuple | None = None
) -> None:
    book = _book.get()
    if book is None:
        return
    key = (workspace_id, name)
    had_pages, had_months = book.seen.get(key, (None, None))
    book.seen[key] = (pages or had_pages, had_months if months is None else months)


def pages_for(items: int) -> int:
    """Pages of WebWork's 100 that hold `items` (an empty list is one page)."""
    return max((items + 99) // 100, 1)


PENDING_SHAPE = "pending"
MEMBERS_SHAPE = "members"


def balances_shape(year: int) -> str:
    """The name of a year's balance list."""
    return f"balances:{year}"


def month_shape(month: Month) -> str:
    """The name of a month's leave list."""
    return f"month:{_month_text(month)}"
