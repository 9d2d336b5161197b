"""Admin registrations, one module per concern."""

from governance.admin import ops, policy  # noqa: F401
