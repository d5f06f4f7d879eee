"""Throughput and latency percentiles from a list of request durations (seconds)."""


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


def summarise(durations: list[float], errors: int, window_seconds: float) -> dict:
    ordered = sorted(durations)
    return {
        "requests": len(ordered),
        "errors": errors,
        "throughput": round(len(ordered) / window_seconds, 1),
        "p50_ms": round(percentile(ordered, 0.50) * 1000, 2),
        "p99_ms": round(percentile(ordered, 0.99) * 1000, 2),
        "max_ms": round((ordered[-1] if ordered else 0) * 1000, 2),
    }
