"""Prints a run's figures as the Markdown tables of bench/README.md.

python bench/markdown.py [bench/results/latest.json]"""

import json
import sys

path = sys.argv[1] if len(sys.argv) > 1 else "bench/results/latest.json"
with open(path) as file:
    run = json.load(file)
results, machine = run["results"], run["machine"]
print(
    f"Run {run['when']} on {machine['cpus']} × {machine['cpu']}, Python {machine['python']}, "
    f"kernel {machine['kernel']}; store {run['store']}; {run['settings']['duration']:g} s "
    f"per scenario after {run['settings']['warmup']:g} s warm-up, "
    f"{run['settings']['concurrency']} clients; load average "
    f"{run['load_average']['start'][0]:.1f} at start, {run['load_average']['end'][0]:.1f} at end."
)
print()
print(
    "| scenario | req/s | p50 ms | p99 ms | errors | vs baseline | app CPU ms/req | worker CPU ms/req | SecantusDB CPU ms/req | targets |"
)
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
for name, r in results.items():
    cpu = r.get("cpu_ms_per_request", {})
    baseline = run["baseline_of"].get(name)
    ratio = f"{r['ratio']:.0%} of {baseline}" if "ratio" in r else ""
    extra = (
        f" ({r['attempts_per_transaction']} attempts/txn)"
        if "attempts_per_transaction" in r
        else ""
    )
    met = "" if "targets_met" not in r else ("met" if r["targets_met"] else "missed")
    print(
        f"| {name}{extra} | {r['throughput']:.1f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | "
        f"{r['errors']} | {ratio} | {cpu.get('bare_quart' if name == 'bare_quart' else 'app', '')} | "
        f"{cpu.get('worker', '')} | {cpu.get('secantusdb', '')} | {met} |"
    )
    for step, s in r.get("steps", {}).items():
        print(
            f"| &nbsp;&nbsp;{step} | {s['throughput']:.1f} | {s['p50_ms']:.1f} | {s['p99_ms']:.1f} | "
            f"{s['errors']} | | | | | |"
        )
print()
groups = list(next(iter(results.values()))["cpu_percent"])
print("| CPU % during | " + " | ".join(groups) + " | load client |")
print("|---|" + "---:|" * (len(groups) + 1))
span = run["settings"]["duration"] + run["settings"]["warmup"]
for name, r in results.items():
    client = round(100 * r.get("client_cpu_seconds", 0) / span)
    print(f"| {name} | " + " | ".join(str(r["cpu_percent"][g]) for g in groups) + f" | {client} |")
if run.get("sweep"):
    print()
    print("| pay_hot clients | req/s | p50 ms | p99 ms | errors |")
    print("|---:|---:|---:|---:|---:|")
    for clients, r in run["sweep"].items():
        print(
            f"| {clients} | {r['throughput']:.1f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | "
            f"{r['errors']}{' (pool ran out)' if r['pool_exhausted'] else ''} |"
        )
print()
if "settle_lag_s" in run:
    print(f"Every pending credit settled {run['settle_lag_s']} s after the load stopped.")
print(
    f"Reconciliation: {'OK' if run['reconcile']['ok'] else 'FAILED'}. "
    f"Hot-path queries indexed: {'yes' if run['explain']['ok'] else 'NO'}."
)
