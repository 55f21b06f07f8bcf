import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from reliefline.access import crypto, rotation
from reliefline.access.rotation import encrypted_models, rotate, stale_rows
from reliefline.hotline.models import Case, Need
from reliefline.hotline.selectors import cases_of_caller
from reliefline.hotline.services import NeedInput
from reliefline.hotline.tests.factories import open_case
from reliefline.people.models import Person

OLD, NEW = crypto.generate_key(), crypto.generate_key()


def _stale_count() -> int:
    return sum(stale_rows(target).count() for target in encrypted_models())


def test_rotation_rewrites_everything_under_the_newest_key(db: None, capsys) -> None:
    with override_settings(FIELD_KEYS=[OLD]):
        case = open_case(
            phone="+79101234567", message="insulin", needs=[NeedInput(type="medicine", note="x")]
        )
    with override_settings(FIELD_KEYS=[NEW, OLD]):
        assert _stale_count() == 3  # person.phone, case.message, need.note
        call_command("rotate-keys", "--batch", "1")
        assert _stale_count() == 0
        assert "now under key" in capsys.readouterr().out
    with override_settings(FIELD_KEYS=[NEW]):  # the old key is gone
        assert Person.objects.get().phone == "+79101234567"
        assert Case.objects.get().message == "insulin"
        assert Need.objects.get().note == "x"
        assert cases_of_caller(phone="+79101234567") == [case]


def test_rotation_is_resumable_and_idempotent(db: None) -> None:
    with override_settings(FIELD_KEYS=[OLD]):
        for i in range(3):
            open_case(phone=f"+7910123450{i}", message="m")
    with override_settings(FIELD_KEYS=[NEW, OLD]):
        person_model = next(t for t in encrypted_models() if t.model is Person)
        next(rotate(person_model, batch=1))  # interrupted after one batch
        assert stale_rows(person_model).count() == 2
        call_command("rotate-keys")
        call_command("rotate-keys")
        assert _stale_count() == 0


def test_lookup_works_mid_rotation(db: None) -> None:
    with override_settings(FIELD_KEYS=[OLD]):
        case = open_case(phone="+79101234567")
    with override_settings(FIELD_KEYS=[NEW, OLD]):
        assert cases_of_caller(phone="+79101234567") == [case]


def test_a_sender_is_still_recognised_after_the_old_key_is_dropped(db: None) -> None:
    from reliefline.access.crypto import blind_index_candidates
    from reliefline.channels.models import Contact, Medium

    with override_settings(FIELD_KEYS=[OLD]):
        case = open_case(phone="+79101234567")
        caller = Person.objects.get(cases=case)
        Contact.objects.create(person=caller, medium=Medium.SMS, address="+79101234567")
    with override_settings(FIELD_KEYS=[NEW, OLD]):
        call_command("rotate-keys")
    with override_settings(FIELD_KEYS=[NEW]):
        found = Contact.objects.filter(
            medium=Medium.SMS, address_index__in=blind_index_candidates("+79101234567")
        )
        assert [c.person_id for c in found] == [caller.pk]


@pytest.mark.parametrize("batch", ["0", "-1", "many"])
def test_a_batch_of_no_rows_is_refused_before_anything_runs(db: None, batch: str) -> None:
    """QA: --batch 0 re-encrypted nothing and said the older keys could be removed."""
    with override_settings(FIELD_KEYS=[OLD]):
        open_case(phone="+79101234567", message="insulin")
    with override_settings(FIELD_KEYS=[NEW, OLD]):
        with pytest.raises(CommandError, match="--batch"):
            call_command("rotate-keys", "--batch", batch)
        assert _stale_count() == 2


def test_rows_left_under_an_older_key_keep_the_keys(db: None, monkeypatch) -> None:
    """Should a run end with rows not re-encrypted, it must not say the old keys can go."""
    with override_settings(FIELD_KEYS=[OLD]):
        open_case(phone="+79101234567", message="insulin")
    with override_settings(FIELD_KEYS=[NEW, OLD]):
        monkeypatch.setattr(rotation, "rotate", lambda target, **kwargs: iter(()))
        with pytest.raises(CommandError, match="still under an older key"):
            call_command("rotate-keys")
