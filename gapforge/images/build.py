"""Build the sandbox runner image, with or without a container registry.

* ``registry`` path: ``FROM python:3.12-slim`` (pulled from the user's registry).
* ``debootstrap`` path (no registry): a Debian base rootfs made by ``debootstrap`` from its default
  mirror, imported with ``docker import``; cached as a tarball and as a local image.

Both paths download the pinned wheels on the host with pip and install them in the image with
``--no-index``; the build runs with ``--network none``. The tag is the content hash of every build
input, so an existing tag is reused and a changed harness gets a new image.

Other languages (:data:`LANGUAGES`): one runner image per language, the Python runner (the harness
stays the in-container supervisor) on a debootstrap base whose ``--include`` list adds that
language's toolchain from Debian's own packages, so the toolchain is whatever the suite pins and
the build stays offline. Only the debootstrap path builds them (a registry base would need the
network inside the build). The toolchain's version output is recorded as image labels.
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

from gapforge.errors import ConfigError, ImageBuildError, ImageNotFound

BaseMode = Literal["auto", "registry", "debootstrap"]
RUNNER_REPO = "gapforge-runner"
BASE_REPO = "gapforge-base"
REGISTRY_BASE = "python:3.12-slim"
DEBIAN_SUITE = "bookworm"
IMAGE_LABEL = "gapforge.image"

Log = Callable[[str], None]
TOOLCHAIN_LABEL = "gapforge.toolchain"


@dataclass(frozen=True)
class LanguageImage:
    """What a language adds to the runner: Debian packages and the command that prints their versions."""

    packages: tuple[str, ...]
    version_cmd: str


# Debian bookworm's own packages: the suite pins the versions (g++ 12, rustc 1.63, Go 1.19,
# OpenJDK 17, Node.js 18).
LANGUAGES: dict[str, LanguageImage] = {
    "cpp": LanguageImage(("g++",), "g++ --version | head -n1"),
    # libc6-dev by name: rustc depends on the virtual libc-dev, which debootstrap does not resolve
    "rust": LanguageImage(("rustc", "libc6-dev"), "rustc --version"),
    "go": LanguageImage(("golang-go",), "go version"),
    "java": LanguageImage(("default-jdk-headless",), "javac -version 2>&1; java -version 2>&1 | head -n1"),
    "javascript": LanguageImage(("nodejs",), "echo node $(node --version)"),
}
ALL_LANGUAGES: tuple[str, ...] = ("python", *LANGUAGES)


def check_language(language: str) -> str:
    if language != "python" and language not in LANGUAGES:
        raise ConfigError(f"unknown language {language!r}; choose one of: {', '.join(ALL_LANGUAGES)}")
    return language


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
    language: str = "python"

    @property
    def tag(self) -> str:
        h = hashlib.sha256()
        parts = [
            self.base_mode,
            self.base_ref,
            self.python_version,
            self.dockerfile,
            self.requirements,
            self.harness,
        ]
        if self.language != "python":  # the Python runner's tag is computed as it always was
            parts.append(self.language)  # (base_ref already names the toolchain packages)
        for part in parts:
            h.update(part.encode())
            h.update(b"\0")
        name = RUNNER_REPO if self.language == "python" else f"{RUNNER_REPO}-{self.language}"
        return f"{name}:{h.hexdigest()[:16]}"


def cache_dir() -> Path:
    root = os.environ.get("GAPFORGE_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "gapforge"
    )
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _read(package: str, name: str) -> str:
    return resources.files(package).joinpath(name).read_text(encoding="utf-8")


def _include(language: str = "python") -> str:
    extra = LANGUAGES[language].packages if language != "python" else ()
    return ",".join(("python3", "python3-venv", *extra))


def debootstrap_recipe_text(language: str = "python") -> str:
    return f"debootstrap --variant=minbase --include={_include(language)} {DEBIAN_SUITE}"


def debootstrap_base_tag(language: str = "python") -> str:
    digest = hashlib.sha256(debootstrap_recipe_text(language).encode()).hexdigest()[:12]
    suffix = "" if language == "python" else f"-{language}"
    return f"{BASE_REPO}:{DEBIAN_SUITE}{suffix}-{digest}"


def recipe(base_mode: Literal["registry", "debootstrap"], language: str = "python") -> Recipe:
    check_language(language)
    dockerfile = _read("gapforge.images", "python-runner/Dockerfile")
    requirements = _read("gapforge.images", "python-runner/requirements.txt")
    harness = _read("gapforge.sandbox.harness", "harness.py")
    if base_mode == "registry":
        if language != "python":
            raise ConfigError(
                f"the {language} runner is built only from a debootstrap base (its toolchain comes from "
                "Debian packages, installed offline); use `gapforge images build --base debootstrap`"
            )
        return Recipe("registry", REGISTRY_BASE, "3.12", dockerfile, requirements, harness)
    return Recipe(
        "debootstrap", debootstrap_base_tag(language), "3.11", dockerfile, requirements, harness, language
    )


def _image_exists(client: docker.DockerClient, ref: str) -> bool:
    try:
        client.images.get(ref)
    except docker.errors.ImageNotFound:
        return False
    return True


def resolve_runner_image(client: docker.DockerClient, language: str = "python") -> str:
    """The runner image built from this gapforge's inputs, whichever base path built it; for
    another language, that language's runner (built only from a debootstrap base)."""
    check_language(language)
    if language != "python":
        tag = recipe("debootstrap", language).tag
        if _image_exists(client, tag):
            return tag
        raise ImageNotFound(
            f"the gapforge {language} sandbox image for this version is not built on this Docker engine; "
            f"build it with `gapforge images build --base debootstrap --language {language}`"
        )
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


