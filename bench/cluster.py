"""Client side of bench/cluster.sh: two nodes on one PostgreSQL database behind a balancer.

Standard library only. Each command prints its figures on stdout, one per line.

  propagation NODE1 NODE2 TRIES        a report filed on node 1, searched for on node 2
  readiness NODE1 NODE2 BALANCER SECONDS RATE
                                       /readyz of both nodes every 50 ms while RATE reports/s
                                       go through the balancer
  writes BALANCER SECONDS CLIENTS RUN OUT
                                       reports with idempotency keys through the balancer, each
                                       retried with its key until acknowledged; writes the
                                       acknowledged (key, id) pairs to OUT
  check DATABASE_URL RUN OUT           acknowledged, present, duplicates and lost for a run
"""

import json
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

API_KEY = "demo-montauban-open311-2026"


def file_report(base, description, key=None, timeout=10):
    """Posts one Open311 report; its id when acknowledged (201), else None."""
    body = urllib.parse.urlencode(
        {
            "api_key": API_KEY,
            "jurisdiction_id": "montauban",
            "service_code": "PROPRETE-01",
            "lat": "44.0176",
            "long": "1.3550",
            "description": description,
        }
    ).encode()
    request = urllib.request.Request(base + "/open311/v2/requests.json", data=body)
    if key is not None:
        request.add_header("Idempotency-Key", key)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            if r.status != 201:
                return None
            return json.load(r)[0]["service_request_id"]
    except (urllib.error.URLError, OSError, ValueError, KeyError, IndexError):
        return None


def word(n):
    """A word no other text holds: n in letters between fixed ones."""
    letters = "".join(chr(ord("a") + (n // 26**i) % 26) for i in range(3))
    return f"zqv{letters}w"


def found(base, w, report_id):
    url = f"{base}/api/v1/search?q={w}&kind=report"
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            items = json.load(r).get("items", [])
    except (urllib.error.URLError, OSError, ValueError):
        return False
    return any(i.get("id") == report_id for i in items)


def propagation(node1, node2, tries):
    delays = []
    run = int(time.time()) % 10000
    for n in range(tries):
        w = word(run * 100 + n)
        report_id = file_report(node1, f"Lampadaire {w} éteint (essai de propagation)")
        if report_id is None:
            print(f"try {n}: the write was refused")
            continue
        start = time.monotonic()
        while not found(node2, w, report_id):
            if time.monotonic() - start > 5:
                print(f"try {n}: not found on node 2 after 5 s")
                break
            time.sleep(0.005)
        else:
            delays.append(time.monotonic() - start)
        time.sleep(0.05)
    if delays:
        print(
            f"propagation node 1 -> node 2 search, {len(delays)} of {tries} tries: "
            f"median {statistics.median(delays) * 1000:.0f} ms, max {max(delays) * 1000:.0f} ms"
        )


def readiness(node1, node2, balancer, seconds, rate):
    stop = threading.Event()
    lock = threading.Lock()
    probes = {node1: [0, 0], node2: [0, 0]}  # probes, not 200
    writes = [0, 0]  # acknowledged, refused or failed
    run = int(time.time())

    def probe(node):
        while not stop.is_set():
            started = time.monotonic()
            status = 0
            try:
                with urllib.request.urlopen(node + "/readyz", timeout=2) as r:
                    status = r.status
            except urllib.error.HTTPError as e:
                status = e.code
            except (urllib.error.URLError, OSError):
                status = 0
            with lock:
                probes[node][0] += 1
                if status != 200:
                    probes[node][1] += 1
            time.sleep(max(0.0, 0.05 - (time.monotonic() - started)))

    writers = 8
    interval = writers / rate

    def write(w):
        n = 0
        next_at = time.monotonic()
        while not stop.is_set():
            ok = file_report(balancer, f"Essai de disponibilité {run} {w}-{n}") is not None
            n += 1
            with lock:
                writes[0 if ok else 1] += 1
            next_at += interval
            time.sleep(max(0.0, next_at - time.monotonic()))

    threads = [threading.Thread(target=probe, args=(n,)) for n in (node1, node2)]
    threads += [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    print(
        f"readiness under writes, {seconds} s: {writes[0]} reports acknowledged "
        f"({writes[0] / seconds:.0f}/s), {writes[1]} refused or failed"
    )
    for i, node in enumerate((node1, node2), 1):
        print(f"/readyz of node {i}: {probes[node][0]} probes, {probes[node][1]} not 200")


def writes(balancer, seconds, clients, run, out):
    """Each client takes a key, sends it until acknowledged (same key on every retry), and
    takes the next one until the time is up."""
    stop = threading.Event()
    lock = threading.Lock()
    acknowledged = []
    retries = [0]
    given_up = []

    def client(c):
        n = 0
        while not stop.is_set():
            key = f"{run}-{c}-{n}"
            n += 1
            deadline = time.monotonic() + 30
            while True:
                report_id = file_report(balancer, f"Essai cluster {key}", key=key, timeout=5)
                if report_id is not None:
                    with lock:
                        acknowledged.append((key, report_id))
                    break
                if time.monotonic() > deadline:
                    with lock:
                        given_up.append(key)
                    break
                with lock:
                    retries[0] += 1
                time.sleep(0.05)

    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    start = time.monotonic()
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    with open(out, "w") as f:
        json.dump({"acknowledged": acknowledged, "given_up": given_up}, f)
    print(
        f"writes through the balancer, {clients} clients, {elapsed:.1f} s: "
        f"{len(acknowledged)} acknowledged, {retries[0]} retries, {len(given_up)} given up"
    )


def check(database_url, run, out):
    with open(out) as f:
        recorded = json.load(f)
    acknowledged = dict(recorded["acknowledged"])
    query = (
        "SELECT id, description FROM reports WHERE description LIKE "
        f"'Essai cluster {run}-%'"
    )
    rows = subprocess.run(
        ["psql", database_url, "-At", "-F", "\t", "-c", query],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    ids_by_key = {}
    for row in rows:
        report_id, description = row.split("\t", 1)
        ids_by_key.setdefault(description.removeprefix("Essai cluster "), []).append(report_id)
    duplicates = sum(len(ids) - 1 for ids in ids_by_key.values())
    lost = [k for k, i in acknowledged.items() if i not in ids_by_key.get(k, [])]
    present = sum(1 for k in acknowledged if k in ids_by_key)
    print(
        f"acknowledged {len(acknowledged)}, present {present}, duplicates {duplicates}, "
        f"lost {len(lost)} (rows {len(rows)}; stored but never acknowledged "
        f"{len(set(ids_by_key) - set(acknowledged))}, keys given up "
        f"{len(recorded['given_up'])})"
    )
    return 0 if duplicates == 0 and not lost else 1


def main(args):
    command = args[0]
    if command == "propagation":
        propagation(args[1], args[2], int(args[3]))
    elif command == "readiness":
        readiness(args[1], args[2], args[3], int(args[4]), int(args[5]))
    elif command == "writes":
        writes(args[1], int(args[2]), int(args[3]), args[4], args[5])
    elif command == "check":
        return check(args[1], args[2], args[3])
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
