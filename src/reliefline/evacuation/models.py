"""Humanitarian corridors, convoys, seat allocation, manifests, boarding and arrival."""

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from reliefline.hotline.timeline import note_render

if TYPE_CHECKING:
    from reliefline.places.models import Place


class Direction(models.TextChoices):
    """Where a corridor leads: the person chooses, never the operation."""

    UA = "UA", _("Toward Ukraine")
    RU = "RU", _("Toward Russia")


class CorridorStatus(models.TextChoices):
    # A context of their own: "Open" of a corridor is not the "Open" (cases) of a filter,
    # a plural in Ukrainian and Russian.
    PROPOSED = "proposed", pgettext_lazy("corridor status", "Proposed")
    AGREED = "agreed", pgettext_lazy("corridor status", "Agreed")
    OPEN = "open", pgettext_lazy("corridor status", "Open")
    SUSPENDED = "suspended", pgettext_lazy("corridor status", "Suspended")
    CLOSED = "closed", pgettext_lazy("corridor status", "Closed")


# The legal moves of a corridor; anything else is refused with a 409.
CORRIDOR_TRANSITIONS: dict[str, tuple[str, ...]] = {
    CorridorStatus.PROPOSED: (CorridorStatus.AGREED, CorridorStatus.CLOSED),
    CorridorStatus.AGREED: (CorridorStatus.OPEN, CorridorStatus.SUSPENDED, CorridorStatus.CLOSED),
    CorridorStatus.OPEN: (CorridorStatus.SUSPENDED, CorridorStatus.CLOSED),
    CorridorStatus.SUSPENDED: (CorridorStatus.OPEN, CorridorStatus.CLOSED),
    CorridorStatus.CLOSED: (),
}


