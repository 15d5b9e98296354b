import datetime as dt

import pytest

from helpdesk.contacts.hours import PARIS, easter, platform_status, public_holidays


def paris(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


def test_saturday_morning_open_until_noon():
    status = platform_status(paris(2026, 11, 28, 11, 59))
    assert status.is_open
    assert (
        status.sentence(paris(2026, 11, 28, 11, 59)) == "Ouverte en ce moment, jusqu'à 12\u00a0h."
    )


def test_saturday_after_noon_closed_until_monday():
    moment = paris(2026, 11, 28, 12, 1)
    status = platform_status(moment)
    assert not status.is_open
    assert status.next_opening == paris(2026, 11, 30, 8, 0)
    assert status.sentence(moment) == (
        "Fermée en ce moment. Réouverture le lundi 30 novembre 2026 à 8\u00a0h."
    )


def test_weekday_evening_and_early_morning():
    assert platform_status(paris(2026, 11, 25, 19, 59)).is_open
    evening = paris(2026, 11, 25, 20, 0)
    assert platform_status(evening).sentence(evening).endswith("Réouverture demain à 8\u00a0h.")
    early = paris(2026, 11, 25, 7, 30)
    assert platform_status(early).sentence(early).endswith("Réouverture aujourd'hui à 8\u00a0h.")


def test_closed_in_august_reopens_in_september():
    moment = paris(2026, 8, 12, 10, 0)  # a Wednesday
    status = platform_status(moment)
    assert not status.is_open
    assert status.next_opening == paris(2026, 9, 1, 8, 0)
    assert "1er septembre 2026" in status.sentence(moment)


def test_public_holiday_closed():
    assert paris(2026, 11, 11).weekday() == 2  # 11 novembre, a Wednesday
    assert not platform_status(paris(2026, 11, 11, 10, 0)).is_open
    assert not platform_status(paris(2026, 4, 6, 10, 0)).is_open  # Easter Monday 2026


def test_instants_are_read_in_paris_time():
    # 6 h 30 UTC in winter is 7 h 30 in Paris: still closed; 7 h 30 UTC is 8 h 30: open.
    assert not platform_status(dt.datetime(2026, 11, 25, 6, 30, tzinfo=dt.UTC)).is_open
    assert platform_status(dt.datetime(2026, 11, 25, 7, 30, tzinfo=dt.UTC)).is_open
    # summer time: 18 h 30 UTC is 20 h 30 in Paris in June
    assert not platform_status(dt.datetime(2026, 6, 10, 18, 30, tzinfo=dt.UTC)).is_open


@pytest.mark.parametrize(
    ("year", "day"), [(2024, dt.date(2024, 3, 31)), (2026, dt.date(2026, 4, 5))]
)
def test_easter(year, day):
    assert easter(year) == day
    assert day + dt.timedelta(days=39) in public_holidays(year)
