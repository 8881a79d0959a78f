"""The web page's run controls: Reset, Play/Pause and Step, and the browser's play clock.

This module owns :func:`RunControls` (Reset, Play/Pause, Step and Run to end, which steps the
model to the scenario's last quarter and draws once), a small version of Mesa's
``ModelController`` whose play
state the page owns (Mesa's keeps it private, so a scenario picked while playing would keep
being stepped by the old play loop), and :class:`PlayClock`, the play timer that runs in the
browser rather than in a server thread and reports which update the browser has drawn, so that
rapid clicks on Step are drawn in batches (see ``sim.viz.app`` for the page around them).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import ipyvuetify as v
import reacton.core
import solara
import traitlets
from mesa.visualization.utils import force_update, update_counter

from sim.abm.model import AllianceModel

PLAY_INTERVAL_MS = 250
PLAY_INTERVAL_RANGE = (50, 2000)
"""The play interval slider's range (ms per quarter); anything else sent is clamped to it."""
STALE_DRAW_S = 2.0
"""Draw quarters clicked meanwhile even without the browser's report, this long after the last
draw (a report lost with a dropped connection must not freeze the page)."""


def play_interval_ms(value: Any) -> int:
    """The play interval (ms) for a slider value, clamped to its range (default if not a number)."""
    lo, hi = PLAY_INTERVAL_RANGE
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        return PLAY_INTERVAL_MS
    return int(min(max(value, lo), hi))


CLOCK_TEMPLATE = """
<template><span class="viz-clock" style="display: none"></span></template>
<script>
module.exports = {
  mounted() { this.shown = this.ack; this.schedule(); },
  destroyed() { clearTimeout(this.timer); },
  watch: {
    playing() { this.schedule(); },
    ack() { this.shown = this.ack; this.schedule(); },
  },
  methods: {
    schedule() {
      clearTimeout(this.timer);
      if (this.playing) { this.timer = setTimeout(() => { this.request += 1; }, this.interval); }
    },
  },
};
</script>
"""


class PlayClock(v.VuetifyTemplate):
    """The play timer, in the browser, and its report of what the browser has drawn.

    While ``playing``, it asks the server for a quarter (adds 1 to ``request``) ``interval``
    ms after the previous one was shown (``ack`` changed), so quarters never queue
    up and every step runs in the session's own event handling, never in a background thread
    (a thread rendering at the same time as a click can lose the click's update).

    Whenever an update arrives (``ack`` changed) it sends that value back as ``shown``: the
    server draws quarters stepped by Step clicks only once the browser has the previous ones
    (:func:`RunControls`), so rapid clicks are drawn in batches.
    """

    template = traitlets.Unicode(CLOCK_TEMPLATE).tag(sync=True)
    playing = traitlets.Bool(False).tag(sync=True)
    interval = traitlets.Int(PLAY_INTERVAL_MS).tag(sync=True)
    ack = traitlets.Int(0).tag(sync=True)
    """Mesa's update counter: changes when a quarter has been drawn."""
    request = traitlets.Any(0).tag(sync=True)
    """Counted up by the browser's timer: each new value asks for the next quarter (Any: a
    crafted value is ignored by the server, not an error in the widget layer)."""
    shown = traitlets.Any(-1).tag(sync=True)
    """Set by the browser: the ``ack`` of the last update it received (-1: not reported yet)."""


@solara.component
def RunControls(
    model: solara.Reactive[AllianceModel],
    kwargs: dict[str, Any],
    playing: solara.Reactive[bool],
    interval: solara.Reactive[int],
):
    """Reset, play/pause and step buttons (after Mesa's ``ModelController``).

    A click on Step advances the model one quarter. It is drawn at once when the browser has
    reported drawing the last update (``PlayClock.shown``), or has never reported (no browser,
    as in component tests), or the last draw is :data:`STALE_DRAW_S` old; otherwise it waits,
    and the quarters clicked meanwhile are drawn together when the report arrives.

    Args:
        model: the session's model; Reset replaces it with ``AllianceModel(**kwargs)``.
        kwargs: the model's keyword arguments at Reset (already validated).
        playing: whether the play clock steps the model.
        interval: milliseconds between quarters while playing.
    """
    tick = update_counter.get()
    running = model.value.running
    render_context = reacton.core.get_render_context()
    reported = solara.use_ref(-1)  # the last update the browser reported drawing (-1: none)
    undrawn = solara.use_ref(0)  # quarters stepped since the last draw
    last_draw = solara.use_ref(0.0)

    step, on_shown, on_request, reset, to_end = _run_callbacks(
        model, kwargs, playing, render_context, reported, undrawn, last_draw
    )

    PlayClock.element(
        playing=playing.value,
        interval=play_interval_ms(interval.value),
        ack=tick,
        on_request=on_request,
        on_shown=on_shown,
    )
    with solara.Row(justify="space-between", classes=["viz-run-controls"]):
        solara.Button(label="Reset", color="primary", on_click=reset)
        solara.Button(
            label="Pause" if playing.value else "Play",
            color="primary",
            on_click=lambda: playing.set(not playing.value),
            disabled=not running and not playing.value,
        )
        solara.Button(
            label="Step", color="primary", on_click=step, disabled=playing.value or not running
        )
    solara.Button(
        label="Run to end",
        color="primary",
        outlined=True,
        on_click=to_end,
        disabled=playing.value or not running,
        classes=["viz-run-to-end"],
        style={"width": "100%"},
    )


def _run_callbacks(
    model: solara.Reactive[AllianceModel],
    kwargs: dict[str, Any],
    playing: solara.Reactive[bool],
    render_context: Any,
    reported: Any,
    undrawn: Any,
    last_draw: Any,
) -> tuple[Callable[..., None], ...]:
    """:func:`RunControls`' step, on_shown, on_request, reset and run-to-end, over its refs.

    ``reported`` is the last update the browser reported drawing (-1: none), ``undrawn`` the
    quarters stepped since the last draw and ``last_draw`` its ``time.monotonic()``.
    """

    def draw() -> None:
        """Redraw everything that follows update_counter, in one render pass."""
        with render_context:
            undrawn.current = 0
            last_draw.current = time.monotonic()
            force_update()
            if not model.value.running:
                playing.set(False)

    def step() -> None:
        """Advance one quarter; draw it now unless the browser is still drawing the last one."""
        current = model.value
        if not current.running:
            playing.set(False)
            return
        current.step()
        undrawn.current += 1
        if (
            reported.current in (-1, update_counter.value)
            or not current.running
            or time.monotonic() - last_draw.current > STALE_DRAW_S
        ):
            draw()

    def on_shown(value: int) -> None:
        reported.current = value
        if undrawn.current and value == update_counter.value:
            draw()

    def on_request(_count: int) -> None:
        if playing.value:
            step()

    def reset() -> None:
        with render_context:
            undrawn.current = 0
            playing.set(False)
            model.set(AllianceModel(**kwargs))

    return step, on_shown, on_request, reset, _to_end(model, draw)


def _to_end(model: solara.Reactive[AllianceModel], draw: Callable[[], None]) -> Callable[[], None]:
    """Run to end: step the model to the scenario's last quarter, then draw once."""

    def to_end() -> None:
        current = model.value
        while current.running:
            current.step()
        draw()

    return to_end
