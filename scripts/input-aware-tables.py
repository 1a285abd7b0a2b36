#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Markdown tables of docs/results.md, "Input-aware DASH", from the JSON that
`dash-cli headroom --json` wrote (scripts/input-aware-dash.sh).

usage: input-aware-tables.py HEADROOM.json [SELECT.json]

DASH rows of one group (variant and trainer) and target are summarised over
their seeds as mean ± sample standard deviation, with the range in brackets.
"""
import json
import math
import sys


def mean_sd(values):
    m = sum(values) / len(values)
    if len(values) < 2:
        return m, 0.0
    return m, math.sqrt(sum((v - m) ** 2 for v in values) / (len(values) - 1))


def fmt(values, digits=2):
    m, s = mean_sd(values)
    if len(values) == 1:
        return f"{m:.{digits}f}"
    return f"{m:.{digits}f} ± {s:.{digits}f} [{min(values):.{digits}f}–{max(values):.{digits}f}]"


def dash_groups(rows):
    groups = {}
    for r in rows:
        if "group" in r:
            groups.setdefault((r["target"], r["group"]), []).append(r)
    return groups


def main(argv):
    data = json.load(open(argv[1]))
    rows = data["rows"]
    full = next(r for r in rows if r["method"] == "full")
    print(f"{data['windows']} windows of {data['context']} tokens, {data['scored_tokens']} scored; "
          f"alpha {data['alpha_method']}, KV mode {data['kv_mode']}; full precision "
          f"{full['ppl']:.2f}\n")
    for s in data["static_searches"]:
        print(f"{s['name']} order (held-out): {' '.join(map(str, s['order']))}")
    print()
    targets = sorted({r["target"] for r in rows if r["method"] != "full"})
    groups = dash_groups(rows)

    print("| method | " + " | ".join(f"{t:.2f}×" for t in targets) + " |")
    print("|---|" + "---:|" * len(targets))
    fixed = [m for m in dict.fromkeys(r["method"] for r in rows if "group" not in r)
             if m != "full"]
    for m in fixed:
        cells = []
        for t in targets:
            r = next((r for r in rows if r["method"] == m and r["target"] == t), None)
            if r is None:
                cells.append("")
                continue
            cell = f"{r['ppl']:.2f}"
            if "isolated_estimate_ppl" in r:
                cell += f" ({r['isolated_estimate_ppl']:.2f})"
            cells.append(cell)
        print(f"| {m} | " + " | ".join(cells) + " |")
    for g in dict.fromkeys(g for _, g in groups):
        cells = []
        for t in targets:
            rs = groups.get((t, g), [])
            cells.append(fmt([r["ppl"] for r in rs]) if rs else "")
        print(f"| {g} (n={len(groups.get((targets[-1], g), []))}) | " + " | ".join(cells) + " |")
        cells = []
        for t in targets:
            rs = groups.get((t, g), [])
            cells.append(fmt([r["input_awareness"]["reassigned"]["ppl"] for r in rs]) if rs else "")
        print(f"| {g}, statically reassigned | " + " | ".join(cells) + " |")
    print()

    print("| target | policy | ratio | ppl | reassigned | majority deviation | "
          "MI(token) bits | MI(position) bits | state mix skip/int4/int8/full |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---|")
    for (t, g), rs in sorted(groups.items()):
        aw = [r["input_awareness"]["awareness"] for r in rs]
        mix = [sum(a["state_mix"][k] for a in aw) / len(aw) for k in range(4)]
        print(f"| {t:.2f}× | {g} | {fmt([r['nominal_ratio'] for r in rs], 3)} | "
              f"{fmt([r['ppl'] for r in rs])} | "
              f"{fmt([r['input_awareness']['reassigned']['ppl'] for r in rs])} | "
              f"{fmt([a['majority_deviation'] for a in aw], 3)} | "
              f"{fmt([a['mi_token_excess_bits'] for a in aw], 4)} | "
              f"{fmt([a['mi_position_excess_bits'] for a in aw], 4)} | "
              + "/".join(f"{x:.3f}" for x in mix) + " |")

    if len(argv) > 2:
        sel = json.load(open(argv[2]))
        sfull = next(r for r in sel["rows"] if r["method"] == "full")
        print(f"\nselection ({sel['windows']} windows of the validation tail, full precision "
              f"{sfull['ppl']:.2f}):\n")
        print("| method (2.0×) | ratio | ppl | reassigned | majority deviation |")
        print("|---|---:|---:|---:|---:|")
        for r in sel["rows"]:
            if r["method"] == "full":
                continue
            if "group" in r:
                a = r["input_awareness"]
                print(f"| {r['group']} | {r['nominal_ratio']:.3f} | {r['ppl']:.2f} | "
                      f"{a['reassigned']['ppl']:.2f} | {a['awareness']['majority_deviation']:.3f} |")
            else:
                print(f"| {r['method']} | {r['nominal_ratio']:.3f} | {r['ppl']:.2f} | | |")


if __name__ == "__main__":
    main(sys.argv)
