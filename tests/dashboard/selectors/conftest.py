import pytest
from django.contrib.auth import get_user_model


@pytest.fixture
def manager(manager_client):
    """The signed-in Executive manager of workspace 1, as a Django user."""
    return get_user_model().objects.get(email="manager@sandbox.test")
