"""The audit log is readable, and only readable, in the admin; tokens are not there at all."""

import pytest
from django.contrib.auth import get_user_model

from dashboard import services
from dashboard.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    user = get_user_model().objects.create_superuser("admin", "admin@example.com", "pw-123456")
    client.force_login(user)
    return client


def test_decisions_appear_read_only_in_the_admin(manager_client, webwork, staff_client):
    leave = webwork.state.leaves_for(1, status="pending")[0]
    manager = get_user_model().objects.get(email="manager@sandbox.test")
    services.leave_approve(user=manager, workspace_id=1, leave_id=leave["id"])
    listing = staff_client.get("/admin/dashboard/auditentry/")
    assert listing.status_code == 200
    assert leave["id"] in listing.content.decode()
    assert b"Add audit entry" not in listing.content
    entry_id = AuditEntry.objects.get().pk
    change = staff_client.post(f"/admin/dashboard/auditentry/{entry_id}/change/", {"reason": "x"})
    assert change.status_code == 403
    assert staff_client.post(f"/admin/dashboard/auditentry/{entry_id}/delete/").status_code == 403


def test_no_token_table_in_the_admin(staff_client):
    index = staff_client.get("/admin/").content.decode()
    assert "Social application tokens" not in index
    assert "WebWork token" not in index
    assert staff_client.get("/admin/socialaccount/socialtoken/").status_code == 404
