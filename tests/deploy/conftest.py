"""Fixtures for the deployment tests: the image's file tree, a throwaway PostgreSQL database."""

import os
import uuid
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg import sql

from tests import needs

from .support import make_image_tree

DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(scope="session")
def image_tree(tmp_path_factory):
    """The entrypoint of a copy of the runtime image's files, static files collected."""
    return make_image_tree(tmp_path_factory.mktemp("image") / "app")


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """A PostgreSQL server to create databases on (TEST_POSTGRES_URL, else the local one).

    Skipped when none answers, unless REQUIRE_POSTGRES is set.
    """
    url = os.environ.get("TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL
    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.Error as exc:
        needs.missing("postgres", f"no PostgreSQL at TEST_POSTGRES_URL ({exc.__class__.__name__})")
    return url


@pytest.fixture
def postgres_database(postgres_url):
    """A new, empty database; its URL. Dropped afterwards."""
    name = f"wwld_deploy_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield urlsplit(postgres_url)._replace(path=f"/{name}").geturl()
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
