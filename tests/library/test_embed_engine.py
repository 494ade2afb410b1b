"""The engine embeds text for semantic search: real MiniLM, real sockets, unit vectors that mean something."""

from __future__ import annotations

import numpy as np
import pytest

from soundloom.protocol.errors import ErrorCode, SoundloomError
from soundloom.sdk.client import Client


@pytest.fixture(scope="module")
def client(daemon):
    with Client.connect(daemon.connection_file, start=False) as c:
        yield c


def test_vectors_are_unit_length_and_ordered_like_the_texts(client):
    vectors = client.embed(["anvil strike", "soft rain", "anvil strike"])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(vectors[0], vectors[2], atol=1e-6)


def test_meaning_decides_closeness(client):
    query, anvil, rain = client.embed(["something heavy hitting metal", "anvil strike", "soft rain"])
    assert query @ anvil > query @ rain


def test_the_wire_names_the_model_and_shape(peer):
    reply = peer.request("embed_request", {"texts": ["door slam"]}, timeout=120)
    content = reply["content"]
    assert content["status"] == "ok" and content["model"] == "all-MiniLM-L6-v2" and content["dim"] == 384
    assert content["vectors"] == {"buffer": 0, "dtype": "<f4", "shape": [1, 384]}
    assert len(reply["buffers"]) == 1 and memoryview(reply["buffers"][0]).nbytes == 384 * 4


@pytest.mark.parametrize("content, field", [
    ({}, "texts"),
    ({"texts": []}, "texts"),
    ({"texts": "door"}, "texts"),
    ({"texts": ["ok", 3]}, "texts[1]"),
    ({"texts": ["x" * 2001]}, "texts[0]"),
    ({"texts": ["x"] * 257}, "texts"),
    ({"texts": ["x"], "model": "other"}, "model"),
])
def test_bad_requests_name_the_field(peer, content, field):
    reply = peer.request("embed_request", content)["content"]
    assert reply["status"] == "error" and reply["code"] == "invalid_argument" and reply["field"] == field


def test_the_sdk_raises_the_engines_error(client):
    with pytest.raises(SoundloomError) as info:
        client.embed([])
    assert info.value.code is ErrorCode.INVALID_ARGUMENT and info.value.field == "texts"
