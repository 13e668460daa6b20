"""Pages are compressed for browsers that accept it: the calendar of a large team is hundreds
of kilobytes of HTML, most of it repeated markup."""

import gzip

import pytest

pytestmark = pytest.mark.django_db

GZIP = {"accept-encoding": "gzip, deflate, br"}


def test_a_page_is_compressed_for_a_browser_that_accepts_it(manager_client, webwork):
    plain = manager_client.get("/w/1/calendar/")
    packed = manager_client.get("/w/1/calendar/", headers=GZIP)
    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    html = gzip.decompress(packed.content).decode()
    assert '<div id="calendar"' in html
    assert len(packed.content) < len(plain.content) / 4


def test_an_export_streams_compressed_and_whole(manager_client, webwork):
    plain = manager_client.get("/w/1/leaves/export.csv")
    packed = manager_client.get("/w/1/leaves/export.csv", headers=GZIP)
    assert packed.status_code == 200
    assert packed["Content-Encoding"] == "gzip"
    expected = b"".join(plain.streaming_content)
    assert gzip.decompress(b"".join(packed.streaming_content)) == expected
    assert len(expected.splitlines()) > 2
