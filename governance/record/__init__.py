"""The tamper-evident record (issue 20): append-only rows hash-chained, verified, checkpointed."""
