"""What an RFC 9421 request signature costs beyond its Ed25519 operation, in CPU time.

Run from the repository root: ``python bench/httpsig.py [--rounds 9]``. Prints one JSON
object. The request is a delivery as the outbox signs it and the inbox verifies it (the
cases of ``bench/protocol.py``); the limits are the bare libsodium sign and verify of its
own signature base, the node's signer and verifier, timed in the same rounds. Each round
times every case back to back in CPU time of this process (``time.process_time``), which
a neighbour's load moves much less than wall time; overheads are paired per round, then
the median is taken. Progress goes to stderr; the run takes about 10 s.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import orjson

from bench._common import emit, machine, median, progress
from bench.protocol import realistic_event, request_cases
from protocol.envelope import seal
from protocol.keys import SigningKey

CALLS = 2000


def cpu_us_per_call(fn: Callable[[], object], calls: int = CALLS) -> float:
    started = time.process_time()
    for _ in range(calls):
        fn()
    return (time.process_time() - started) / calls * 1e6


def main(rounds: int) -> None:
    key = SigningKey.generate()
    body = orjson.dumps({"items": [seal(realistic_event(), key).model_dump(mode="json")]})
    cases, base_bytes = request_cases(body, key)
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for round_ in range(1, rounds + 1):
        progress(f"round {round_}/{rounds}")
        for name, fn in cases.items():
            samples[name].append(cpu_us_per_call(fn))
    cost = {name: round(median(values), 2) for name, values in samples.items()}

    def overhead(case: str, raw: str) -> float:
        return round(median([c - r for c, r in zip(samples[case], samples[raw], strict=True)]), 2)

    emit(
        {
            "benchmark": "protocol.httpsig",
            "request": {"method": "POST", "body_bytes": len(body), "signature_base_bytes": base_bytes},
            "cpu_us": cost,
            "request_sign_overhead_cpu_us": overhead("request_sign", "raw_request_sign"),
            "request_verify_overhead_cpu_us": overhead("request_verify", "raw_request_verify"),
            "request_sign_cost_ratio": round(cost["request_sign"] / cost["raw_request_sign"], 3),
            "request_verify_cost_ratio": round(cost["request_verify"] / cost["raw_request_verify"], 3),
            "limit": "libsodium (PyNaCl) sign and verify of the same signature base: the node's own calls",
            "method": f"CPU time of {CALLS} calls per case per round, cases interleaved, {rounds} rounds, medians",
            "samples_cpu_us": {name: [round(v, 2) for v in values] for name, values in samples.items()},
            "machine": machine(),
        }
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=9)
    main(parser.parse_args().rounds)
