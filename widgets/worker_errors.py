"""Turning a failed worker into a notification the officer can act on, instead of a crash."""

from __future__ import annotations

from textual.dom import DOMNode
from textual.worker import Worker, WorkerState

from desk.errors import describe


def notify_failure(node: DOMNode, event: Worker.StateChanged) -> None:
    """Call from `on_worker_state_changed`: a failed worker becomes an error notification."""
    if event.state is WorkerState.ERROR and event.worker.error is not None:
        node.app.notify(describe(event.worker.error), severity="error", markup=False, timeout=10)
