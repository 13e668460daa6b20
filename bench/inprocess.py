"""In-process measurements against the benchmark's database and cache (run by the harness).

    python -m bench.inprocess token
    python -m bench.inprocess render --cases '{"inbox": "/w/1/", ...}' --reps 10
    python -m bench.inprocess profile --cases '{"inbox": "/w/1/"}' --out-dir bench/results

It runs with the same environment as gunicorn (bench.settings, same DATABASE_URL, REDIS_URL and
keys). `render` views each page once through Django's test client (so the cache is warm),
capturing the template and context the view hands to `render()`, then times
`render_to_string` of exactly that, again and again: the template's cost alone, no data
fetching. `profile` runs pages under pyinstrument, warm and then with an emptied cache, and
writes HTML and text profiles. Results are printed as one JSON object on stdout.
"""

import argparse
import json
import os
import sys
import time


def _setup():
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.order_by("-date_joined").first()
    if user is None:
        raise SystemExit("nobody has signed in to this database")
    return user


def _client(user):
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client


def token() -> dict:
    """The signed-in person's WebWork access token, as the dashboard stores it."""
    user = _setup()
    from dashboard.webwork_oauth.tokens import access_token_for

    return {"token": access_token_for(user_id=user.pk), "user_id": user.pk}


class _Capture:
    """Wraps the views' `render` to keep what they render."""

    def __init__(self):
        self.items: list[tuple] = []

    def install(self) -> None:
        from dashboard.views import actions, common, pages

        for module in (pages, actions, common):
            module.render = self._wrap(module.render)

    def _wrap(self, original):
        def render(request, template_name, context=None, *args, **kwargs):
            self.items.append((request, template_name, context or {}))
            return original(request, template_name, context, *args, **kwargs)

        return render


def render(cases: dict[str, str], reps: int, budget_s: float, approve_leave: str | None) -> dict:
    """Per case: time of the template render alone, and of the whole request in-process."""
    user = _setup()
    from django.template.loader import render_to_string

    from dashboard.webwork import record_calls

    capture = _Capture()
    capture.install()
    client = _client(user)
    results = {}
    for key, path in cases.items():
        if key == "approve":
            if not approve_leave:
                continue
            target = path.replace("<uuid>", approve_leave)
            capture.items.clear()
            with record_calls() as calls:
                started = time.perf_counter()
                response = client.post(target, HTTP_HX_REQUEST="true")
                request_ms = [(time.perf_counter() - started) * 1000]
        else:
            client.get(path)  # warm the cache and the template loader
            capture.items.clear()
            request_ms = []
            with record_calls() as calls:
                for _ in range(3):
                    started = time.perf_counter()
                    response = client.get(path)
                    request_ms.append((time.perf_counter() - started) * 1000)
                    if request_ms[-1] > 1500:
                        break  # a slow page: one timed view is enough
        if not capture.items:
            results[key] = {"error": f"no template rendered (HTTP {response.status_code})"}
            continue
        request, template_name, context = capture.items[-1]
        render_to_string(template_name, context, request=request)
        times = []
        started_all = time.monotonic()
        while len(times) < reps and (len(times) < 3 or time.monotonic() - started_all < budget_s):
            started = time.perf_counter()
            html = render_to_string(template_name, context, request=request)
            times.append((time.perf_counter() - started) * 1000)
        results[key] = {
            "template": template_name,
            "render_ms": times,
            "request_ms": request_ms,
            "bytes": len(html.encode()),
            "error_notice": "notice--error" in html,
            "upstream_calls": len(calls),
        }
    return {"cases": results}


def profile(cases: dict[str, str], out_dir: str) -> dict:
    """pyinstrument profiles of each page: warm (several views) and cold (one, cache emptied)."""
    user = _setup()
    from django.core.cache import cache
    from pyinstrument import Profiler

    client = _client(user)
    written = []
    for key, path in cases.items():
        client.get(path)
        for state in ("warm", "cold"):
            profiler = Profiler(interval=0.001, async_mode="disabled")
            if state == "cold":
                cache.clear()
                profiler.start()
                client.get(path)
                profiler.stop()
            else:
                profiler.start()
                started = time.monotonic()
                views = 0
                while views < 3 or (time.monotonic() - started < 1.0 and views < 50):
                    client.get(path)
                    views += 1
                profiler.stop()
            base = os.path.join(out_dir, f"profile-{key}-{state}")
            with open(base + ".html", "w") as out:
                out.write(profiler.output_html())
            with open(base + ".txt", "w") as out:
                out.write(profiler.output_text(unicode=True, color=False, show_all=False))
            written += [base + ".html", base + ".txt"]
    return {"files": written}


def main(argv: list[str] | None = None) -> int:
    """Command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.inprocess")
    parser.add_argument("command", choices=("token", "render", "profile"))
    parser.add_argument("--cases", default="{}", help="JSON: case key to path")
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--budget", type=float, default=8.0, help="seconds of renders per case")
    parser.add_argument("--approve-leave", default=None)
    parser.add_argument("--out-dir", default="bench/results")
    args = parser.parse_args(argv)
    cases = json.loads(args.cases)
    if args.command == "token":
        result = token()
    elif args.command == "render":
        result = render(cases, args.reps, args.budget, args.approve_leave)
    else:
        result = profile(cases, args.out_dir)
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
