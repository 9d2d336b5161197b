"""Celery task running one periodic sweep by name."""

from celery import shared_task

from governance.ops import sweeps


@shared_task(name="governance.run_sweep", acks_late=True)
def run_sweep_task(name: str) -> str:
    return sweeps.run_sweep(name)
