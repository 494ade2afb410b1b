"""Which Ray addresses `soundloom serve --cluster` accepts, checked before Ray is imported."""

from __future__ import annotations

import pytest

from soundloom.daemon.cluster.ray_session import probe
from soundloom.protocol.errors import SoundloomError


def test_ray_client_addresses_are_refused_with_what_to_use_instead():
    # Ray Client cannot carry the streaming responses every job's progress comes back on.
    with pytest.raises(SoundloomError) as refused:
        probe("ray://head.example:10001")
    assert refused.value.field == "cluster" and refused.value.code.value == "invalid_argument"
    assert "Ray Client (ray://) is not supported" in refused.value.message and "--cluster auto" in refused.value.message


def test_an_address_without_a_port_names_what_is_allowed():
    with pytest.raises(SoundloomError) as refused:
        probe("head.example")
    assert "allowed: auto or the head's host:port" in refused.value.message
