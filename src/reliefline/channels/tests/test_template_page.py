"""The coordinators' page of notice texts: every kind in uk, ru and en, checked as the admin."""

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth.models import User
from django.test import Client

from reliefline.channels.defaults import DEFAULT_TEMPLATES
from reliefline.channels.models import NoticeKind, NoticeTemplate
from reliefline.channels.services import notice_send
from reliefline.channels.tests.factories import caller_of
from reliefline.hotline.tests.factories import open_case

pytestmark = pytest.mark.django_db

PAGE = "/channels/notices/templates/"


def _texts(kind: str, **changes: str) -> dict[str, str]:
    """Return the form of a kind as the page shows it, with `changes` typed in."""
    stored = {t.language: t.body for t in NoticeTemplate.objects.filter(kind=kind)}
    return {"kind": kind, **{f"{kind}-{code}": changes.get(code, stored[code]) for code in stored}}


def _bodies(kind: str) -> dict[str, str]:
    return dict(NoticeTemplate.objects.filter(kind=kind).values_list("language", "body"))


@pytest.fixture
def coordinator(user_in: Callable[[str], User]) -> tuple[User, Client]:
    user = user_in("coordinator")
    client = Client()
    client.force_login(user)
    return user, client


def test_the_page_shows_every_kind_in_each_language(coordinator: tuple[User, Client]) -> None:
    response = coordinator[1].get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    for kind in NoticeKind.values:
        for code in ("uk", "ru", "en"):
            assert f'name="{kind}-{code}"' in html
    ru = NoticeTemplate.objects.get(kind="acknowledgement", language="ru").body
    assert ru in html and "{reference}" in html  # the kind's placeholders are listed


def test_a_coordinator_edits_the_russian_text_and_the_next_notice_uses_it(
    coordinator: tuple[User, Client], outbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    user, client = coordinator
    before = _bodies("acknowledgement")
    response = client.post(
        PAGE, _texts("acknowledgement", ru="Принято: {reference}. Ждите звонка.")
    )
    assert response.status_code == 302
    assert response["Location"] == f"{PAGE}#notice-acknowledgement"
    page = client.get(response["Location"])
    assert "are saved" in page.content.decode()

    ru = NoticeTemplate.objects.get(kind="acknowledgement", language="ru")
    uk = NoticeTemplate.objects.get(kind="acknowledgement", language="uk")
    assert (ru.updated_by, uk.updated_by) == (user, None)  # only the changed text is stamped
    assert ru.updated_at > uk.updated_at
    assert _bodies("acknowledgement") == {**before, "ru": "Принято: {reference}. Ждите звонка."}
    case = open_case(language="ru")
    with django_capture_on_commit_callbacks(execute=True):
        notice = notice_send(
            person=caller_of(case),
            kind=NoticeKind.ACKNOWLEDGEMENT,
            context={"reference": str(case.reference)},
            case=case,
        )
    assert notice.body == f"Принято: {case.reference}. Ждите звонка."
    assert [o.body for o in outbox] == [notice.body]


def test_a_change_goes_into_the_templates_history_as_in_the_admin(
    coordinator: tuple[User, Client],
) -> None:
    user, client = coordinator
    client.post(PAGE, _texts("callback_scheduled", en="We call you at {time} ({reference})."))
    entry = LogEntry.objects.get()
    template = NoticeTemplate.objects.get(kind="callback_scheduled", language="en")
    assert (entry.user, entry.action_flag, entry.object_id) == (user, CHANGE, str(template.pk))
    assert entry.get_change_message() == "Changed Body."


def test_an_unknown_placeholder_is_refused_at_its_field_and_nothing_is_stored(
    coordinator: tuple[User, Client],
) -> None:
    before = _bodies("acknowledgement")
    response = coordinator[1].post(
        PAGE,
        _texts("acknowledgement", uk="Прийнято: {reference}", ru="Номер {reference} {secret}"),
    )
    assert response.status_code == 422
    form = {f.kind: f for f in response.context["forms"]}["acknowledgement"]
    assert list(form.errors) == ["ru"]
    assert "Unknown placeholder {secret}" in form.errors["ru"][0]
    html = response.content.decode()
    field = html.split('<label for="id_acknowledgement-ru">', 1)[1].split("</div>", 1)[0]
    assert "Номер {reference} {secret}</textarea>" in field
    assert "Unknown placeholder {secret}" in field
    assert "Прийнято: {reference}</textarea>" in html  # what was typed is kept
    assert _bodies("acknowledgement") == before and not LogEntry.objects.exists()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Передзвонимо щодо {{reference}} о {time}.", "Braces go only around a placeholder"),
        ("Передзвонимо щодо {reference} о { time }.", "Braces go only around a placeholder"),
        ("Передзвонимо щодо {reference} о {time", "Braces go only around a placeholder"),
        ("Передзвонимо щодо {reference}.", "The text must say {time}"),
        ("Передзвонимо.", "The text must say {reference}, {time}"),
    ],
    ids=["doubled", "spaces inside", "unclosed", "no time", "no placeholder"],
)
def test_a_text_a_resident_would_get_with_braces_or_without_its_time_is_refused(
    coordinator: tuple[User, Client], text: str, problem: str
) -> None:
    """QA: a callback SMS went out as "…звернення {RL-000017} о { time }."."""
    before = _bodies("callback_scheduled")
    response = coordinator[1].post(PAGE, _texts("callback_scheduled", uk=text))
    assert response.status_code == 422
    form = {f.kind: f for f in response.context["forms"]}["callback_scheduled"]
    assert list(form.errors) == ["uk"] and problem in form.errors["uk"][0]
    assert _bodies("callback_scheduled") == before


