"""Persons as the JSON API reads them: the identity-match query and its candidates."""

from typing import Literal

from ninja import Field, Schema
from pydantic import field_validator

from reliefline.people.phones import MAX_PHONE_INPUT
from reliefline.people.selectors import Candidate, MatchQuery
from reliefline.people.services import NAME_MAX
from reliefline.schemas import IsoDate

MATCH_LIMIT_MAX = 20


class MatchParams(Schema):
    given_name: str = Field("", max_length=NAME_MAX, description="In any script.")
    family_name: str = Field("", max_length=NAME_MAX, description="In any script.")
    patronymic: str = Field("", max_length=NAME_MAX, description="In any script.")
    birth_date: IsoDate | None = Field(None, description="YYYY-MM-DD.")
    phone: str = Field("", max_length=MAX_PHONE_INPUT, description="Any usual way of writing it.")
    settlement: str = Field("", max_length=100, description="A place id or a name in any script.")
    limit: int = Field(5, ge=1, le=MATCH_LIMIT_MAX)

    @field_validator("birth_date", mode="before")
    @classmethod
    def empty_date_is_none(cls, value: object) -> object:
        """Treat `birth_date=` (an empty form field) as no birth date."""
        return None if value == "" else value

    def to_query(self) -> MatchQuery:
        return MatchQuery(
            given_name=self.given_name,
            family_name=self.family_name,
            patronymic=self.patronymic,
            birth_date=self.birth_date,
            phone=self.phone,
            settlement=self.settlement,
        )


class CandidateOut(Schema):
    person_id: int
    external_id: str | None
    score: float = Field(description="Probability that this is the person asked about.")
    decision: Literal["match", "possible"]
    reasons: list[str]


class MatchOut(Schema):
    candidates: list[CandidateOut]


def candidate_out(candidate: Candidate) -> CandidateOut:
    return CandidateOut(
        person_id=candidate.person.pk,
        external_id=candidate.person.external_id,
        score=round(candidate.probability, 4),
        decision=candidate.decision.value,  # type: ignore[arg-type]
        reasons=candidate.reasons,
    )
