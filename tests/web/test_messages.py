"""Problem types in words: every one has a sentence, and the booking ones say what to do."""

from __future__ import annotations

from node.http.pages.messages import Situation, member_sentence, operator_sentence
from protocol.problems import Problem, ProblemType

WHERE = Situation(host="WeCreate NYC", zone="Europe/London", target="slot")


def test_messages__every_problem_type_has_a_member_sentence() -> None:
    for kind in ProblemType:
        sentence = member_sentence(Problem(kind), WHERE)
        assert sentence.endswith(".") and len(sentence) > 20, kind
        assert "http" not in sentence


def test_messages__booking_problems_name_the_host_and_the_time() -> None:
    full = member_sentence(Problem(ProblemType.SLOT_FULL, "0 of 4 left", remaining=0), WHERE)
    assert "full" in full
    fewer = member_sentence(Problem(ProblemType.SLOT_FULL, "1 of 4 left", remaining=1), WHERE)
    assert "Only 1 seat left" in fewer
    used = member_sentence(
        Problem(ProblemType.ALLOWANCE_EXHAUSTED, amount=20, used=20, needed=1, period_start="2027-03-01"), WHERE
    )
    assert "allowance at WeCreate NYC is used up" in used and "20 of 20 used" in used
    late = member_sentence(Problem(ProblemType.CANCELLATION_WINDOW_CLOSED, deadline="2027-03-09T14:00:00Z"), WHERE)
    assert "too late to cancel" in late and "Tue, 9 Mar 2027, 14:00" in late  # London time, GMT in March
    soon = member_sentence(Problem(ProblemType.OUTSIDE_BOOKING_WINDOW, earliest="2027-07-01T12:00:00Z"), WHERE)
    assert "13:00" in soon  # London summer time
    away = member_sentence(Problem(ProblemType.PEER_UNREACHABLE, "timeout"), WHERE)
    assert "WeCreate NYC could not be reached" in away and "nothing changed" in away


def test_messages__operator_sentence_names_the_fields() -> None:
    problem = Problem(
        ProblemType.VALIDATION_ERROR, "seats: too many", errors=[{"field": "seats", "message": "at most 10"}]
    )
    assert operator_sentence(problem, "offer the slot") == "Could not offer the slot: seats: at most 10."


def test_messages__operator_sentence_lists_every_field_in_words() -> None:
    errors = [
        {"field": "starts_at", "message": "Input should be a valid datetime"},
        {"field": "online_url", "message": "String should match pattern '^https?://\\S+$'"},
        {"field": "opening_hours.mon.0", "message": "Field required"},
    ]
    problem = Problem(ProblemType.VALIDATION_ERROR, "starts_at: bad", errors=errors)
    assert operator_sentence(problem, "publish the event") == (
        "Could not publish the event: start: should be a date and time, like 2027-03-10T09:00; "
        "online address: must start with http:// or https://; opening hours, mon, item 1: is missing."
    )


def test_messages__sentences_and_their_dates_in_italian_and_spanish() -> None:
    from node.i18n import catalogs, reading

    late = Problem(ProblemType.CANCELLATION_WINDOW_CLOSED, deadline="2027-03-09T14:00:00Z")
    with reading(catalogs().reader("it")):
        sentence = member_sentence(late, WHERE)
        assert sentence.startswith("È troppo tardi per annullare") and "mar 9 mar 2027, 14:00" in sentence
        assert member_sentence(Problem(ProblemType.SLOT_FULL, remaining=2), WHERE).startswith("Restano solo 2 posti")
    with reading(catalogs().reader("es")):
        sentence = member_sentence(late, WHERE)
        assert sentence.startswith("Ya es tarde para cancelar") and "mar, 9 mar 2027, 14:00" in sentence
        assert member_sentence(Problem(ProblemType.SLOT_FULL, remaining=1), WHERE).startswith("Solo queda 1 lugar")


def test_messages__every_problem_type_has_a_title_for_the_pages() -> None:
    from node.http.pages.messages import TITLES

    assert set(TITLES) == set(ProblemType), "give the new problem type a title in node/http/pages/messages.py"
