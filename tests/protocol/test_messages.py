"""The vocabulary: names follow <action>_request -> <action>_reply, and error replies carry no traceback."""

from __future__ import annotations

import msgpack
import pytest

from soundloom.protocol import (
    Action,
    ErrorCode,
    Session,
    SoundloomError,
    error_content,
    error_from_content,
    reply_type,
)
from soundloom.protocol.errors import out_of_range
from soundloom.protocol.messages import (
    ACTION_FOR,
    AUDIO_ACTIONS,
    CONTROL_ACTIONS,
    DEFAULTS,
    RANGES,
    REPLY_FOR,
    REQUEST_TYPES,
    SHELL_ACTIONS,
    Priority,
    Scheduler,
)

EXPECTED_ACTIONS = {
    "info", "models_list", "model_load", "model_unload", "generate", "inpaint", "transfer", "extend",
    "job_status", "job_result", "cancel", "shutdown", "ping", "finetune", "library_preview",
    "adapters_list", "adapters_remove", "embed",
}  # fmt: skip


def test_every_action_has_a_request_and_a_reply():
    assert {a.value for a in Action} == EXPECTED_ACTIONS
    for action in Action:
        assert action.request == f"{action.value}_request"
        assert REPLY_FOR[action.request] == action.reply == reply_type(action.request)
        assert ACTION_FOR[action.request] is action
    assert len(REQUEST_TYPES) == len(EXPECTED_ACTIONS)


def test_channel_routing_tables():
    assert CONTROL_ACTIONS <= SHELL_ACTIONS
    assert {Action.CANCEL, Action.SHUTDOWN, Action.PING} <= CONTROL_ACTIONS
    assert not AUDIO_ACTIONS & CONTROL_ACTIONS  # jobs never run on the control thread


def test_defaults_lie_within_their_ranges():
    for name, (low, high) in RANGES.items():
        default = DEFAULTS[name]
        assert default is None or low <= default <= high, name
    assert DEFAULTS["scheduler"] in {s.value for s in Scheduler}
    assert DEFAULTS["priority"] in {p.value for p in Priority}


def test_error_content_is_exactly_the_four_fields():
    try:
        raise out_of_range("steps", 5000, "1 to 1000")
    except SoundloomError as error:
        content = error_content(error)
    assert content == {
        "status": "error",
        "code": "out_of_range",
        "field": "steps",
        "message": "5000 is out of range; allowed: 1 to 1000",
    }
    assert "Traceback" not in repr(content)
    msgpack.packb(content)  # it must travel as is


def test_error_content_round_trips_through_a_reply():
    session = Session(b"k")
    request = session.msg("generate_request", {"prompt": ""})
    error = SoundloomError(ErrorCode.INVALID_ARGUMENT, "must not be empty", "prompt")
    reply = session.msg("generate_reply", error_content(error), parent=request)
    received = Session(b"k").deserialize(session.serialize(reply))
    again = error_from_content(received["content"])
    assert again.code is ErrorCode.INVALID_ARGUMENT
    assert (again.field, again.message) == ("prompt", "must not be empty")


def test_unknown_codes_from_a_newer_engine_do_not_crash_a_client():
    error = error_from_content({"status": "error", "code": "gpu_on_fire", "field": None, "message": "hot"})
    assert error.code is ErrorCode.INTERNAL
    assert "gpu_on_fire" in error.message and "hot" in error.message


@pytest.mark.parametrize("field", [None, 3, ["x"]])
def test_odd_fields_become_none(field):
    assert error_from_content({"code": "cancelled", "field": field, "message": "m"}).field is None
