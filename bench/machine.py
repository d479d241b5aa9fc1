"""What the figures were measured on: they mean little without it."""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any


def _first(path: str, key: str) -> str | None:
    try:
        for line in Path(path).read_text().splitlines():
            name, _, value = line.partition(":")
            if name.strip() == key:
                return value.strip()
    except OSError:
        return None
    return None


def machine() -> dict[str, Any]:
    mem_kb = _first("/proc/meminfo", "MemTotal")
    try:
        load = os.getloadavg()
    except OSError:
        load = None
    return {
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu": _first("/proc/cpuinfo", "model name") or platform.processor() or "unknown",
        "memory_gib": round(int(mem_kb.split()[0]) / 1024 / 1024, 1) if mem_kb else None,
        "loadavg": [round(x, 2) for x in load] if load else None,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def describe(m: dict[str, Any]) -> str:
    load = " ".join(f"{x:.2f}" for x in m["loadavg"]) if m["loadavg"] else "?"
    return (
        f"machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory_gib']} GiB RAM, load {load}; "
        f"Python {m['python']} on {m['platform']}"
    )
