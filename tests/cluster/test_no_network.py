"""QML rendered with STUDIO_RENDER_NO_NETWORK=1 (as on every cluster worker) fetches nothing,
even when the chunk allows the network, and fails naming the URL it asked for."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from studio_render.compositions.qml import NO_NETWORK_ENV
from studio_render.core.chunk_run import Outcome, run_chunk_attempt
from studio_render.core.chunkspec import ChunkSpec
from studio_render.core.colour import SRGB
from studio_render.core.ffmpeg import encode_chunk_command, find_ffmpeg

FRAMES = 12


class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: list[str]

    def do_GET(self) -> None:
        self.requests.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server on 127.0.0.1 and the paths it was asked for."""
    requests: list[str] = []
    handler = type("Handler", (_Recorder,), {"requests": requests})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", requests
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def network_scene(folder: Path, url: str) -> Path:
    """Every way a scene can reach the network: images, a remote component, XHR."""
    scene = folder / "network.qml"
    scene.write_text(f"""import QtQuick
Rectangle {{
    id: root; width: 64; height: 64; color: "#336699"
    property int frame: 0
    property int durationInFrames: {FRAMES}
    Image {{ source: "{url}/image.png" }}
    Image {{ source: "{url}/frame" + root.frame + ".png" }}
    Loader {{ source: root.frame % 4 == 0 ? "{url}/part" + root.frame + ".qml" : "" }}
    onFrameChanged: {{ var r = new XMLHttpRequest(); r.open("GET", "{url}/xhr" + frame); r.send() }}
    Component.onCompleted: {{ var r = new XMLHttpRequest(); r.open("GET", "{url}/xhr"); r.send() }}
}}
""")
    return scene


def render(scene: Path, out: Path, allow_network: bool = True) -> Outcome:
    encoder = encode_chunk_command(
        find_ffmpeg(), width=64, height=64, fps=30.0, video_args=["-c:v", "ffv1"],
        pix_fmt="bgr0", colour=SRGB, even_size=False, output=out,
    )  # fmt: skip
    spec = ChunkSpec(str(scene), "qml", 0, FRAMES, 64, 64, 64, 64, False, "#ffffff",
                     encoder, str(out), allow_network=allow_network)  # fmt: skip
    return run_chunk_attempt(spec, threading.Event(), lambda r, e: None)


def refused(outcome: Outcome, url: str) -> bool:
    """Whether the chunk failed naming one of the scene's URLs (and not for another reason)."""
    return not outcome.ok and f"{url}/" in outcome.reason and "local files only" in outcome.reason


def test_worker_qml_makes_no_request(
    server: tuple[str, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, requests = server
    monkeypatch.setenv(NO_NETWORK_ENV, "1")  # inherited by the chunk process
    outcome = render(network_scene(tmp_path, url), tmp_path / "out.mkv")
    assert refused(outcome, url), outcome.reason + outcome.tail
    assert requests == []


def test_without_the_setting_the_same_scene_does_fetch(
    server: tuple[str, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The control: proves the scene above really tries the network (404s: the images and
    the component are missing, which a render allowed the network does not check)."""
    url, requests = server
    monkeypatch.delenv(NO_NETWORK_ENV, raising=False)
    outcome = render(network_scene(tmp_path, url), tmp_path / "out.mkv")
    assert outcome.ok, outcome.reason + outcome.tail
    assert {"/image.png", "/xhr", "/part0.qml"} <= set(requests)


@pytest.mark.slow
def test_no_hang_or_crash_over_many_renders(
    server: tuple[str, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Qt calls the (Python) factory from its own threads: loading, refusing and closing
    must never wait for them while holding the GIL (this once hung one render in ~100).
    Each render fails cleanly at its first frame, naming a URL."""
    from concurrent.futures import ThreadPoolExecutor

    url, requests = server
    monkeypatch.setenv(NO_NETWORK_ENV, "1")
    scene = network_scene(tmp_path, url)
    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(lambda n: render(scene, tmp_path / f"out{n}.mkv"), range(40)))
    assert all(refused(o, url) for o in outcomes), [o.reason for o in outcomes]
    assert requests == []
