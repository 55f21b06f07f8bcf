"""Identity matching measured on a seeded synthetic registry (people/synthetic.py)."""

import pytest

from reliefline.people.selectors import MatchQuery, person_match
from reliefline.people.synthetic import (
    SyntheticQuery,
    evaluate,
    queries,
    registry,
    registry_load,
)

REGISTRY = 2000
QUERIES = 1000


def _match(question: SyntheticQuery) -> list[tuple[int, str]]:
    query = MatchQuery(
        given_name=question.given_name,
        family_name=question.family_name,
        patronymic=question.patronymic,
        birth_date=question.birth_date,
        phone=question.phone,
    )
    return [(c.person.pk, c.decision.value) for c in person_match(query, limit=5)]


@pytest.mark.django_db
def test_matching_meets_its_quality_targets_on_a_synthetic_registry() -> None:
    persons = registry(REGISTRY)
    quality = evaluate(queries(persons, QUERIES), registry_load(persons), _match)

    assert quality.top1_rate >= 0.97, quality.missed[:10]
    assert quality.recall5_rate >= 0.99, quality.missed[:10]
    assert quality.false_link_rate <= 0.005, quality.wrong_links[:10]
    # The other side of the trade-off: MATCH must not be so strict that it never fires.
    assert quality.auto_links >= 0.6 * quality.registered
