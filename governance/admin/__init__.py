"""Admin registrations, one module per concern."""

from governance.admin import ops  # noqa: F401
