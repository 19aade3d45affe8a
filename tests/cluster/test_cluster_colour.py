"""Colour on the cluster: remote chunks are converted and tagged exactly as local ones."""

from __future__ import annotations

from pathlib import Path

from tests.cli import studio_render
from tests.cluster.local_cluster import LocalCluster
from tests.colour_probe import container_tags, decode_rgba, frame_tags
from tests.test_colour import HD, SCENE, VIDEO


def test_cluster_chunks_decode_to_the_local_pixels_and_tags(
    two_workers: LocalCluster, tmp_path: Path
) -> None:
    """Lossless H.264 shows the Y'CbCr exactly as each chunk's encoder converted it."""
    local, remote = tmp_path / "local.mp4", tmp_path / "cluster.mp4"
    common = ["--preset", "h264", "--crf", "0", "--progress", "none"]
    done = studio_render("render", SCENE, "-o", local, "-j", "1", *common)
    assert done.returncode == 0, done.stderr
    done = studio_render("render", SCENE, "-o", remote, "--chunk-frames", "2",
                         "--cluster", two_workers.address, *common)  # fmt: skip
    assert done.returncode == 0, done.stderr + two_workers.logs()
    assert frame_tags(remote) == VIDEO
    assert container_tags(remote) == container_tags(local) == VIDEO
    assert decode_rgba(remote, 6, HD[1]) == decode_rgba(local, 6, HD[1])
