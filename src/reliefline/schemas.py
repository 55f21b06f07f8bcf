"""What every request body of the JSON API is built from, whichever app it belongs to.

Validation runs on the dict json.loads gave, in pydantic's lax (python) mode: strict
mode would refuse the ISO strings every date arrives as. So the types below refuse,
one by one, what lax mode would turn into something else: a boolean or "5" into a
number, a number into a moment of 1970, a time without an offset into a guess.
"""

import datetime as dt
import re
from typing import Annotated

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
)
from pydantic_core import PydanticCustomError

# Ids are 64-bit: a larger number is refused as input, never sent to the database.
MAX_ID = 2**63 - 1
# An ISO date starts with its year; anything else pydantic would try as a timestamp.
_ISO_START = re.compile(r"\d{4}-")
# The years any date of the operation falls in. Python's dates stop at years 1 and
# 9999, so near them "the day after" or a change of offset would overflow (a 500).
YEAR_MIN, YEAR_MAX = 1900, 2999


class ObjectIn(BaseModel):
    """A JSON object in a request body.

    Plain pydantic, not ninja's Schema: Schema reads its fields as attributes of any
    object, so a JSON list or string would pass as an object with every field missing.
    An unknown key is refused (422 "Unknown field." naming it), at every level: a
    misspelt `household_id` or `mobilty` silently dropped would store something else
    than what was sent (a second household, a member on foot).
    """

    model_config = ConfigDict(extra="forbid")


# The error types are pydantic's own, so reliefline.api.PROBLEMS words them in the
# reader's language like any other bad date; the English here is for everyone else.
def _date_text(value: object) -> object:
    # pydantic would read a number, or a string of digits, as seconds since 1970.
    if isinstance(value, dt.date) or (isinstance(value, str) and _ISO_START.match(value)):
        return value
    raise PydanticCustomError("date_type", "Enter a real date as YYYY-MM-DD.")


def _datetime_text(value: object) -> object:
    # A datetime object never comes out of JSON: it is a schema that also shows a row.
    if isinstance(value, dt.datetime) or (isinstance(value, str) and _ISO_START.match(value)):
        return value
    raise PydanticCustomError(
        "datetime_type", "Enter a date and time as YYYY-MM-DDTHH:MM with its offset, +03:00."
    )


def _in_years(value: dt.date) -> dt.date:
    if not YEAR_MIN <= value.year <= YEAR_MAX:
        raise PydanticCustomError(
            "date_range",
            "Enter a date from the year {min} to {max}.",
            {"min": YEAR_MIN, "max": YEAR_MAX},
        )
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_date_text), AfterValidator(_in_years)]
# The offset says on which clock the time is: a corridor window read on the wrong one
# opens hours early or late. AwareDatetime refuses a time (or a bare date) without it.
IsoDateTime = Annotated[AwareDatetime, BeforeValidator(_datetime_text), AfterValidator(_in_years)]
Id = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
