"""Hostile text corpus served by the sandbox in hostile mode.

Every payload that would execute sets ``window.__pwned = 1`` or calls ``alert``, so a browser
test can tell "rendered as text" from "ran". The corpus also carries template syntax (Django,
Jinja, Angular), htmx attributes that would fire requests, bidirectional and zero-width
characters, and one very long string.
"""

LONG_TEXT = "Lorem ipsum dolor sit amet, " * 200

PAYLOADS: tuple[str, ...] = (
    "<script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=1">',
    '<svg onload="window.__pwned=1">',
    '"><script>window.__pwned=1</script>',
    "'><img src=x onerror=alert(1)>",
    "javascript:window.__pwned=1",
    '<a href="javascript:window.__pwned=1">open profile</a>',
    '<div hx-get="/x" hx-trigger="load">htmx load</div>',
    '<button hx-post="/accounts/logout/" hx-trigger="load">logout</button>',
    '<div data-hx-get="/x" data-hx-trigger="load">data-hx</div>',
    '<div hx-on:htmx:load="window.__pwned=1">hx-on</div>',
    "{{ 7*7 }}",
    "{% debug %}",
    "{{ request.session }}{% csrf_token %}",
    "${7*7} #{7*7} <%= 7*7 %>",
    "{{constructor.constructor('window.__pwned=1')()}}",
    "\u202egnp.exe\u202c Ahmed",
    "Zero\u200bWidth\u200cJoin\u200dName\ufeff",
    "\u05e9\u05dc\u05d5\u05dd \u202bmixed RTL\u202c text",
    LONG_TEXT,
    '<iframe src="javascript:window.__pwned=1"></iframe>',
    "<body onload=window.__pwned=1>",
    "<details open ontoggle=window.__pwned=1>",
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__pwned=1>",
    "<input autofocus onfocus=window.__pwned=1>",
    '" onmouseover="window.__pwned=1',
    "' onfocus='window.__pwned=1' autofocus='",
    "</textarea><script>window.__pwned=1</script>",
    "</title><script>window.__pwned=1</script>",
    "</script><script>window.__pwned=1</script>",
    "<script>alert(String.fromCharCode(88,83,83))</script>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<scr<script>ipt>window.__pwned=1</scr</script>ipt>",
    "<IMG SRC=JaVaScRiPt:window.__pwned=1>",
    "%3Cscript%3Ewindow.__pwned%3D1%3C%2Fscript%3E",
    '<object data="javascript:window.__pwned=1"></object>',
    '<embed src="javascript:window.__pwned=1">',
    '<form action="javascript:window.__pwned=1"><button>go</button></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:window.__pwned=1">',
    "<svg><animate onbegin=window.__pwned=1 attributeName=x dur=1s>",
    '<video><source onerror="window.__pwned=1"></video>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data url</a>',
    "<x onclick=window.__pwned=1>click me</x>",
    "Robert'); DROP TABLE members;--",
    "line\u2028separator\u2029<script>window.__pwned=1</script>",
    "Z\u0338\u0322a\u0334l\u0337g\u0335o\u0336 text",
    '<style>*{background:url("javascript:window.__pwned=1")}</style>',
    '<base href="javascript:window.__pwned=1//">',
)

URL_PAYLOADS: tuple[str, ...] = (
    'x.jpg" onerror="window.__pwned=1',
    "javascript:window.__pwned=1",
    "data:text/html,<script>window.__pwned=1</script>",
    "//evil.test/a.png",
)
"""Payloads for fields that a page may use inside an attribute or a URL (avatar)."""

ALL_PAYLOADS: frozenset[str] = frozenset(PAYLOADS + URL_PAYLOADS)


def payload(index: int) -> str:
    """Return the corpus entry at ``index``, wrapping around the corpus."""
    return PAYLOADS[index % len(PAYLOADS)]


def url_payload(index: int) -> str:
    """Return the URL-shaped payload at ``index``, wrapping around."""
    return URL_PAYLOADS[index % len(URL_PAYLOADS)]


def distinct_payloads(count: int, offset: int = 0) -> list[str]:
    """Return ``count`` distinct payloads (suffixed with a number once the corpus runs out)."""
    result = []
    for i in range(count):
        text = payload(offset + i)
        if i >= len(PAYLOADS):
            text = f"{text} #{i // len(PAYLOADS)}"
        result.append(text)
    return result


def is_hostile(text: str | None) -> bool:
    """Tell whether ``text`` is (or starts with) a corpus payload."""
    if text is None:
        return False
    if text in ALL_PAYLOADS:
        return True
    return any(text.startswith(p + " #") for p in PAYLOADS)
