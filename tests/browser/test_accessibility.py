"""Every page a role can reach: no serious or critical axe violation, and usable at phone width.

The pages are found the way a user finds them: each role starts at the home page
and follows the links the pages show (same site, no downloads, no admin), with the
demo loaded so lists and detail pages have something in them. Each route pattern is
checked once, by the first role that reaches it (every role still visits it, to
find the links it is shown there); the viewport is a phone's, because
field teams work on one.
"""

from collections import deque
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.models import User
from django.urls import Resolver404, resolve

from reliefline.hotline.demo import demo_load, demo_users_ensure
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

ROLES = ("operator", "coordinator", "field", "partner", "dpo")
PHONE = {"width": 390, "height": 844}
SKIPPED_PREFIXES = ("/admin/", "/api/", "/static/", "/i18n/", "/accounts/logout/", "/metrics")
DOWNLOADS = (".csv", ".xlsx", ".pdf", ".geojson", ".json")
PAGES_PER_ROLE = 40


def _followable(url: str, origin: str) -> bool:
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != origin:
        return False
    return not parts.path.startswith(SKIPPED_PREFIXES) and not parts.path.endswith(DOWNLOADS)


def _route(path: str) -> str | None:
    try:
        return str(resolve(path).route)
    except Resolver404:
        return None


def _problems_on(page, axe: Axe, url: str) -> list[str]:
    problems = []
    results = axe.run(page)
    for violation in results.response["violations"]:
        if violation["impact"] in ("serious", "critical"):
            targets = [", ".join(node["target"]) for node in violation["nodes"][:3]]
            problems.append(f"{url}: {violation['id']} ({violation['impact']}) at {targets}")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    if overflow > 1:
        problems.append(f"{url}: {overflow}px wider than a phone screen")
    return problems


def test_every_reachable_page_is_accessible_and_fits_a_phone(new_page, live_server, gazetteer):
    demo_users_ensure()
    demo_load()
    axe = Axe()
    checked: dict[str, str] = {}
    problems: list[str] = []
    for role in ROLES:
        user = User.objects.get(username=role)
        page = new_page(user=user, **PHONE)
        queue = deque([f"{live_server.url}/"])
        # Each route once per role, to find the links this role is shown there.
        routes_seen: set[str] = set()
        while queue and len(routes_seen) < PAGES_PER_ROLE:
            url = queue.popleft()
            route = _route(urlsplit(url).path)
            if route is None or route in routes_seen:
                continue
            routes_seen.add(route)
            response = page.goto(url)
            status = response.status if response else 0
            if status != 200:
                problems.append(f"{url}: answered {status} to {role}")
                continue
            if route not in checked:
                checked[route] = role
                problems += _problems_on(page, axe, url)
                name = route.strip("/").replace("/", "_").replace("<", "").replace(">", "")
                screenshot(page, f"phone-{role}-{name or 'home'}")
            links = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
            queue.extend(link.split("#")[0] for link in links if _followable(link, live_server.url))
    assert problems == [], "\n".join(problems)
    # The crawl must have reached the console, not stopped at a login page.
    assert {"hotline/", "hotline/new/", "hotline/cases/<str:reference>/"} <= set(checked)
