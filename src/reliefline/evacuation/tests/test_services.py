"""The evacuation's services on a real database: planning, allocation, field, manifests."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from reliefline.access.models import AuditEntry
from reliefline.channels.models import Notice
from reliefline.errors import InvalidInput
from reliefline.evacuation import services
from reliefline.evacuation.errors import (
    ConvoyLocked,
    HardConstraint,
    IllegalBoarding,
    IllegalCorridorTransition,
)
from reliefline.evacuation.models import (
    Convoy,
    CorridorStatus,
    CorridorWindow,
    EvacuationRequest,
    ManifestIssue,
    Placement,
    RequestStatus,
)
from reliefline.evacuation.services import (
    CorridorInput,
    MemberInput,
    StopInput,
    VehicleInput,
    corridors,
)
from reliefline.evacuation.services.manifests import CHECKPOINT_COLUMNS
from reliefline.evacuation.services.seats import convoy_candidates
from reliefline.evacuation.tests import factories as f
from reliefline.evacuation.tests.helpers import corridor_timeline
from reliefline.hotline.models import Case

pytestmark = pytest.mark.usefixtures("gazetteer")


def placements_of(request: EvacuationRequest) -> list[Placement]:
    return list(
        Placement.objects.filter(
            member__request=request, status__in=("allocated", "boarded", "arrived")
        )
    )


def test_route_must_start_at_an_assembly_point(coordinator: User) -> None:
    with pytest.raises(InvalidInput, match="starts at an assembly point") as caught:
        services.corridor_create(
            CorridorInput(name="x", direction="UA", stops=(StopInput("reception", f.SUMY),)),
            by=coordinator,
        )
    assert caught.value.field == "stops"


def test_unknown_place_on_the_route_names_the_stop(coordinator: User) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.corridor_create(
            CorridorInput(
                name="x",
                direction="UA",
                stops=(StopInput("assembly", "nowhere"), StopInput("reception", f.SUMY)),
            ),
            by=coordinator,
        )
    assert caught.value.field == "stops[0].place_id"


def test_corridor_status_changes_are_on_its_timeline(coordinator: User) -> None:
    corridor = f.corridor(by=coordinator)
    services.corridor_transition(corridor, to="agreed", by=coordinator, note="ICRC confirmed")
    services.corridor_transition(corridor, to="open", by=coordinator)
    assert [(e.from_status, e.to_status) for e in corridor.events.all()] == [
        ("", "proposed"),
        ("proposed", "agreed"),
        ("agreed", "open"),
    ]


def test_proposed_corridor_cannot_open_before_it_is_agreed(coordinator: User) -> None:
    corridor = f.corridor(by=coordinator)
    with pytest.raises(IllegalCorridorTransition, match="cannot go from Proposed to Open"):
        services.corridor_transition(corridor, to="open", by=coordinator)
    corridor.refresh_from_db()
    assert corridor.status == CorridorStatus.PROPOSED


def test_suspending_an_open_corridor_tells_everyone_allocated(coordinator: User) -> None:
    corridor = f.corridor(by=coordinator)
    convoy = f.convoy(corridor, vehicles=[VehicleInput("Bus", seats=5)], by=coordinator)
    placed = f.request(by=coordinator)
    waiting_elsewhere = f.request(direction="RU", phone="+79101234500", given_name="Олег")
    services.convoy_allocate(convoy, by=coordinator, time_limit=2)
    services.corridor_transition(corridor, to="agreed", by=coordinator)
    services.corridor_transition(corridor, to="open", by=coordinator)
    services.corridor_transition(corridor, to="suspended", by=coordinator, note="shelling")
    notices = Notice.objects.filter(kind="corridor_suspended")
    assert [n.person_id for n in notices] == [placed.case.caller_id]
    assert waiting_elsewhere.case.caller_id not in [n.person_id for n in notices]


def _opened_with_a_locked_convoy(coordinator: User) -> tuple[Convoy, EvacuationRequest]:
    convoy = f.allocated_convoy(by=coordinator)
    corridor = convoy.window.corridor
    services.corridor_transition(corridor, to="agreed", by=coordinator)
    services.corridor_transition(corridor, to="open", by=coordinator)
    services.convoy_lock(convoy, by=coordinator)
    return convoy, EvacuationRequest.objects.get()


def test_reopening_a_suspended_corridor_tells_each_family_its_seat_and_time_again(
    coordinator: User,
) -> None:
    """Told not to go when it was suspended, they would otherwise hear nothing."""
    convoy, family = _opened_with_a_locked_convoy(coordinator)
    corridor = convoy.window.corridor
    services.corridor_transition(corridor, to="suspended", by=coordinator, note="shelling")
    # Moved while suspended: told at the reopening, not now (they were told not to go).
    moved = _later(convoy, 30)
    assert services.convoy_reschedule(convoy, departure_at=moved, by=coordinator) == []

    services.corridor_transition(corridor, to="open", by=coordinator)

    told = Notice.objects.filter(kind="evacuation_allocated", person=family.case.caller)
    assert told.count() == 2  # at the lock, and again at the reopening
    moscow = moved.astimezone(ZoneInfo("Europe/Moscow")).strftime("%d.%m.%Y %H:%M")
    assert f"{moscow} (по московскому времени)" in told.order_by("-pk")[0].body
    assert not Notice.objects.filter(kind="evacuation_rescheduled").exists()


def test_reopening_tells_families_never_told_a_time_that_the_window_is_open(
    coordinator: User,
) -> None:
    """Told to wait for the reopening when it was suspended, before their convoy locked."""
    convoy = f.allocated_convoy(by=coordinator)  # not locked
    family = EvacuationRequest.objects.get()
    corridor = convoy.window.corridor
    for status in ("agreed", "open", "suspended", "open"):
        services.corridor_transition(corridor, to=status, by=coordinator)

    notice = Notice.objects.get(kind="corridor_opened", person=family.case.caller)
    window = convoy.window
    moscow = ZoneInfo("Europe/Moscow")
    start, end = window.starts_at.astimezone(moscow), window.ends_at.astimezone(moscow)
    same_day = end.date() == start.date()  # the factory's window starts a day from now
    closes = end.strftime("%H:%M" if same_day else "%d.%m.%Y %H:%M")
    opens = start.strftime("%d.%m.%Y %H:%M")
    assert f"{opens}–{closes} (по московскому времени)" in notice.body
    assert not Notice.objects.filter(kind="evacuation_allocated").exists()  # no time yet


def test_reopening_after_the_window_ended_tells_the_families_nothing(coordinator: User) -> None:
    """An open window they can no longer use is no news: the coordinator plans anew."""
    convoy = f.allocated_convoy(by=coordinator)  # not locked
    corridor = convoy.window.corridor
    for status in ("agreed", "open", "suspended"):
        services.corridor_transition(corridor, to=status, by=coordinator)
    ended = timezone.now() - dt.timedelta(minutes=1)
    CorridorWindow.objects.filter(pk=convoy.window_id).update(
        starts_at=ended - dt.timedelta(hours=6), ends_at=ended
    )

    services.corridor_transition(corridor, to="open", by=coordinator)

    assert not Notice.objects.filter(kind="corridor_opened").exists()


def test_a_departure_passed_during_the_suspension_is_told_to_nobody_and_noted(
    coordinator: User,
) -> None:
    convoy, _family = _opened_with_a_locked_convoy(coordinator)
    corridor = convoy.window.corridor
    services.corridor_transition(corridor, to="suspended", by=coordinator)
    Convoy.objects.filter(pk=convoy.pk).update(
        departure_at=timezone.now() - dt.timedelta(minutes=5)
    )

    services.corridor_transition(corridor, to="open", by=coordinator)

    assert Notice.objects.filter(kind="evacuation_allocated").count() == 1  # the lock's only
    notes = corridor_timeline(corridor)
    noted = [note for note in notes if "passed while the corridor was suspended" in note]
    assert [convoy.name in text for text in noted] == [True]


def test_closing_a_corridor_gives_the_seats_back_and_tells_the_families_told_a_time(
    coordinator: User,
) -> None:
    convoy, family = _opened_with_a_locked_convoy(coordinator)

    with translation.override("uk"):
        services.corridor_transition(convoy.window.corridor, to="closed", by=coordinator)

    family.refresh_from_db()
    assert family.status == RequestStatus.WAITING  # back on the list for another convoy
    assert not Placement.objects.filter(status="allocated").exists()
    notice = Notice.objects.get(kind="corridor_closed", person=family.case.caller)
    assert notice.language == "ru"
    assert "отменена" in notice.body and family.case.reference in notice.body
    assert "Households with a seat back on the waiting list: 1 (told: 1)." in corridor_timeline(
        convoy.window.corridor
    )
    # And it is a candidate for another corridor's convoy of the same side.
    other = f.convoy(f.corridor(by=coordinator, name="Sudzha → Sumy, again"), by=coordinator)
    assert family in convoy_candidates(other)


def test_closing_before_the_lock_frees_the_seats_and_tells_nobody(coordinator: User) -> None:
    convoy = f.allocated_convoy(by=coordinator)
    family = EvacuationRequest.objects.get()

    services.corridor_transition(convoy.window.corridor, to="closed", by=coordinator)

    family.refresh_from_db()
    assert family.status == RequestStatus.WAITING
    assert not Notice.objects.filter(kind="corridor_closed").exists()


def test_closing_a_suspended_corridor_tells_everyone_told_to_wait(coordinator: User) -> None:
    convoy = f.allocated_convoy(by=coordinator)  # not locked: no time told
    corridor = convoy.window.corridor
    for status in ("agreed", "open", "suspended"):
        services.corridor_transition(corridor, to=status, by=coordinator)
    assert Notice.objects.filter(kind="corridor_suspended").count() == 1

    services.corridor_transition(corridor, to="closed", by=coordinator)

    assert Notice.objects.filter(kind="corridor_closed").count() == 1


def test_closing_leaves_the_passengers_on_the_road_in_their_seats(coordinator: User) -> None:
    convoy = f.convoy(vehicles=[VehicleInput("Bus", seats=5)], by=coordinator)
    family = f.request(family=[("Мария", "walking", False)], by=coordinator)
    services.convoy_allocate(convoy, by=coordinator, time_limit=2)
    services.convoy_lock(convoy, by=coordinator)
    first, second = placements_of(family)
    services.placement_mark(first, to="boarded", by=coordinator)

    services.corridor_transition(convoy.window.corridor, to="closed", by=coordinator)

    first.refresh_from_db()
    second.refresh_from_db()
    family.refresh_from_db()
    assert (first.status, second.status) == ("boarded", "removed")
    assert family.status == RequestStatus.ALLOCATED  # half of it is on the road
    notes = corridor_timeline(convoy.window.corridor)
    assert not any("back on the waiting list" in note for note in notes)
    services.placement_mark(first, to="arrived", by=coordinator)


def test_closing_with_a_household_split_asks_for_a_call_instead_of_a_message(
    coordinator: User,
) -> None:
    """ "Your request stays open" would be untrue of a household half on the road."""
    convoy = f.convoy(vehicles=[VehicleInput("Bus", seats=5)], by=coordinator)
    family = f.request(family=[("Мария", "walking", False)], by=coordinator)
    whole = f.request(phone="+79107654321", given_name="Ольга", by=coordinator)
    services.convoy_allocate(convoy, by=coordinator, time_limit=2)
    services.convoy_lock(convoy, by=coordinator)
    first, _second = placements_of(family)
    services.placement_mark(first, to="boarded", by=coordinator)

    with translation.override("en"):
        services.corridor_transition(convoy.window.corridor, to="closed", by=coordinator)

    told = Notice.objects.filter(kind="corridor_closed")
    assert [notice.person_id for notice in told] == [whole.case.caller_id]
    case = family.case
    case.refresh_from_db()
    assert case.callback_at is not None
    assert case.callback_at <= timezone.now() + corridors.SPLIT_CALL_WITHIN
    with translation.override("uk"):
        notes = [event.display_text for event in case.events.filter(kind="note")]
    assert any(
        "Sudzha" in note and "(осіб): 1." in note and "Зателефонуйте" in note for note in notes
    )
    corridor_notes = corridor_timeline(convoy.window.corridor)
    assert any(f"call them: {case.reference}" in note for note in corridor_notes)
    # The household that left whole is back on the list; the split one is not counted.
    assert any("back on the waiting list: 1 (" in note for note in corridor_notes)


def test_request_records_each_members_consent_and_refusal(coordinator: User) -> None:
    case_request = f.request(family=[("Мария", "wheelchair", True)], by=coordinator)
    case = case_request.case
    caller_id = case.caller_id
    assert case.household is not None and caller_id is not None
    refuser = case.household.members.exclude(pk=caller_id).first()
    assert refuser is not None
    services.request_cancel(case_request, by=coordinator)
    again = services.request_create(
        case,
        direction="UA",
        members=[
            MemberInput(going=True, consent_method="verbal", person_id=caller_id),
            MemberInput(going=False, consent_method="verbal", person_id=refuser.pk),
        ],
        by=coordinator,
    )
    members = {m.person_id: m for m in again.members.all()}
    assert members[refuser.pk].going is False
    assert members[caller_id].consent_by == coordinator
    assert members[caller_id].consent_method == "verbal"


def test_nobody_goes_without_recorded_consent(coordinator: User) -> None:
    case = f.request(by=coordinator).case
    services.request_cancel(case_request_of(case), by=coordinator)
    with pytest.raises(InvalidInput) as caught:
        services.request_create(
            case,
            direction="UA",
            members=[
                MemberInput(going=True, consent_method="not_obtained", person_id=case.caller_id)
            ],
            by=coordinator,
        )
    assert caught.value.field == "members[0].consent_method"


def case_request_of(case: Case) -> EvacuationRequest:
    return EvacuationRequest.objects.get(case=case, status="waiting")


def test_a_stranger_to_the_household_cannot_be_put_on_a_request(coordinator: User) -> None:
    other = f.request(phone="+79101234501", given_name="Олег").case.caller_id
    case = f.request(by=coordinator).case
    services.request_cancel(case_request_of(case), by=coordinator)
    with pytest.raises(InvalidInput) as caught:
        services.request_create(
            case,
            direction="UA",
            members=[MemberInput(going=True, consent_method="verbal", person_id=other)],
            by=coordinator,
        )
    assert caught.value.field == "members[0].person_id"


def test_allocation_keeps_the_mother_with_her_daughter_in_a_wheelchair_place(
    coordinator: User,
) -> None:
    convoy = f.convoy(
        vehicles=[VehicleInput("Bus", seats=40), VehicleInput("Van", seats=3, wheelchair_places=1)],
        by=coordinator,
    )
    family = f.request(family=[("Мария", "wheelchair", False)], by=coordinator)
    run = services.convoy_allocate(convoy, by=coordinator, time_limit=2)
    placed = placements_of(family)
    assert {p.vehicle.label for p in placed} == {"Van"}
    assert sorted(p.kind for p in placed) == ["seat", "wheelchair"]
    assert run.allocated == 2 and run.objective == 2 * family.priority
    family.refresh_from_db()
    assert family.status == RequestStatus.ALLOCATED


def test_allocation_leaves_out_those_who_chose_the_other_side_and_says_why(
    coordinator: User,
) -> None:
    convoy = f.convoy(vehicles=[VehicleInput("Bus", seats=40)], by=coordinator)
    to_russia = f.request(direction="RU", by=coordinator)
    run = services.convoy_allocate(convoy, by=coordinator, time_limit=2)
    assert placements_of(to_russia) == []
    assert run.allocated == 0
    assert str(to_russia.pk) not in run.left_out  # not even a candidate: other corridor


def test_household_too_big_for_any_vehicle_is_left_out_whole(coordinator: User) -> None:
    convoy = f.convoy(vehicles=[VehicleInput("Car", seats=2)], by=coordinator)
    big = f.request(family=[("A", "walking", False), ("B", "walking", False)], by=coordinator)
    run = services.convoy_allocate(convoy, by=coordinator, time_limit=2)
    assert placements_of(big) == []
    assert run.left_out == {str(big.pk): "no_vehicle_fits_household"}


def test_manual_move_that_breaks_the_medic_rule_is_refused_and_changes_nothing(
    coordinator: User,
) -> None:
    convoy = f.convoy(
        vehicles=[
            VehicleInput("Ambulance", seats=2, stretcher_places=1, has_medic=True),
            VehicleInput("Bus", seats=40),
        ],
        by=coordinator,
    )
    patient = f.request(
        caller_mobility="walking", family=[("Пётр", "walking", True)], by=coordinator
    )
    services.convoy_allocate(convoy, by=coordinator, time_limit=2)
    before = [(p.pk, p.vehicle.label) for p in placements_of(patient)]
    assert {label for _, label in before} == {"Ambulance"}
    bus = convoy.vehicles.get(label="Bus")
    with pytest.raises(HardConstraint, match="needs a medic"):
        services.request_place(patient, bus, by=coordinator)
    assert [(p.pk, p.vehicle.label) for p in placements_of(patient)] == before


def test_manual_move_beyond_capacity_is_refused(coordinator: User) -> None:
    convoy = f.convoy(
        vehicles=[VehicleInput("Bus", seats=2), VehicleInput("Car", seats=1)], by=coordinator
    )
    family = f.request(family=[("A", "walking", False)], by=coordinator)
    services.convoy_allocate(convoy, by=coordinator, time_limit=2)
    with pytest.raises(HardConstraint, match="Not enough free seats for the whole household"):
        services.request_place(family, convoy.vehicles.get(label="Car"), by=coordinator)


def test_manual_move_to_a_convoy_of_the_other_side_is_refused(coordinator: User) -> None:
    to_ru = f.convoy(f.corridor(direction="RU"), vehicles=[VehicleInput("Bus", seats=5)])
    family = f.request(direction="UA", by=coordinator)
    with pytest.raises(HardConstraint, match="other side"):
        services.request_place(family, f.bus(to_ru), by=coordinator)


def test_database_refuses_a_place_given_twice(coordinator: User) -> None:
    convoy = f.convoy(vehicles=[VehicleInput("Bus", seats=5)], by=coordinator)
    first = f.request(by=coordinator)
    services.convoy_allocate(convoy, by=coordinator, time_limit=2)
    held = placements_of(first)[0]
    other = f.request(phone="+79101234502", given_name="Олег")
    member = other.members.get()
    with pytest.raises(IntegrityError, match=r"placement_place_once|UNIQUE"), transaction.atomic():
        Placement.objects.create(
            vehicle=held.vehicle,
            member=member,
            person=member.person,
            kind="seat",
            number=held.number,
            code="EV-X",
        )


def test_database_refuses_one_person_on_two_places(coordinator: User) -> None:
    convoy = f.convoy(vehicles=[VehicleInput("Bus", seats=5)], by=coordinator)
    first = f.request(by=coordinator)
    services.convoy_allocate(convoy, by=coordinator, time_limit=2)
    held = placements_of(first)[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        Placement.objects.create(
            vehicle=held.vehicle,
            member=held.member,
            person=held.person,
            kind="seat",
            number=5,
            code="EV-Y",
        )


def test_lock_tells_every_household_and_stops_reruns(coordinator: User) -> None:
    convoy = f.convoy(vehicles=[VehicleInput("Bus", seats=5)], by=coordinator)
    family = f.request(by=coordinator)
    services.convoy_allocate(convoy, by=coordinator, time_limit=2)
    services.convoy_lock(convoy, by=coordinator)
    assert list(
        Notice.objects.filter(kind="evacuation_allocated").values_list("person_id", flat=True)
    ) == [family.case.caller_id]
    with pytest.raises(ConvoyLocked):
        services.convoy_allocate(convoy, by=coordinator, time_limit=2)


def test_unplacing_before_the_lock_puts_the_household_back_on_the_waiting_list(
    coordinator: User,
) -> None:
    convoy = f.convoy(vehicles=[VehicleInput("Bus", seats=5)], by=coordinator)
    family = f.request(family=[("Мария", "walking", False)], by=coordinator)
    services.convoy_allocate(convoy, by=coordinator, time_limit=2)

    services.request_unplace(family, by=coordinator)

    family.refresh_from_db()
    assert family.status == "waiting"
    assert placements_of(family) == []


def test_unplacing_after_the_lock_is_refused_and_keeps_the_places(coordinator: User) -> None:
    convoy = f.convoy(vehicles=[VehicleInput("Bus", seats=5)], by=coordinator)
    family = f.request(by=coordinator)
    services.convoy_allocate(convoy, by=coordinator, time_limit=2)
    services.convoy_lock(convoy, by=coordinator)

    with pytest.raises(HardConstraint, match="mark a no-show instead"):
        services.request_unplace(family, by=coordinator)

    assert len(placements_of(family)) == 1


def test_allocation_notice_gives_local_time_in_the_residents_language(
    coordinator: User,
) -> None:
    convoy = f.convoy(vehicles=[VehicleInput("Bus", seats=5)], by=coordinator)
    family = f.request(by=coordinator)
    services.convoy_allocate(convoy, by=coordinator, time_limit=2)
    with translation.override("uk"):  # the coordinator works in Ukrainian
        services.convoy_lock(convoy, by=coordinator)

    notice = Notice.objects.get(kind="evacuation_allocated", person=family.case.caller)
    # Sudzha keeps Moscow time, whatever the hotline's clock says.
    moscow = convoy.departure_at.astimezone(ZoneInfo("Europe/Moscow")).strftime("%d.%m.%Y %H:%M")
    assert notice.language == "ru"
    assert f"{moscow} (по московскому времени)" in notice.body
    assert "документы, удостоверяющие личность" in notice.body


def test_arrival_closes_the_evacuation_need_and_confirms(coordinator: User) -> None:
    convoy = f.convoy(vehicles=[VehicleInput("Bus", seats=5)], by=coordinator)
    family = f.request(family=[("Мария", "walking", False)], by=coordinator)
    services.convoy_allocate(convoy, by=coordinator, time_limit=2)
    first, second = placements_of(family)
    for placement in (first, second):
        services.placement_mark(placement, to="boarded", by=coordinator)
    services.placement_mark(first, to="arrived", by=coordinator)
    assert not Notice.objects.filter(kind="arrival_confirmed").exists()
    services.placement_mark(second, to="arrived", by=coordinator)
    family.refresh_from_db()
    assert family.status == RequestStatus.EVACUATED
    assert family.case.needs.get(type="evacuation").fulfilled_at is not None
    assert Notice.objects.filter(kind="arrival_confirmed", person=family.case.caller).count() == 1


def test_nobody_arrives_who_did_not_board(coordinator: User) -> None:
    convoy = f.convoy(vehicles=[VehicleInput("Bus", seats=5)], by=coordinator)
    family = f.request(by=coordinator)
    services.convoy_allocate(convoy, by=coordinator, time_limit=2)
    with pytest.raises(IllegalBoarding, match="cannot be marked Arrived"):
        services.placement_mark(placements_of(family)[0], to="arrived", by=coordinator)


def test_no_show_frees_the_place_for_the_reserve(coordinator: User) -> None:
    convoy = f.convoy(vehicles=[VehicleInput("Bus", seats=1)], by=coordinator)
    first = f.request(by=coordinator)
    reserve = f.request(phone="+79101234503", given_name="Олег")
    services.convoy_allocate(convoy, by=coordinator, time_limit=2)
    services.convoy_lock(convoy, by=coordinator)
    assert placements_of(reserve) == [] and len(placements_of(first)) == 1
    with pytest.raises(HardConstraint):
        services.request_place(reserve, f.bus(convoy), by=coordinator)
    services.placement_mark(placements_of(first)[0], to="no_show", by=coordinator)
    services.request_place(reserve, f.bus(convoy), by=coordinator)
    assert placements_of(reserve)[0].number == 1
    first.refresh_from_db()
    assert first.status == RequestStatus.WAITING
    # Placed after the lock: told at once.
    assert Notice.objects.filter(kind="evacuation_allocated", person=reserve.case.caller).exists()


def test_checkpoint_manifest_has_only_name_birth_year_place_and_vehicle(coordinator: User) -> None:
    convoy = f.convoy(vehicles=[VehicleInput("Bus", seats=5)], by=coordinator)
    f.request(family=[("Мария", "walking", False)], by=coordinator)
    services.convoy_allocate(convoy, by=coordinator, time_limit=2)
    manifest = services.manifest_issue(
        f.bus(convoy),
        kind="checkpoint",
        language="ru",
        recipient="Checkpoint Sudzha",
        format="csv",
        by=coordinator,
    )
    assert manifest.columns == CHECKPOINT_COLUMNS == ("name", "birth_year", "seat", "vehicle")
    assert all(set(row) == set(CHECKPOINT_COLUMNS) for row in manifest.rows)
    text = manifest.as_csv()
    assert len(text.splitlines()[0].split(",")) == 4
    assert "+7910" not in text and "RL-" not in text and "EV-" not in text
    assert "1942" in text
    assert len(manifest.rows) == 2


def test_every_manifest_issued_is_recorded_and_audited(coordinator: User) -> None:
    convoy = f.convoy(vehicles=[VehicleInput("Bus", seats=5)], by=coordinator)
    family = f.request(by=coordinator)
    services.convoy_allocate(convoy, by=coordinator, time_limit=2)
    services.manifest_issue(
        f.bus(convoy),
        kind="internal",
        language="uk",
        recipient="ICRC team",
        format="html",
        by=coordinator,
    )
    issue = ManifestIssue.objects.get()
    assert (issue.recipient, issue.kind, issue.issued_by, issue.passengers) == (
        "ICRC team",
        "internal",
        coordinator,
        1,
    )
    entry = AuditEntry.objects.filter(record=f"evacuation.manifest:{issue.pk}").get()
    assert entry.action == "export" and entry.person_ids == [family.case.caller_id]


def test_convoy_departure_must_lie_in_the_window(coordinator: User) -> None:
    corridor = f.corridor(by=coordinator)
    window = corridor.windows.get()
    with pytest.raises(InvalidInput) as caught:
        services.convoy_create(
            window,
            name="late",
            departure_at=window.ends_at + dt.timedelta(hours=1),
            assembly_point_id=f.SUDZHA,
            by=coordinator,
        )
    assert caught.value.field == "departure_at"
    assert timezone.now() < window.starts_at


def _later(convoy_: Convoy, minutes: int) -> dt.datetime:
    return convoy_.departure_at + dt.timedelta(minutes=minutes)


def test_a_departure_moved_after_the_lock_tells_each_household_the_new_time(
    coordinator: User,
) -> None:
    convoy = f.allocated_convoy(by=coordinator)
    family = EvacuationRequest.objects.get()
    services.convoy_lock(convoy, by=coordinator)
    moved = _later(convoy, 60)

    with translation.override("uk"):  # the coordinator works in Ukrainian
        told = services.convoy_reschedule(convoy, departure_at=moved, by=coordinator)

    assert told == [family]
    convoy.refresh_from_db()
    assert convoy.departure_at == moved
    notice = Notice.objects.get(kind="evacuation_rescheduled", person=family.case.caller)
    # The family's language and Sudzha's clock, named.
    moscow = moved.astimezone(ZoneInfo("Europe/Moscow")).strftime("%d.%m.%Y %H:%M")
    assert notice.language == "ru"
    assert f"новое время: {moscow} (по московскому времени)" in notice.body
    assert family.case.reference in notice.body
    # The corridor's timeline says it, on both clocks, in the reader's language.
    moved_note = corridor_timeline(convoy.window.corridor, language="uk")[-1]
    assert "(за київським часом;" in moved_note


def test_a_departure_moved_before_the_lock_tells_nobody_yet(coordinator: User) -> None:
    """Nobody has been told a time: the lock's notice gives the new one."""
    convoy = f.allocated_convoy(by=coordinator)
    moved = _later(convoy, 30)

    assert services.convoy_reschedule(convoy, departure_at=moved, by=coordinator) == []
    assert not Notice.objects.filter(kind="evacuation_rescheduled").exists()
    services.convoy_lock(convoy, by=coordinator)
    notice = Notice.objects.get(kind="evacuation_allocated")
    moscow = moved.astimezone(ZoneInfo("Europe/Moscow")).strftime("%d.%m.%Y %H:%M")
    assert moscow in notice.body


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("outside", "outside the corridor's window"),
        ("past", "already passed"),
        ("same", "already departs at that time"),
        ("boarded", "the convoy has left"),
        ("closed", "The corridor is closed."),
    ],
)
def test_a_departure_that_cannot_move_is_refused_and_nobody_is_told(
    coordinator: User, case: str, message: str
) -> None:
    convoy = f.allocated_convoy(by=coordinator)
    services.convoy_lock(convoy, by=coordinator)
    before = convoy.departure_at
    moved = _later(convoy, 60)
    if case == "outside":
        moved = convoy.window.ends_at + dt.timedelta(minutes=1)
    elif case == "past":  # a window already open: an hour ago lies inside it
        CorridorWindow.objects.filter(pk=convoy.window_id).update(
            starts_at=timezone.now() - dt.timedelta(hours=3)
        )
        moved = timezone.now() - dt.timedelta(hours=1)
    elif case == "same":
        moved = before
    elif case == "boarded":
        placement = Placement.objects.first()
        assert placement is not None
        services.placement_mark(placement, to="boarded", by=coordinator)
    else:
        services.corridor_transition(convoy.window.corridor, to="closed", by=coordinator)

    with pytest.raises(InvalidInput, match=message) as refused:
        services.convoy_reschedule(convoy, departure_at=moved, by=coordinator)

    assert refused.value.field == "departure_at"
    convoy.refresh_from_db()
    assert convoy.departure_at == before
    assert not Notice.objects.filter(kind="evacuation_rescheduled").exists()
