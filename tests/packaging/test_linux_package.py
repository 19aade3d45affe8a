"""The Linux package as an artist gets it: built, unpacked, run without Python or sources.

Builds with ``packaging/build_linux.py --reuse`` (a build already made from exactly these
inputs, e.g. earlier in the same CI run, is reused: see the fingerprint in
``dist/studio-render-linux-build.json``), unpacks the .deb with ``dpkg -x`` into a
temporary root and runs the frozen program from there: a clean environment (no
PYTHONPATH, no virtual environment on PATH, HOME and cwd in a temporary folder) and,
where the kernel lets us (``unshare --mount``), with the source tree, the virtual
environment and the build interpreter's library folders hidden behind empty mounts.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import tarfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import psutil
import pytest

from tests.media import frame_count

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
MANIFEST = ROOT / "dist" / "studio-render-linux-build.json"
MAX_PACKAGE_BYTES = 200_000_000  # the aim for a compressed package

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(1800),  # a fresh build takes a few minutes
    pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="dpkg-deb not installed"),
]


def _bundle_support() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bundle_support", PACKAGING / "bundle_support.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bs = _bundle_support()


@dataclass(frozen=True)
class Unpacked:
    deb: Path
    tarball: Path
    root: Path  # the .deb unpacked with dpkg -x
    app: Path  # root/opt/studio-render
    command: Path  # root/usr/bin/studio-render
    resources: Path  # the bundled resources inside the app


@pytest.fixture(scope="module")
def unpacked(tmp_path_factory: pytest.TempPathFactory) -> Unpacked:
    build = subprocess.run(
        [sys.executable, str(PACKAGING / "build_linux.py"), "--reuse"],
        cwd=ROOT, capture_output=True, text=True, timeout=1500,
    )  # fmt: skip
    assert build.returncode == 0, f"build failed:\n{build.stdout[-4000:]}\n{build.stderr[-4000:]}"
    print(build.stdout[-2000:])
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    deb = ROOT / "dist" / manifest["deb"]["file"]
    tarball = ROOT / "dist" / manifest["tarball"]["file"]
    root = tmp_path_factory.mktemp("deb-root")
    subprocess.run(["dpkg", "-x", str(deb), str(root)], check=True)
    app = root / "opt" / "studio-render"
    return Unpacked(
        deb, tarball, root, app, root / "usr" / "bin" / "studio-render",
        app / "_internal" / "resources",
    )  # fmt: skip


# --- running the frozen program with nothing of the build machine's Python around ------------


def _dirs_to_hide() -> list[Path]:
    """The source tree, the virtual environment and the interpreter's library folders."""
    paths = sysconfig.get_paths()
    candidates = {ROOT, Path(sys.prefix)}
    if Path(sys.base_prefix) not in (Path("/"), Path("/usr"), Path("/usr/local")):
        candidates.add(Path(sys.base_prefix))  # e.g. a pyenv or python.org install, whole
    candidates |= {Path(paths[k]) for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    candidates = {p.resolve() for p in candidates if p.is_dir() and len(p.parts) > 2}
    hidden: list[Path] = []
    for path in sorted(candidates, key=lambda p: len(p.parts)):
        if not any(path.is_relative_to(outer) for outer in hidden):
            hidden.append(path)  # a folder inside one already hidden needs no mount of its own
    return hidden


_HIDE = (
    'set -e; n=$1; shift; while [ "$n" -gt 0 ]; do '
    'mount -t tmpfs -o size=1m,mode=0755 studio-render-hidden "$1"; shift; n=$((n-1)); done; '
    'marker=$1; shift; [ ! -e "$marker" ] || { echo "still visible: $marker" >&2; exit 97; }; '
    'exec "$@"'
)


def _hiding_prefix(tmp: Path) -> list[str]:
    """``unshare`` + mounts that hide the build machine's Python; [] where not permitted."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return []
    hidden = _dirs_to_hide()
    if any(tmp.resolve().is_relative_to(h) for h in hidden):
        return []  # would hide the unpacked package itself
    prefix = [unshare, "--mount", "sh", "-c", _HIDE, "sh", str(len(hidden)), *map(str, hidden),
              str(ROOT / "pyproject.toml")]  # fmt: skip
    probe = subprocess.run([*prefix, "true"], capture_output=True, text=True)
    return prefix if probe.returncode == 0 else []


class Frozen:
    """Runs the unpacked program as an artist's machine would."""

    def __init__(self, command: Path, work: Path) -> None:
        self.command = command
        self.home, self.cwd = work / "home", work / "cwd"
        self.home.mkdir(parents=True)
        self.cwd.mkdir(parents=True)
        self.env = {
            "PATH": "/usr/bin:/bin", "HOME": str(self.home), "LANG": "C.UTF-8",
            "TMPDIR": str(work),
        }  # fmt: skip
        self.prefix = _hiding_prefix(work)

    @property
    def sources_hidden(self) -> bool:
        return bool(self.prefix)

    def __call__(self, *args: str | Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self.prefix, str(self.command), *map(str, args)],
            cwd=self.cwd, env=self.env, capture_output=True, text=True, timeout=timeout,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip


@pytest.fixture(scope="module")
def frozen(unpacked: Unpacked, tmp_path_factory: pytest.TempPathFactory) -> Frozen:
    runner = Frozen(unpacked.command, tmp_path_factory.mktemp("artist"))
    if not runner.sources_hidden:
        warnings.warn(
            "unshare --mount is not permitted here, so the source tree and the virtual "
            "environment stay visible: the frozen program runs with a clean environment, "
            "HOME and cwd only",
            stacklevel=1,
        )
    return runner


# --- the package -------------------------------------------------------------------------------


def test_package_sizes(unpacked: Unpacked) -> None:
    for artefact in (unpacked.deb, unpacked.tarball):
        size = artefact.stat().st_size
        print(f"{artefact.name}: {size / 1e6:.1f} MB")
        assert size < MAX_PACKAGE_BYTES, f"{artefact.name} is {size / 1e6:.0f} MB"


def test_deb_metadata(unpacked: Unpacked) -> None:
    fields = subprocess.run(
        ["dpkg-deb", "-f", str(unpacked.deb), "Package", "Version", "Architecture", "Depends"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    version = bs.debian_version(bs.project()["version"])
    assert "Package: studio-render\n" in fields
    assert f"Version: {version}\n" in fields
    assert re.search(r"Depends: .*libc6 \(>= [\d.]+\)", fields), fields
    assert "libegl-mesa0" in fields and "libgl1-mesa-dri" in fields, fields


def test_deb_layout(unpacked: Unpacked) -> None:
    root, app = unpacked.root, unpacked.app
    assert os.access(app / "studio-render", os.X_OK)
    # the command on PATH: the launcher (bin/studio-render), running the app by a relative
    # path, so it also works unpacked anywhere
    command = unpacked.command
    assert os.access(command, os.X_OK) and not command.is_symlink()
    assert "\napp=../../opt/studio-render/studio-render\n" in command.read_text()
    icons = sorted(root.glob("usr/share/icons/hicolor/*/apps/studio-render.*"))
    assert any(p.suffix == ".png" for p in icons), icons
    for icon in icons:
        if icon.suffix == ".png":
            size = icon.parent.parent.name
            assert re.fullmatch(r"\d+x\d+", size), icon
    assert (root / "usr/share/doc/studio-render/copyright").is_file()
    # no link may point outside the package
    for path in root.rglob("*"):
        if path.is_symlink():
            assert path.resolve().is_relative_to(root.resolve()), f"{path} -> {os.readlink(path)}"


def test_desktop_entry(unpacked: Unpacked) -> None:
    validator = shutil.which("desktop-file-validate")
    assert validator, "desktop-file-validate is missing: apt-get install desktop-file-utils"
    desktop = unpacked.root / "usr/share/applications/studio-render.desktop"
    done = subprocess.run([validator, str(desktop)], capture_output=True, text=True)
    assert done.returncode == 0 and not done.stdout.strip(), done.stdout + done.stderr
    entry = dict(line.split("=", 1) for line in desktop.read_text().splitlines() if "=" in line)
    assert entry["Categories"] == "AudioVideo;Video;"
    assert entry["Icon"] == "studio-render"
    assert entry["Exec"].split()[0] == "studio-render"  # /usr/bin/studio-render
    assert entry["Terminal"] == "false"


#: The licence texts of the parts compiled into libthorvg, and words each must hold (the
#: licence itself, not a link to it).
THORVG_PARTS = {
    "MIT.txt": ["ThorVG Project", "Permission is hereby granted"],
    "JerryScript-notice.txt": ["JS Foundation", "Apache License, Version 2.0"],
    "Apache-2.0.txt": ["TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION",
                       "Grant of Patent License"],
    "RapidJSON-MIT.txt": ["Milo Yip", "Permission is hereby granted"],
    "libpng-LICENSE.txt": ["PNG Reference Library License version 2", "Cosmin Truta"],
    "zlib-LICENSE.txt": ["Jean-loup Gailly and Mark Adler", "must not be misrepresented"],
    "libjpeg-turbo-LICENSE.md": ["Modified (3-clause) BSD License", "IJG"],
    "libjpeg-turbo-README.ijg": ["Independent JPEG Group", "LEGAL ISSUES"],
    "libwebp-COPYING.txt": ["Google Inc.", "Redistribution and use in source and binary"],
    "libwebp-PATENTS.txt": ["patent license"],
}  # fmt: skip


def test_licences_bundled(unpacked: Unpacked) -> None:
    licences = unpacked.app / "_internal" / "licenses"
    third_party = (licences / "THIRD_PARTY.md").read_text(encoding="utf-8")
    build_info = (licences / "ffmpeg" / "BUILD-INFO.txt").read_text(encoding="utf-8")
    version = re.search(r"ffmpeg version (\S+)", build_info)
    assert version and version[1] in third_party, "THIRD_PARTY.md must name the bundled ffmpeg"
    assert "--enable-gpl" in build_info
    for name in ("GPL-3.0.txt", "LGPL-3.0.txt", "thorvg/MIT.txt",
                 "Python/LICENSE.txt",
                 "PYTHON-PACKAGES.txt", "system/SYSTEM-LIBRARIES.txt"):  # fmt: skip
        assert (licences / name).is_file(), name
    packages = (licences / "PYTHON-PACKAGES.txt").read_text(encoding="utf-8")
    for dist in ("PySide6_Essentials", "shiboken6", "thorvg-python",
                 "imageio-ffmpeg", "tqdm", "pillow"):  # fmt: skip
        assert dist in packages
    assert any((licences / "python").glob("thorvg-python-*/*"))
    # the full texts of what libthorvg compiles in, each named in its COPYING.md
    thorvg = licences / "thorvg"
    listing = (thorvg / "COPYING.md").read_text(encoding="utf-8")
    for name, words in THORVG_PARTS.items():
        text = (thorvg / name).read_text(encoding="utf-8")
        assert f"`{name}`" in listing, name
        assert all(word in text for word in words), name


def test_qt_is_trimmed_but_complete(unpacked: Unpacked) -> None:
    qt = unpacked.app / "_internal" / "PySide6" / "Qt"
    assert not (qt / "translations").exists()
    assert not (qt / "qml" / "QtQuick" / "Controls").exists()
    platforms = {p.name for p in (qt / "plugins" / "platforms").iterdir()}
    assert {"libqoffscreen.so", "libqeglfs.so", "libqxcb.so"} <= platforms
    for module in ("QtQuick", "QtQuick/Timeline", "QtQuick/Shapes"):
        assert (qt / "qml" / module / "qmldir").is_file(), module
    assert any((qt / "plugins" / "imageformats").glob("libqsvg.so"))
    # every Qt module the app's code imports is in the bundle (the GUI is still growing)
    used = set()
    for source in (ROOT / "studio_render").rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        used |= set(re.findall(r"PySide6\.(Qt\w+)", text))
        for names in re.findall(r"from PySide6 import \(?([\w\s,]+)\)?", text):
            used |= {n.strip() for n in names.split(",") if n.strip().startswith("Qt")}
    missing = [m for m in sorted(used) if not any((qt.parent).glob(f"{m}.*.so"))]
    assert not missing, f"Qt modules the code imports but the app lacks: {missing}"


# --- the frozen program ------------------------------------------------------------------------


def test_version(unpacked: Unpacked, frozen: Frozen) -> None:
    done = frozen("--version")
    assert done.returncode == 0, done.stderr
    from importlib.metadata import version

    assert f"studio-render {bs.project()['version']}" in done.stdout
    assert f"PySide6 {version('PySide6-Essentials')}" in done.stdout
    bundled = unpacked.app / "_internal" / "ffmpeg" / "ffmpeg"
    assert f"({bundled})" in done.stdout, "the app must use its own ffmpeg"


def _source_tree_info(composition: Path) -> dict[str, object]:
    """The same composition probed by the source tree (the reference)."""
    from studio_render.compositions.probe import probe_composition

    return probe_composition(composition).to_json()


@pytest.mark.parametrize("name", ["demo-small.qml", "demo-lottie.json"])
def test_info_on_bundled_composition(unpacked: Unpacked, frozen: Frozen, name: str) -> None:
    composition = unpacked.resources / "demo" / name
    assert composition.is_file(), f"{name} is not bundled"
    done = frozen("info", composition, "--json")
    assert done.returncode == 0, done.stderr
    info = json.loads(done.stdout.strip().splitlines()[-1])
    assert Path(info["path"]) == composition.resolve()
    reference = _source_tree_info(ROOT / "resources" / "demo" / name)
    for key in ("kind", "width", "height", "fps", "frame_count"):
        assert info[key] == reference[key], key
    assert info["frame_count"] > 1


def _render(frozen: Frozen, composition: Path, out: Path, *extra: str) -> list[dict[str, object]]:
    done = frozen(
        "render", composition, "-j", "2", "--preset", "h264", "-o", out.name,
        "--progress", "json", *extra,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    events = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert events and events[-1]["event"] == "done", events[-3:]
    return events


def test_headless_render_qml(unpacked: Unpacked, frozen: Frozen) -> None:
    composition = unpacked.resources / "demo" / "demo-small.qml"
    info = json.loads(frozen("info", composition, "--json").stdout.strip().splitlines()[-1])
    out = frozen.cwd / "out.mp4"
    _render(frozen, composition, out)
    assert out.is_file()
    assert frame_count(out) == info["frame_count"]
    assert not [p.name for p in frozen.cwd.iterdir() if "studio-render" in p.name]


def test_headless_render_lottie_with_a_gif_image(frozen: Frozen) -> None:
    """The frozen app draws a Lottie file's GIF image, which ThorVG cannot read: Pillow,
    which converts it, is bundled."""
    import base64
    import io

    from PIL import Image

    from tests.image_compare import read_png

    gif = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 30, 40)).save(gif, "GIF")
    identity = {"o": {"a": 0, "k": 100}, "p": {"a": 0, "k": [0, 0]}, "a": {"a": 0, "k": [0, 0]},
                "s": {"a": 0, "k": [100, 100]}, "r": {"a": 0, "k": 0}}  # fmt: skip
    asset = {"id": "gif", "w": 16, "h": 16, "u": "", "e": 1,
             "p": "data:image/gif;base64," + base64.b64encode(gif.getvalue()).decode()}  # fmt: skip
    doc = {"v": "5.7.4", "fr": 30, "ip": 0, "op": 2, "w": 16, "h": 16, "assets": [asset],
           "layers": [{"ty": 2, "ind": 1, "refId": "gif", "ip": 0, "op": 2, "st": 0, "sr": 1,
                       "ks": identity}]}  # fmt: skip
    (frozen.cwd / "gif.json").write_text(json.dumps(doc))
    done = frozen("render", frozen.cwd / "gif.json", "--preset", "png", "-o", "gif-frames",
                  "--frames", "0:1", "--progress", "none")  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    rgba = read_png(frozen.cwd / "gif-frames" / "frame_000000.png").astype(int)
    assert (rgba[..., 3] == 255).all()
    assert abs(rgba[..., 0] - 200).max() <= 2


def _app_starting(pid: int) -> bool:
    """The frozen app itself (not the launcher's shell or env) runs with SIGTERM blocked:
    its bootloader or Python is starting, before its handlers are in place."""
    try:
        exe = Path(os.readlink(f"/proc/{pid}/exe")).name
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    blocked = next(line for line in status.splitlines() if line.startswith("SigBlk:"))
    return exe == "studio-render" and bool(int(blocked.split()[1], 16) >> (signal.SIGTERM - 1) & 1)


def test_a_signal_while_the_app_starts(unpacked: Unpacked, frozen: Frozen) -> None:
    """/usr/bin/studio-render starts the app with the stop signals blocked: one sent while
    the bootloader and Python start waits for the app's handlers and ends the render its way."""
    composition = unpacked.resources / "demo" / "demo-small.qml"
    for signum in (signal.SIGINT, signal.SIGTERM):
        out = frozen.cwd / f"early-{signum.name}.mp4"
        proc = subprocess.Popen(
            [*frozen.prefix, str(frozen.command), "render", str(composition), "-o", out.name],
            cwd=frozen.cwd, env=frozen.env, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while not _app_starting(proc.pid) and proc.poll() is None:
            assert time.monotonic() < deadline, "the app never ran with SIGTERM blocked"
            time.sleep(0.0005)
        proc.send_signal(signum)
        _out, err = proc.communicate(timeout=60)
        assert proc.returncode == 128 + signum, err
        assert err.strip() == f"Render cancelled ({signum.name}).", err
        left = [p.name for p in frozen.cwd.iterdir() if "studio-render" in p.name]
        assert not out.exists() and not left, left


def _command_line_and_workers(pid: int) -> tuple[str, list[str]] | None:
    """The app's command line below ``pid`` (its memory map) and the names of its worker
    processes, once each is known for what it is: forked (renamed ``studio-worker``) or
    a new Python (``--worker``). None until then."""
    try:
        top = psutil.Process(pid)  # the launcher, which runs the app in its place (exec)
        tree = [top, *top.children(recursive=True)]
        cli = next(  # the app itself: the launcher, a shell script, has the same name
            p for p in tree if Path(p.exe()).name == "studio-render" and "render" in p.cmdline()
        )
        workers = [p for p in cli.children() if p.name() != "ffmpeg"]
        names = [p.name() if "--worker" not in p.cmdline() else "--worker" for p in workers]
        if not names or "studio-render" in names:  # none yet, or one forked but unnamed
            return None
        return Path(f"/proc/{cli.pid}/maps").read_text(), names
    except (StopIteration, psutil.Error, OSError):
        return None


def test_the_command_line_loads_no_qt_and_forks_its_workers(
    unpacked: Unpacked, frozen: Frozen
) -> None:
    """PyInstaller's own PySide6 hook imports Qt as every process starts; the app's hook
    (packaging/rth_qt_paths.py) does not, so its command line runs without Qt and forks
    its Lottie workers, as the source tree's does (core/forked.py)."""
    composition = unpacked.resources / "demo" / "demo-lottie.json"
    proc = subprocess.Popen(
        [*frozen.prefix, str(frozen.command), "render", str(composition), "-o", "forked.mp4",
         "-j", "2", "--progress", "none"],
        cwd=frozen.cwd, env=frozen.env, stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    seen = None
    while seen is None and proc.poll() is None:
        seen = _command_line_and_workers(proc.pid)
        time.sleep(0.002)
    _out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert seen is not None, "the render ended before its workers were seen"
    maps, names = seen
    assert "libQt6Core" not in maps
    assert names == ["studio-worker"] * len(names), names


def test_headless_render_lottie(unpacked: Unpacked, frozen: Frozen) -> None:
    composition = unpacked.resources / "demo" / "demo-lottie.json"
    info = json.loads(frozen("info", composition, "--json").stdout.strip().splitlines()[-1])
    frames = min(int(info["frame_count"]), 48)
    out = frozen.cwd / "lottie.mp4"
    _render(frozen, composition, out, "--frames", f"0:{frames}", "--chunk-frames", "12")
    assert frame_count(out) == frames


def test_desktop_app_starts(frozen: Frozen) -> None:
    """No arguments opens the window (offscreen here): it must come up and stay up."""
    env = {**frozen.env, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.Popen(
        [*frozen.prefix, str(frozen.command)],
        cwd=frozen.cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
        alive = proc.poll() is None
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            _out, err = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            _out, err = proc.communicate()
    assert alive, f"the desktop app exited with {proc.returncode}:\n{err[-3000:]}"


def test_portable_tarball_runs(unpacked: Unpacked, tmp_path: Path) -> None:
    """The .tar.gz unpacked anywhere: the program runs and renders, the menu script is there."""
    with tarfile.open(unpacked.tarball) as tar:
        tops = {name.split("/", 1)[0] for name in tar.getnames()}
        assert len(tops) == 1, tops
        tar.extractall(tmp_path / "portable", filter="tar")
    top = tmp_path / "portable" / tops.pop()
    assert os.access(top / "install-desktop-entry.sh", os.X_OK)
    assert (top / "share/applications/studio-render.desktop").is_file()
    frozen = Frozen(top / "studio-render", tmp_path / "artist")
    done = frozen("--version")
    assert done.returncode == 0, done.stderr
    assert f"({top / '_internal' / 'ffmpeg' / 'ffmpeg'})" in done.stdout
    out = frozen.cwd / "portable.mp4"
    _render(frozen, top / "_internal/resources/demo/demo-small.qml", out, "--frames", "0:20")
    assert frame_count(out) == 20
