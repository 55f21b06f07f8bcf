"""A corridor's timeline in the reader's language: what reliefline writes is kept as a
message and its parameters and translated when read; what a coordinator types stays."""

import datetime as dt
from collections.abc import Callable, Iterator

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.state import StateApps
from django.db.models import Model
from django.test import Client
from django.utils import translation

from reliefline.evacuation import services
from reliefline.evacuation.models import Convoy, Corridor, CorridorEvent
from reliefline.evacuation.services.corridors import corridor_event_append
from reliefline.evacuation.tests import factories as f
from reliefline.evacuation.tests.helpers import corridor_timeline

pytestmark = pytest.mark.usefixtures("gazetteer")
API = "/api/v1/evacuation"


def _moved_in_ukrainian(convoy: Convoy, by: User) -> None:
    """Move the convoy's departure an hour later, as a coordinator working in Ukrainian."""
    with translation.override("uk"):
        services.convoy_reschedule(
            convoy, departure_at=convoy.departure_at + dt.timedelta(hours=1), by=by
        )


def _timeline_html(client: Client, corridor: Corridor, language: str) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(f"/evacuation/corridors/{corridor.pk}/").content.decode()
    return page[page.index('<ol class="timeline">') :]


def test_a_move_written_in_ukrainian_reads_in_russian_on_the_corridor_page(
    signed_in: tuple[Client, User],
) -> None:
    client, user = signed_in
    convoy = f.convoy(by=user)

    _moved_in_ukrainian(convoy, user)

    timeline = _timeline_html(client, convoy.window.corridor, "ru")
    assert f"Колонна {convoy.name}: выезд перенесён с " in timeline
    assert "(по киевскому времени; " in timeline  # the clocks named in Russian too
    assert "перенесено" not in timeline and "за київським часом" not in timeline


def test_a_convoy_planned_in_ukrainian_reads_in_russian(coordinator: User) -> None:
    """What QA saw: "Заплановано колону: …" on a Russian page."""
    with translation.override("uk"):
        convoy = f.convoy(by=coordinator)

    planned = corridor_timeline(convoy.window.corridor, language="ru")[-1]
    assert planned == f"Колонна запланирована: {convoy.name}"


def test_the_api_timeline_reads_in_the_callers_language(
    api_as: Callable[[str], Client], coordinator: User
) -> None:
    convoy = f.convoy(by=coordinator)
    _moved_in_ukrainian(convoy, coordinator)

    response = api_as("coordinator").get(
        f"{API}/corridors/{convoy.window.corridor_id}", headers={"Accept-Language": "en"}
    )

    assert response.status_code == 200
    notes = [entry["note"] for entry in response.json()["timeline"]]
    assert notes[0] == "Proposed"
    assert notes[-1].startswith(f"Convoy {convoy.name}: departure moved from ")
    assert "(Kyiv time; " in notes[-1]


def test_a_move_says_whose_manifests_hold_the_old_departure_in_one_sentence(
    coordinator: User,
) -> None:
    convoy = f.allocated_convoy(by=coordinator)
    services.manifest_issue(
        f.bus(convoy),
        kind="checkpoint",
        language="ru",
        recipient="КПП Суджа",
        format="csv",
        by=coordinator,
    )

    _moved_in_ukrainian(convoy, coordinator)

    moved = corridor_timeline(convoy.window.corridor)[-1]
    assert moved.startswith(f"Convoy {convoy.name}: departure moved from ")
    assert moved.endswith(
        "). Manifests handed out before show the old departure; hand them out again to: КПП Суджа."
    )


def test_a_typed_note_reads_as_typed_in_any_language(coordinator: User) -> None:
    corridor = f.corridor(by=coordinator)

    with translation.override("ru"):
        services.corridor_transition(corridor, to="agreed", by=coordinator, note="МККК подтвердил")

    assert corridor_timeline(corridor, language="en")[-1] == "МККК подтвердил"
    assert corridor_timeline(corridor, language="uk")[-1] == "МККК подтвердил"


def test_a_timeline_entry_is_typed_or_written_by_reliefline_never_both(
    coordinator: User,
) -> None:
    corridor = f.corridor(by=coordinator)

    with pytest.raises(IntegrityError, match="corridorevent_note_or_msgid"), transaction.atomic():
        CorridorEvent.objects.create(corridor=corridor, note="typed", msgid="Proposed")


# ---- the migration ------------------------------------------------------------------

BEFORE = [("evacuation", "0003_corridorevent_status_choices")]
AFTER = [("evacuation", "0004_corridorevent_notes_translated")]


Migrate = Callable[[list[tuple[str, str]]], type[Model]]


@pytest.fixture
def migrate_events(transactional_db: None) -> Iterator[Migrate]:
    """Return a function that migrates the test database to the targets and returns
    CorridorEvent as it is there; after the test, every app is migrated to its latest."""

    def migrate(targets: list[tuple[str, str]]) -> type[Model]:
        executor = MigrationExecutor(connection)
        executor.migrate(targets)
        apps: StateApps = executor.loader.project_state(targets).apps
        return apps.get_model("evacuation", "CorridorEvent")

    yield migrate
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_the_migration_keeps_old_entries_and_writes_new_ones_out_going_back(
    migrate_events: Migrate,
) -> None:
    corridor = f.corridor()
    written_before = migrate_events(BEFORE)._default_manager.create(
        corridor_id=corridor.pk, note="Заплановано колону: К-1"
    )

    migrate_events(AFTER)
    kept = CorridorEvent.objects.get(pk=written_before.pk)
    assert (kept.msgid, kept.display_text) == ("", "Заплановано колону: К-1")
    written_since = corridor_event_append(
        corridor.pk,
        msgid="Convoy %(name)s: its departure passed while the corridor was suspended; "
        "nobody was told. Move the departure to tell its households.",
        params={"name": "К-2"},
        by=None,
    )

    back = migrate_events(BEFORE)._default_manager.filter(pk=written_since.pk)
    assert back.values_list("note", flat=True).get().startswith("Convoy К-2: its departure passed")
