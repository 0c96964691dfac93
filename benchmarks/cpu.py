"""CPU time of a process tree, read from /proc: what a server spent, summed over its master and workers.

Each process's utime + stime, plus cutime + cstime (the time of children it has already reaped), so a
worker that exits between two readings is still counted once, in its parent. Linux only.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

PROC = Path("/proc")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def parse_stat(text: str) -> tuple[int, int]:
    """(parent pid, CPU ticks) from the text of /proc/<pid>/stat.

    The command name (field 2) is in parentheses and may hold spaces or parentheses itself, so the
    fields are counted from the last ')'. After it: state, ppid, ..., utime (14), stime, cutime, cstime.
    """
    rest = text[text.rindex(")") + 2:].split()
    ppid = int(rest[1])
    utime, stime, cutime, cstime = (int(value) for value in rest[11:15])
    return ppid, utime + stime + cutime + cstime


def _read_all(proc: Path) -> dict[int, tuple[int, int]]:
    """pid -> (ppid, ticks) for every process readable right now."""
    table = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            table[int(entry.name)] = parse_stat((entry / "stat").read_text())
        except (OSError, ValueError, IndexError):  # the process ended while we looked
            continue
    return table


def tree_pids(root: int, parents: dict[int, int]) -> set[int]:
    """`root` and every descendant of it, given pid -> parent pid."""
    children: dict[int, list[int]] = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    found, pending = set(), [root]
    while pending:
        pid = pending.pop()
        if pid in found:
            continue
        found.add(pid)
        pending.extend(children.get(pid, ()))
    return found


def tree_size(root: int, proc: Path = PROC) -> int:
    """How many processes `root` and its descendants are right now (a server's master and workers)."""
    table = _read_all(proc)
    return len(tree_pids(root, {pid: ppid for pid, (ppid, _) in table.items()})) if root in table else 0


def tree_ticks(roots: Iterable[int], proc: Path = PROC) -> int:
    """CPU ticks used so far by the processes under `roots` (each root and all its descendants)."""
    table = _read_all(proc)
    parents = {pid: ppid for pid, (ppid, _) in table.items()}
    pids: set[int] = set()
    for root in roots:
        if root in table:
            pids |= tree_pids(root, parents)
    return sum(table[pid][1] for pid in pids)


def parse_machine_busy(text: str) -> int:
    """Busy CPU ticks of the whole machine from the text of /proc/stat (its aggregate `cpu` line).

    Fields: user nice system idle iowait irq softirq steal ...; busy is all but idle and iowait.
    """
    fields = [int(value) for value in text.splitlines()[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return user + nice + system + irq + softirq + steal


def machine_busy_ticks(proc: Path = PROC) -> int:
    return parse_machine_busy((proc / "stat").read_text())


def ticks_to_seconds(ticks: int) -> float:
    return ticks / CLOCK_TICKS


def microseconds_per_request(ticks: int, requests: int) -> float | None:
    """CPU per request in µs; None when nothing was served."""
    if requests <= 0:
        return None
    return ticks_to_seconds(ticks) * 1e6 / requests
