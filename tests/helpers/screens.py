"""Browser-test helpers: a signed-in page at a given width, its full-page screenshot under
`VAR_DIR/screenshots/`, and whether it overflows sideways (issue 17 acceptance)."""

from django.conf import settings

WIDTHS = (1280, 390)


def signed_in_page(browser, base_url: str, username: str, *, width: int = 1280):
    """A new browser context at `width` with JavaScript off (the pages work without it),
    signed in as `username` (password "pw")."""
    context = browser.new_context(
        base_url=base_url, viewport={"width": width, "height": 900}, java_script_enabled=False
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def shoot(page, name: str) -> bool:
    """Save a full-page screenshot `<name>-<width>.png`; True when the page is wider than the
    viewport (horizontal overflow)."""
    folder = settings.VAR_DIR / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


def with_password(*people) -> None:
    """Give `people` the password "pw" (fast hasher set by the test's settings)."""
    for person in people:
        person.set_password("pw")
        person.save()
