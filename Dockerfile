# WebWork Leave Dashboard: one image runs every process, chosen by its command
# (config/docker-entrypoint.sh):
#
#   docker run IMAGE web | worker | beat | migrate | manage <command> [args]
#
# Targets: `runtime` (the default, deployed) and `sandbox` (the fake WebWork for
# `docker compose --profile demo up`, never deployed). The runtime image holds the product
# only: config/, dashboard/, templates/, static/ (and its collected copy), manage.py, and the
# runtime dependencies exactly as uv.lock pins them. No sandbox, no tests, no development tools,
# no installer: uv works in the build stages only.

ARG PYTHON_IMAGE=python:3.13-slim
ARG UV_IMAGE=ghcr.io/astral-sh/uv:0.13.9

FROM ${UV_IMAGE} AS uv

FROM ${PYTHON_IMAGE} AS python
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1

# --------------------------------------------------------------------------- installer
# uv installs what uv.lock pins into /opt/venv, with the image's own Python, bytecode compiled
# (the app user cannot write it later), files copied rather than linked, no cache left behind.
FROM python AS installer
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_PYTHON=/usr/local/bin/python3 \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1 \
    PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY pyproject.toml uv.lock ./

# --------------------------------------------------------------------------- build
FROM installer AS build
# The [project] dependencies exactly as locked: none of the dependency groups (dev, run,
# sandbox, bench). Rebuilt only when pyproject.toml or uv.lock changes.
RUN uv sync --frozen --no-dev --no-install-project
# The project's own metadata (its version names the User-Agent sent to WebWork). Its code
# runs from /app, next to templates/ and static/, so only the .dist-info is installed. The
# wheel is built from config/ and dashboard/ alone: the sandbox is not in this stage.
COPY README.md ./
COPY config/ config/
COPY dashboard/ dashboard/
RUN uv build --wheel --out-dir /tmp/dist \
    && python -m zipfile -e /tmp/dist/webwork_leave_dashboard-*.whl /tmp/wheel \
    && cp -r /tmp/wheel/*.dist-info "$(python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')/"
# Static files with hashed, compressed names (production settings' storage), collected now.
# Production settings refuse to load without these values; they exist for this step only.
WORKDIR /app
COPY manage.py ./
COPY config/ config/
COPY dashboard/ dashboard/
COPY templates/ templates/
COPY static/ static/
RUN DJANGO_SETTINGS_MODULE=config.settings.production \
    SECRET_KEY=collectstatic-at-image-build-only-never-used-at-runtime-000000 \
    TOKEN_ENCRYPTION_KEY="$(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
    WEBWORK_CLIENT_ID=image-build \
    WEBWORK_CLIENT_SECRET=image-build \
    ALLOWED_HOSTS=image-build.invalid \
    python manage.py collectstatic --noinput

# --------------------------------------------------------------------------- sandbox
FROM installer AS sandbox-build
# The sandbox dependency group exactly as locked (Flask), nothing of the project.
RUN uv sync --frozen --only-group sandbox --no-install-project

FROM python AS sandbox
RUN useradd --system --uid 10001 --user-group --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin sandbox
COPY --from=sandbox-build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /srv
COPY sandbox/ sandbox/
USER sandbox
EXPOSE 8001
ENTRYPOINT ["python", "-m", "sandbox"]
CMD ["--host", "0.0.0.0", "--port", "8001"]

# --------------------------------------------------------------------------- runtime (default)
FROM python AS runtime
RUN useradd --system --uid 10001 --user-group --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin app
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=config.settings.production
WORKDIR /app
# Owned by root, read-only for the app user; bytecode compiled now, since /app is not writable.
COPY manage.py ./
COPY config/ config/
COPY dashboard/ dashboard/
COPY templates/ templates/
COPY static/ static/
COPY --from=build /app/staticfiles/ staticfiles/
RUN chmod 0755 config/docker-entrypoint.sh \
    && python -m compileall -q config dashboard manage.py
USER app
EXPOSE 8000
# The web process: /healthz. The worker: a Celery ping. Beat and one-off commands: nothing.
HEALTHCHECK --interval=30s --timeout=15s --start-period=30s --retries=3 \
    CMD ["/app/config/docker-entrypoint.sh", "healthcheck"]
ENTRYPOINT ["/app/config/docker-entrypoint.sh"]
CMD ["web"]
