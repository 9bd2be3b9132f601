"""Federation throughput: objects applied per second from batched pushes, and a twin's catch-up
from the feed, beside the machine's raw Ed25519 verification rate measured in the same run.

    python bench/federation.py [--objects 50000] [--push-objects 10000] [--verifier process|threads]

Prints one JSON object. The receiving nodes run as `gemella run` child processes (their own
interpreter, as in production); the sending node runs in this process. Beside the rates, the
receiver's CPU time per object (all its threads and its verifier process, from /proc) is compared
with the CPU time of one raw verification: on a shared machine CPU time moves much less than
rates do. The event loop's thread is shown apart (it does all but verifying and SQLite's work),
and so is the verifier process (node/federation/verifier.py), whose peak RSS is shown beside the
node's after catch-up. The
limit is the node's own verifier (libsodium, see protocol/keys.py) on one thread;
`cryptography`'s rate, the limit of earlier runs, is shown beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import emit, machine, measure, median, per_second, progress, raw_ed25519_verifiers
from node.logs import configure_logging
from protocol.canonical import canonical_json
from protocol.envelope import seal
from protocol.keys import SigningKey
from tests.support.nodes import InProcessNode, ProcessNode, twin
from tests.support.objects import make_event

# Quotas high enough that every object caught up is applied (the default keeps 20,000 per twin).
QUIET = {
    "log": {"level": "warning"},
    "delivery": {"pull_interval_seconds": 3600.0},
    "limits": {
        "twin_max_objects": 1_000_000,
        "twin_max_bytes": 2**31,
        "peer_items_per_second": 1e9,  # this bench measures what the inbox can take, not the budget
        "peer_item_burst": 10**9,
    },
}


def raw_verify_rate(sample: dict) -> dict[str, float]:
    """Bare verifications per second on one thread, with the node's verifier and with `cryptography`."""
    raw = _raw_verifiers(sample)
    samples = measure(raw, seconds=0.2)
    return {f"{name}_verify_per_s": per_second(median(values)) for name, values in samples.items()}


def raw_verify_cpu_us(sample: dict, count: int = 3000) -> float:
    """CPU microseconds of one bare verification with the node's verifier (median of 5 runs)."""
    verify = _raw_verifiers(sample)["libsodium"]
    runs = []
    for _ in range(5):
        started = time.process_time()
        for _ in range(count):
            verify()
        runs.append((time.process_time() - started) / count * 1e6)
    return median(runs)


def _raw_verifiers(sample: dict) -> dict[str, Callable[[], object]]:
    key = SigningKey.generate()
    message = canonical_json(sample)
    return raw_ed25519_verifiers(key.verify_key.raw, key.sign(message), message)


def cpu_seconds(pid: int, task: int | None = None) -> float:
    """User + system CPU time of a process, all its threads (or of its thread `task` alone)."""
    path = f"/proc/{pid}/stat" if task is None else f"/proc/{pid}/task/{task}/stat"
    fields = Path(path).read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def runqueue_wait_seconds(pid: int, task: int) -> float:
    """How long a thread waited for a core while it could run (/proc schedstat): on a shared
    machine, the part of a rate that other work took."""
    return int(Path(f"/proc/{pid}/task/{task}/schedstat").read_text().split()[1]) / 1e9


