"""Active time per task: how long the user really worked on it, idle time excluded.

The GUI reports events — the task was shown (`start`), the user did something
(`activity`), the window lost focus (`pause`) — and asks for the time when the task
is left (`take`). Time between two consecutive events counts fully when the gap is
at most `idle_after` seconds; a longer gap counts only `idle_after` (the user was
probably still working for a while after the last event, then left). After
`pause()` nothing counts until the next activity. Counted stretches never overlap,
so the total taken never exceeds the wall time since `start()`.

The clock is injectable (seconds, monotonic), so tests need no sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["ActiveTimer"]


class ActiveTimer:
    """Accumulates active seconds between `take()` calls."""

    def __init__(
        self, idle_after: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if idle_after < 0:
            raise ValueError(f"idle_after must be 0 or more seconds, got {idle_after}")
        self._idle_after = idle_after
        self._clock = clock
        self._started = False
        self._acc = 0.0  # closed stretches not yet taken
        self._last: float | None = None  # time of the last activity; None while paused
        self._credited = 0.0  # part of the open stretch already handed out by take()

    def _open_stretch(self, now: float) -> float:
        """Seconds the stretch since the last activity counts for, at `now`."""
        if self._last is None:
            return 0.0
        return max(0.0, min(now - self._last, self._idle_after))

    def _close(self, now: float) -> None:
        self._acc += max(0.0, self._open_stretch(now) - self._credited)
        self._credited = 0.0

    def start(self) -> None:
        """The task is shown; counts as activity."""
        self._started = True
        self.activity()

    def activity(self) -> None:
        """The user did something (mouse, key). Ignored before `start()`."""
        if not self._started:
            return
        now = self._clock()
        self._close(now)
        # A clock that steps back must not reopen time already counted.
        self._last = now if self._last is None else max(self._last, now)

    def pause(self) -> None:
        """The window lost focus or the app was hidden: stop counting until the next
        activity (the stretch since the last activity still counts, up to idle_after)."""
        if self._last is None:
            return
        self._close(self._clock())
        self._last = None

    def take(self) -> float:
        """Seconds of active time since the last take(); resets the count, keeps running."""
        if not self._started:
            return 0.0
        now = self._clock()
        value = self._elapsed(now)
        self._acc = 0.0
        self._credited = self._open_stretch(now)
        return value

    def _elapsed(self, now: float) -> float:
        return self._acc + max(0.0, self._open_stretch(now) - self._credited)

    @property
    def elapsed(self) -> float:
        """Accumulated, not yet taken, including the current active stretch."""
        if not self._started:
            return 0.0
        return self._elapsed(self._clock())
