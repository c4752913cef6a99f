"""Watch UCCERT-MIB notifications arrive in an snmptrapd log written with
-On -F "TRAP %V<TAB>%v\\n" (see snmp-lib.sh).

  burst.py count LOG SKIP                   notifications after line SKIP
  burst.py wait LOG SKIP N TIMEOUT          until N have arrived (exit 1: timeout)
  burst.py settle LOG SKIP N TIMEOUT QUIET  until N have arrived and none for
                                            QUIET more seconds; prints the count
  burst.py pairs LOG SKIP                   "kind index" per notification, in
                                            arrival order
  burst.py signal LOG SKIP N PID SIG TIMEOUT [READY]
                                            as soon as N have arrived, send
                                            signal SIG (a number) to PID (or to
                                            the pid in file F, given as @F);
                                            prints how many had arrived by then
                                            and the time of the signal (ns since
                                            the epoch); creates READY once
                                            watching
  burst.py timed LOG SKIP N TIMEOUT [READY]  wait for N, stamping each arrival;
                                            prints "seconds kind days impact index"
                                            (seconds since the first arrival);
                                            creates file READY once watching
"""
import os
import re
import sys
import time

ROOT = ".1.3.6.1.4.1.8072.9999.9999.7"
KINDS = {"1": "expiring", "2": "expired", "3": "cleared"}


def parse(line):
    """(kind, index, days, impact) of one UCCERT-MIB trap line, or None."""
    if not line.startswith("TRAP "):
        return None
    kind, index, days, impact = None, None, None, None
    for part in line[5:].split("\t"):
        m = re.match(r"(\.[0-9.]+) = (?:[A-Za-z0-9-]+: )?(.*)$", part.strip())
        if not m:
            continue
        name, value = m.group(1), m.group(2).strip('"')
        if name == ".1.3.6.1.6.3.1.1.4.1.0" and value.startswith(ROOT + ".0."):
            kind = KINDS.get(value[len(ROOT) + 3:])
        elif name.startswith(ROOT + ".1.2.1."):
            col, index = name[len(ROOT) + 7:].split(".")
            if col == "12":
                days = value
            elif col == "6":
                impact = value
    if kind is None:
        return None
    return kind, index, days, impact


class Tail:
    def __init__(self, path, skip):
        self.f = open(path, encoding="utf-8", errors="replace")
        self.skip = skip
        self.buf = ""
        self.seen = 0

    def read(self):
        """New complete UCCERT-MIB traps since the last call."""
        out = []
        self.buf += self.f.read()
        *lines, self.buf = self.buf.split("\n")
        for line in lines:
            self.seen += 1
            if self.seen <= self.skip:
                continue
            t = parse(line)
            if t:
                out.append(t)
        return out


def main():
    cmd, log, skip = sys.argv[1], sys.argv[2], int(sys.argv[3])
    tail = Tail(log, skip)
    if cmd == "count":
        print(len(tail.read()))
        return 0
    if cmd == "pairs":
        for t in tail.read():
            print(t[0], t[1])
        return 0
    n = int(sys.argv[4])
    got = 0
    if cmd == "signal":
        target, sig = sys.argv[5], int(sys.argv[6])
        deadline = time.monotonic() + float(sys.argv[7])
        got += len(tail.read())
        if len(sys.argv) > 8:
            open(sys.argv[8], "w").close()
        while time.monotonic() < deadline:
            got += len(tail.read())
            if got >= n:
                pid = int(open(target[1:]).read()) if target.startswith("@") else int(target)
                os.kill(pid, sig)
                print(got, time.time_ns())
                return 0
            time.sleep(0.0002)
        print(got, 0)
        return 1
    timeout = float(sys.argv[5])
    deadline = time.monotonic() + timeout
    if cmd in ("wait", "settle"):
        quiet = float(sys.argv[6]) if cmd == "settle" else 0
        last = time.monotonic()
        while time.monotonic() < deadline:
            new = len(tail.read())
            now = time.monotonic()
            if new:
                got += new
                last = now
            if got >= n and now - last >= quiet:
                if cmd == "settle":
                    print(got)
                return 0
            time.sleep(0.001)
        if cmd == "settle":
            print(got)
        return 1
    if cmd == "timed":
        stamps = []
        for t in tail.read():
            stamps.append((time.monotonic(), t))
        if len(sys.argv) > 6:
            open(sys.argv[6], "w").close()
        while time.monotonic() < deadline and len(stamps) < n:
            now = time.monotonic()
            for t in tail.read():
                stamps.append((now, t))
            time.sleep(0.001)
        t0 = stamps[0][0] if stamps else 0
        for now, t in stamps:
            print("%.3f %s %s %s %s" % (now - t0, t[0], t[2], t[3], t[1]))
        return 0 if len(stamps) >= n else 1
    print("burst.py: unknown command " + cmd, file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main())
