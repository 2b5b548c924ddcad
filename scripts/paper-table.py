#!/usr/bin/env python3
"""Prints the README's table of the paper's protocol from results/paper/results.json.

Usage: python3 scripts/paper-table.py [results/paper/results.json]

One row per (data set, operator, model): the training time of its one σ-conditional network
and, per σ, PSNR(network, LE-MMSE) at the nominal P / at the best P of the sweep (bold: at
least 25 dB), then the counts the README quotes.
"""
import json
import sys

path = sys.argv[1] if len(sys.argv) > 1 else "results/paper/results.json"
records = json.load(open(path))
sigmas = sorted({r["sigma"] for r in records})
rows = {}
for r in records:
    rows.setdefault((r["dataset"], r["operator"], r["model"]), {})[r["sigma"]] = r


def cell(value):
    text = f"{value:.1f}"
    return f"**{text}**" if value >= 25 else text


print("| data | operator | model | training | " + " | ".join(f"σ = {s:g}" for s in sigmas) + " |")
print("|---|---|---|--:|" + "--:|" * len(sigmas))
for (dataset, operator, model), by_sigma in rows.items():
    first = next(iter(by_sigma.values()))
    cells = []
    for s in sigmas:
        r = by_sigma.get(s)
        if r is None:
            cells.append("–")
            continue
        cells.append(f"{cell(r['psnr_network_lemmse'])} / {cell(r['psnr_network_lemmse_best'])} (P={r['best_patch']})")
    print(f"| {dataset} | {operator} | {model} | {first['seconds_train'] / 60:.1f} min | " + " | ".join(cells) + " |")

nominal = sum(r["psnr_network_lemmse"] >= 25 for r in records)
best = sum(r["psnr_network_lemmse_best"] >= 25 for r in records)
print(f"\n{nominal} of {len(records)} (setting, σ) records at ≥ 25 dB at the nominal P, {best} at the best P.")
by = {}
for r in records:
    key = (r["operator"], r["model"].split("-")[0])
    n, a, b = by.get(key, (0, 0, 0))
    by[key] = (n + 1, a + (r["psnr_network_lemmse"] >= 25), b + (r["psnr_network_lemmse_best"] >= 25))
for key, (n, a, b) in sorted(by.items()):
    print(f"- {key[0]} · {key[1]}: {a} of {n} at the nominal P, {b} at the best P")
