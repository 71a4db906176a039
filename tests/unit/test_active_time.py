"""Active time per task: idle gaps and lost focus do not count, time is never invented."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from labelmate.core.active_time import ActiveTimer


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def timer(clock: FakeClock, idle_after: float = 60.0) -> ActiveTimer:
    return ActiveTimer(idle_after=idle_after, clock=clock)


def test_continuous_activity_counts_fully(clock):
    t = timer(clock)
    t.start()
    for _ in range(10):
        clock.advance(20)  # an event every 20 s, well under the idle limit
        t.activity()
    assert t.take() == pytest.approx(200)


def test_a_long_idle_gap_counts_only_idle_after(clock):
    t = timer(clock, idle_after=60)
    t.start()
    clock.advance(30)
    t.activity()
    clock.advance(600)  # went for coffee
    t.activity()
    clock.advance(10)
    t.activity()
    assert t.take() == pytest.approx(30 + 60 + 10)


def test_a_gap_of_exactly_idle_after_counts_fully(clock):
    t = timer(clock, idle_after=60)
    t.start()
    clock.advance(60)
    t.activity()
    assert t.take() == pytest.approx(60)


def test_the_open_stretch_counts_up_to_idle_after(clock):
    t = timer(clock, idle_after=60)
    t.start()
    clock.advance(25)
    assert t.elapsed == pytest.approx(25)  # still working, no event yet
    clock.advance(500)
    assert t.elapsed == pytest.approx(60)  # left after the last event


def test_pause_stops_counting_until_the_next_activity(clock):
    t = timer(clock)
    t.start()
    clock.advance(10)
    t.pause()  # switched to the browser
    clock.advance(300)
    assert t.elapsed == pytest.approx(10)
    t.activity()  # back
    clock.advance(5)
    t.activity()
    assert t.take() == pytest.approx(15)


def test_pause_while_paused_and_take_while_paused(clock):
    t = timer(clock)
    t.start()
    clock.advance(10)
    t.pause()
    clock.advance(10)
    t.pause()
    assert t.take() == pytest.approx(10)
    clock.advance(100)
    assert t.take() == 0


def test_take_resets_and_keeps_running(clock):
    t = timer(clock, idle_after=60)
    t.start()
    clock.advance(40)
    assert t.take() == pytest.approx(40)
    assert t.elapsed == 0
    clock.advance(15)
    assert t.elapsed == pytest.approx(15)
    t.activity()
    assert t.take() == pytest.approx(15)


def test_take_mid_stretch_does_not_count_the_stretch_twice_nor_past_idle(clock):
    t = timer(clock, idle_after=60)
    t.start()
    clock.advance(40)
    first = t.take()
    clock.advance(500)  # the stretch since start is capped at 60 in total
    t.activity()
    second = t.take()
    assert (first, second) == (pytest.approx(40), pytest.approx(20))


def test_take_before_start_is_zero_and_activity_before_start_is_ignored(clock):
    t = timer(clock)
    assert t.take() == 0
    t.activity()
    clock.advance(30)
    t.activity()
    assert t.elapsed == 0 and t.take() == 0
    t.start()
    clock.advance(5)
    assert t.take() == pytest.approx(5)


def test_a_clock_stepping_back_never_gives_negative_time(clock):
    t = timer(clock)
    t.start()
    clock.advance(10)
    t.activity()
    clock.advance(-50)
    assert t.elapsed == pytest.approx(10)
    t.activity()
    assert t.take() == pytest.approx(10)
    assert t.elapsed == 0


def test_negative_idle_limit_is_refused():
    with pytest.raises(ValueError, match="idle_after"):
        ActiveTimer(idle_after=-1)


events = st.lists(
    st.tuples(
        st.floats(min_value=0, max_value=500, allow_nan=False),
        st.sampled_from(["activity", "pause", "take", "start", "elapsed"]),
    ),
    max_size=40,
)


@given(events, st.floats(min_value=0, max_value=120, allow_nan=False))
def test_total_taken_is_between_zero_and_wall_time_and_elapsed_is_monotone(seq, idle):
    clock = FakeClock(0.0)
    t = ActiveTimer(idle_after=idle, clock=clock)
    t.start()
    taken = 0.0
    last_elapsed = 0.0
    for gap, event in seq:
        clock.advance(gap)
        if event == "take":
            value = t.take()
            assert value >= 0
            taken += value
            last_elapsed = 0.0
            continue
        if event == "elapsed":
            now = t.elapsed
            assert now >= last_elapsed - 1e-9  # time passing never lowers it
            last_elapsed = now
            continue
        getattr(t, event)()
        now = t.elapsed
        assert now >= last_elapsed - 1e-9
        last_elapsed = now
    taken += t.take()
    assert 0 <= taken <= clock.now + 1e-6
