"""The evacuation part of the JSON API under /api/v1/evacuation/."""

from ninja import Router

router = Router(tags=["evacuation"])
