"""The benchmarks' request bodies stay valid as the API's rules grow.

bench/intake.py and bench/load.py send bodies made by `intake.payloads`; a rule added
to the API (each need type once, say) that the generator breaks would turn a
benchmark into a measure of 422s. Each body here must be accepted as it is.
"""

from collections.abc import Callable

from django.test import Client

from bench import intake

ApiAs = Callable[[str], Client]


def test_every_intake_benchmark_body_is_accepted(api_as: ApiAs, gazetteer: None) -> None:
    client = api_as("operator")
    bodies = intake.payloads(120, intake.place_ids())

    answers = [client.post("/api/v1/cases", body, "application/json") for body in bodies]

    refused = [(a.status_code, a.content[:200]) for a in answers if a.status_code != 201]
    assert refused == []