class Corridor(models.Model):
    """A route civilians may travel under an agreed pause, in one direction."""

    name = models.CharField(max_length=120)
    direction = models.CharField(max_length=2, choices=Direction.choices)
    status = models.CharField(
        max_length=16, choices=CorridorStatus.choices, default=CorridorStatus.PROPOSED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name = _("corridor")
        verbose_name_plural = _("corridors")
        permissions = [
            ("plan_evacuation", _("Can plan corridors, convoys and allocations")),
            ("board_evacuation", _("Can check evacuees in and out")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(direction__in=["UA", "RU"]), name="corridor_direction_known"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in CorridorStatus]),
                name="corridor_status_known",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def assembly_place(self) -> "Place | None":
        """Return the route's first assembly point (where its windows' times are read).

        From `stops`, so a prefetched route (selectors) costs no query.
        """
        for stop in self.stops.all():
            if stop.kind == StopKind.ASSEMBLY:
                return stop.place
        return None


class StopKind(models.TextChoices):
    ASSEMBLY = "assembly", _("Assembly point")
    WAYPOINT = "waypoint", _("Waypoint")
    RECEPTION = "reception", _("Reception point")


class CorridorStop(models.Model):
    """One place of a corridor's route, in order: assembly points, waypoints, reception."""

    corridor = models.ForeignKey(Corridor, on_delete=models.CASCADE, related_name="stops")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=16, choices=StopKind.choices)
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["corridor", "position"]
        verbose_name = _("corridor stop")
        verbose_name_plural = _("corridor stops")
        constraints = [
            models.UniqueConstraint(fields=["corridor", "position"], name="stop_position_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.corridor} #{self.position} {self.place_id}"


class CorridorWindow(models.Model):
    """A time span during which the parties agreed the corridor may be used."""

    corridor = models.ForeignKey(Corridor, on_delete=models.CASCADE, related_name="windows")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("corridor window")
        verbose_name_plural = _("corridor windows")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="window_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.corridor} {self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%H:%M}"


class PartyRole(models.TextChoices):
    GUARANTOR = "guarantor", _("Guarantor")
    PARTY = "party", _("Party to the agreement")


class CorridorParty(models.Model):
    """An organisation or authority that guarantees or agreed to the corridor."""

    corridor = models.ForeignKey(Corridor, on_delete=models.CASCADE, related_name="parties")
    name = models.CharField(max_length=120)
    role = models.CharField(max_length=16, choices=PartyRole.choices)
    agreed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["role", "name"]
        verbose_name = _("corridor party")
        verbose_name_plural = _("corridor parties")
        constraints = [
            models.UniqueConstraint(fields=["corridor", "name"], name="party_once_per_corridor"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.role})"


class CorridorEvent(models.Model):
    """One entry of a corridor's timeline; only ever appended.

    `note` is what a coordinator typed (with a status change), shown as written. An
    entry reliefline writes itself has `msgid` and `params` instead, and is translated
    when read, as a case's timeline is (hotline.timeline): coordinators of one corridor
    read it in Ukrainian, Russian and English. display_text gives either.
    """

    corridor = models.ForeignKey(Corridor, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(
        max_length=16, blank=True, default="", choices=CorridorStatus.choices
    )
    to_status = models.CharField(
        max_length=16, blank=True, default="", choices=CorridorStatus.choices
    )
    note = models.CharField(max_length=500, blank=True, default="")
    msgid = models.TextField(blank=True, default="")
    params = models.JSONField(blank=True, default=dict)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("corridor event")
        verbose_name_plural = _("corridor events")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(note="") | models.Q(msgid=""),
                name="corridorevent_note_or_msgid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.corridor} {self.from_status}→{self.to_status}"

    @property
    def display_text(self) -> str:
        """Return the entry's note as the reader sees it, in the active language."""
        if self.msgid:
            return note_render(self.msgid, self.params)
        return self.note


class Convoy(models.Model):
    """Vehicles leaving one assembly point in one window of a corridor."""

    name = models.CharField(max_length=120)
    window = models.ForeignKey(CorridorWindow, on_delete=models.PROTECT, related_name="convoys")
    departure_at = models.DateTimeField()
    assembly_point = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    locked_at = models.DateTimeField(null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["departure_at", "id"]
        verbose_name = _("convoy")
        verbose_name_plural = _("convoys")

    def __str__(self) -> str:
        return self.name

    @property
    def corridor(self) -> Corridor:
        return self.window.corridor

    def manifest_recipients(self) -> list[str]:
        """Return to whom manifests of its vehicles were handed out, each once, sorted.

        A manifest carries the departure: after a move, these hold the old one.
        """
        recipients = ManifestIssue.objects.filter(vehicle__convoy=self).values_list(
            "recipient", flat=True
        )
        return sorted(set(recipients))


class Vehicle(models.Model):
    """A bus or van of a convoy and the places it offers."""

    convoy = models.ForeignKey(Convoy, on_delete=models.CASCADE, related_name="vehicles")
    label = models.CharField(max_length=60)
    seats = models.PositiveSmallIntegerField(default=0)
    wheelchair_places = models.PositiveSmallIntegerField(default=0)
    stretcher_places = models.PositiveSmallIntegerField(default=0)
    has_medic = models.BooleanField(default=False)

    class Meta:
        ordering = ["convoy", "label", "id"]
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")
        constraints = [
            models.UniqueConstraint(fields=["convoy", "label"], name="vehicle_label_unique"),
            models.CheckConstraint(
                condition=models.Q(
                    seats__lte=120, wheelchair_places__lte=20, stretcher_places__lte=20
                ),
                name="vehicle_capacity_sane",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def capacity(self, kind: str) -> int:
        """Return how many places of `kind` (a PlaceKind) the vehicle offers."""
        return {
            PlaceKind.SEAT: self.seats,
            PlaceKind.WHEELCHAIR: self.wheelchair_places,
            PlaceKind.STRETCHER: self.stretcher_places,
        }[PlaceKind(kind)]

    def place_number(self, kind: str, number: int) -> int:
        """Return the number of a place across the whole vehicle, whatever its kind.

        Its seats come first (seat 3 is place 3), then its wheelchair places, then its
        stretcher places: the checkpoint manifest numbers a place so, without saying
        its kind, which is health data.
        """
        before = {
            PlaceKind.SEAT: 0,
            PlaceKind.WHEELCHAIR: self.seats,
            PlaceKind.STRETCHER: self.seats + self.wheelchair_places,
        }[PlaceKind(kind)]
        return before + number


class Mobility(models.TextChoices):
    WALKING = "walking", _("Walking")
    WHEELCHAIR = "wheelchair", _("Wheelchair")
    STRETCHER = "stretcher", _("Stretcher")


class PlaceKind(models.TextChoices):
    SEAT = "seat", _("Seat")
    WHEELCHAIR = "wheelchair", _("Wheelchair place")
    STRETCHER = "stretcher", _("Stretcher place")


PLACE_FOR_MOBILITY = {
    Mobility.WALKING: PlaceKind.SEAT,
    Mobility.WHEELCHAIR: PlaceKind.WHEELCHAIR,
    Mobility.STRETCHER: PlaceKind.STRETCHER,
}


class RequestStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    ALLOCATED = "allocated", _("Allocated")
    EVACUATED = "evacuated", _("Evacuated")
    CANCELLED = "cancelled", _("Cancelled")


class EvacuationRequest(models.Model):
    """A household's wish to leave, from a hotline case, toward the side they chose."""

    case = models.ForeignKey("hotline.Case", on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey("people.Household", on_delete=models.PROTECT, related_name="+")
    direction = models.CharField(max_length=2, choices=Direction.choices)
    priority = models.PositiveSmallIntegerField(default=0)
    requested_at = models.DateTimeField()
    status = models.CharField(
        max_length=16, choices=RequestStatus.choices, default=RequestStatus.WAITING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-priority", "requested_at", "id"]
        verbose_name = _("evacuation request")
        verbose_name_plural = _("evacuation requests")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(direction__in=["UA", "RU"]), name="request_direction_known"
            ),
            # One open request per case: a second would compete with itself for seats.
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(status__in=["waiting", "allocated"]),
                name="request_one_open_per_case",
            ),
        ]

    def __str__(self) -> str:
        return f"E-{self.pk:06d}" if self.pk else "E-new"


class RequestMember(models.Model):
    """One household member on a request: going (with consent) or refusing."""

    request = models.ForeignKey(EvacuationRequest, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    going = models.BooleanField()
    mobility = models.CharField(max_length=16, choices=Mobility.choices, default=Mobility.WALKING)
    needs_medic = models.BooleanField(default=False)
    consent_method = models.CharField(max_length=16)
    consent_at = models.DateTimeField()
    consent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["request", "id"]
        verbose_name = _("request member")
        verbose_name_plural = _("request members")
        constraints = [
            models.UniqueConstraint(fields=["request", "person"], name="member_once_per_request"),
            models.CheckConstraint(
                condition=models.Q(mobility__in=["walking", "wheelchair", "stretcher"]),
                name="member_mobility_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request} {self.person_id}"


class PlacementStatus(models.TextChoices):
    # A passenger's state beside their name, for women and men alike (ru "Прибыл" is a
    # man's); the buttons that mark it say "Boarded" and "Arrived" without a context.
    ALLOCATED = "allocated", _("Allocated")
    BOARDED = "boarded", pgettext_lazy("placement status", "Boarded")
    NO_SHOW = "no_show", _("No-show")
    ARRIVED = "arrived", pgettext_lazy("placement status", "Arrived")
    REMOVED = "removed", _("Removed")


# A placement in one of these statuses holds its place; the others have let it go.
HOLDING = ("allocated", "boarded", "arrived")


class Placement(models.Model):
    """One person on one numbered place of one vehicle.

    The partial unique constraints are what make "no place is ever given twice" true
    whatever the application does: one holder per (vehicle, kind, number), one held
    place per person. Services also lock the vehicle row to give friendly errors.
    """

    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, related_name="placements")
    member = models.ForeignKey(RequestMember, on_delete=models.PROTECT, related_name="placements")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=PlaceKind.choices)
    number = models.PositiveSmallIntegerField()
    status = models.CharField(
        max_length=16, choices=PlacementStatus.choices, default=PlacementStatus.ALLOCATED
    )
    # Printed as QR on the manifest; the field page finds the passenger by it.
    code = models.CharField(max_length=16, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["vehicle", "kind", "number"]
        verbose_name = _("placement")
        verbose_name_plural = _("placements")
        constraints = [
            models.UniqueConstraint(
                fields=["vehicle", "kind", "number"],
                condition=models.Q(status__in=HOLDING),
                name="placement_place_once",
            ),
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(status__in=HOLDING),
                name="placement_person_once",
            ),
            models.CheckConstraint(
                condition=models.Q(number__gte=1), name="placement_number_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in PlacementStatus]),
                name="placement_status_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vehicle} {self.kind} {self.number}"

    @property
    def place_number(self) -> int:
        """Return the place's number across its vehicle, whatever its kind."""
        return self.vehicle.place_number(self.kind, self.number)


class PlacementEventKind(models.TextChoices):
    ALLOCATED = "allocated", _("Allocated")
    BOARDED = "boarded", _("Boarded")
    NO_SHOW = "no_show", _("No-show")
    ARRIVED = "arrived", _("Arrived")
    REMOVED = "removed", _("Removed")


class PlacementEvent(models.Model):
    """Allocation, boarding, no-show and arrival of one placement, as they happened."""

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=PlacementEventKind.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("boarding event")
        verbose_name_plural = _("boarding events")

    def __str__(self) -> str:
        return f"{self.placement} {self.kind}"


class AllocationRun(models.Model):
    """One run of the allocation engine for a convoy, and what it reported."""

    convoy = models.ForeignKey(Convoy, on_delete=models.CASCADE, related_name="runs")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=16)
    allocated = models.PositiveIntegerField(default=0)
    objective = models.BigIntegerField(default=0)
    bound = models.BigIntegerField(default=0)
    seconds = models.FloatField(default=0)
    # The wall clock, not a proof or the solver's work limit, ended the search: a server
    # too busy to finish its usual work, and a rerun may place people differently.
    stopped_by_clock = models.BooleanField(default=False)
    # request id -> reason code, for the "left out and why" list.
    left_out = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("allocation run")
        verbose_name_plural = _("allocation runs")

    def __str__(self) -> str:
        return f"{self.convoy} {self.at:%Y-%m-%d %H:%M}"

    @property
    def status_label(self) -> str:
        """Return what the solver's status means for the coordinator, in their language."""
        return str(RUN_STATUS_LABELS.get(self.status, self.status))


# The engine's statuses (CP-SAT's, and its own fallback), as a coordinator reads them.
RUN_STATUS_LABELS = {
    "OPTIMAL": _("proven the best"),
    "FEASIBLE": _("the best found in the time"),
    "GREEDY": _("first fit: the solver found nothing in the time"),
}


class ManifestKind(models.TextChoices):
    INTERNAL = "internal", _("Internal manifest")
    CHECKPOINT = "checkpoint", _("Checkpoint manifest")


class ManifestIssue(models.Model):
    """A manifest handed out: which vehicle, which kind, to whom, by whom."""

    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, related_name="manifests")
    kind = models.CharField(max_length=16, choices=ManifestKind.choices)
    format = models.CharField(max_length=8)
    language = models.CharField(max_length=2)
    recipient = models.CharField(max_length=200)
    passengers = models.PositiveSmallIntegerField(default=0)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    issued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("manifest issued")
        verbose_name_plural = _("manifests issued")

    def __str__(self) -> str:
        return f"{self.vehicle} {self.kind} → {self.recipient}"
