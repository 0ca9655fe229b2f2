"""Reads the APNs stand-in's arrivals ("<seq> <ns>" lines, CLOCK_MONOTONIC)
against what the driver did.

  e2e_report.py SENDS ARRIVALS
      joins the driver's send times with the arrival times by the "seq:<n>"
      each payload carries: publish->provider percentiles, and the publishes
      carrying a number that never reached the provider.
  e2e_report.py --answered ANSWERED --since NS ARRIVALS
      the publishes answered `result` (one number per line) that have not
      arrived since NS (lost), and how many arrived more than once."""
import sys
from collections import Counter


def read_pairs(path, since_ns=0):
    pairs = {}
    with open(path) as f:
        for line in f:
            seq, ns = line.split()
            if int(ns) >= since_ns:
                pairs.setdefault(int(seq), int(ns))  # a repeat keeps the first arrival
    return pairs


def percentile(values, p):
    return values[min(len(values) - 1, int(p * len(values)))] if values else 0


def latencies(sends_path, arrivals_path):
    sends = read_pairs(sends_path)
    # The stand-in keeps arrivals from earlier runs too: only this run's count.
    start = min(sends.values(), default=0)
    arrivals = read_pairs(arrivals_path, start)
    carrying = [seq for seq in sends if seq % 3 != 2]  # bare publishes carry no body
    lat = sorted((arrivals[s] - sends[s]) / 1e6 for s in carrying if s in arrivals)
    missing = sum(1 for s in carrying if s not in arrivals)
    print(f"provider_p50_ms={percentile(lat, 0.5):.3f} provider_p99_ms={percentile(lat, 0.99):.3f} "
          f"provider_p999_ms={percentile(lat, 0.999):.3f} seq_missing={missing}")


def lost_after_crash(answered_path, since_ns, arrivals_path):
    with open(answered_path) as f:
        answered = {int(line) for line in f if line.strip()}
    seen = Counter()
    with open(arrivals_path) as f:
        for line in f:
            seq, ns = line.split()
            if int(ns) >= since_ns:
                seen[int(seq)] += 1
    lost = sum(1 for s in answered if s not in seen)
    duplicates = sum(n - 1 for n in seen.values() if n > 1)
    print(f"answered_checked={len(answered)} lost={lost} arrived_twice_or_more={duplicates} ")


def main():
    if sys.argv[1] == "--answered":
        lost_after_crash(sys.argv[2], int(sys.argv[4]), sys.argv[5])
    else:
        latencies(sys.argv[1], sys.argv[2])


if __name__ == "__main__":
    main()
