"""Every write of the evacuation: one function per use case, each in one transaction."""

from reliefline.evacuation.services.corridors import (
    CorridorInput,
    PartyInput,
    StopInput,
    VehicleInput,
    WindowInput,
    convoy_create,
    convoy_reschedule,
    corridor_create,
    corridor_transition,
    corridor_window_add,
    departure_move_waits,
    vehicle_add,
)
from reliefline.evacuation.services.field import placement_mark
from reliefline.evacuation.services.manifests import Manifest, manifest_as_issued, manifest_issue
from reliefline.evacuation.services.requests import (
    Amendment,
    MemberInput,
    request_amend,
    request_cancel,
    request_create,
)
from reliefline.evacuation.services.seats import (
    convoy_allocate,
    convoy_lock,
    convoy_requests_waiting,
    request_place,
    request_unplace,
)

__all__ = [
    "Amendment",
    "CorridorInput",
    "Manifest",
    "MemberInput",
    "PartyInput",
    "StopInput",
    "VehicleInput",
    "WindowInput",
    "convoy_allocate",
    "convoy_create",
    "convoy_lock",
    "convoy_requests_waiting",
    "convoy_reschedule",
    "corridor_create",
    "corridor_transition",
    "corridor_window_add",
    "departure_move_waits",
    "manifest_as_issued",
    "manifest_issue",
    "placement_mark",
    "request_amend",
    "request_cancel",
    "request_create",
    "request_place",
    "request_unplace",
    "vehicle_add",
]
