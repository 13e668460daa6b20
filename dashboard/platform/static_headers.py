"""Headers for static files, which whitenoise serves before Django's CSP middleware runs.

Without these a static file (an SVG opened on its own, say) would be a page with no
Content-Security-Policy and no framing rule. Nothing served from /static/ needs to run a
script, submit a form or be framed.
"""

STATIC_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def add_static_headers(headers, _path: str, _url: str) -> None:
    """whitenoise's WHITENOISE_ADD_HEADERS_FUNCTION (called with the file's path and URL, the
    same for every file here): a strict CSP and no framing."""
    headers["Content-Security-Policy"] = STATIC_CSP
    headers["X-Frame-Options"] = "DENY"
