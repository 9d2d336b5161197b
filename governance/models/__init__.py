from governance.models.ops import ApiToken, SweepHeartbeat
from governance.models.outbox import Notification

__all__ = ["ApiToken", "Notification", "SweepHeartbeat"]
