"""jupyter_client's Session, configured for msgpack, talks to soundloom's codec both ways over tcp."""

from __future__ import annotations

import hashlib
from datetime import datetime

import msgpack
import numpy as np
import pytest

from soundloom.protocol import ErrorCode, Session, SoundloomError, attach_audio, extract_audio
from soundloom.protocol.codec import iso_utc

jupyter_session = pytest.importorskip("jupyter_client.session")

KEY = "a1b2c3d4" * 8


def iso_packer(obj):
    """A custom packer callable: msgpack with datetimes (Jupyter's header `date`) as ISO strings."""
    return msgpack.packb(obj, default=lambda v: iso_utc(v) if isinstance(v, datetime) else v)


def jupyter(kind: str, key: str = KEY):
    if kind == "named":
        # "msgpack" selects msgpack.packb with a default that writes datetimes as ISO 8601.
        return jupyter_session.Session(key=key.encode(), packer="msgpack", signature_scheme="hmac-sha256")
    return jupyter_session.Session(key=key.encode(), pack=iso_packer, unpack=msgpack.unpackb)


@pytest.mark.parametrize("kind", ["named", "callable"])
def test_jupyter_request_is_accepted_and_our_reply_verifies(router_dealer, kind):
    router, dealer = router_dealer
    theirs, ours = jupyter(kind), Session(KEY)
    samples = np.linspace(-1, 1, 4000, dtype=np.float32).reshape(2, 2000)
    descriptor = {"buffer": 0, "dtype": "<f4", "shape": [2, 2000], "sample_rate": 16000}
    sent = theirs.send(
        dealer,
        "inpaint_request",
        {"prompt": "thunder", "audio": descriptor, "regions": [[0.01, 0.05]]},
        buffers=[samples],
        metadata={"buffer_sha256": [hashlib.sha256(samples.tobytes()).hexdigest()]},
    )

    request = ours.recv(router)
    assert request["msg_id"] == sent["header"]["msg_id"]
    assert request["header"]["session"] == theirs.session
    assert request["header"]["version"].startswith("5.")
    assert isinstance(request["header"]["date"], str)
    assert request["content"]["regions"] == [[0.01, 0.05]]
    got, rate = extract_audio(request, request["content"]["audio"])
    np.testing.assert_array_equal(got, samples)
    assert rate == 16000

    content = {"status": "ok", "job_id": request["msg_id"], "warnings": []}
    reply = ours.msg("inpaint_reply", content, parent=request)
    out = np.ones((1, 100_000), np.float32)  # large enough to be sent zero-copy
    reply["content"]["audio"] = [attach_audio(reply, out, 16000)]
    ours.send(router, reply, identities=request["identities"])

    identities, answer = theirs.recv(dealer, mode=0)  # raises ValueError on a bad signature
    assert identities == []
    assert answer["msg_type"] == "inpaint_reply"
    assert answer["parent_header"]["msg_id"] == sent["header"]["msg_id"]
    assert answer["content"]["job_id"] == sent["header"]["msg_id"]
    assert answer["metadata"]["buffer_sha256"] == [hashlib.sha256(out.tobytes()).hexdigest()]
    np.testing.assert_array_equal(np.frombuffer(answer["buffers"][0], "<f4"), out.ravel())


def test_our_request_is_served_by_a_jupyter_engine(router_dealer):
    router, dealer = router_dealer
    theirs, ours = jupyter("named"), Session(KEY)
    sent = ours.send(dealer, "ping_request", {})
    identities, request = theirs.recv(router, mode=0)
    assert request["header"]["msg_id"] == sent["msg_id"]
    assert request["header"]["username"] == sent["header"]["username"]
    theirs.send(router, "ping_reply", {"status": "ok"}, parent=request, ident=identities)
    reply = ours.recv(dealer)
    assert reply["parent_header"]["msg_id"] == sent["msg_id"]
    assert reply["content"] == {"status": "ok"}


def test_wrong_keys_are_rejected_both_ways(router_dealer):
    router, dealer = router_dealer
    jupyter("named", key="someone else").send(dealer, "ping_request", {})
    with pytest.raises(SoundloomError) as error:
        Session(KEY).recv(router)
    assert error.value.code is ErrorCode.BAD_SIGNATURE

    frames = Session("someone else").serialize(Session("someone else").msg("ping_request"))
    with pytest.raises(ValueError, match="Invalid Signature"):
        jupyter("named").deserialize(frames[1:])


def test_jupyter_detects_our_replays_too():
    frames = [bytes(f) for f in Session(KEY).serialize(Session(KEY).msg("ping_request"))]
    theirs = jupyter("named")
    theirs.deserialize(frames[1:])
    with pytest.raises(ValueError, match="Duplicate Signature"):
        theirs.deserialize(frames[1:])
