#!/usr/bin/env python3
"""Peak memory of a release server while anonymous reports carry decompression bombs.

Starts `territoires serve --demo` on a loopback port, reads the server's VmHWM, sends CONCURRENT
anonymous reports at once, each with three PNG photos whose header announces 6300 x 6300 pixels
of 16-bit RGBA (317 MB once decoded; about 300 KB each, as the original attack), and reads VmHWM
again. Loopback only; stops by itself. Usage: bench/upload_bombs.py BINARY [CONCURRENT]
"""
import os, re, socket, struct, subprocess, sys, tempfile, threading, time, urllib.request, zlib

BIN = sys.argv[1]
CONCURRENT = int(sys.argv[2]) if len(sys.argv) > 2 else 4


def bomb(side=6300):
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
    raw = b"".join(b"\x00" + bytes(side * 8) for _ in range(side // 16))  # a slice of rows
    idat = zlib.compress(raw, 9)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 16, 6, 0, 0, 0))
            + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


def hwm(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmHWM:\s+(\d+)", f.read()).group(1)) // 1024


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p


def main():
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    data = tempfile.mkdtemp()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["TERRITOIRES_LOG"] = "warn"
    proc = subprocess.Popen([BIN, "serve", "--demo", "--data-dir", data, "--listen", f"127.0.0.1:{port}"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(base + "/readyz", timeout=1); break
            except Exception:
                time.sleep(0.1)
        photo = bomb()
        before = hwm(proc.pid)
        statuses = []

        def send(i):
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
            opener.open(base + "/s/montauban/reports/new?category=VOIRIE-01", timeout=30).read()
            csrf = [c.value for c in opener.handlers[-1].cookiejar if c.name == "csrf"] if hasattr(opener.handlers[-1], "cookiejar") else []
            jar = next(h.cookiejar for h in opener.handlers if hasattr(h, "cookiejar"))
            csrf = next(c.value for c in jar if c.name == "csrf")
            boundary = "----bomb"
            parts = []
            for k, v in [("category", "VOIRIE-01"), ("lat", "44.0176"), ("lon", "1.3550"),
                         ("description", f"Trou {i}"), ("attribute[TAILLE]", "grand"),
                         ("email", f"bombe{i}@exemple.fr")]:
                parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n".encode())
            for n in range(3):
                parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"b{n}.png\"\r\n"
                             f"Content-Type: image/png\r\n\r\n".encode() + photo + b"\r\n")
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            req = urllib.request.Request(base + f"/s/montauban/reports/new?_csrf={csrf}", data=body,
                                         headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
            try:
                statuses.append(opener.open(req, timeout=60).status)
            except urllib.error.HTTPError as e:
                statuses.append(e.code)

        threads = [threading.Thread(target=send, args=(i,)) for i in range(CONCURRENT)]
        t0 = time.time()
        for t in threads: t.start()
        for t in threads: t.join()
        after = hwm(proc.pid)
        print(f"photo: {len(photo) // 1024} KB announcing 6300x6300 16-bit RGBA; {CONCURRENT} reports x 3 photos at once")
        print(f"statuses: {sorted(statuses)}; {time.time() - t0:.2f} s")
        print(f"VmHWM before: {before} MB, after: {after} MB, growth: {after - before} MB")
    finally:
        proc.terminate(); proc.wait(timeout=10)
        subprocess.run(["rm", "-rf", data])


main()
