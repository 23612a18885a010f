"""Build the sandbox runner image, with or without a container registry.

* ``registry`` path: ``FROM python:3.12-slim`` (pulled from the user's registry).
* ``debootstrap`` path (no registry): a Debian base rootfs made by ``debootstrap`` from its default
  mirror, imported with ``docker import``; cached as a tarball and as a local image.

Both paths download the pinned wheels on the host with pip and install them in the image with
``--no-index``; the build runs with ``--network none``. The tag is the content hash of every build
input, so an existing tag is reused and a changed harness gets a new image.
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

import docker
import docker.errors

from gapforge.errors import ImageBuildError, ImageNotFound

BaseMode = Literal["auto", "registry", "debootstrap"]
RUNNER_REPO = "gapforge-runner"
BASE_REPO = "gapforge-base"
REGISTRY_BASE = "python:3.12-slim"
DEBIAN_SUITE = "bookworm"
IMAGE_LABEL = "gapforge.image"

Log = Callable[[str], None]


def _noop(_: str) -> None:
    return None


@dataclass(frozen=True)
class Recipe:
    """Everything that goes into one runner image; its hash is the tag."""

    base_mode: Literal["registry", "debootstrap"]
    base_ref: str
    python_version: str
    dockerfile: str
    requirements: str
    harness: str

    @property
    def tag(self) -> str:
        h = hashlib.sha256()
        for part in (
            self.base_mode,
            self.base_ref,
            self.python_version,
            self.dockerfile,
            self.requirements,
            self.harness,
        ):
            h.update(part.encode())
            h.update(b"\0")
        return f"{RUNNER_REPO}:{h.hexdigest()[:16]}"


def cache_dir() -> Path:
    root = os.environ.get("GAPFORGE_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "gapforge"
    )
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _read(package: str, name: str) -> str:
    return resources.files(package).joinpath(name).read_text(encoding="utf-8")


def debootstrap_recipe_text() -> str:
    return f"debootstrap --variant=minbase --include=python3,python3-venv {DEBIAN_SUITE}"


def debootstrap_base_tag() -> str:
    digest = hashlib.sha256(debootstrap_recipe_text().encode()).hexdigest()[:12]
    return f"{BASE_REPO}:{DEBIAN_SUITE}-{digest}"


def recipe(base_mode: Literal["registry", "debootstrap"]) -> Recipe:
    dockerfile = _read("gapforge.images", "python-runner/Dockerfile")
    requirements = _read("gapforge.images", "python-runner/requirements.txt")
    harness = _read("gapforge.sandbox.harness", "harness.py")
    if base_mode == "registry":
        return Recipe("registry", REGISTRY_BASE, "3.12", dockerfile, requirements, harness)
    return Recipe("debootstrap", debootstrap_base_tag(), "3.11", dockerfile, requirements, harness)


def _image_exists(client: docker.DockerClient, ref: str) -> bool:
    try:
        client.images.get(ref)
    except docker.errors.ImageNotFound:
        return False
    return True


def resolve_runner_image(client: docker.DockerClient) -> str:
    """The runner image built from this gapforge's inputs, whichever base path built it."""
    modes: tuple[Literal["registry", "debootstrap"], ...] = ("registry", "debootstrap")
    for mode in modes:
        tag = recipe(mode).tag
        if _image_exists(client, tag):
            return tag
    raise ImageNotFound(
        "the gapforge sandbox image for this version is not built on this Docker engine; "
        "build it with `gapforge images build` (add `--base debootstrap` when no registry is reachable)"
    )


def _platform_tag() -> str:
    machine = platform.machine().lower()
    return {
        "x86_64": "manylinux2014_x86_64",
        "amd64": "manylinux2014_x86_64",
        "aarch64": "manylinux2014_aarch64",
    }.get(machine, f"manylinux2014_{machine}")


def download_wheels(rec: Recipe, log: Log = _noop) -> Path:
    """Wheels for the image's Python, fetched on the host (the build has no network); cached."""
    key = hashlib.sha256((rec.requirements + rec.python_version + _platform_tag()).encode()).hexdigest()[:16]
    target = cache_dir() / "wheels" / key
    marker = target / ".complete"
    if marker.exists():
        log(f"wheels: cached ({len(list(target.glob('*.whl')))} files)")
        return target
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as fh:
        fh.write(rec.requirements)
        req_path = fh.name
    log(f"wheels: downloading for Python {rec.python_version} on the host")
    cmd = [
        sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "--quiet",
        "--only-binary=:all:", "--python-version", rec.python_version, "--platform", _platform_tag(),
        "--no-deps", "-d", str(target), "-r", req_path,
    ]  # fmt: skip
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    finally:
        os.unlink(req_path)
    if proc.returncode != 0:
        raise ImageBuildError(
            "could not download the sandbox's wheels with pip on the host: "
            f"{proc.stderr.strip()[-800:]}\nCheck that PyPI (or your index) is reachable from this machine."
        )
    marker.write_text("ok\n")
    return target