def test_an_empty_text_is_refused_as_in_the_admin(coordinator: tuple[User, Client]) -> None:
    before = _bodies("corridor_opened")
    response = coordinator[1].post(PAGE, _texts("corridor_opened", en="  "))
    assert response.status_code == 422
    form = {f.kind: f for f in response.context["forms"]}["corridor_opened"]
    assert list(form.errors) == ["en"]
    assert _bodies("corridor_opened") == before


def test_a_text_unchanged_is_not_saved_again(coordinator: tuple[User, Client]) -> None:
    response = coordinator[1].post(PAGE, _texts("aid_distribution"), follow=True)
    assert "Nothing changed" in response.content.decode()
    assert not LogEntry.objects.exists()
    assert not NoticeTemplate.objects.filter(updated_by__isnull=False).exists()


def test_an_unknown_kind_is_404(coordinator: tuple[User, Client]) -> None:
    assert coordinator[1].get(PAGE).status_code == 200
    response = coordinator[1].post(PAGE, {"kind": "secret", "secret-ru": "x"})
    assert response.status_code == 404 and not LogEntry.objects.exists()


@pytest.mark.parametrize("role", ["operator", "field", "partner", "dpo"])
def test_only_coordinators_edit_notice_texts(client_as: Callable[[str], Client], role: str) -> None:
    client = client_as(role)
    before = _bodies("acknowledgement")
    assert client.get(PAGE).status_code == 403
    posted = client.post(PAGE, _texts("acknowledgement", ru="Принято: {reference}"))
    assert posted.status_code == 403
    assert _bodies("acknowledgement") == before


def test_the_broadcasts_page_links_to_the_notice_texts(
    client_as: Callable[[str], Client],
) -> None:
    html = client_as("coordinator").get("/channels/broadcasts/").content.decode()
    assert f'href="{PAGE}"' in html


def test_a_kind_with_no_text_left_shows_and_saves_the_defaults(
    coordinator: tuple[User, Client],
) -> None:
    NoticeTemplate.objects.filter(kind="corridor_suspended").delete()
    html = coordinator[1].get(PAGE).content.decode()
    assert DEFAULT_TEMPLATES["corridor_suspended"]["uk"] in html
    typed = {
        f"corridor_suspended-{code}": body
        for code, body in DEFAULT_TEMPLATES["corridor_suspended"].items()
    }
    typed["corridor_suspended-ru"] = "Коридор {corridor} закрыт."
    response = coordinator[1].post(PAGE, {"kind": "corridor_suspended", **typed})
    assert response.status_code == 302
    assert _bodies("corridor_suspended")["ru"] == "Коридор {corridor} закрыт."
    assert sorted(LogEntry.objects.values_list("action_flag", flat=True)) == [ADDITION] * 3
