"""The partners part of the JSON API under /api/v1/partners/."""

from ninja import Router

router = Router(tags=["partners"])
