#!/usr/bin/env python3
"""OpenFisca peer for `jiuzhu bench assess`: the 低保 gap rule on a CSV of households.

Usage: python3 run.py HOUSEHOLDS.csv

The CSV header must be exactly `members,income,standard,assets_ok` (integers;
amounts in fen, one month). Prints ONE line of JSON on stdout:

  {"households": N, "bulk_households_per_second": x, "single_situations": k,
   "single_situations_per_second": y, "amount_sum": S, "eligible": E,
   "openfisca_core": "VERSION"}

- bulk: one simulation for all N households, inputs set as numpy arrays;
  build + calculate(dibao_amount) is timed, best of 3.
- single: one simulation per household for k = min(N, 2000) evenly spaced
  households, each built from a JSON-like situation dict with
  SimulationBuilder().build_from_entities (as the OpenFisca web API does);
  the whole build + calculate loop is timed.

Every result is checked against an independent plain-numpy int64 computation
of the rule; any mismatch exits non-zero with a message on stderr.
"""

import contextlib
import importlib.metadata
import json
import os
import sys
import time
from typing import NoReturn

import numpy

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from openfisca_core.simulations import SimulationBuilder  # noqa: E402

from jiuzhu_peer import JiuzhuPeerTaxBenefitSystem  # noqa: E402

HEADER = ["members", "income", "standard", "assets_ok"]
PERIOD = "2024-01"
BULK_REPEATS = 3
SINGLE_MAX = 2000


def fail(message: str) -> NoReturn:
    print(f"run.py: {message}", file=sys.stderr)
    sys.exit(1)


def read_households(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        header = f.readline().strip().lstrip("\ufeff").split(",")
        if [h.strip() for h in header] != HEADER:
            fail(f"{path}: header must be {','.join(HEADER)}, got {','.join(header)}")
        table = numpy.loadtxt(f, delimiter=",", dtype=numpy.int64, ndmin=2)
    if table.shape[0] == 0:
        fail(f"{path}: no households")
    if table.shape[1] != len(HEADER):
        fail(f"{path}: expected {len(HEADER)} columns, got {table.shape[1]}")
    cols = {name: numpy.ascontiguousarray(table[:, i]) for i, name in enumerate(HEADER)}
    if (cols["members"] < 1).any():
        fail(f"{path}: members must be >= 1")
    if (cols["income"] < 0).any():
        fail(f"{path}: income must be >= 0")
    if ((cols["assets_ok"] != 0) & (cols["assets_ok"] != 1)).any():
        fail(f"{path}: assets_ok must be 0 or 1")
    return cols


def reference(cols: dict) -> tuple:
    """The rule in plain numpy int64, independent of OpenFisca."""
    members = cols["members"].astype(numpy.int64)
    income = cols["income"].astype(numpy.int64)
    standard = cols["standard"].astype(numpy.int64)
    need = standard * members
    eligible = (cols["assets_ok"] == 1) & (income < need)
    amount = numpy.where(eligible, need - income, numpy.int64(0))
    return amount, eligible


def bulk_once(tbs, cols: dict, n: int):
    sim = SimulationBuilder.build_default_simulation(tbs, count=n)
    sim.set_input("members", PERIOD, cols["members"])
    sim.set_input("income", PERIOD, cols["income"])
    sim.set_input("standard", PERIOD, cols["standard"])
    sim.set_input("assets_ok", PERIOD, cols["assets_ok"].astype(bool))
    return sim, sim.calculate("dibao_amount", PERIOD)


def situation(m: int, inc: int, std: int, ok: int) -> dict:
    return {
        "households": {
            "h": {
                "members": {PERIOD: m},
                "income": {PERIOD: inc},
                "standard": {PERIOD: std},
                "assets_ok": {PERIOD: bool(ok)},
                "dibao_amount": {PERIOD: None},
            }
        }
    }


def main(argv: list) -> dict:
    if len(argv) != 2:
        fail("usage: python3 run.py HOUSEHOLDS.csv")
    cols = read_households(argv[1])
    n = int(cols["members"].shape[0])
    ref_amount, ref_eligible = reference(cols)
    tbs = JiuzhuPeerTaxBenefitSystem()

    # Bulk: build + calculate for all N households, best of BULK_REPEATS.
    best = float("inf")
    for _ in range(BULK_REPEATS):
        t0 = time.perf_counter()
        sim, amount = bulk_once(tbs, cols, n)
        elapsed = time.perf_counter() - t0
        best = min(best, elapsed)
        if not numpy.array_equal(amount.astype(numpy.int64), ref_amount):
            bad = int(numpy.flatnonzero(amount.astype(numpy.int64) != ref_amount)[0])
            fail(
                f"bulk dibao_amount differs from numpy reference at row {bad}: "
                f"openfisca={int(amount[bad])} numpy={int(ref_amount[bad])}"
            )
    eligible = sim.calculate("dibao_eligible", PERIOD)
    if not numpy.array_equal(eligible, ref_eligible):
        fail("bulk dibao_eligible differs from numpy reference")
    amount_sum = int(amount.astype(numpy.int64).sum(dtype=numpy.int64))
    eligible_count = int(numpy.count_nonzero(eligible))
    if amount_sum != int(ref_amount.sum(dtype=numpy.int64)):
        fail("amount_sum differs from numpy reference")
    if eligible_count != int(numpy.count_nonzero(ref_eligible)):
        fail("eligible count differs from numpy reference")

    # Single: one simulation per situation dict, like the web API's /calculate.
    k = min(n, SINGLE_MAX)
    idx = numpy.arange(k, dtype=numpy.int64) * n // k  # evenly spaced, deterministic
    situations = [
        situation(int(cols["members"][i]), int(cols["income"][i]),
                  int(cols["standard"][i]), int(cols["assets_ok"][i]))
        for i in idx
    ]
    # Warm-up (untimed) so the loop measures steady state.
    SimulationBuilder().build_from_entities(tbs, situations[0]).calculate("dibao_amount", PERIOD)
    results = []
    t0 = time.perf_counter()
    for s in situations:
        sim1 = SimulationBuilder().build_from_entities(tbs, s)
        results.append(sim1.calculate("dibao_amount", PERIOD)[0])
    single_elapsed = time.perf_counter() - t0
    got = numpy.array(results, dtype=numpy.int64)
    if not numpy.array_equal(got, ref_amount[idx]):
        bad = int(numpy.flatnonzero(got != ref_amount[idx])[0])
        fail(
            f"single dibao_amount differs from numpy reference at row {int(idx[bad])}: "
            f"openfisca={int(got[bad])} numpy={int(ref_amount[idx][bad])}"
        )

    return {
        "households": n,
        "bulk_households_per_second": round(n / best, 1),
        "single_situations": k,
        "single_situations_per_second": round(k / single_elapsed, 1),
        "amount_sum": amount_sum,
        "eligible": eligible_count,
        "openfisca_core": importlib.metadata.version("openfisca-core"),
    }


if __name__ == "__main__":
    # Anything OpenFisca might print goes to stderr: stdout carries one JSON line.
    with contextlib.redirect_stdout(sys.stderr):
        report = main(sys.argv)
    print(json.dumps(report, ensure_ascii=False), flush=True)
