"""What the evacuation tests read back: the request page, the case's timeline, a member's
row of a form, a box of the page."""

import re

from django.test import Client
from django.utils import translation

from reliefline.evacuation.models import Corridor, EvacuationRequest
from reliefline.hotline.models import CaseEvent


def timeline(request: EvacuationRequest, *, language: str = "en") -> list[str]:
    """Return the texts of the request's case's timeline, as a reader in `language` sees them."""
    with translation.override(language):
        return [e.display_text for e in CaseEvent.objects.filter(case=request.case)]


def corridor_timeline(corridor: Corridor, *, language: str = "en") -> list[str]:
    """Return the notes of the corridor's timeline, as a reader in `language` sees them."""
    with translation.override(language):
        return [e.display_text for e in corridor.events.all()]


def row(page: str, person_id: int) -> str:
    """Return the HTML of the person's row of the first table of `page` that has one."""
    found = re.search(rf'<tr data-person="{person_id}"[^>]*>.*?</tr>', page, re.S)
    assert found, f"no row of person {person_id}"
    return found.group(0)


def request_page(client: Client, request: EvacuationRequest) -> str:
    """Return the HTML of the request's page (the case's request page), answered 200."""
    response = client.get(f"/evacuation/cases/{request.case.reference}/request/")
    assert response.status_code == 200
    return response.content.decode()


def said_in(page: str, element_id: str) -> str:
    """Return what the paragraph of `page` with the id says (the page's reason, say)."""
    return page.split(f'id="{element_id}">')[1].split("</p>")[0]
