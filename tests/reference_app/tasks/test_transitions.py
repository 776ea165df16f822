"""The task state machine (property 19): statuses move only forward,
PENDING → STARTED → (RETRY → STARTED)* → SUCCESS | FAILURE, enforced by the one
conditional UPDATE against the real database whatever sequence of changes is attempted."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reference_app.db.models import TaskStatus
from reference_app.tasks.transitions import ALLOWED_PREVIOUS, FINAL, may_follow, transition_statement

#: The forward-only language of status histories (distinct consecutive statuses).
HISTORY = re.compile(r"P(SR)*S?(S[XF])?")
_LETTER = {
    TaskStatus.PENDING: "P",
    TaskStatus.STARTED: "S",
    TaskStatus.RETRY: "R",
    TaskStatus.SUCCESS: "X",
    TaskStatus.FAILURE: "F",
}
changes = st.lists(st.sampled_from([s for s in TaskStatus if s is not TaskStatus.PENDING]), max_size=12)


def _history_word(history: list[TaskStatus]) -> str:
    collapsed = [s for i, s in enumerate(history) if i == 0 or s is not history[i - 1]]  # the STARTED re-claim
    return "".join(_LETTER[s] for s in collapsed)


@given(attempts=changes)
def test_the_store_accepts_exactly_the_forward_changes(task_store, attempts):
    task_id = uuid.uuid4()
    task_store.create(task_id, kind="probe")
    model, history, version = TaskStatus.PENDING, [TaskStatus.PENDING], 1
    for new in attempts:
        moved = task_store.transition(task_id, new)
        assert (moved is not None) == may_follow(model, new), (model, new)
        if moved is not None:
            model, version = new, version + 1
            history.append(new)
            assert (moved.status, moved.version) == (new, version)
        stored = task_store.get(task_id)
        assert (stored.status, stored.version) == (model, version)
    assert HISTORY.fullmatch(_history_word(history)), history


def test_final_statuses_have_no_successor():
    for final in FINAL:
        assert not any(may_follow(final, new) for new in TaskStatus)


def test_every_allowed_change_is_on_the_forward_path():
    allowed = {(prev, new) for new, prevs in ALLOWED_PREVIOUS.items() for prev in prevs}
    assert allowed == {
        (TaskStatus.PENDING, TaskStatus.STARTED),
        (TaskStatus.RETRY, TaskStatus.STARTED),
        (TaskStatus.STARTED, TaskStatus.STARTED),  # a redelivered message re-claims its task
        (TaskStatus.STARTED, TaskStatus.RETRY),
        (TaskStatus.STARTED, TaskStatus.SUCCESS),
        (TaskStatus.STARTED, TaskStatus.FAILURE),
    }


def test_pending_is_never_a_transition():
    with pytest.raises(ValueError, match="INSERT"):
        transition_statement(uuid.uuid4(), TaskStatus.PENDING, at=datetime.now(UTC))


def test_a_refused_change_leaves_other_columns_untouched(task_store):
    task_id = uuid.uuid4()
    task_store.create(task_id, kind="probe")
    assert task_store.transition(task_id, TaskStatus.SUCCESS, result={"rows": 1}) is None
    stored = task_store.get(task_id)
    assert (stored.status, stored.result, stored.version) == (TaskStatus.PENDING, None, 1)
    later = task_store.now() + timedelta(seconds=1)
    assert task_store.transition(task_id, TaskStatus.STARTED, at=later).updated_at == later
