"""Rewriting chunk specs between client and worker paths; the version comparison."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio_render.cluster.paths import is_plain_name, to_client, to_remote, to_worker
from studio_render.cluster.versions import local_versions, mismatch_message
from studio_render.core.composition import CompositionInfo
from studio_render.core.job import RenderSettings, prepare_job


def client_spec(tmp_path: Path):  # type: ignore[no-untyped-def]
    folder = tmp_path / "client project"
    folder.mkdir()
    info = CompositionInfo(str(folder / "scene.qml"), "qml", 640, 360, 30.0, 60)
    job = prepare_job(info, RenderSettings(output=folder / "out.mkv", preset="ffv1",
                                           chunk_frames=20))  # fmt: skip
    return job, job.chunk_spec(job.chunks[1], "/client/bin/ffmpeg")


def test_worker_spec_names_no_client_path(tmp_path: Path) -> None:
    job, spec = client_spec(tmp_path)
    remote = to_remote(spec, "scene.qml")
    assert "client project" not in remote and "/client/bin/ffmpeg" not in remote
    worker = to_worker(remote, tmp_path / "w" / "comp", tmp_path / "w" / "out", "/w/ffmpeg")
    assert worker.composition == str(tmp_path / "w" / "comp" / "scene.qml")
    assert worker.output == str(tmp_path / "w" / "out" / Path(spec.output).name)
    assert worker.encoder[0] == "/w/ffmpeg"
    assert worker.encoder[-1] == worker.output
    assert worker.encoder[1:-1] == spec.encoder[1:-1]
    assert (worker.start, worker.end, worker.width) == (spec.start, spec.end, spec.width)
    shared = to_worker(remote, tmp_path / "w" / "comp", tmp_path / "w" / "out", "/w/ffmpeg", 2)
    assert shared.encoder[-3:] == ["-threads", "2", worker.output]
    job.remove_work_dir()


@pytest.mark.parametrize(("field", "value"), [("composition", "../x.qml"),
                         ("composition", "/etc/x.qml"), ("output", "../out.mkv"),
                         ("output", "a/b.mkv")])  # fmt: skip
def test_worker_refuses_paths_leaving_its_folders(tmp_path: Path, field: str, value: str) -> None:
    import json

    job, spec = client_spec(tmp_path)
    data = json.loads(to_remote(spec, "scene.qml"))
    data[field] = value
    with pytest.raises(ValueError):
        to_worker(json.dumps(data), tmp_path / "c", tmp_path / "o", "ffmpeg")
    job.remove_work_dir()


def test_a_worker_s_message_names_the_client_s_folder_without_garbling_it(
    tmp_path: Path,
) -> None:
    there = tmp_path / "composition-ab12"  # as the worker names it: a link to ``real``,
    real = Path(f"{tmp_path}/disk{there}")  # whose path holds ``there`` (/tmp, /private/tmp)
    real.mkdir(parents=True)
    there.symlink_to(real)
    client = f"/backup{real} project"  # a client folder that holds the worker's

    def local(text: str) -> str:
        return to_client(text, there, client)

    assert local(f"{real}/scene.qml:3: error") == f"{client}/scene.qml:3: error"
    assert local(f"{there}/scene.qml") == f"{client}/scene.qml"
    assert local(f"file://{there}/a b.qml:1:1: x") == f"file://{client}/a b.qml:1:1: x"
    assert local(f"'{there}' and '{real}'") == f"'{client}' and '{client}'"
    assert local(f"{there}-other/x and {there}.bak") == f"{there}-other/x and {there}.bak"
    assert local("scene.qml: no frame property") == "scene.qml: no frame property"


def test_returned_file_names_must_be_plain() -> None:
    assert is_plain_name("chunk0001-abc.mkv") and is_plain_name("frame_000031.png")
    for bad in ("", "..", "../x", "a/b", ".hidden", "/"):
        assert not is_plain_name(bad)


def test_mismatch_message_names_every_machine_that_differs() -> None:
    mine = local_versions()
    old = {**mine, "dask": "2020.1.0"}
    message = mismatch_message("tcp://h:8786", mine, mine, {"tcp://a:1": mine, "tcp://b:2": old})
    assert message is not None
    assert "the cluster at tcp://h:8786 runs other versions" in message
    assert "worker tcp://b:2 has dask 2020.1.0" in message
    assert "tcp://a:1" not in message and "the scheduler" not in message
    missing = {**mine, "studio-render": None}
    message = mismatch_message("tcp://h:8786", mine, missing, {})
    assert message is not None and "the scheduler has studio-render missing" in message
    assert mismatch_message("tcp://h:8786", mine, mine, {"tcp://a:1": mine}) is None


def test_cluster_package_does_not_import_qt() -> None:
    """The window and the CLI share it; the window's colleague calls it from Qt code."""
    import subprocess
    import sys

    modules = ["client", "attempt", "pack", "paths", "remote", "versions",
               "worker_plugin", "commands"]  # fmt: skip
    code = "".join(f"import studio_render.cluster.{m}\n" for m in modules) + (
        "import sys\nqt = [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))]\n"
        "assert not qt, qt\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_worker_and_scheduler_commands_bind_to_the_given_host(tmp_path: Path) -> None:
    from studio_render.cluster.client import TlsFiles
    from studio_render.cluster.commands import PRELOAD, scheduler_args, worker_args

    args = scheduler_args("10.0.0.5", 8786)
    assert args[args.index("--dashboard-address") + 1] == "10.0.0.5:8787"
    args = worker_args("10.0.0.5", host="10.0.0.7", nthreads=2)
    assert args[0] == "tcp://10.0.0.5:8786"
    assert args[args.index("--host") + 1] == "10.0.0.7"
    assert args[args.index("--dashboard-address") + 1] == "10.0.0.7:0"  # dask's default: all
    assert args[args.index("--preload") + 1] == PRELOAD
    assert worker_args("tcp://127.0.0.1:9999")[2] == "127.0.0.1"  # the route to the scheduler
    for path in ("ca.pem", "me.pem"):
        (tmp_path / path).write_text("x")
    tls = TlsFiles(str(tmp_path / "ca.pem"), str(tmp_path / "me.pem"))
    assert worker_args("tls://h:1", host="h", tls=tls)[-4:] == [
        "--tls-ca-file", tls.ca_file, "--tls-cert", tls.cert]  # fmt: skip
    assert "--protocol" in scheduler_args(tls=tls)


def test_tls_worker_without_certificates_is_refused_clearly() -> None:
    from studio_render.cluster.commands import worker_args
    from studio_render.core.errors import BadInput

    with pytest.raises(BadInput, match="tls:// needs --tls-ca-file and --tls-cert"):
        worker_args("tls://127.0.0.1:8786")
    with pytest.raises(BadInput, match="certificate options need a tls://"):
        from studio_render.cluster.client import TlsFiles

        worker_args("tcp://127.0.0.1:8786", tls=TlsFiles(ca_file="ca.pem"))
