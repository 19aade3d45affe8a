"""Packing a composition for workers: what is sent, what is refused, safe unpacking."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from studio_render.cluster.pack import pack_composition, unpack
from studio_render.core import composition_files as composition_files_module
from studio_render.core.errors import BadInput

SCENE = "import QtQuick\nRectangle {{ width: 64; height: 64; property int frame: 0\n{body}\n}}\n"


def qml_folder(tmp_path: Path, body: str = "") -> Path:
    folder = tmp_path / "project"
    (folder / "images").mkdir(parents=True)
    (folder / "scene.qml").write_text(SCENE.format(body=body))
    (folder / "images" / "a.png").write_bytes(b"png bytes")
    (folder / "Widget.qml").write_text("import QtQuick\nItem {}\n")
    (folder / ".git").mkdir()
    (folder / ".git" / "config").write_text("hidden")
    (folder / "render.mp4").write_bytes(b"an earlier render")
    (folder / "music.m4a").write_bytes(b"audio, added on the client")
    return folder / "scene.qml"


def test_lottie_pack_holds_the_image_it_references(corpus: Path, tmp_path: Path) -> None:
    pack = pack_composition(corpus / "image_test.json")
    assert pack.main == "image_test.json"
    assert pack.files == ("image_test.json", "images/img_0.png")  # not the rest of the corpus
    written = unpack(pack.data, tmp_path)
    assert {p.relative_to(tmp_path).as_posix() for p in written} == set(pack.files)
    image = tmp_path / "images" / "img_0.png"
    assert image.read_bytes() == (corpus / "images" / "img_0.png").read_bytes()


def test_lottie_image_outside_the_folder_is_refused(corpus: Path, tmp_path: Path) -> None:
    data = json.loads((corpus / "image_test.json").read_text())
    data["assets"][0]["u"] = "../images/"
    (tmp_path / "sub").mkdir()
    comp = tmp_path / "sub" / "escape.json"
    comp.write_text(json.dumps(data))
    with pytest.raises(BadInput, match=r"'\.\./images/img_0\.png' is outside the composition's"):
        pack_composition(comp)


def test_qml_pack_sends_the_folder_but_not_hidden_files_video_or_audio(tmp_path: Path) -> None:
    comp = qml_folder(tmp_path, 'Image { source: "images/a.png" }')
    pack = pack_composition(comp, exclude=[comp.parent / "images" / "a.png"])
    assert pack.files == ("scene.qml", "Widget.qml")
    pack = pack_composition(comp)
    assert pack.files == ("scene.qml", "Widget.qml", "images/a.png")
    assert pack_composition(comp).digest == pack.digest  # same files, same archive


@pytest.mark.parametrize(
    "literal",
    ['"../secret.png"', "'../../etc/passwd'", '"file:///etc/hostname"', '"images/../../x.png"',
     '"/etc/hostname"', '"..%2Fsecret.png"'],
)  # fmt: skip
def test_qml_reference_leaving_the_folder_is_refused(tmp_path: Path, literal: str) -> None:
    comp = qml_folder(tmp_path, f"Image {{ source: {literal} }}")
    with pytest.raises(BadInput, match=r"scene\.qml: .* cluster workers receive"):
        pack_composition(comp)


def test_qml_import_of_a_parent_folder_is_refused(tmp_path: Path) -> None:
    comp = qml_folder(tmp_path)
    comp.write_text('import QtQuick\nimport "../shared"\nItem { property int frame }\n')
    with pytest.raises(BadInput, match=r"'\.\./shared' is outside"):
        pack_composition(comp)


@pytest.mark.parametrize(
    "literal",
    ['"images/../images/a.png"', '"http://example.com/a.png"', '"Loading..."', '"/"',
     '"qrc:/x.png"', '"a/b"', '"/no/such/file.png"'],
)  # fmt: skip
def test_harmless_literals_pass(tmp_path: Path, literal: str) -> None:
    comp = qml_folder(tmp_path, f"property string s: {literal}")
    assert "scene.qml" in pack_composition(comp).files


def test_link_to_a_file_outside_is_refused(tmp_path: Path) -> None:
    comp = qml_folder(tmp_path)
    outside = tmp_path / "outside.png"
    outside.write_bytes(b"x")
    (comp.parent / "images" / "linked.png").symlink_to(outside)
    with pytest.raises(BadInput, match=r"links to .*outside"):
        pack_composition(comp)


def test_dotlottie_is_sent_alone(corpus: Path, tmp_path: Path) -> None:
    shutil.copy(corpus / "1st_animation.lottie", tmp_path / "a.lottie")
    (tmp_path / "unrelated.json").write_text("{}")
    assert pack_composition(tmp_path / "a.lottie").files == ("a.lottie",)


@pytest.mark.parametrize("name", ["../evil.txt", "/abs.txt", "a/../../evil.txt"])
def test_unpack_refuses_members_leaving_the_folder(tmp_path: Path, name: str) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, b"x")
    with pytest.raises(ValueError, match="refusing"):
        unpack(buffer.getvalue(), tmp_path / "dest")
    assert not (tmp_path / "evil.txt").exists()


def test_a_file_gone_since_the_folder_was_listed_is_left_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An editor's temporary file, saved and removed while the folder is read, is not
    part of the composition (it stopped the render with FileNotFoundError)."""
    scene = qml_folder(tmp_path)
    listed = composition_files_module._folder_files

    def listed_then_removed(root: Path, excluded: set[Path]) -> list[Path]:
        files = listed(root, excluded)
        (root / "Widget.qml").unlink()
        return files

    monkeypatch.setattr(composition_files_module, "_folder_files", listed_then_removed)
    pack = pack_composition(scene)
    assert "Widget.qml" not in pack.files and "images/a.png" in pack.files
