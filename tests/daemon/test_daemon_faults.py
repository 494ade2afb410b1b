"""The daemon under bad traffic, crashes, many clients and hostile requests."""

import os
import random
import stat
import subprocess
import sys
import threading
import time
from collections import Counter

import msgpack
import numpy as np
import zmq

from soundloom.protocol.codec import attach_audio, extract_audio

QUICK = {"seconds": 0.5, "steps": 2, "guidance": 1.0}


def _wait_until_running(peer, job_id: str, timeout: float = 120) -> None:
    """Poll control until the engine runs `job_id` (the job may reach shell after the poll reaches control)."""
    deadline = time.monotonic() + timeout
    while peer.request("job_status_request", {"job_id": job_id}, channel="control")["content"].get("state") != "running":
        assert time.monotonic() < deadline, f"job {job_id} did not start within {timeout} s"
        time.sleep(0.05)


def _rss_mb(pid: int) -> float:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def test_connection_file_is_private(daemon):
    assert stat.S_IMODE(os.stat(daemon.connection_file).st_mode) == 0o600


def test_wrong_key_and_replays_get_no_answer_and_the_engine_keeps_serving(daemon, peer, connect):
    drops = daemon.log_count("dropped a message")
    intruder = connect(daemon.info, key="0" * 64)
    intruder.send("info_request", {})
    daemon.wait_for_log("dropped a message", drops + 1)  # read, refused, and logged ...
    assert not intruder.shell.poll(0)  # ... and never answered
    frames = peer.session.serialize(peer.session.msg("ping_request", {}))
    peer.shell.send_multipart(frames)
    assert peer.recv()["content"]["status"] == "ok"
    peer.shell.send_multipart(frames)  # the same signed bytes again
    # Shell is served in order: the next reply is the new ping's, so the replay got none.
    assert peer.request("ping_request")["content"]["status"] == "ok"
    daemon.wait_for_log("dropped a message", drops + 2)


def test_a_jupyter_client_session_is_understood(daemon):
    from jupyter_client.session import Session as JupyterSession

    session = JupyterSession(key=daemon.info.key.encode(), packer="msgpack", signature_scheme="hmac-sha256")
    context = zmq.Context()
    try:
        shell = context.socket(zmq.DEALER)
        shell.connect(daemon.info.endpoint("shell"))
        session.send(shell, "info_request", {})
        assert shell.poll(10_000)
        _, frames = session.feed_identities(shell.recv_multipart())
        reply = session.deserialize(frames)  # checks the engine's signature with jupyter's own code
        assert reply["msg_type"] == "info_reply" and reply["content"]["status"] == "ok"
    finally:
        context.destroy(linger=0)


def test_a_request_cannot_reach_paths_outside_the_configured_models(peer, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "model_index.json").write_text('{"_class_name": "AudioLDMPipeline"}')
    reply = peer.request("model_load_request", {"model": str(outside)})["content"]
    assert reply["code"] == "model_not_found"
    assert peer.request("generate_request", {"prompt": "x", "model": str(outside), **QUICK})["content"]["code"] == "model_not_found"


def test_ten_thousand_malformed_messages_are_survived(daemon, peer):
    rng = random.Random(0)
    good = peer.session.serialize(peer.session.msg("ping_request", {}))
    good = [bytes(f) for f in good]
    before = _rss_mb(daemon.process.pid)
    drops = daemon.log_count("dropped a message")
    sock = peer.shell
    replies = []

    def collect(wait_ms: int = 0) -> None:
        # Read as we go, so no reply is lost to a full queue while the flood is being sent.
        while sock.poll(wait_ms):
            replies.append(peer.session.recv(sock))
            wait_ms = 0

    for i in range(10_000):
        kind = i % 8
        if kind == 0:
            frames = [rng.randbytes(rng.randint(0, 64))]
        elif kind == 1:
            frames = good[: rng.randint(1, 4)]  # too few frames
        elif kind == 2:
            frames = [good[0], b"0" * 64, *good[2:]]  # bad signature
        elif kind == 3:
            frames = [good[0], b"", *good[2:]]  # missing signature
        elif kind == 4:
            frames = good  # the one genuine message, then replays of it
        elif kind == 5:
            frames = peer.session.serialize(peer.session.msg("no_such_request", {}))
        elif kind == 6:
            frames = peer.session.serialize(peer.session.msg("generate_request", {"prompt": 5, "seconds": "long", "steps": [1]}))
        else:
            frames = [good[0], good[1], msgpack.packb([1, 2]), good[3], good[4], good[5], rng.randbytes(256)]
        sock.send_multipart(frames)
        if i % 100 == 99:
            collect()
    # Shell is served in order: every answer the flood earned arrives before this ping's.
    last = peer.send("ping_request", {})["header"]["msg_id"]
    while not replies or replies[-1]["parent_header"]["msg_id"] != last:
        collect(wait_ms=60_000)
        assert replies, "the engine stopped answering"
    earned = Counter((r["content"]["status"], r["content"].get("code")) for r in replies[:-1])
    # Unknown types and wrong field types are answered, the genuine ping once; the rest is dropped.
    assert earned == {("error", "unknown_message_type"): 1250, ("error", "invalid_argument"): 1250, ("ok", None): 1}
    assert peer.request("info_request", timeout=10)["content"]["status"] == "ok"
    assert _rss_mb(daemon.process.pid) - before <= 20
    assert daemon.log_count("dropped a message") > drops


