"""CPU time of process trees and of the machine, from /proc."""

import os

import pytest

from benchmarks import cpu


def _stat(pid: int, comm: str, ppid: int, utime: int, stime: int, cutime: int = 0, cstime: int = 0) -> str:
    # Fields after the command name: state ppid pgrp session tty tpgid flags minflt cminflt majflt
    # cmajflt utime stime cutime cstime ...
    return (f"{pid} ({comm}) S {ppid} {pid} {pid} 0 -1 4194560 100 0 0 0 "
            f"{utime} {stime} {cutime} {cstime} 20 0 1 0 12345 0 0\n")


def test_parse_stat_sums_own_and_reaped_children_ticks():
    assert cpu.parse_stat(_stat(42, "gunicorn", 1, utime=10, stime=5, cutime=3, cstime=2)) == (1, 20)


def test_parse_stat_survives_spaces_and_parentheses_in_the_command_name():
    assert cpu.parse_stat(_stat(42, "nginx: worker (x) y", 7, utime=1, stime=1)) == (7, 2)


def test_tree_pids_holds_the_root_and_every_descendant_only():
    parents = {10: 1, 11: 10, 12: 10, 13: 12, 20: 1, 21: 20}
    assert cpu.tree_pids(10, parents) == {10, 11, 12, 13}


@pytest.fixture
def fake_proc(tmp_path):
    """A /proc with a server (100) and its two workers (101, 102), and an unrelated process (200)."""
    for pid, ppid, utime in [(100, 1, 5), (101, 100, 30), (102, 100, 40), (200, 1, 1000)]:
        (tmp_path / str(pid)).mkdir()
        (tmp_path / str(pid) / "stat").write_text(_stat(pid, "python3", ppid, utime=utime, stime=0))
    (tmp_path / "self").mkdir()
    (tmp_path / "stat").write_text("cpu  100 2 30 5000 7 0 4 1 0 0\ncpu0 50 1 15 2500 3 0 2 0 0 0\n")
    return tmp_path


def test_tree_ticks_counts_the_server_and_its_workers(fake_proc):
    assert cpu.tree_ticks([100], proc=fake_proc) == 75


def test_tree_size_counts_the_master_and_its_workers(fake_proc):
    assert cpu.tree_size(100, proc=fake_proc) == 3
    assert cpu.tree_size(999, proc=fake_proc) == 0


def test_tree_ticks_of_a_process_that_is_gone_is_zero(fake_proc):
    assert cpu.tree_ticks([999], proc=fake_proc) == 0


def test_machine_busy_counts_everything_but_idle_and_iowait(fake_proc):
    assert cpu.machine_busy_ticks(proc=fake_proc) == 100 + 2 + 30 + 0 + 4 + 1


def test_microseconds_per_request_converts_clock_ticks():
    ticks = cpu.CLOCK_TICKS  # one second of CPU
    assert cpu.microseconds_per_request(ticks, 4000) == pytest.approx(250.0)
    assert cpu.microseconds_per_request(ticks, 0) is None


def test_tree_ticks_reads_this_process_from_the_real_proc():
    sum(i * i for i in range(200_000))  # spend a little CPU so there is something to count
    assert cpu.tree_ticks([os.getpid()]) > 0
