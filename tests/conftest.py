"""Shared fixtures: persona users and factories used across the suite."""

import pytest
from django.contrib.auth import get_user_model


@pytest.fixture
def make_user(db):
    """Create a user; `make_user("alice")` gives alice@example.com with a full name."""

    def make(username: str, **fields):
        defaults = {
            "email": f"{username}@example.com",
            "first_name": username.capitalize(),
            "last_name": "Tester",
        }
        defaults.update(fields)
        user = get_user_model().objects.create_user(username=username, password="pw", **defaults)
        return user

    return make
