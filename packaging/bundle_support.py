"""What goes into the frozen app, shared by the spec, ``build_linux.py`` and the packaging test.

Plain Python (no PyInstaller import at module level), so the test can load it by path.
Not a package: ``packaging/`` would shadow the ``packaging`` distribution on ``sys.path``.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path, PurePath

PACKAGING_DIR = Path(__file__).resolve().parent
ROOT = PACKAGING_DIR.parent

APP_NAME = "studio-render"  # executable, .deb package, icon and .desktop names
DISPLAY_NAME = "Studio Render"
BUNDLE_ID = "org.studiorender.StudioRender"  # macOS CFBundleIdentifier
#: The Windows/macOS GUI executable (on Linux ``studio-render`` with no arguments opens the GUI).
GUI_EXE_NAME = "studio-render-gui"

# --- Qt: what is kept ------------------------------------------------------------------------

#: QML modules (folders under ``Qt/qml`` holding a ``qmldir``) bundled for compositions.
#: Everything else (Controls and its styles, Dialogs, VirtualKeyboard, Pdf, Scene2D/3D,
#: LocalStorage, Qt.labs, QtTest, QtWayland compositor, ...) is left out.
#: The GUI is QtWidgets; add "QtQuick/Controls" (+ a style) here if it moves to Qt Quick.
KEPT_QML_MODULES = frozenset({
    "QtQml", "QtQml/Models", "QtQml/WorkerScript",
    "QtCore",
    "QtQuick", "QtQuick/Window", "QtQuick/Layouts", "QtQuick/Effects", "QtQuick/Particles",
    "QtQuick/Shapes", "QtQuick/Shapes/DesignHelpers",
    "QtQuick/Timeline", "QtQuick/Timeline/BlendTrees",
})  # fmt: skip

#: Qt plugin types left out entirely.
DROPPED_PLUGIN_TYPES = frozenset({
    "designer", "egldeviceintegrations", "generic", "networkinformation", "printsupport",
    "qmllint", "qmltooling", "sqldrivers", "vectorimageformats",
    "wayland-graphics-integration-server",
})  # fmt: skip

#: Plugin types of which only these plugins are kept (names without ``lib`` and suffix).
KEPT_PLUGINS = {
    # offscreen and eglfs (OpenGL without a display: studio_render/compositions/
    # qml_platform.py) for rendering; xcb and wayland on Linux desktops; the native ones
    # elsewhere
    "platforms": frozenset(
        {
            "qoffscreen",
            "qeglfs",
            "qxcb",
            "qwayland",
            "qwayland-egl",
            "qwayland-generic",
            "qwindows",
            "qdirect2d",
            "qcocoa",
        }
    ),
}
#: Plugins left out of types that are otherwise kept.
DROPPED_PLUGINS = {
    "platforminputcontexts": frozenset({"qtvirtualkeyboardplugin"}),
    "imageformats": frozenset({"qpdf"}),
    # The GTK theme plugin needs the system's GTK 3, and PyInstaller would bundle parts of
    # the GTK stack (cairo, pango, gdk-pixbuf) from the build machine that then mismatch the
    # user's GTK. The xdgdesktopportal theme gives native file dialogs on GNOME and KDE.
    "platformthemes": frozenset({"qgtk3"}),
}

#: Python modules the app never uses, excluded so that nothing drags them in: build tools
#: (setuptools and its kin), test suites, the cluster extra, unused Qt.
#: ``readline`` links GNU readline (GPL) and is never needed by a non-interactive app.
EXCLUDED_PYTHON_MODULES = [
    "tkinter", "_tkinter", "readline", "pydoc", "pydoc_data", "pdb", "doctest", "lib2to3",
    "ensurepip", "idlelib", "test", "unittest", "_testcapi", "_testinternalcapi",
    "setuptools", "pkg_resources", "_distutils_hack", "distutils", "jinja2", "markupsafe",
    "dask", "distributed", "IPython", "matplotlib", "pandas", "numpy",
    "PySide6.QtDesigner", "PySide6.QtHelp", "PySide6.QtUiTools", "PySide6.QtTest",
    "PySide6.QtQuickTest", "PySide6.QtSql", "PySide6.QtXml", "PySide6.QtConcurrent",
]  # fmt: skip


# --- system libraries --------------------------------------------------------------------------

#: Shared libraries taken from the user's system, never bundled, by soname, with the Debian
#: package that provides each (for the .deb's Depends). Based on the AppImage project's
#: exclude list: the C library, the GPU drivers' GL stack, and libraries whose bundled copy
#: breaks against the system's configuration or drivers (fontconfig reading a newer
#: fonts.conf, an old libstdc++ under the system's Mesa, GLib under the desktop's GIO
#: modules). Every other library the app links is bundled; build_linux.py checks that.
SYSTEM_LIBRARIES = {
    **dict.fromkeys(
        [
            "ld-linux-x86-64.so.2",
            "ld-linux-aarch64.so.1",
            "libc.so.6",
            "libm.so.6",
            "libdl.so.2",
            "libpthread.so.0",
            "librt.so.1",
            "libmvec.so.1",
            "libresolv.so.2",
            "libutil.so.1",
            "libanl.so.1",
        ],
        "libc6",
    ),
    "libstdc++.so.6": "libstdc++6",
    "libgcc_s.so.1": "libgcc-s1",
    "libGL.so.1": "libgl1",
    "libEGL.so.1": "libegl1",
    "libGLX.so.0": "libglx0",
    "libOpenGL.so.0": "libopengl0",
    "libGLdispatch.so.0": "libglvnd0",
    "libdrm.so.2": "libdrm2",
    "libgbm.so.1": "libgbm1",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libharfbuzz.so.0": "libharfbuzz0b",
    "libexpat.so.1": "libexpat1",
    "libz.so.1": "zlib1g",
    "libuuid.so.1": "libuuid1",
    **dict.fromkeys(
        [
            "libglib-2.0.so.0",
            "libgobject-2.0.so.0",
            "libgio-2.0.so.0",
            "libgmodule-2.0.so.0",
            "libgthread-2.0.so.0",
        ],
        "libglib2.0-0",
    ),
    "libX11.so.6": "libx11-6",
    "libxcb.so.1": "libxcb1",
    "libICE.so.6": "libice6",
    "libSM.so.6": "libsm6",
    "libgpg-error.so.0": "libgpg-error0",
    "libcom_err.so.2": "libcom-err2",
    "libfribidi.so.0": "libfribidi0",
    "libthai.so.0": "libthai0",
    "libp11-kit.so.0": "libp11-kit0",
    "libasound.so.2": "libasound2",
    # Wayland's client libraries come with every Wayland desktop; libwayland-egl pairs with
    # the system's Mesa EGL.
    "libwayland-client.so.0": "libwayland-client0",
    "libwayland-cursor.so.0": "libwayland-cursor0",
    "libwayland-egl.so.1": "libwayland-egl1",
}


#: Debian packages the app loads at run time without linking them: Mesa's EGL and its
#: drivers (llvmpipe where there is no GPU), through which QML effects render headless.
RUNTIME_PACKAGES = ("libegl-mesa0", "libgl1-mesa-dri")


def is_system_library(dest: str) -> bool:
    """A top-level entry of the bundle that is a system library (left out)."""
    parts = PurePath(dest).parts
    return len(parts) == 1 and parts[0] in SYSTEM_LIBRARIES


def plugin_name(filename: str) -> str:
    """``libqxcb.so`` / ``qxcb.dll`` / ``libqcocoa.dylib`` -> ``qxcb``."""
    stem = PurePath(filename).name.split(".")[0]
    return stem[3:] if stem.startswith("lib") else stem


def _qt_relative(dest: str, marker: str) -> tuple[str, ...] | None:
    """The parts of a bundle path after its ``PySide6/[Qt/]<marker>`` component, if any."""
    parts = PurePath(dest).parts
    if "PySide6" not in parts:
        return None
    rest = parts[parts.index("PySide6") + 1 :]
    if rest[:1] == ("Qt",):
        rest = rest[1:]
    if rest[:1] != (marker,):
        return None
    return tuple(rest[1:])


def keep_plugin(plugin_type: str, filename: str) -> bool:
    if plugin_type in DROPPED_PLUGIN_TYPES:
        return False
    name = plugin_name(filename)
    if plugin_type in KEPT_PLUGINS:
        return name in KEPT_PLUGINS[plugin_type]
    return name not in DROPPED_PLUGINS.get(plugin_type, frozenset())


def qml_owner(rel_parts: tuple[str, ...], modules: Iterable[str]) -> str | None:
    """The QML module that owns a path below ``qml/``: the longest module folder above it."""
    path = "/".join(rel_parts)
    best = None
    for module in modules:
        if (path == module or path.startswith(module + "/")) and (
            best is None or len(module) > len(best)
        ):
            best = module
    return best


def qml_modules_in(qml_dir: Path) -> set[str]:
    """Every QML module folder (one with a ``qmldir``) under ``qml_dir``, as ``A/B`` paths."""
    return {"/".join(p.parent.relative_to(qml_dir).parts) for p in qml_dir.rglob("qmldir")}


def keep_bundle_path(dest: str, qml_modules: Iterable[str]) -> bool:
    """Whether a file (its path inside the bundle) stays in the app. A second line of
    defence behind the collection filters in the spec: translations, dropped plugins and
    QML modules that are not kept."""
    if _qt_relative(dest, "translations") is not None:
        return False  # the UI is English only; Qt's own translations would make it mixed
    plugin = _qt_relative(dest, "plugins")
    if plugin is not None and len(plugin) >= 2:
        return keep_plugin(plugin[0], plugin[-1])
    qml = _qt_relative(dest, "qml")
    if qml is not None:
        owner = qml_owner(qml[:-1] if len(qml) else qml, qml_modules)
        if len(qml) == 1 or owner is None:  # qml/builtins.qmltypes, qml/jsroot.qmltypes
            return False
        return owner in KEPT_QML_MODULES
    return True


# --- project and inputs ----------------------------------------------------------------------


def project() -> dict[str, str]:
    """Name, version, description and licence from ``pyproject.toml``."""
    with open(ROOT / "pyproject.toml", "rb") as f:
        data = tomllib.load(f)["project"]
    if "version" not in data:
        raise SystemExit("pyproject.toml: [project] version must be static for packaging")
    lic = data.get("license", "")
    return {
        "name": data["name"],
        "version": data["version"],
        "description": data.get("description", ""),
        "license": lic if isinstance(lic, str) else lic.get("text", ""),
    }


def debian_version(version: str) -> str:
    """PEP 440 to Debian ordering: ``1.0rc1`` -> ``1.0~rc1``, ``1.0.dev3`` -> ``1.0~dev3``."""
    return re.sub(r"\.?(a|b|rc|dev)(\d*)", r"~\1\2", version).replace("+", "+local.")


#: Distributions whose installed version changes the bundle.
BUNDLED_DISTRIBUTIONS = (
    "PySide6-Essentials", "shiboken6", "thorvg-python", "pillow", "fonttools",
    "imageio-ffmpeg",
    "tqdm", "psutil", "pyinstaller", "pyinstaller-hooks-contrib",
)  # fmt: skip


def input_fingerprint() -> str:
    """A hash of everything a build is made from: the package sources, resources, packaging
    files, the launcher (bin/), pyproject.toml, the Python version and the installed
    versions of bundled distributions. A build is reused only when this matches exactly."""
    digest = hashlib.sha256()
    files: list[Path] = [ROOT / "pyproject.toml"]
    for folder in ("studio_render", "resources", "packaging", "bin"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                files.append(path)
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    digest.update(sys.version.encode())
    for dist in BUNDLED_DISTRIBUTIONS:
        try:
            version = metadata.version(dist)
        except metadata.PackageNotFoundError:
            version = "-"
        digest.update(f"{dist}={version}\n".encode())
    return digest.hexdigest()


# --- ffmpeg ----------------------------------------------------------------------------------


def ffmpeg_source() -> Path:
    """The static ffmpeg binary that the imageio-ffmpeg wheel ships for this platform."""
    import imageio_ffmpeg
    from imageio_ffmpeg._definitions import FNAME_PER_PLATFORM, get_platform

    binaries = Path(imageio_ffmpeg.__file__).resolve().parent / "binaries"
    exe = binaries / FNAME_PER_PLATFORM[get_platform()]
    if not exe.is_file():
        raise SystemExit(
            f"{exe} is missing: install the platform wheel of imageio-ffmpeg (not the sdist)"
        )
    return Path(exe)


def ffmpeg_bundle_name() -> str:
    """Where the app keeps ffmpeg, relative to ``sys._MEIPASS`` (see core/ffmpeg.py)."""
    return "ffmpeg/ffmpeg.exe" if os.name == "nt" else "ffmpeg/ffmpeg"


def ffmpeg_build_info(exe: Path) -> str:
    """The record of the bundled ffmpeg: version and configure lines, origin and checksum."""
    out = subprocess.run(
        [str(exe), "-hide_banner", "-version"], capture_output=True, text=True, timeout=60
    ).stdout
    sha = hashlib.sha256(exe.read_bytes()).hexdigest()
    return (
        f"Bundled as: {ffmpeg_bundle_name()}\n"
        f"Taken from: imageio-ffmpeg {metadata.version('imageio-ffmpeg')} wheel, "
        f"imageio_ffmpeg/binaries/{exe.name}\n"
        f"SHA-256: {sha}\n"
        f"Size: {exe.stat().st_size} bytes\n\n"
        f"`ffmpeg -version`:\n{out}"
    )


def ffmpeg_version_line(exe: Path) -> str:
    """``ffmpeg version n9.0.2-17-g2a571b6068-20260930`` (without the copyright)."""
    out = subprocess.run(
        [str(exe), "-hide_banner", "-version"], capture_output=True, text=True, timeout=60
    ).stdout
    return out.splitlines()[0].split(" Copyright")[0] if out else "unknown"


# --- licences --------------------------------------------------------------------------------

_LICENCE_NAME = re.compile(r"(LICEN[CS]E|COPYING|NOTICE|COPYRIGHT)", re.IGNORECASE)


def distributions_for(top_level_names: Iterable[str]) -> list[metadata.Distribution]:
    """The installed distributions that provide these top-level modules/packages."""
    mapping = metadata.packages_distributions()
    names = sorted({d for top in top_level_names for d in mapping.get(top, [])})
    out = []
    for name in names:
        try:
            out.append(metadata.distribution(name))
        except metadata.PackageNotFoundError:
            continue
    return out


def licence_files(dist: metadata.Distribution) -> list[tuple[Path, str]]:
    """``(source, name)`` of the licence texts a distribution installed (dist-info)."""
    found: dict[str, Path] = {}
    for entry in dist.files or []:
        parts = PurePath(str(entry)).parts
        in_info = parts and parts[0].endswith(".dist-info")
        if not in_info:
            continue
        if "licenses" in parts[1:-1] or _LICENCE_NAME.search(parts[-1]):
            src = Path(str(dist.locate_file(entry))).resolve()
            if src.is_file():
                rel = "/".join(parts[1:])
                rel = rel[len("licenses/") :] if rel.startswith("licenses/") else rel
                found[rel] = src
    return sorted((src, rel) for rel, src in found.items())


#: Where a distribution's metadata does not say its licence in one line.
LICENCE_NOTES = {
    "thorvg-python": "LGPL-2.1 (the Python wrapper, see its LICENSE); the bundled libthorvg "
    "is MIT with third-party parts (licenses/thorvg/)",
}


def licence_summary(dist: metadata.Distribution) -> str:
    meta = dist.metadata

    def field(name: str) -> str:
        return str(meta[name] or "") if name in meta else ""

    if field("Name") in LICENCE_NOTES:
        return LICENCE_NOTES[field("Name")]
    expression = field("License-Expression")
    if not expression:
        raw = field("License").strip()
        usable = raw and raw.upper() != "UNKNOWN" and "\n" not in raw and len(raw) < 120
        expression = raw if usable else ""
    if not expression:
        classifiers = [
            c.split("::")[-1].strip()
            for c in meta.get_all("Classifier") or []
            if c.startswith("License ::")
        ]
        expression = "; ".join(classifiers) or "see the licence files"
    return expression


def python_licence() -> Path | None:
    """The interpreter's LICENSE.txt (PSF licence and the licences of code it includes)."""
    import sysconfig

    candidates = [
        Path(sysconfig.get_paths()["stdlib"]) / "LICENSE.txt",
        Path(sys.base_prefix) / "LICENSE.txt",
        Path(sys.base_prefix) / "Resources" / "English.lproj" / "License.rtf",
    ]
    return next((p for p in candidates if p.is_file()), None)