def test_sixteen_clients_with_five_jobs_each_get_exactly_their_own_results(daemon):
    from soundloom.protocol.codec import Session

    info = daemon.info
    results: dict[int, list] = {}
    errors = []

    def client(n: int) -> None:
        context = zmq.Context()
        try:
            session = Session(info.key)
            shell = context.socket(zmq.DEALER)
            shell.connect(info.endpoint("shell"))
            sent = [session.send(shell, "generate_request", {"prompt": f"client {n} job {j}", "seed": n * 10 + j, **QUICK})
                    for j in range(5)]
            got = []
            for _ in sent:
                assert shell.poll(120_000)
                got.append(session.recv(shell))
            results[n] = [(s["header"]["msg_id"], g) for s, g in zip(sorted(sent, key=lambda m: m["header"]["msg_id"]),
                                                                     sorted(got, key=lambda m: m["parent_header"]["msg_id"]))]
        except Exception as exc:  # collected for the assertion below
            errors.append(exc)
        finally:
            context.destroy(linger=0)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    assert not errors and len(results) == 16
    for n, pairs in results.items():
        assert len(pairs) == 5
        prompts = set()
        for msg_id, reply in pairs:
            content = reply["content"]
            assert content["status"] == "ok" and content["job_id"] == msg_id
            prompts.add(content["metadata"]["prompt"])
            assert extract_audio(reply, content["audio"][0])[0].shape == (1, 8000)
        assert prompts == {f"client {n} job {j}" for j in range(5)}
    log = (daemon.data / "logs" / "engine.log").read_text()
    assert any(f"({k} jobs)" in log for k in range(2, 9))  # concurrent requests were batched


def test_a_client_killed_mid_job_leaves_the_engine_serving(daemon, peer):
    script = (
        "import sys, time, zmq\n"
        "from soundloom.protocol.codec import Session\n"
        "from soundloom.protocol.connection import read_connection_file\n"
        "info = read_connection_file(sys.argv[1]); s = Session(info.key)\n"
        "sock = zmq.Context().socket(zmq.DEALER); sock.connect(info.endpoint('shell'))\n"
        "sent = s.send(sock, 'generate_request', {'prompt': 'orphan', 'seconds': 1, 'steps': 10})\n"
        "print(sent['header']['msg_id'], flush=True); time.sleep(600)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", script, str(daemon.connection_file)], stdout=subprocess.PIPE)
    orphan = child.stdout.readline().decode().strip()
    _wait_until_running(peer, orphan)
    child.kill()
    child.wait()
    reply = peer.request("generate_request", {"prompt": "next", "seed": 1, **QUICK}, timeout=60)
    assert reply["content"]["status"] == "ok"
    assert peer.request("info_request")["content"]["queue_length"] == 0


def test_results_finished_before_a_sigkill_are_fetchable_after_restart(make_daemon, connect):
    engine = make_daemon()
    client = connect(engine.start())
    done = client.request("generate_request", {"prompt": "keep me", "seed": 3, **QUICK}, timeout=120)
    lost = client.send("generate_request", {"prompt": "lost", "seconds": 1, "steps": 1000})
    _wait_until_running(client, lost["header"]["msg_id"])
    engine.kill()
    assert not engine.connection_file.exists() or engine.info.is_stale()
    client = connect(engine.start())
    fetched = client.request("job_result_request", {"job_id": done["content"]["job_id"]})
    assert fetched["content"]["metadata"] == done["content"]["metadata"]
    original = extract_audio(done, done["content"]["audio"][0])[0]
    assert np.array_equal(extract_audio(fetched, fetched["content"]["audio"][0])[0], original)
    assert not list((engine.data / "results").glob(".*.tmp"))  # no half-written result


