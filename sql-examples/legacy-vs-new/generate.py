#!/usr/bin/env python3
"""
generate.py - writes the two result streams of the legacy-vs-new example to
Kafka: what the legacy system emits (topic legacy_out) and what the new
pipeline emits (topic new_out), both keyed by business id with JSON values
{"ID", "AMOUNT", "STATUS"}, with known differences injected. The same seed
always gives the same ids, values, differences and relative timestamps, and
the script can say exactly what validate.sql must report for them, so the
example doubles as an end-to-end test (tests/e2e/test_legacy_vs_new.py
imports this file).

Every business id belongs to one case:

  MATCH              both systems emit it, timestamps at most 0.8 s apart,
                     same values (some amounts differ by 0.001, under the
                     0.005 tolerance; some statuses are null on both sides)
  MISMATCH           both emit it in time, but the amount or the status differs
  MISSING_IN_NEW     only the legacy system emits it
  MISSING_IN_LEGACY  only the new pipeline emits it
  LATE               the new pipeline stamps it more than WITHIN + GRACE after
                     the legacy record: no pair, so it is reported missing on
                     both sides (MISSING_IN_NEW with the legacy values and
                     MISSING_IN_LEGACY with the new values)
  DELAYED            the new pipeline stamps it on time but it is delivered
                     8 s late, after the legacy record's join window (WITHIN +
                     GRACE) has closed: also reported missing on both sides

Records are produced in real time (--speed scales it): each one when the wall
clock reaches its place in the sequence, so both topics are consumed side by
side as they would be in production. The last two records of the run are
MISSING_IN_NEW and MISSING_IN_LEGACY: nothing follows them, so only the idle
timeout (sluice.stream.time.idle.ms) can get them reported.

  generate.py --bootstrap 127.0.0.1:9092              produce (topics must exist)
  generate.py --dry-run                               print the plan, produce nothing
  generate.py --expected expected.json ...            also write what validate.sql reports
"""

import argparse
import json
import random
import sys
import time

# These must agree with validate.sql.
WITHIN_MS = 2000      # WITHIN 2 SECONDS
GRACE_MS = 1000       # GRACE PERIOD 1 SECOND
WINDOW_MS = 10000     # WINDOW TUMBLING (SIZE 10 SECONDS, ...)
TOLERANCE = 0.005     # ABS(l.amount - n.amount) <= 0.005 counts as equal

DELAY_MS = 8000       # how late a DELAYED record is delivered
STATUSES = ["BOOKED", "SETTLED", "PENDING", "REJECTED"]
KINDS = ["MATCH", "MISMATCH", "MISSING_IN_NEW", "MISSING_IN_LEGACY"]


