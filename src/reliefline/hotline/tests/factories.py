from collections.abc import Sequence

from django.contrib.auth.models import User

from reliefline.hotline.models import Case
from reliefline.hotline.services import CaseInput, NeedInput, case_open
from reliefline.people.services import PersonInput


def open_case(
    *,
    phone: str = "+79101234567",
    given_name: str = "Ирина",
    family_name: str = "Верещук",
    needs: Sequence[NeedInput] = (NeedInput(type="water"),),
    vulnerabilities: Sequence[str] = (),
    settlement_id: str | None = None,
    language: str = "ru",
    channel: str = "sms",
    household_size: int = 1,
    message: str = "",
    by: User | None = None,
) -> Case:
    """Return a case opened through the intake service, as an operator would."""
    return case_open(
        CaseInput(
            channel=channel,
            language=language,
            caller=PersonInput(given_name=given_name, family_name=family_name, phone=phone),
            settlement_id=settlement_id,
            household_size=household_size,
            needs=needs,
            vulnerabilities=vulnerabilities,
            message=message,
        ),
        by=by,
    )
