#!/bin/sh
# Entrypoint of the dashboard image: one image, one process per container, chosen by command.
#
#   web              gunicorn serving config.wsgi on 0.0.0.0:$PORT (8000)
#   worker           the Celery worker
#   beat             Celery beat, the task schedule: exactly one in a deployment
#   migrate          apply database migrations, then exit
#   manage ARGS...   any manage.py command, e.g. `manage rotate_token_key`
#   healthcheck      exit 0 when this container is healthy (the image's HEALTHCHECK)
#   anything else    run as given (e.g. `sh`)
#
# Settings come from the environment (docs/operations.md); DJANGO_SETTINGS_MODULE defaults to
# config.settings.production.
set -eu

APP_DIR=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)
cd "$APP_DIR"
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings.production}"
export PYTHONPATH="$APP_DIR${PYTHONPATH:+:$PYTHONPATH}"
PORT="${PORT:-8000}"
# The command this container runs, for `healthcheck` (which runs beside it). TMPDIR must be
# writable (beat keeps its schedule there too).
ROLE_FILE="${TMPDIR:-/tmp}/dashboard-role"

command="${1:-web}"
if [ $# -gt 0 ]; then shift; fi
if [ "$command" != healthcheck ]; then
  printf '%s\n' "$command" >"$ROLE_FILE" \
    || echo "docker-entrypoint: cannot write $ROLE_FILE; healthcheck will fail" >&2
fi

case "$command" in
  web)
    # No access log: the dashboard writes its own JSON line per request. Workers and threads
    # from WEB_CONCURRENCY and GUNICORN_THREADS; on SIGTERM, requests get 30 s to finish.
    exec python -m gunicorn config.wsgi \
      --bind "0.0.0.0:$PORT" \
      --workers "${WEB_CONCURRENCY:-2}" \
      --threads "${GUNICORN_THREADS:-4}" \
      --timeout 60 \
      --graceful-timeout 30 \
      --keep-alive 5 \
      --worker-tmp-dir /dev/shm \
      --no-control-socket \
      "$@"
    ;;
  worker)
    exec python -m celery -A config worker \
      --loglevel "${LOG_LEVEL:-INFO}" \
      --pool threads \
      --concurrency "${WORKER_CONCURRENCY:-4}" \
      "$@"
    ;;
  beat)
    # The schedule's state (last run times) may be lost with the container: beat then starts
    # each interval afresh.
    exec python -m celery -A config beat \
      --loglevel "${LOG_LEVEL:-INFO}" \
      --schedule "${TMPDIR:-/tmp}/celerybeat-schedule" \
      "$@"
    ;;
  migrate)
    exec python manage.py migrate --noinput "$@"
    ;;
  manage)
    exec python manage.py "$@"
    ;;
  healthcheck)
    if ! role=$(cat "$ROLE_FILE" 2>/dev/null); then
      echo "healthcheck: no command recorded in $ROLE_FILE" >&2
      exit 1
    fi
    if [ "$role" = worker ]; then
      # This worker answers a ping sent through the broker.
      exec python -m celery -A config inspect ping \
        --destination "celery@$(uname -n)" --timeout 10 >/dev/null
    fi
    if [ "$role" != web ]; then
      exit 0  # beat, migrate, manage, other commands: nothing to ask
    fi
    # /healthz answers 200 while this process can serve (503 without its database). The Host
    # header must be one Django accepts: the first ALLOWED_HOSTS entry.
    exec python - "$PORT" <<'PY'
import os
import sys
import urllib.error
import urllib.request

hosts = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
host = next((h.lstrip(".") for h in hosts if h != "*"), "localhost")
request = urllib.request.Request(
    f"http://127.0.0.1:{sys.argv[1]}/healthz", headers={"Host": host}
)
try:
    with urllib.request.urlopen(request, timeout=5) as response:
        sys.exit(0 if response.status == 200 else 1)
except (urllib.error.URLError, OSError) as exc:
    print(f"healthcheck: {exc}", file=sys.stderr)
    sys.exit(1)
PY
    ;;
  *)
    exec "$command" "$@"
    ;;
esac
