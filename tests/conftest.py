import os
from pathlib import Path

import pytest
from django.test import Client

from tests.factories import UserFactory

# The sync Playwright API runs an event loop in the test thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

DATA = Path(__file__).parent / "data"
ROLES = ("staff", "supervisor", "admin")


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def staff_user(db):
    return UserFactory(username="staff1", roles=["staff"])


@pytest.fixture
def supervisor_user(db):
    return UserFactory(username="super1", roles=["supervisor"])


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin1", roles=["admin"])


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def staff_client(staff_user) -> Client:
    return _client_for(staff_user)


@pytest.fixture
def supervisor_client(supervisor_user) -> Client:
    return _client_for(supervisor_user)


@pytest.fixture
def admin_client_role(admin_user) -> Client:
    return _client_for(admin_user)


@pytest.fixture
def role_client(request, db) -> Client | None:
    """A client logged in with the role named by the parameter (None: anonymous)."""
    role = request.param
    if role == "anonymous":
        return Client()
    return _client_for(UserFactory(username=f"{role}-user", roles=[role]))
