from django.apps import AppConfig


class WhatIfConfig(AppConfig):
    """The policy what-if (D9 §9), a top-layer app of its own so that its command
    (`manage.py policy_whatif`) may replay incidents; its rows live in `governance`."""

    name = "governance.whatif"
    label = "whatif"
    verbose_name = "Policy what-if"
