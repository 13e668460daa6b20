"""`{% fragment %}`: HTML that is slow to render, kept under a digest of everything it shows.

    {% load fragments %}
    {% fragment "inbox-row" row workspace.id inbox_url skip=reject_form %} ... {% endfragment %}

The key is a digest of the fragment's name, the active language and the `repr` of each value
named in the tag. The same inputs give the same HTML, so the HTML is kept in this process's own
memory: nothing to invalidate, no cache-server round trip, nothing shared between processes
that could disagree. The values must be records whose `repr` shows all of their content (the
frozen dataclasses of the read models): a value whose `repr` is the default
`<... object at 0x...>` (a form, a lazy translation) could look the same with other content,
so the fragment is then rendered afresh and not kept. `skip=` renders afresh whenever its value
is true (a bound form the fragment shows, say).

Forms in a fragment carry the request's own CSRF token: the fragment is rendered with a marker
where the token goes, and the marker is replaced by this request's token on every use. The
marker is markup, so no text from WebWork (always escaped) can ever produce it.
"""

import itertools
import secrets
import threading
from collections import OrderedDict

from django import template
from django.template.base import FilterExpression, Node, NodeList, Parser, Token
from django.utils.html import escape
from django.utils.translation import get_language

from dashboard.read_models.common import fingerprint

register = template.Library()

CSRF_MARKER = f"csrf-{secrets.token_hex(16)}"
UNFAITHFUL_REPR = " object at 0x"
# Characters of HTML kept per process (about 2 MB at most, in Python's compact strings):
# a few thousand rows, far more than a few people's current pages.
MAX_CHARS = 2_000_000


class FragmentStore:
    """Rendered fragments by key, the least recently used dropped beyond `max_chars`."""

    def __init__(self, max_chars: int = MAX_CHARS) -> None:
        self.max_chars = max_chars
        self._items: OrderedDict[str, str] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> str | None:
        """The fragment kept under `key`, or None (counted either way)."""
        with self._lock:
            html = self._items.get(key)
            if html is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return html

    def put(self, key: str, html: str) -> None:
        """Keep `html` under `key` unless it alone would fill the store."""
        if len(html) > self.max_chars // 4:
            return
        with self._lock:
            previous = self._items.pop(key, None)
            if previous is not None:
                self._chars -= len(previous)
            self._items[key] = html
            self._chars += len(html)
            while self._chars > self.max_chars:
                _, dropped = self._items.popitem(last=False)
                self._chars -= len(dropped)

    def clear(self) -> None:
        """Forget everything (tests)."""
        with self._lock:
            self._items.clear()
            self._chars = 0
            self.hits = self.misses = 0


store = FragmentStore()
_node_versions = itertools.count()


class FragmentNode(Node):
    """See the module's docstring."""

    def __init__(
        self,
        nodelist: NodeList,
        name: FilterExpression,
        values: list[FilterExpression],
        skip: FilterExpression | None,
    ) -> None:
        self.nodelist = nodelist
        self.name = name
        self.values = values
        self.skip = skip
        # Part of every key: a template reloaded while developing is a new node, so what its
        # old version rendered is never shown again.
        self.version = next(_node_versions)

    def render(self, context: template.Context) -> str:
        """The kept HTML with this request's token, else the fragment rendered and kept."""
        token = context.get("csrf_token")
        key = self._key(context)
        if key is None or token in (None, "", "NOTPROVIDED"):
            return self.nodelist.render(context)
        html = store.get(key)
        if html is None:
            with context.push(csrf_token=CSRF_MARKER):
                html = self.nodelist.render(context)
            store.put(key, html)
        # A tag's output is the template's own markup (never escaped again): the token is
        # escaped here, as {% csrf_token %} does.
        return html.replace(CSRF_MARKER, escape(str(token)))

    def _key(self, context: template.Context) -> str | None:
        """The digest of the fragment's inputs; None when it must render afresh."""
        if self.skip is not None and self.skip.resolve(context):
            return None
        shown = repr([value.resolve(context) for value in self.values])
        if UNFAITHFUL_REPR in shown:
            return None
        return fingerprint(self.name.resolve(context), self.version, get_language(), shown)


@register.tag("fragment")
def do_fragment(parser: Parser, token: Token) -> FragmentNode:
    """`{% fragment name value... [skip=value] %}...{% endfragment %}`"""
    bits = token.split_contents()[1:]
    if not bits:
        raise template.TemplateSyntaxError("{% fragment %} needs a name")
    skip = None
    if bits[-1].startswith("skip="):
        skip = parser.compile_filter(bits.pop()[len("skip=") :])
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    name, *values = (parser.compile_filter(bit) for bit in bits)
    return FragmentNode(nodelist, name, values, skip)
