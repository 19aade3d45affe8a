"""The network policy of local QML renders: local files only unless --allow-network.

A scene that asks for an http(s) URL (Image, Loader, XMLHttpRequest, FontLoader) is
refused with one line naming the URL, and no request is made; with --allow-network the
same scene fetches. A URL the scene asks for when loaded is found by the probe (exit 2,
nothing rendered); one asked for on a later frame fails the render there (exit 1).
"""

from __future__ import annotations

import http.server
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage

from studio_render.core.ffmpeg import find_ffmpeg
from tests.cli import leftovers, studio_render

SIZE = 32


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server on 127.0.0.1 serving a red PNG, and the paths it was asked for."""
    image = QImage(SIZE, SIZE, QImage.Format.Format_RGB32)
    image.fill(QColor("#ff0000"))
    png = tmp_path / "red.png"
    assert image.save(str(png))
    body = png.read_bytes()
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", requests
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def scene(folder: Path, body: str) -> Path:
    path = folder / "net.qml"
    path.write_text(f"""import QtQuick
Rectangle {{
    id: root; width: {SIZE}; height: {SIZE}; color: "#0000ff"
    property int frame: 0
    property int durationInFrames: 8
{body}
}}
""")
    return path


def render(comp: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return studio_render("render", comp, "-o", out, "--preset", "ffv1", "-j", "1",
                         "--progress", "none", "--retries", "0", *extra)  # fmt: skip


def first_line(done: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in done.stderr, done.stderr
    return done.stderr.strip().splitlines()[0]


def test_a_remote_image_at_load_is_refused_before_work(
    server: tuple[str, list[str]], tmp_path: Path
) -> None:
    """Exit 2: the probe sees the URL before any chunk starts (bad input, one line)."""
    url, requests = server
    comp = scene(tmp_path, f'    Image {{ source: "{url}/image.png" }}')
    out = tmp_path / "out.mkv"
    done = render(comp, out)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [first_line(done)]
    assert f"{url}/image.png" in done.stderr and "--allow-network" in done.stderr
    assert requests == []
    assert not out.exists() and leftovers(tmp_path) == []
    info = studio_render("info", comp)  # tells, does not refuse
    assert info.returncode == 0, info.stderr
    assert (f"  network:   {url}/image.png (refused: local renders read local files only, "
            "unless network is allowed)") in info.stdout.splitlines(), info.stdout  # fmt: skip
    assert requests == []


@pytest.mark.parametrize(
    ("what", "body", "path"),
    [
        ("image", '    Image {{ source: root.frame >= 3 ? "{url}/late.png" : "" }}', "/late.png"),
        ("loader", '    Loader {{ source: root.frame >= 3 ? "{url}/part.qml" : "" }}', "/part.qml"),
        (
            "xhr",
            "    onFrameChanged: if (frame == 3) {{ var r = new XMLHttpRequest();"
            ' r.open("GET", "{url}/xhr"); r.send() }}',
            "/xhr",
        ),
        (
            "font",
            '    FontLoader {{ source: root.frame >= 3 ? "{url}/font.ttf" : "" }}',
            "/font.ttf",
        ),
    ],
)
def test_a_remote_request_mid_render_fails_naming_the_url(
    server: tuple[str, list[str]], tmp_path: Path, what: str, body: str, path: str
) -> None:
    """Exit 1: asked for at frame 3, it is found while rendering (the render failed)."""
    url, requests = server
    out = tmp_path / "out.mkv"
    done = render(scene(tmp_path, body.format(url=url)), out)
    assert done.returncode == 1, (what, done.stderr)
    assert f"{url}{path}" in first_line(done), done.stderr
    assert "frame 3" in done.stderr or "frame 4" in done.stderr, done.stderr
    assert requests == []
    assert not out.exists() and leftovers(tmp_path) == []


def test_with_allow_network_the_same_scenes_fetch(
    server: tuple[str, list[str]], tmp_path: Path
) -> None:
    """The control: the picture is really there, and every kind of request was made."""
    url, requests = server
    body = f"""    Image {{ anchors.fill: parent; source: "{url}/image.png" }}
    Loader {{ source: root.frame >= 3 ? "{url}/part.qml" : "" }}
    onFrameChanged: if (frame == 3) {{
        var r = new XMLHttpRequest(); r.open("GET", "{url}/xhr"); r.send() }}"""
    out = tmp_path / "out.mkv"
    done = render(scene(tmp_path, body), out, "--allow-network")
    assert done.returncode == 0, done.stderr
    assert {"/image.png", "/part.qml", "/xhr"} <= set(requests)
    decoded = subprocess.run(
        [find_ffmpeg(), "-v", "error", "-i", str(out), "-f", "rawvideo", "-pix_fmt", "rgb24",
         "-"], capture_output=True, timeout=60, check=True,
    ).stdout  # fmt: skip
    frames = np.frombuffer(decoded, np.uint8).reshape(-1, SIZE, SIZE, 3)
    assert len(frames) == 8
    assert (frames[:, SIZE // 2, SIZE // 2] == [255, 0, 0]).all()  # red image, not blue


def test_remote_media_cannot_be_asked_for(server: tuple[str, list[str]], tmp_path: Path) -> None:
    """Media players (QtMultimedia) would fetch with FFmpeg's own network code, past the
    policy's access manager; the renderer's Qt has no QtMultimedia, so a scene with one is
    refused at load (exit 2, the module named) and nothing is requested."""
    url, requests = server
    body = f'''    MediaPlayer {{ source: "{url}/film.mp4"; videoOutput: screen
                   Component.onCompleted: play() }}
    VideoOutput {{ id: screen; anchors.fill: parent }}'''
    comp = scene(tmp_path, body)
    comp.write_text(
        comp.read_text().replace("import QtQuick\n", "import QtQuick\nimport QtMultimedia\n")
    )
    out = tmp_path / "out.mkv"
    done = render(comp, out, "--allow-network")
    assert done.returncode == 2, done.stderr
    assert first_line(done) == (
        'studio-render: error: net.qml:2: module "QtMultimedia" is not installed'
    ), done.stderr
    assert requests == []
    assert not out.exists() and leftovers(tmp_path) == []


def test_allow_network_is_refused_on_a_cluster(tmp_path: Path, small_qml: Path) -> None:
    done = render(small_qml, tmp_path / "out.mkv", "--allow-network", "--cluster",
                  "tcp://127.0.0.1:1")  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "cluster workers never use the network" in done.stderr
