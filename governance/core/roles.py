"""Role keys the code names (the D9 rows hold the rest)."""

ON_CALL = "on_call"
ANYONE = "anyone"
ALL_STAKEHOLDERS = "all_stakeholders"
OWNER = "ingestion_owner"
ON_CALL_PRIMARY = "on_call_primary"
ON_CALL_SECONDARY = "on_call_secondary"