def test_clean_shutdown_removes_the_connection_file(make_daemon, connect):
    engine = make_daemon()
    client = connect(engine.start())
    assert client.request("shutdown_request", channel="control")["content"]["status"] == "ok"
    assert engine.process.wait(120) == 0
    assert not engine.connection_file.exists()


def test_a_client_over_its_queue_limit_gets_queue_full(make_daemon, connect):
    engine = make_daemon("--max-queued", "2")
    client = connect(engine.start())
    for _ in range(2):
        client.send("generate_request", {"prompt": "x", "seconds": 1, "steps": 1000})
    reply = client.request("generate_request", {"prompt": "x", **QUICK})["content"]
    assert reply["code"] == "queue_full" and "limit is 2" in reply["message"]


def test_binding_a_public_address_needs_allow_remote(tiny_model_path, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "soundloom.daemon", "serve", "--transport", "tcp", "--ip", "0.0.0.0", "--model", str(tiny_model_path),
         "--data-dir", str(tmp_path), "--connection-file", str(tmp_path / "c.json")],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 2 and "--allow-remote" in result.stderr
    assert not (tmp_path / "c.json").exists()


def test_an_oversized_message_is_dropped_and_the_engine_keeps_serving(make_daemon, connect):
    from zmq.utils.monitor import recv_monitor_message

    engine = make_daemon("--max-message-mb", "1")
    client = connect(engine.start())
    assert client.request("ping_request", timeout=120)["content"]["status"] == "ok"
    monitor = client.shell.get_monitor_socket(zmq.EVENT_DISCONNECTED | zmq.EVENT_HANDSHAKE_SUCCEEDED)
    big = np.zeros((1, 400_000), np.float32)  # 1.6 MB of audio: a valid 25 s transfer, were it read
    msg = {"buffers": []}
    descriptor = attach_audio(msg, big, 16000)
    oversized = client.send("transfer_request", {"prompt": "x", "audio": descriptor, "steps": 2}, buffers=msg["buffers"])
    # The engine cuts the connection that carried it (a slow engine would not), and the client's
    # socket connects again by itself.
    events = []
    while zmq.EVENT_DISCONNECTED not in events or zmq.EVENT_HANDSHAKE_SUCCEEDED not in events[events.index(zmq.EVENT_DISCONNECTED):]:
        assert monitor.poll(60_000), f"the connection was not cut and made again; events: {events}"
        events.append(recv_monitor_message(monitor)["event"])
    client.shell.disable_monitor()
    monitor.close(linger=0)
    reply = client.request("ping_request", timeout=60)  # the next reply on this socket is the ping's
    assert reply["content"]["status"] == "ok"
    # Had the big request been read, it would be a job now: it is not, and never answers.
    status = client.request("job_status_request", {"job_id": oversized["header"]["msg_id"]}, channel="control")["content"]
    assert (status["code"], status["field"]) == ("job_not_found", "job_id")
    assert client.request("info_request")["content"]["queue_length"] == 0
    small = {"buffers": []}
    descriptor = attach_audio(small, big[:, :16000], 16000)
    reply = client.request("transfer_request", {"prompt": "x", "audio": descriptor, "steps": 2}, buffers=small["buffers"],
                           timeout=120)
    assert reply["content"]["status"] == "ok"  # the same request under the limit is served


def test_a_remote_bind_uses_curve_and_plain_clients_get_nothing(make_daemon, connect):
    from soundloom.sdk import Client

    engine = make_daemon("--transport", "tcp", "--ip", "0.0.0.0", "--allow-remote")
    info = engine.start()
    assert len(info.curve_server_key) == 40
    assert info.ip == "0.0.0.0"
    plain = connect(info, curve=False)
    plain.send("ping_request", {})
    with Client.connect(engine.connection_file, start=False, timeout=60) as client:
        assert client.info()["pid"] == engine.process.pid
    assert not plain.shell.poll(1000)  # no CURVE handshake, no conversation


def test_a_request_resent_after_an_engine_restart_is_answered_from_the_stored_result(make_daemon, connect):
    engine = make_daemon()
    client = connect(engine.start())
    first = client.send("generate_request", {"prompt": "once", "seed": 8, **QUICK})
    reply = client.recv()
    engine.stop()
    client = connect(engine.start())
    header = dict(first["header"], date="2031-01-01T00:00:00.000000Z")  # same msg_id, fresh signature
    client.session.send(client.shell, client.session.msg("generate_request", {"prompt": "once", **QUICK}, header=header))
    again = client.recv()
    assert again["content"]["metadata"] == reply["content"]["metadata"]  # not generated a second time
