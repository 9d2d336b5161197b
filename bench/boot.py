"""What every in-process bench script does first: settings from the environment (a throwaway
SQLite database unless DATABASE_URL names one, a throwaway var folder) and `django.setup()`.

A script puts the checkout on `sys.path`, then calls `start()` before importing any model.
"""

import os
import tempfile


def start(*, settings: str = "governance.settings", production_like: bool = False, **environ):
    """`production_like`: no debug query log or template debug, so times are taken as in
    production (query counts come from a second, captured run). `environ`: more variables,
    set unless the caller's environment already has them."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings)
    if "DATABASE_URL" not in os.environ:
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    os.environ.setdefault("PORTAL_VAR_DIR", tempfile.mkdtemp())
    for name, value in environ.items():
        os.environ.setdefault(name, value)
    if production_like:
        os.environ.setdefault("DEBUG", "false")
        os.environ.setdefault("SECRET_KEY", "bench-" + "k3y!x" * 12)
        os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
        os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

    import django

    django.setup()
    if production_like:
        from django.core.management import call_command

        # DEBUG off serves static files from the manifest: pages need it collected.
        call_command("collectstatic", interactive=False, verbosity=0)


def migrate() -> None:
    """Migrate the database, unless bench/run.py handed over a copy of its migrated template
    (BENCH_MIGRATED): checking the migrations costs seconds a script."""
    if os.environ.get("BENCH_MIGRATED"):
        return
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
