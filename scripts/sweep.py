"""Seed sweep: the default suite run against the bundled reference, in-process and over real
loopback HTTP, for many random seeds. A correct server must pass with every seed; any seed that
does not exit 0 is printed with its non-pass verdicts and makes the sweep exit 1.

    python scripts/sweep.py                      # 200 seeds in-process + 200 over HTTP
    python scripts/sweep.py --seeds 20 --mode http
    python scripts/sweep.py --master-seed 1234   # the same seeds again

The seeds are drawn from a master seed (printed), so a sweep is reproducible. The HTTP target is
the reference under uvicorn on 127.0.0.1 in its own process, as every benchmarked server is
served (``bench.serve``), started here and always stopped.
This is a script, not a timed test: ``make sweep`` runs it; numbers go in the issue notes.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.peers import REFERENCE  # noqa: E402
from bench.serve import served  # noqa: E402
from conformance.results import Verdict  # noqa: E402
from conformance.runner import run_suite  # noqa: E402
from tests.demo import DEMO_ENV, REFERENCE_PROFILE  # noqa: E402


def sweep(target: object, label: str, seeds: list[int]) -> dict[str, object]:
    bad: list[dict[str, object]] = []
    verdicts: Counter[str] = Counter()
    t0 = time.perf_counter()
    for i, seed in enumerate(seeds, 1):
        with contextlib.redirect_stdout(io.StringIO()):  # each run's pytest console
            res = run_suite(target, REFERENCE_PROFILE, seed=seed, environ=DEMO_ENV)
        for r in res.requirements.values():
            verdicts[r.verdict.value] += 1
        if res.exit_status != 0:
            non_pass = {rid: f"{r.verdict.value}: {r.reason}" for rid, r in res.requirements.items()
                        if r.verdict in (Verdict.FAIL, Verdict.ERROR, Verdict.WARN)}
            bad.append({"seed": seed, "exit_status": res.exit_status, "non_pass": non_pass})
            print(f"[{label}] seed {seed}: exit {res.exit_status} {non_pass}", flush=True)
        if i % 10 == 0 or i == len(seeds):
            print(f"[{label}] {i}/{len(seeds)} runs, {len(bad)} not exit 0, "
                  f"{time.perf_counter() - t0:.0f} s", flush=True)
    return {"mode": label, "runs": len(seeds), "not_ok": len(bad), "failures": bad,
            "seconds": round(time.perf_counter() - t0, 1),
            "requirement_verdicts": dict(verdicts)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", type=int, default=200, help="runs per mode (default 200)")
    p.add_argument("--mode", choices=["both", "inprocess", "http"], default="both")
    p.add_argument("--master-seed", type=int, default=None,
                   help="derive the run seeds from this (default: random, printed)")
    p.add_argument("--json", default=str(ROOT / "reports" / "sweep.json"),
                   help="write the summary here (default reports/sweep.json)")
    args = p.parse_args(argv)
    if args.seeds < 1:
        p.error("--seeds must be at least 1")
    master = (args.master_seed if args.master_seed is not None
              else random.SystemRandom().randrange(2**32))
    seeds = random.Random(master).sample(range(2**32), args.seeds)  # noqa: S311 - test seeds
    print(f"sweep: master seed {master} (rerun with --master-seed {master}); "
          f"{args.seeds} seeds per mode", flush=True)
    missing = [k for k in DEMO_ENV if not os.environ.get(k)]
    os.environ.update({k: DEMO_ENV[k] for k in missing})
    summaries = []
    if args.mode in ("both", "inprocess"):
        from reference_impl.asgi import create_app

        summaries.append(sweep(create_app(), "in-process", seeds))
    if args.mode in ("both", "http"):
        with served(REFERENCE, DEMO_ENV) as url:
            summaries.append(sweep(url, "http", seeds))
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"master_seed": master, "seeds": seeds, "modes": summaries},
                              indent=2), encoding="utf-8")
    for s in summaries:
        print(f"sweep {s['mode']}: {s['runs']} runs, {s['not_ok']} not exit 0, "
              f"{s['seconds']} s", flush=True)
    return 1 if any(s["not_ok"] for s in summaries) else 0


if __name__ == "__main__":
    raise SystemExit(main())
