"""The one way services save a history-tracked row (STYLE.md rule 4)."""


def save_with_history(obj, *, actor, reason: str, validate: bool = True) -> None:
    """Validate (`full_clean`) and save `obj`, naming `actor` and `reason` on its history row,
    so admin, pages, commands and tasks leave the same audit trail."""
    obj._history_user = actor
    obj._change_reason = reason
    if validate:
        obj.full_clean()
    obj.save()
