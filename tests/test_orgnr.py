from hypothesis import given
from hypothesis import strategies as st

from samverkan.lib import orgnr


def test_it_accepts_a_valid_number_in_every_common_form():
    assert orgnr.normalise("556016-0680") == "556016-0680"
    assert orgnr.normalise("5560160680") == "556016-0680"
    assert orgnr.normalise("16556016-0680") == "556016-0680"
    assert orgnr.normalise(" 556016 0680 ") == "556016-0680"


def test_it_refuses_a_wrong_check_digit():
    assert orgnr.normalise("556016-0681") is None


def test_it_refuses_wrong_shapes():
    for value in ["", "55601-60680", "556016-068", "abcdef-ghij", "556016--0680", "1755601606801"]:
        assert orgnr.normalise(value) is None, value


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_a_completed_number_is_valid_and_any_other_last_digit_is_not(first_nine):
    number = orgnr.with_check_digit(first_nine)
    assert orgnr.is_valid(number)
    for digit in "0123456789":
        if digit != number[-1]:
            assert not orgnr.is_valid(number[:-1] + digit)


@given(st.text(max_size=30))
def test_it_never_crashes_on_any_text(value):
    result = orgnr.normalise(value)
    assert result is None or orgnr.is_valid(result)
