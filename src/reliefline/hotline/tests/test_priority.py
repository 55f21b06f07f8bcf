import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from reliefline.hotline.models import Band, NeedType, Vulnerability
from reliefline.hotline.priority import NeedFacts, band_for, compute, reason_text

NO_WAIT = dt.timedelta(0)


def test_insulin_with_no_supply_adds_forty_points_with_its_reason() -> None:
    plain = compute([NeedFacts(type="medicine", item="paracetamol")], [], NO_WAIT)
    insulin = compute([NeedFacts(type="medicine", item="Инсулин")], [], NO_WAIT)
    assert insulin.score - plain.score == 40
    assert {"code": "critical:insulin", "points": 40} in insulin.reasons


def test_insulin_mentioned_only_in_the_note_still_counts() -> None:
    result = compute([NeedFacts(type="medicine", note="мамі потрібен інсулін")], [], NO_WAIT)
    assert {"code": "critical:insulin", "points": 40} in result.reasons


def test_sudzha_insulin_household_is_critical() -> None:
    result = compute(
        [NeedFacts(type="medicine", item="инсулин"), NeedFacts(type="evacuation")],
        ["elderly_75_plus", "wheelchair"],
        NO_WAIT,
    )
    assert result.band == Band.CRITICAL
    assert result.score == 100


def test_waiting_raises_priority_one_point_per_two_hours_up_to_twenty() -> None:
    needs = [NeedFacts(type="food")]
    assert compute(needs, [], dt.timedelta(hours=6)).score == 12 + 3
    assert compute(needs, [], dt.timedelta(days=30)).score == 12 + 20


def test_a_need_counts_once_however_often_it_is_listed() -> None:
    once = compute([NeedFacts(type="water")], [], NO_WAIT)
    twice = compute([NeedFacts(type="water"), NeedFacts(type="water")], [], NO_WAIT)
    assert once.score == twice.score == 20


def test_reason_text_reads_as_the_operator_sees_it() -> None:
    assert (
        reason_text({"code": "critical:insulin", "points": 40})
        == "insulin-dependent, no supply: +40"
    )
    assert reason_text({"code": "waiting:6", "points": 3}) == "waiting 6 h: +3"


@given(
    st.lists(st.sampled_from(NeedType.values), max_size=9),
    st.lists(st.sampled_from(Vulnerability.values), max_size=9),
    st.integers(min_value=0, max_value=10_000),
)
def test_score_is_the_capped_sum_of_its_reasons(
    needs: list[str], vulns: list[str], hours: int
) -> None:
    result = compute([NeedFacts(type=n) for n in needs], vulns, dt.timedelta(hours=hours))
    assert result.score == min(100, sum(r["points"] for r in result.reasons))
    assert result.band == band_for(result.score)
    assert 0 <= result.score <= 100