def ensure_debootstrap_base(client: docker.DockerClient, log: Log = _noop) -> str:
    """The offline Debian base image; made once with debootstrap and kept (tarball + image)."""
    tag = debootstrap_base_tag()
    if _image_exists(client, tag):
        log(f"base: {tag} (cached image)")
        return tag
    tarball = cache_dir() / f"rootfs-{tag.split(':', 1)[1]}.tar"
    if not tarball.exists():
        if shutil.which("debootstrap") is None:
            raise ImageBuildError(
                "the offline image path needs debootstrap; install it (Debian/Ubuntu: apt-get install debootstrap) "
                "or use `gapforge images build --base registry` where a registry is reachable"
            )
        if os.geteuid() != 0:
            raise ImageBuildError(
                "debootstrap needs root; rerun `gapforge images build --base debootstrap` as root"
            )
        rootfs = Path(tempfile.mkdtemp(prefix="gapforge-rootfs-", dir=cache_dir()))
        try:
            log("base: debootstrap (about a minute)")
            cmd = [
                "debootstrap",
                "--variant=minbase",
                "--include=python3,python3-venv",
                DEBIAN_SUITE,
                str(rootfs),
            ]
            proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                raise ImageBuildError(f"debootstrap failed: {(proc.stdout + proc.stderr).strip()[-1200:]}")
            partial = tarball.with_suffix(".partial")
            subprocess.run(["tar", "-C", str(rootfs), "-cf", str(partial), "."], check=True)
            partial.rename(tarball)
        finally:
            shutil.rmtree(rootfs, ignore_errors=True)
    log(f"base: docker import {tarball.name}")
    repo, tagname = tag.split(":", 1)
    try:
        client.api.import_image_from_file(str(tarball), repository=repo, tag=tagname)
    except docker.errors.APIError as exc:
        raise ImageBuildError(f"docker import of the base rootfs failed: {exc}") from exc
    return tag


def modes_all() -> tuple[Literal["registry", "debootstrap"], ...]:
    return ("registry", "debootstrap")


def registry_reachable(client: docker.DockerClient) -> bool:
    if _image_exists(client, REGISTRY_BASE):
        return True
    try:
        client.images.pull(REGISTRY_BASE)
    except docker.errors.APIError:
        return False
    return True


def build_runner_image(
    client: docker.DockerClient, base: BaseMode = "auto", *, log: Log = _noop, force: bool = False
) -> str:
    """Build (or reuse) the runner image; returns its tag."""
    mode: Literal["registry", "debootstrap"]
    if base == "auto":
        for candidate in modes_all():
            tag = recipe(candidate).tag
            if not force and _image_exists(client, tag):
                log(f"runner: {tag} already built")
                return tag
        mode = "registry" if registry_reachable(client) else "debootstrap"
        log(f"base path: {mode}" + ("" if mode == "registry" else " (no registry reachable)"))
    else:
        mode = base
    rec = recipe(mode)
    if not force and _image_exists(client, rec.tag):
        log(f"runner: {rec.tag} already built")
        return rec.tag
    if mode == "debootstrap":
        base_ref = ensure_debootstrap_base(client, log)
    else:
        base_ref = REGISTRY_BASE
        if not _image_exists(client, base_ref):
            try:
                client.images.pull(base_ref)
            except docker.errors.APIError as exc:
                raise ImageBuildError(
                    f"could not pull {base_ref}: {exc}. Without a registry use `gapforge images build --base debootstrap`."
                ) from exc
    wheels = download_wheels(rec, log)
    ctx = Path(tempfile.mkdtemp(prefix="gapforge-build-"))
    try:
        (ctx / "Dockerfile").write_text(rec.dockerfile)
        (ctx / "requirements.txt").write_text(rec.requirements)
        (ctx / "harness.py").write_text(rec.harness)
        shutil.copytree(wheels, ctx / "wheels", ignore=shutil.ignore_patterns(".complete"))
        log(f"runner: building {rec.tag}")
        try:
            client.images.build(
                path=str(ctx),
                tag=rec.tag,
                buildargs={"BASE": base_ref},
                network_mode="none",
                rm=True,
                forcerm=True,
                labels={IMAGE_LABEL: "runner", "gapforge.base": mode},
            )
        except docker.errors.BuildError as exc:
            tail = "".join(str(chunk.get("stream", chunk.get("error", ""))) for chunk in exc.build_log)[
                -1500:
            ]
            raise ImageBuildError(f"building {rec.tag} failed: {exc.msg}\n{tail}") from exc
        except docker.errors.APIError as exc:
            raise ImageBuildError(f"building {rec.tag} failed: {exc}") from exc
    finally:
        shutil.rmtree(ctx, ignore_errors=True)
    log(f"runner: built {rec.tag}")
    return rec.tag
