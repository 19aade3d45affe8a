"""``studio-render scheduler`` and ``studio-render worker``: Dask's own commands, bound to
one address (their HTTP ports included) and with our worker plugin loaded."""

from __future__ import annotations

import os

from studio_render.cluster.client import DEFAULT_PORT, TlsFiles, normalize_address

PRELOAD = "studio_render.cluster.worker_plugin"
DEFAULT_HOST = "127.0.0.1"
DASHBOARD_PORT = 8787
#: Dask settings that make a worker cheap to keep (measured: an idle nanny and worker from
#: 6.2% of a core to 1.9%; during a render on a 0.4-core machine, the nanny from 0.47 CPU s
#: in 27 s to 0.07): no statistical profiler (it samples the worker's threads every 10 ms,
#: for the dashboard's profile page), the event-loop health check (a warning when the loop
#: blocks for seconds) every 200 ms instead of every 20 ms, the nanny's check of the
#: worker's memory (it restarts a worker over its limit) every second instead of ten times
#: a second, and the system monitor (the dashboard's CPU and memory plots) every two
#: seconds instead of two a second. Set in the environment
#: (``DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED``, ...) to choose otherwise.
IDLE_WORKER_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "200ms",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
}


def _join(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _tls_args(tls: TlsFiles) -> list[str]:
    tls.security()  # refuses missing or incomplete files with a clear message
    args = ["--tls-ca-file", str(tls.ca_file), "--tls-cert", str(tls.cert)]
    return [*args, "--tls-key", tls.key] if tls.key else args


def scheduler_args(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    tls: TlsFiles | None = None,
    dashboard_port: int = DASHBOARD_PORT,
) -> list[str]:
    """Arguments for ``dask scheduler``: listen on ``host`` only, TLS when given."""
    args = ["--host", host, "--port", str(port),
            "--dashboard-address", _join(host, dashboard_port)]  # fmt: skip
    if tls and tls.given:
        args += ["--protocol", "tls", *_tls_args(tls)]
    return args


def route_host(scheduler: str) -> str:
    """This machine's address on the route to the scheduler (what it should listen on)."""
    from distributed.utils import get_ip

    host = scheduler.partition("://")[2].rsplit(":", 1)[0].strip("[]")
    try:
        return str(get_ip(host))  # type: ignore[no-untyped-call]
    except OSError:
        return DEFAULT_HOST


def worker_args(
    scheduler: str,
    host: str | None = None,
    nthreads: int | None = None,
    name: str | None = None,
    tls: TlsFiles | None = None,
    nanny: bool = True,
) -> list[str]:
    """Arguments for ``dask worker``: our plugin preloaded, every port on ``host`` only.

    ``host`` defaults to this machine's address on the route to the scheduler.
    """
    address = normalize_address(scheduler, tls)
    if address.startswith("tls://"):
        (tls or TlsFiles()).security()  # refuses missing certificate options clearly
    host = host or route_host(address)
    args = [address, "--host", host, "--dashboard-address", _join(host, 0),
            "--preload", PRELOAD]  # fmt: skip
    if nthreads:
        args += ["--nthreads", str(nthreads)]
    if name:
        args += ["--name", name]
    if not nanny:
        args.append("--no-nanny")
    if tls and tls.given:
        args += _tls_args(tls)
    return args


def _run_click(command: object, args: list[str], prog: str) -> int:
    try:
        command.main(args=args, prog_name=prog, standalone_mode=True)  # type: ignore[attr-defined]
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
    return 0


def run_scheduler(args: list[str]) -> int:
    """Run ``dask scheduler`` in this process until it is stopped."""
    from distributed.cli.dask_scheduler import main

    return _run_click(main, args, "studio-render scheduler")


def run_worker(args: list[str]) -> int:
    """Run ``dask worker`` in this process until it is stopped (its nanny passes our
    :data:`IDLE_WORKER_CONFIG` on to the worker process)."""
    import dask
    from distributed.cli.dask_worker import main

    for key, value in IDLE_WORKER_CONFIG.items():
        if _env_name(key) not in os.environ:  # the user's own setting wins
            dask.config.set({key: value})
    return _run_click(main, args, "studio-render worker")


def _env_name(key: str) -> str:
    """The environment variable Dask reads for the setting ``key``."""
    return "DASK_" + key.upper().replace(".", "__").replace("-", "_")