def ensure_debootstrap_base(client: docker.DockerClient, log: Log = _noop, language: str = "python") -> str:
    """The offline Debian base image; made once with debootstrap and kept (tarball + image)."""
    tag = debootstrap_base_tag(language)
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
            log(
                "base: debootstrap (about a minute"
                + ("" if language == "python" else ", more with a toolchain")
                + ")"
            )
            debs = cache_dir() / "debs"  # shared by every language's base: each package downloads once
            debs.mkdir(exist_ok=True)
            cmd = [
                "debootstrap",
                "--variant=minbase",
                f"--cache-dir={debs.resolve()}",
                f"--include={_include(language)}",
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


def toolchain_versions(client: docker.DockerClient, base_ref: str, language: str) -> str:
    """The toolchain's own version output, read from the base image (no network)."""
    try:
        raw = client.containers.run(
            base_ref,
            ["sh", "-c", LANGUAGES[language].version_cmd],
            network_mode="none",
            remove=True,
            stdout=True,
            stderr=True,
        )
    except docker.errors.DockerException as exc:
        raise ImageBuildError(
            f"could not read the {language} toolchain's version from {base_ref}: {exc}"
        ) from exc
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return " | ".join(line.strip() for line in text.splitlines() if line.strip())[:500]


def build_images(
    client: docker.DockerClient,
    base: BaseMode = "auto",
    languages: tuple[str, ...] = ("python",),
    *,
    log: Log = _noop,
    force: bool = False,
) -> list[str]:
    """Build (or reuse) the runner image of each language asked for; returns their tags."""
    for language in languages:
        check_language(language)
    if base == "registry" and any(lang != "python" for lang in languages):
        raise ConfigError(
            "language runners are built only from a debootstrap base (their toolchains are Debian "
            "packages installed offline); use `--base debootstrap` or `--base auto`"
        )
    tags = []
    for language in languages:
        mode: BaseMode = base if language == "python" else "debootstrap"
        tags.append(build_runner_image(client, mode, log=log, force=force, language=language))
    return tags


def build_runner_image(
    client: docker.DockerClient,
    base: BaseMode = "auto",
    *,
    log: Log = _noop,
    force: bool = False,
    language: str = "python",
) -> str:
    """Build (or reuse) the runner image of ``language`` (default: the Python runner); returns its tag."""
    check_language(language)
    if language != "python":
        return _build_language_image(client, language, log=log, force=force)
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


def _build_language_image(client: docker.DockerClient, language: str, *, log: Log, force: bool) -> str:
    rec = recipe("debootstrap", language)
    if not force and _image_exists(client, rec.tag):
        log(f"{language}: {rec.tag} already built")
        return rec.tag
    base_ref = ensure_debootstrap_base(client, log, language)
    versions = toolchain_versions(client, base_ref, language)
    log(f"{language}: toolchain {versions}")
    wheels = download_wheels(rec, log)
    ctx = Path(tempfile.mkdtemp(prefix="gapforge-build-"))
    try:
        (ctx / "Dockerfile").write_text(rec.dockerfile)
        (ctx / "requirements.txt").write_text(rec.requirements)
        (ctx / "harness.py").write_text(rec.harness)
        shutil.copytree(wheels, ctx / "wheels", ignore=shutil.ignore_patterns(".complete"))
        log(f"{language}: building {rec.tag}")
        try:
            client.images.build(
                path=str(ctx),
                tag=rec.tag,
                buildargs={"BASE": base_ref},
                network_mode="none",
                rm=True,
                forcerm=True,
                labels={
                    IMAGE_LABEL: "runner",
                    "gapforge.base": "debootstrap",
                    "gapforge.language": language,
                    "gapforge.packages": ",".join(LANGUAGES[language].packages),
                    TOOLCHAIN_LABEL: versions,
                },
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
    log(f"{language}: built {rec.tag}")
    return rec.tag
