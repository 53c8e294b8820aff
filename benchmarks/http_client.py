"""One HTTP client of `benchmarks/serving.py`, run as its own process, as a real caller is (threads in the
benchmark's own process would share one interpreter lock with each other and with the benchmark).

It keeps one HTTP/1.1 connection open (the standard library's `http.client`), waits until `--start` (a
`time.time()` value, so that every client starts together), posts the request bodies of `--bodies` (a
JSON list of request bodies, already encoded: the client's JSON work is not the endpoint's) in turn, and
prints one JSON line: rows answered, requests, errors, each request's latency, and its own CPU seconds.

    python benchmarks/http_client.py --port 8000 --bodies bodies.json --start T --requests 50
"""

from __future__ import annotations

import argparse
import http.client
import json
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--bodies", required=True, help="a JSON list of request bodies")
    parser.add_argument("--start", type=float, required=True, help="time.time() at which to start")
    parser.add_argument("--offset", type=int, default=0, help="the body to send first")
    parser.add_argument("--requests", type=int, default=0, help="requests to send (or --seconds)")
    parser.add_argument("--seconds", type=float, default=0.0, help="send for this long (or --requests)")
    args = parser.parse_args()

    with open(args.bodies, encoding="utf-8") as f:
        bodies = [(json.dumps(body).encode(), len(body["rows"])) for body in json.load(f)]
    connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=60)
    headers = {"Content-Type": "application/json"}

    def post(body: bytes) -> bool:
        connection.request("POST", "/v1/predict", body=body, headers=headers)
        answer = connection.getresponse()
        answer.read()
        return answer.status == 200

    post(bodies[0][0])  # connected before the start
    time.sleep(max(0.0, args.start - time.time()))
    cpu, started = time.process_time(), time.perf_counter()
    rows = errors = sent = 0
    latencies: list[float] = []
    while (sent < args.requests) if args.requests else (time.perf_counter() - started < args.seconds):
        body, n = bodies[(args.offset + sent) % len(bodies)]
        begin = time.perf_counter()
        try:
            ok = post(body)
        except (OSError, http.client.HTTPException):
            ok = False
            connection.close()
        latencies.append(1000 * (time.perf_counter() - begin))
        sent += 1
        rows += n if ok else 0
        errors += 0 if ok else 1
    print(json.dumps({"rows": rows, "requests": sent, "errors": errors, "latencies_ms": latencies,
                      "wall_s": time.perf_counter() - started, "cpu_s": time.process_time() - cpu}))


if __name__ == "__main__":
    main()
