"""Helpers shared by the benchmark drivers (thumbnails.py, convert.py): timed
runs with peak memory, the machine's background load, tool versions."""

import os
import platform
import shutil
import subprocess
import time
from pathlib import Path


def run(argv, pin, err_path, env=None, out_path=os.devnull):
    """Runs argv (under `taskset -c 0` if pin) with extra environment `env`;
    returns (seconds, peak RSS KiB, exit code, CPU seconds)."""
    if pin:
        argv = ["taskset", "-c", "0", *argv]
    actions = [(os.POSIX_SPAWN_OPEN, 1, str(out_path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
               (os.POSIX_SPAWN_OPEN, 2, str(err_path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)]
    start = time.perf_counter()
    pid = os.posix_spawnp(argv[0], argv, dict(os.environ, **(env or {})), file_actions=actions)
    _, status, usage = os.wait4(pid, 0)  # taskset execs the tool: same process
    secs = time.perf_counter() - start
    return secs, usage.ru_maxrss, os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime


def cpu_busy():
    """CPU seconds all CPUs have spent busy since boot (stolen time counts as busy)."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, Path("/proc/stat").read_text().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def fresh_dir(path):
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def first_line(argv):
    """The first line a command prints, or "" if it cannot run."""
    try:
        lines = subprocess.run(argv, check=False, capture_output=True, text=True).stdout.strip().splitlines()
    except OSError:
        return ""
    return lines[0] if lines else ""


def cpu_model():
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "?"


def quiet_line(background):
    """Reports the CPUs other processes used while we were timing."""
    return (f"Other processes used {background:.2f} CPUs during these runs"
            + (": the machine was busy, timings are disturbed" if background > 0.1 else " (quiet)"))