class Plan:
    """What to produce (records, in production order) and the cases behind it."""

    def __init__(self, seed, ids, start_ms, step_ms):
        self.seed = seed
        self.base = start_ms - start_ms % WINDOW_MS  # windows of the summary start here
        self.records = []  # dicts: side ("legacy"/"new"), key, value, ts, at
        self.cases = []    # dicts: id, case, legacy (value, ts) or None, new (value, ts) or None
        self._build(random.Random(seed), ids, step_ms)

    # ------------------------------------------------------------ building

    def _build(self, rng, n, step):
        t0 = self.base + 1000
        slots = [t0 + i * step for i in range(n)]
        last = slots[-1]
        case_of = ["MATCH"] * n
        # The tail: the last two ids can only be reported through the idle timeout.
        case_of[n - 1] = "MISSING_IN_LEGACY"
        case_of[n - 2] = "MISSING_IN_NEW"
        # LATE and DELAYED need room after them (their partner comes later);
        # a DELAYED record sits early in its summary window, so the summary
        # (GRACE PERIOD 5 SECONDS) still counts the late row it causes.
        room = [i for i in range(n - 2) if slots[i] + DELAY_MS + 2000 < last]
        early = [i for i in room if (slots[i] - self.base) % WINDOW_MS < 2500]
        taken = set()

        def pick(pool, k):
            free = [i for i in pool if i not in taken]
            chosen = rng.sample(free, min(k, len(free)))
            taken.update(chosen)
            return chosen

        for i in pick(early, max(1, n // 60)):
            case_of[i] = "DELAYED"
        for i in pick(room, max(1, n // 40)):
            case_of[i] = "LATE"
        rest = range(n - 2)
        for i in pick(rest, max(1, n * 8 // 100)):
            case_of[i] = "MISMATCH"
        for i in pick(rest, max(1, n * 5 // 100)):
            case_of[i] = "MISSING_IN_NEW"
        for i in pick(rest, max(1, n * 5 // 100)):
            case_of[i] = "MISSING_IN_LEGACY"

        for i, ts in enumerate(slots):
            ident = f"ORD-{i + 1:05d}"
            amount = round(rng.uniform(5, 5000), 2)
            status = rng.choice(STATUSES)
            case = case_of[i]
            legacy = {"ID": ident, "AMOUNT": amount, "STATUS": status}
            new = dict(legacy)
            lts = ts
            nts = ts + rng.randint(-800, 800)
            at = nts
            if case == "MATCH":
                r = rng.random()
                if r < 0.2:
                    new["AMOUNT"] = round(amount + rng.choice([-0.001, 0.001]), 3)
                elif r < 0.3:
                    legacy["STATUS"] = new["STATUS"] = None
            elif case == "MISMATCH":
                r = rng.random()
                if r < 0.5:
                    new["AMOUNT"] = round(amount + rng.choice([-1, 1]) * rng.uniform(0.01, 99), 2)
                elif r < 0.85:
                    new["STATUS"] = rng.choice([s for s in STATUSES if s != status])
                else:
                    new["STATUS"] = None
            elif case == "LATE":
                nts = lts + WITHIN_MS + GRACE_MS + rng.randint(500, 2500)
                at = nts
            elif case == "DELAYED":
                nts = lts + rng.randint(0, 500)
                at = lts + DELAY_MS
            has_legacy = case != "MISSING_IN_LEGACY"
            has_new = case != "MISSING_IN_NEW"
            if has_legacy:
                self.records.append({"side": "legacy", "key": ident, "value": legacy,
                                     "ts": lts, "at": lts})
            if has_new:
                self.records.append({"side": "new", "key": ident, "value": new,
                                     "ts": nts, "at": at})
            self.cases.append({"id": ident, "case": case,
                               "legacy": (legacy, lts) if has_legacy else None,
                               "new": (new, nts) if has_new else None})
        # Production order: by place in the sequence, legacy first on a tie.
        self.records.sort(key=lambda r: (r["at"], r["side"] != "legacy"))

    # ------------------------------------------------------------ expectations

    @staticmethod
    def _row(ident, kind, legacy, new):
        lv, lts = legacy if legacy else ({}, None)
        nv, nts = new if new else ({}, None)
        return {
            "ID": ident,
            "KIND": kind,
            "LEGACY_AMOUNT": lv.get("AMOUNT"),
            "NEW_AMOUNT": nv.get("AMOUNT"),
            "LEGACY_STATUS": lv.get("STATUS"),
            "NEW_STATUS": nv.get("STATUS"),
            "LEGACY_TS": lts,
            "NEW_TS": nts,
        }

    def expected_comparisons(self):
        """Every row validate.sql writes to the comparisons stream, with the
        timestamp of the row (the later of a pair, or the lone record's)."""
        out = []
        for c in self.cases:
            ident, legacy, new = c["id"], c["legacy"], c["new"]
            if c["case"] in ("LATE", "DELAYED"):
                out.append((self._row(ident, "MISSING_IN_NEW", legacy, None), legacy[1]))
                out.append((self._row(ident, "MISSING_IN_LEGACY", None, new), new[1]))
            elif legacy is None:
                out.append((self._row(ident, "MISSING_IN_LEGACY", None, new), new[1]))
            elif new is None:
                out.append((self._row(ident, "MISSING_IN_NEW", legacy, None), legacy[1]))
            else:
                lv, nv = legacy[0], new[0]
                same = abs(lv["AMOUNT"] - nv["AMOUNT"]) <= TOLERANCE and lv["STATUS"] == nv["STATUS"]
                out.append((self._row(ident, "MATCH" if same else "MISMATCH", legacy, new),
                            max(legacy[1], new[1])))
        return out

    def expected_discrepancies(self):
        """id -> sorted list of the discrepancy rows reported for it."""
        out = {}
        for row, _ in self.expected_comparisons():
            if row["KIND"] != "MATCH":
                out.setdefault(row["ID"], []).append(row)
        return {k: sorted(v, key=lambda r: r["KIND"]) for k, v in out.items()}

    def expected_summary(self):
        """window start (ms) -> counts, as validate.sql's summary table."""
        names = {"MATCH": "MATCHED", "MISMATCH": "MISMATCHED",
                 "MISSING_IN_NEW": "MISSING_IN_NEW", "MISSING_IN_LEGACY": "MISSING_IN_LEGACY"}
        out = {}
        for row, ts in self.expected_comparisons():
            w = ts - ts % WINDOW_MS
            counts = out.setdefault(w, {"MATCHED": 0, "MISMATCHED": 0, "MISSING_IN_NEW": 0,
                                        "MISSING_IN_LEGACY": 0, "TOTAL": 0})
            counts[names[row["KIND"]]] += 1
            counts["TOTAL"] += 1
        return out

    def tail_ids(self):
        """Ids whose discrepancies only the idle timeout can report."""
        return [c["id"] for c in self.cases[-2:]]

    def describe(self):
        by_case = {}
        for c in self.cases:
            by_case.setdefault(c["case"], []).append(c["id"])
        lines = [f"seed {self.seed}: {len(self.cases)} ids, {len(self.records)} records, "
                 f"windows from {self.base}"]
        for case in ["MATCH", "MISMATCH", "MISSING_IN_NEW", "MISSING_IN_LEGACY", "LATE", "DELAYED"]:
            ids = by_case.get(case, [])
            shown = ", ".join(ids[:6]) + (", ..." if len(ids) > 6 else "")
            lines.append(f"  {case:<18} {len(ids):4d}  {shown}")
        return "\n".join(lines)


def make_plan(seed=7, ids=150, start_ms=None, step_ms=190):
    """The plan for a seed; start_ms (default: now) only moves every timestamp."""
    if start_ms is None:
        start_ms = int(time.time() * 1000)
    return Plan(seed, ids, start_ms, step_ms)


def produce(plan, bootstrap, legacy_topic, new_topic, speed=1.0, log=None):
    """Produces the plan's records in real time (speed > 1 is faster) and
    returns the wall-clock time (time.time()) at which the broker acknowledged
    the last one."""
    from confluent_kafka import Producer

    # murmur2: the partitioner of Java clients (and of sluice), so an id lands
    # on the same partition number in both topics, as the join needs.
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5,
                         "partitioner": "murmur2_random", "enable.idempotence": True})
    acked = {"n": 0, "last": None, "errors": []}

    def on_delivery(err, _msg):
        if err is not None:
            acked["errors"].append(err)
        acked["n"] += 1
        acked["last"] = time.time()

    first_at = plan.records[0]["at"]
    start = time.time()
    for i, r in enumerate(plan.records):
        due = start + (r["at"] - first_at) / 1000.0 / speed
        while True:
            left = due - time.time()
            if left <= 0:
                break
            producer.poll(min(left, 0.05))
        topic = legacy_topic if r["side"] == "legacy" else new_topic
        producer.produce(topic, key=r["key"].encode(), value=json.dumps(r["value"]).encode(),
                         timestamp=r["ts"], on_delivery=on_delivery)
        producer.poll(0)
        if log and i % 50 == 0:
            log(f"{i}/{len(plan.records)} records produced")
    left = producer.flush(30)
    if left or acked["errors"]:
        raise RuntimeError(f"{left} records unacknowledged, errors: {acked['errors'][:3]}")
    return acked["last"]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bootstrap", default="127.0.0.1:9092")
    ap.add_argument("--legacy-topic", default="legacy_out")
    ap.add_argument("--new-topic", default="new_out")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--ids", type=int, default=150, help="business ids (default 150)")
    ap.add_argument("--step-ms", type=int, default=190,
                    help="event time between consecutive ids (default 190)")
    ap.add_argument("--speed", type=float, default=1.0, help="1 = real time (default)")
    ap.add_argument("--start-ms", type=int, help="first timestamp (default: now)")
    ap.add_argument("--expected", help="write the expected discrepancies and summary here")
    ap.add_argument("--dry-run", action="store_true", help="print the plan, produce nothing")
    args = ap.parse_args(argv)
    if args.ids < 20:
        ap.error("--ids must be at least 20")

    plan = make_plan(args.seed, args.ids, args.start_ms, args.step_ms)
    print(plan.describe())
    if args.expected:
        with open(args.expected, "w") as f:
            json.dump({"discrepancies": plan.expected_discrepancies(),
                       "summary": {str(k): v for k, v in sorted(plan.expected_summary().items())}},
                      f, indent=1)
        print(f"expected results written to {args.expected}")
    if args.dry_run:
        for r in plan.records:
            print(f"{r['at'] - plan.base:>7} {r['side']:<6} {r['key']} ts={r['ts']} "
                  f"{json.dumps(r['value'])}")
        return 0
    last = produce(plan, args.bootstrap, args.legacy_topic, args.new_topic, args.speed,
                   log=lambda m: print(m, file=sys.stderr))
    print(f"done: last record acknowledged at {time.strftime('%H:%M:%S', time.localtime(last))}"
          f".{int(last * 1000) % 1000:03d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
