"""The daemon under bad traffic, crashes, many clients and hostile requests."""

import os
import random
import stat
import subprocess
import sys
import threading
import time

import msgpack
import numpy as np
import zmq

from soundloom.protocol.codec import extract_audio

QUICK = {"seconds": 0.5, "steps": 2, "guidance": 1.0}


def _rss_mb(pid: int) -> float:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def test_connection_file_is_private(daemon):
    assert stat.S_IMODE(os.stat(daemon.connection_file).st_mode) == 0o600


def test_wrong_key_and_replays_get_no_answer_and_the_engine_keeps_serving(daemon, peer, connect):
    intruder = connect(daemon.info, key="0" * 64)
    intruder.send("info_request", {})
    assert not intruder.shell.poll(500)  # dropped, unanswered
    frames = peer.session.serialize(peer.session.msg("ping_request", {}))
    peer.shell.send_multipart(frames)
    assert peer.recv()["content"]["status"] == "ok"
    peer.shell.send_multipart(frames)  # the same signed bytes again
    assert not peer.shell.poll(500)
    assert peer.request("ping_request")["content"]["status"] == "ok"


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
    sock = peer.shell
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
            frames = good  # a replay of the one genuine message
        elif kind == 5:
            frames = peer.session.serialize(peer.session.msg("no_such_request", {}))
        elif kind == 6:
            frames = peer.session.serialize(peer.session.msg("generate_request", {"prompt": 5, "seconds": "long", "steps": [1]}))
        else:
            frames = [good[0], good[1], msgpack.packb([1, 2]), good[3], good[4], good[5], rng.randbytes(256)]
        sock.send_multipart(frames)
    # Drain the error replies the well-formed ones earned, then check the engine still serves.
    answered = 0
    while sock.poll(2000):
        sock.recv_multipart()
        answered += 1
    assert answered >= 2 * 1250 - 10  # unknown types and wrong field types are answered; the rest dropped
    assert peer.request("info_request", timeout=10)["content"]["status"] == "ok"
    assert _rss_mb(daemon.process.pid) - before <= 20
    log = (daemon.data / "logs" / "engine.log").read_text()
    assert "dropped a message" in log


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
        "s.send(sock, 'generate_request', {'prompt': 'orphan', 'seconds': 2, 'steps': 10})\n"
        "print('sent', flush=True); time.sleep(60)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", script, str(daemon.connection_file)], stdout=subprocess.PIPE)
    assert child.stdout.readline().strip() == b"sent"
    time.sleep(0.5)
    child.kill()
    child.wait()
    reply = peer.request("generate_request", {"prompt": "next", "seed": 1, **QUICK}, timeout=60)
    assert reply["content"]["status"] == "ok"
    assert peer.request("info_request")["content"]["queue_length"] == 0


def test_results_finished_before_a_sigkill_are_fetchable_after_restart(make_daemon, connect):
    engine = make_daemon()
    client = connect(engine.start())
    done = client.request("generate_request", {"prompt": "keep me", "seed": 3, **QUICK})
    client.send("generate_request", {"prompt": "lost", "seconds": 10, "steps": 100})
    time.sleep(1.0)
    engine.kill()
    assert not engine.connection_file.exists() or engine.info.is_stale()
    client = connect(engine.start())
    fetched = client.request("job_result_request", {"job_id": done["content"]["job_id"]})
    assert fetched["content"]["metadata"] == done["content"]["metadata"]
    original = extract_audio(done, done["content"]["audio"][0])[0]
    assert np.array_equal(extract_audio(fetched, fetched["content"]["audio"][0])[0], original)
    assert not list((engine.data / "results").glob(".tmp-*"))  # no half-written result


def test_clean_shutdown_removes_the_connection_file(make_daemon, connect):
    engine = make_daemon()
    client = connect(engine.start())
    assert client.request("shutdown_request", channel="control")["content"]["status"] == "ok"
    assert engine.process.wait(30) == 0
    assert not engine.connection_file.exists()


def test_a_client_over_its_queue_limit_gets_queue_full(make_daemon, connect):
    engine = make_daemon("--max-queued", "2")
    client = connect(engine.start())
    for _ in range(2):
        client.send("generate_request", {"prompt": "x", "seconds": 5, "steps": 50})
    reply = client.request("generate_request", {"prompt": "x", **QUICK})["content"]
    assert reply["code"] == "queue_full" and "limit is 2" in reply["message"]


def test_binding_a_public_address_needs_allow_remote(tiny_model_path, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "soundloom.engine", "serve", "--ip", "0.0.0.0", "--model", str(tiny_model_path),
         "--data-dir", str(tmp_path), "--connection-file", str(tmp_path / "c.json")],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 2 and "--allow-remote" in result.stderr
    assert not (tmp_path / "c.json").exists()


def test_an_oversized_message_is_refused_and_the_engine_keeps_serving(make_daemon, connect):
    engine = make_daemon("--max-message-mb", "1")
    client = connect(engine.start())
    big = np.zeros((1, 400_000), np.float32)  # 1.6 MB of audio
    msg = {"buffers": []}
    from soundloom.protocol.codec import attach_audio

    descriptor = attach_audio(msg, big, 16000)
    client.send("transfer_request", {"prompt": "x", "audio": descriptor}, buffers=msg["buffers"])
    assert not client.shell.poll(1000)  # dropped before it was read
    assert client.request("ping_request", timeout=10)["content"]["status"] == "ok"


def test_a_remote_bind_uses_curve_and_plain_clients_get_nothing(make_daemon, connect):
    from soundloom.sdk import Client

    engine = make_daemon("--ip", "0.0.0.0", "--allow-remote")
    info = engine.start()
    assert len(info.curve_server_key) == 40
    assert info.ip == "0.0.0.0"
    plain = connect(info)
    plain.send("ping_request", {})
    assert not plain.shell.poll(1000)  # no CURVE handshake, no conversation
    with Client.connect(engine.connection_file, start=False) as client:
        assert client.info()["pid"] == engine.process.pid


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
