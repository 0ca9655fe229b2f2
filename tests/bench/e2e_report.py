"""Joins the driver's send times with the APNs stand-in's arrival times (both
CLOCK_MONOTONIC on this machine) by the "seq:<n>" each payload carries.
Prints publish->provider percentiles and the publishes carrying a sequence
number that never reached the provider.
Usage: e2e_report.py SENDS ARRIVALS"""
import sys


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


def main():
    sends = read_pairs(sys.argv[1])
    # The stand-in keeps arrivals from earlier runs too: only this run's count.
    start = min(sends.values(), default=0)
    arrivals = {seq: ns for seq, ns in read_pairs(sys.argv[2], start).items()}
    carrying = [seq for seq in sends if seq % 3 != 2]  # bare publishes carry no body
    latencies = sorted((arrivals[s] - sends[s]) / 1e6 for s in carrying if s in arrivals)
    missing = sum(1 for s in carrying if s not in arrivals)
    print(f"provider_p50_ms={percentile(latencies, 0.5):.3f} provider_p99_ms={percentile(latencies, 0.99):.3f} "
          f"provider_p999_ms={percentile(latencies, 0.999):.3f} seq_missing={missing}")


if __name__ == "__main__":
    main()
