"""nginx for the export's tests: Debian's, installed when missing (as the benchmark installs it), checked
with `nginx -t` and run in the foreground as a local process with its own prefix and configuration."""

from __future__ import annotations

import subprocess
from pathlib import Path

from benchmarks.install import ensure_debian_packages
from strangler_proxy.export.nginx import render_nginx
from strangler_proxy.table import RouteTable
from tests.strangler_proxy.upstreams.processes import Running
from tests.support.processes import ManagedProcess, process_env
from tests.support.waiting import free_port


def nginx_program() -> str:
    return ensure_debian_packages({"nginx": "nginx"}, print)["nginx"]


def check_config(nginx: str, text: str, folder: Path) -> subprocess.CompletedProcess[str]:
    """`nginx -t` on `text`, a whole nginx.conf, with `folder` as nginx's prefix."""
    folder.mkdir(parents=True, exist_ok=True)
    conf = folder / "nginx.conf"
    conf.write_text(text)
    return subprocess.run([nginx, "-t", "-p", str(folder), "-e", "stderr", "-c", str(conf)], check=False,
                          capture_output=True, text=True, timeout=30)


def start_nginx(nginx: str, table: RouteTable, folder: Path) -> Running:
    """nginx serving the export of `table` on a free port, in the foreground."""
    port = free_port()
    checked = check_config(nginx, render_nginx(table, listen=f"127.0.0.1:{port}", standalone=True).text, folder)
    assert checked.returncode == 0, checked.stderr
    command = [nginx, "-p", str(folder), "-e", "stderr", "-c", str(folder / "nginx.conf"), "-g", "daemon off;"]
    process = ManagedProcess(command, process_env())
    running = Running(f"http://127.0.0.1:{port}", port, process)
    process.wait_for_http(f"{running.url}/_strangler/healthz")
    return running
