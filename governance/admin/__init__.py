"""Admin registrations, one module per concern."""

from governance.admin import duties, killswitch, ops, policy, rollout  # noqa: F401
