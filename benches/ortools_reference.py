#!/usr/bin/env python3
"""OR-Tools' min-cost flow on a generated city: the measuring reference of
issue 14 (never a dependency of catchment).

    pip install ortools numpy scipy
    python3 benches/ortools_reference.py SCENARIO [--run RUN] [--k 8] [--max-distance M]

For each level it takes the public schools (seats = classes x class size,
less reserved seats) and the level's applicants without private choices
(with `--run RUN`, a `catchment run` folder of the scenario: exactly the
applicants the round's public flow saw, i.e. everyone not seated by the
private lottery, so the optimum can be compared with the run's), links each applicant to its
k nearest schools (haversine, whole millimetres, pairs beyond the distance
limit dropped) and solves with `SimpleMinCostFlow::SolveMaxFlowWithMinCost`
(seat the most, then the least distance). It prints the wall time of the k-NN,
of building the graph and of the solve, and the optimum, so that the same
instance can be timed beside `catchment -v run` (whose `flow` phase also
includes its own candidate lists and the certificate over all pairs, which
OR-Tools does not give: its optimum is over the k nearest only).
"""

import argparse
import csv
import math
import time
import tomllib
from pathlib import Path

import numpy as np
from ortools.graph.python import min_cost_flow
from scipy.spatial import cKDTree

EARTH_M = 6_371_008.8


def unit_points(lon, lat):
    lon, lat = np.radians(lon), np.radians(lat)
    return np.column_stack((np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)))


def haversine_m(lon1, lat1, lon2, lat2):
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_M * np.arcsin(np.sqrt(a))


def load(scenario):
    policy = tomllib.loads((scenario / "policy.toml").read_text())
    with open(scenario / "schools.csv", newline="", encoding="utf-8-sig") as f:
        schools = list(csv.DictReader(f))
    with open(scenario / "applicants.csv", newline="", encoding="utf-8-sig") as f:
        applicants = list(csv.DictReader(f))
    return policy, schools, applicants


def solve_level(level, policy, schools, applicants, k, max_m, private_seated):
    default_cap = policy["levels"][level]["max_class_size"]
    public = [s for s in schools if s["level"] == level and s["sector"] == "public"]
    seats = np.array(
        [int(s["classes"]) * int(s["class_cap"] or default_cap) - int(s["reserved"] or 0) for s in public],
        dtype=np.int64,
    )
    if private_seated is None:
        apps = [a for a in applicants if a["level"] == level and not a["private_choices"]]
    else:
        apps = [a for a in applicants if a["level"] == level and a["id"] not in private_seated]
    if not apps or not public:
        return None
    s_lon = np.array([float(s["lon"]) for s in public])
    s_lat = np.array([float(s["lat"]) for s in public])
    a_lon = np.array([float(a["lon"]) for a in apps])
    a_lat = np.array([float(a["lat"]) for a in apps])
    n, m = len(apps), len(public)

    t0 = time.perf_counter()
    tree = cKDTree(unit_points(s_lon, s_lat))
    kk = min(k, m)
    _, idx = tree.query(unit_points(a_lon, a_lat), k=kk)
    idx = idx.reshape(n, kk)
    rows = np.repeat(np.arange(n), kk)
    cols = idx.ravel()
    metres = haversine_m(a_lon[rows], a_lat[rows], s_lon[cols], s_lat[cols])
    keep = metres <= max_m
    rows, cols, mm = rows[keep], cols[keep], np.rint(metres[keep] * 1000).astype(np.int64)
    t1 = time.perf_counter()

    # Nodes: applicants 0..n, schools n..n+m, sink n+m. "Seat the most,
    # then the least distance" is OR-Tools' max-flow-with-min-cost.
    flow = min_cost_flow.SimpleMinCostFlow()
    sink = n + m
    tails = np.concatenate((rows, n + np.arange(m)))
    heads = np.concatenate((n + cols, np.full(m, sink)))
    caps = np.concatenate((np.ones(len(rows), dtype=np.int64), seats))
    costs = np.concatenate((mm, np.zeros(m, dtype=np.int64)))
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    supplies = np.zeros(n + m + 1, dtype=np.int64)
    supplies[:n] = 1
    supplies[sink] = -n
    flow.set_nodes_supplies(np.arange(n + m + 1), supplies)
    t2 = time.perf_counter()
    status = flow.solve_max_flow_with_min_cost()
    t3 = time.perf_counter()
    if status != flow.OPTIMAL:
        raise SystemExit(f"{level}: solver status {status}")
    flows = flow.flows(np.arange(len(rows)))
    seated = int(flows.sum())
    total_m = float(mm[flows > 0].sum()) / 1000.0
    return n, m, len(rows), seated, total_m, t1 - t0, t2 - t1, t3 - t2


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", type=Path)
    parser.add_argument("--run", type=Path, help="a run folder of the scenario: take its public-stage applicants")
    parser.add_argument("--k", type=int, default=8, help="candidate schools per applicant")
    parser.add_argument("--max-distance", type=float, default=None, help="metres; default from policy.toml")
    args = parser.parse_args()
    policy, schools, applicants = load(args.scenario)
    private_seated = None
    if args.run:
        with open(args.run / "assignments.csv", newline="", encoding="utf-8-sig") as f:
            private_seated = {r["applicant_id"] for r in csv.DictReader(f) if r["stage"] == "private_lottery"}
    max_m = args.max_distance
    if max_m is None:
        max_m = policy.get("fallback", {}).get("max_distance_m", math.inf)
    total = [0.0, 0.0, 0.0]
    print("level    applicants schools  arcs      seated    total_km     knn_s  graph_s  solve_s")
    for level in ("primary", "junior"):
        r = solve_level(level, policy, schools, applicants, args.k, max_m, private_seated)
        if r is None:
            continue
        n, m, arcs, seated, total_m, knn, graph, solve = r
        total = [total[0] + knn, total[1] + graph, total[2] + solve]
        print(f"{level:8} {n:10} {m:7} {arcs:9} {seated:9} {total_m / 1000:11.1f} {knn:9.2f} {graph:8.2f} {solve:8.2f}")
    print(f"all: k-NN {total[0]:.2f} s, graph {total[1]:.2f} s, solve {total[2]:.2f} s, together {sum(total):.2f} s")


if __name__ == "__main__":
    main()
