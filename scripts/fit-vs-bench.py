#!/usr/bin/env python3
"""Prints, for every ok record of memwall bench JSON Lines files, the fit prediction stored beside
the measurement and the relative error: tg (tok/s of one sequence, or per user when serving), pp,
and the aggregate tok/s of serving points. Usage: scripts/fit-vs-bench.py FILE.jsonl..."""
import json
import sys


def rows(path):
    for line in open(path):
        r = json.loads(line)
        if r.get("status") != "ok" or not r.get("prediction"):
            continue
        p, s, pred = r["point"], r["stats"], r["prediction"]
        name = f'{p["model"].removeprefix("preset:")} {p["scheme"]}'
        if p["test"] == "tg":
            yield name, f'tg{p["gen"]}', "tg tok/s", s["tg_tok_s"]["median"], pred["tg_tok_s"]
        elif p["test"] == "pp":
            yield name, f'pp{p["prompt"]}', "pp tok/s", s["pp_tok_s"]["median"], pred["pp_tok_s"]
        else:
            load = f'c{p["concurrency"]} p{p["prompt"]} n{p["gen"]}'
            if "per_user_tok_s" in s:
                yield name, load, "per-user tok/s", s["per_user_tok_s"]["median"], pred["tg_tok_s"]
            yield name, load, "aggregate tok/s", s["agg_tok_s"]["median"], pred["agg_tok_s"]


print("| model | point | metric | measured | predicted | error |")
print("|---|---|---|---:|---:|---:|")
errors = {}
for path in sys.argv[1:]:
    for name, point, metric, measured, predicted in rows(path):
        err = predicted / measured - 1
        errors.setdefault(metric, []).append(abs(err))
        print(f"| {name} | {point} | {metric} | {measured:.1f} | {predicted:.1f} | {100 * err:+.1f}% |")
print()
for metric, e in errors.items():
    e.sort()
    print(f"- {metric}: {len(e)} points, median |error| {100 * e[len(e) // 2]:.1f}%, "
          f"max {100 * e[-1]:.1f}%, within 10%: {sum(x <= 0.10 for x in e)}, within 20%: {sum(x <= 0.20 for x in e)}")