def children(pid: int) -> list[int]:
    """The processes a process started (the node's verifier), from every one of its threads."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def children_cpu_seconds(pid: int) -> float:
    return sum(cpu_seconds(child) for child in children(pid))


async def push_rate(root: Path, count: int, config: dict) -> dict[str, float]:
    sender = await InProcessNode.create(root, "Sender", config=QUIET)
    receiver = await ProcessNode.create(root, "Receiver", config=config)
    try:
        await twin(sender, receiver)
        key = sender.node.keys.current
        batches = []
        for start in range(0, count, 500):
            batch = [
                seal(make_event(sender.url, f"push{i}", description="x" * 400), key).model_dump(mode="json")
                for i in range(start, min(count, start + 500))
            ]
            batches.append({"items": batch})
        progress(f"pushing {count} objects in {len(batches)} batches of 500")
        assert receiver.process is not None
        pid = receiver.process.pid
        # The first batch starts the verifier process: measured from the second on.
        resp = await sender.node.client.send("POST", receiver.url + "/federation/v1/inbox", batches[0])
        assert resp.status == 202, resp.body[:300]
        count -= len(batches[0]["items"])
        batches = batches[1:]
        cpu_before, loop_before = cpu_seconds(pid), cpu_seconds(pid, pid)  # the main thread runs the event loop
        verifier_before = children_cpu_seconds(pid)
        waited_before = runqueue_wait_seconds(pid, pid)
        started = time.perf_counter()
        applied = 0
        for batch in batches:
            resp = await sender.node.client.send("POST", receiver.url + "/federation/v1/inbox", batch)
            assert resp.status == 202, resp.body[:300]
            applied += sum(r["status"] == "applied" for r in resp.json()["results"])
        elapsed = time.perf_counter() - started
        cpu, loop = cpu_seconds(pid) - cpu_before, cpu_seconds(pid, pid) - loop_before
        verifier = children_cpu_seconds(pid) - verifier_before
        waited = runqueue_wait_seconds(pid, pid) - waited_before
        assert applied == count, f"only {applied} of {count} applied"
        return {
            "push_objects": count,
            "push_seconds": round(elapsed, 3),
            "push_applied_per_s": round(count / elapsed, 1),
            "push_receiver_cpu_us_per_object": round((cpu + verifier) / count * 1e6, 1),
            # The loop's thread does everything but verifying and SQLite (its own thread).
            "push_receiver_loop_cpu_us_per_object": round(loop / count * 1e6, 1),
            # The verifier process; the node's other threads verify the rest, and run SQLite.
            "push_receiver_verifier_process_cpu_us_per_object": round(verifier / count * 1e6, 1),
            "push_receiver_other_threads_cpu_us_per_object": round((cpu - loop) / count * 1e6, 1),
            # Time the loop's thread was ready but other work held both cores: near 0 when quiet.
            "push_receiver_loop_waited_for_a_core_us_per_object": round(waited / count * 1e6, 1),
        }
    finally:
        await receiver.stop()
        await sender.stop()
        await sender.close_session()
        await receiver.close_session()


async def catch_up(root: Path, count: int, config: dict) -> dict[str, float]:
    origin = await InProcessNode.create(root, "Origin", config=QUIET)
    progress(f"origin publishes {count} events")
    node = origin.node
    for start in range(0, count, 1000):
        async with node.write() as work:
            for i in range(start, min(count, start + 1000)):
                await node.publish(work, make_event(origin.url, f"ev{i}", description="y" * 400), None)
        if start % 10000 == 0:
            progress(f"  {start + 1000}/{count}")
    last_seq = await node.store.objects.get_max_seq()
    newcomer = await ProcessNode.create(root, "Newcomer", config=config)
    try:
        assert newcomer.process is not None
        cpu_before = cpu_seconds(newcomer.process.pid)
        started = time.perf_counter()
        # The newcomer accepts: it becomes active only once the origin is, so its first pull is
        # not refused. (As proposer its first pull can beat the acceptor's own activation, and a
        # refused pull waits twice the pull interval: a race in the handshake, not in catch-up.)
        agreement = await twin(origin, newcomer)
        status = {}
        while True:
            status = await newcomer.api.ok("GET", f"/api/v1/twins/{agreement}")
            if status["delivery"]["feed_cursor"] >= last_seq:
                break
            await asyncio.sleep(0.1)
        elapsed = time.perf_counter() - started
        cpu = cpu_seconds(newcomer.process.pid) - cpu_before + children_cpu_seconds(newcomer.process.pid)
        peak_kb = _peak_rss_kb(newcomer.process.pid)
        verifier_peak_kb = sum(map(_peak_rss_kb, children(newcomer.process.pid)))
        progress(f"caught up {count} objects in {elapsed:.1f} s")
        return {
            "catch_up_objects": count,
            "catch_up_seconds": round(elapsed, 2),
            "catch_up_objects_per_s": round(count / elapsed, 1),
            "catch_up_peak_rss_mb": round(peak_kb / 1024, 1),
            "catch_up_verifier_peak_rss_mb": round(verifier_peak_kb / 1024, 1),
            "catch_up_cpu_us_per_object": round(cpu / count * 1e6, 1),
        }
    finally:
        await newcomer.stop()
        await origin.stop()
        await origin.close_session()
        await newcomer.close_session()


def _peak_rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


async def main(args: argparse.Namespace) -> None:
    configure_logging("warning", "console")  # stdout is for the JSON result
    with tempfile.TemporaryDirectory(prefix="gemella-bench-") as tmp:
        root = Path(tmp)
        sample = seal(make_event("https://a.example", "s", description="x" * 400), SigningKey.generate()).object
        # The limit is measured before and after each phase (a shared machine's load drifts);
        # each phase is compared with the mean of the two measurements around it.
        verify_cpu = raw_verify_cpu_us(sample)
        rates = [raw_verify_rate(sample)]
        config = {**QUIET, "federation": {"verifier": args.verifier}}
        push = await push_rate(root / "push", args.push_objects, config)
        rates.append(raw_verify_rate(sample))
        catch = await catch_up(root / "catch", args.objects, config)
        rates.append(raw_verify_rate(sample))
    before, between, after = (rate["libsodium_verify_per_s"] for rate in rates)
    push_limit, catch_limit = (before + between) / 2, (between + after) / 2
    crypto = [rate["cryptography_verify_per_s"] for rate in rates]
    push_crypto, catch_crypto = (crypto[0] + crypto[1]) / 2, (crypto[1] + crypto[2]) / 2
    result = {
        "benchmark": "federation",
        "machine": machine(),
        "ed25519_verify_per_s": [before, between, after],
        "ed25519_verify_library": "libsodium (PyNaCl), the node's verifier",
        "verifier": args.verifier,
        "cryptography_verify_per_s": crypto,
        **push,
        "push_ratio_to_raw_verify": round(push["push_applied_per_s"] / push_limit, 3),
        "push_ratio_to_cryptography_verify": round(push["push_applied_per_s"] / push_crypto, 3),
        "push_goal_ratio": 0.8,
        **catch,
        "catch_up_ratio_to_raw_verify": round(catch["catch_up_objects_per_s"] / catch_limit, 3),
        "catch_up_ratio_to_cryptography_verify": round(catch["catch_up_objects_per_s"] / catch_crypto, 3),
        "catch_up_goal_objects_per_s": 10000,
        "raw_verify_cpu_us": round(verify_cpu, 1),
        "push_cpu_ratio_to_raw_verify": round(push["push_receiver_cpu_us_per_object"] / verify_cpu, 2),
        "catch_up_cpu_ratio_to_raw_verify": round(catch["catch_up_cpu_us_per_object"] / verify_cpu, 2),
        "cpu_ratio_method": "receiver CPU per object (all threads) / CPU of one raw verification in this process",
        "catch_up_goal_peak_rss_mb": 120,
    }
    emit(result)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--objects", type=int, default=50_000)
    parser.add_argument("--push-objects", type=int, default=10_000)
    parser.add_argument("--verifier", choices=("process", "threads"), default="process")  # federation.verifier
    asyncio.run(main(parser.parse_args()))
