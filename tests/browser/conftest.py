"""Chromium through Playwright's sync API, against Django's live server.

Debian's /usr/bin/chromium is used (`make browser` installs it); Playwright never
downloads a browser here.
"""

import datetime as dt
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.core.servers.basehttp import WSGIServer
from django.test import Client, override_settings
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, Request, Route, sync_playwright
from pytest_django.live_server_helper import LiveServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Return a headless Chromium, one per test module, stopped with the module.

    Playwright's sync API keeps an event loop running in this thread, which Django's
    async-safety check would take for async code; the flag is set only while the
    browser lives, so later tests in the same worker keep the check.
    """
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium).")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    try:
        yield chromium
    finally:
        chromium.close()
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="module")
def live_server(request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    """Return a live server for this module only, speaking plain HTTP.

    pytest-django's own live server lives for the whole session, and Django's
    middleware reads SECURE_SSL_REDIRECT once, when the server starts: so this one
    starts inside the override and stops with the module. No static manifest was
    collected either: the source files are served as they are (through the finders).
    """
    override = override_settings(
        SECURE_SSL_REDIRECT=False,
        SESSION_COOKIE_SECURE=False,
        CSRF_COOKIE_SECURE=False,
        STORAGES={
            **django_settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    )
    override.enable()
    server = LiveServer(os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS") or "localhost", start=False)
    if server.thread.connections_override:
        server.thread.server_class = OneAtATime
    server.start()
    try:
        yield server
    finally:
        server.stop()
        override.disable()


class OneAtATime(WSGIServer):
    """The live server answering one request at a time, for SQLite's in-memory test database.

    Every request thread of Django's threaded live server is handed the same in-memory
    connection, so two requests at once (a search still being answered when a button is
    pressed) collide on it: "cannot open savepoint - SQL statements in progress", a 500
    that no real deployment has. Answered in turn, each closes its connection (Django's
    non-threaded server says `Connection: close`), so no browser can hold the server.
    """

    def __init__(self, *args: Any, connections_override: object = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # the connections are set in the server's thread


@pytest.fixture
def new_page(browser: Browser, live_server: LiveServer) -> Iterator[Callable[..., Page]]:
    """Return a factory of pages in fresh contexts, signed in as `user` when one is given."""
    contexts = []

    def make(
        *,
        user: User | None = None,
        width: int = 1280,
        height: int = 900,
        session_ends: dt.timedelta | None = None,
        language: str | None = None,
    ) -> Page:
        context = browser.new_context(viewport={"width": width, "height": height}, locale="en")
        context.set_default_timeout(10_000)
        contexts.append(context)
        _count_in_flight(context)
        cookies = {}
        if user is not None:
            client = Client()
            client.force_login(user)
            session = client.session
            if session_ends is not None:  # sooner than the shift's 12 hours
                session.set_expiry(timezone.now() + session_ends)
                session.save()
            cookies[django_settings.SESSION_COOKIE_NAME] = session.session_key
        if language is not None:
            cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
        context.add_cookies(
            [
                {"name": name, "value": value, "url": live_server.url}
                for name, value in cookies.items()
            ]
        )
        return context.new_page()

    yield make
    for context in contexts:
        _close_when_answered(context)


# A page's scripts (the outbox, the live queue) may still be sending when a test ends.
# The live server would then write after the test's database flush, and the next test
# would start on a row it did not make (a UNIQUE failure in its set-up, seen once).
IN_FLIGHT = "reliefline_in_flight"


def _count_in_flight(context: BrowserContext) -> None:
    pending: set[Request] = set()
    setattr(context, IN_FLIGHT, pending)
    context.on("request", lambda request: pending.add(request))
    context.on("requestfinished", lambda request: pending.discard(request))
    context.on("requestfailed", lambda request: pending.discard(request))


def _close_when_answered(context: BrowserContext, wait: float = 10.0) -> None:
    """Close the context once no request it sent is still being answered."""
    context.route("**/*", lambda route: route.abort())  # nothing new from here on
    pending: set[Request] = getattr(context, IN_FLIGHT)
    deadline = time.monotonic() + wait
    while pending and context.pages and time.monotonic() < deadline:
        context.pages[0].wait_for_timeout(50)  # lets Playwright deliver the events
    context.close()


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def lose_first_answer(page: Page, url: str) -> list[int]:
    """Drop the answer of the first POST to `url` after the server has handled it."""
    lost: list[int] = []

    def handle(route: Route) -> None:
        if route.request.method == "POST" and not lost:
            lost.append(route.fetch(max_redirects=0).status)
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route(url, handle)
    return lost
