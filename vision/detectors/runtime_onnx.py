"""The onnxruntime runtime, with a choice of execution provider.

onnxruntime is imported only when a model is loaded, so importing the vision package
(or a box running another runtime) does not pay for it or need it installed.

Provider choice (card `runtime.provider`, overridden by settings `vision.provider`):
`cpu` (default), `openvino`, `cuda`, `tensorrt`, or `auto` (the best one installed, in
the order TensorRT, CUDA, OpenVINO, CPU). Only providers that
`onnxruntime.get_available_providers()` reports are used. A named provider that is not
installed refuses to start with a ConfigError naming the installed ones, unless the
card says `fallback_to_cpu: true`: then the model runs on the CPU and a warning says so.
Refusing is the default because a supervision box that silently runs several times
slower drops frames without anyone being told. The same rule applies when the provider
is installed but the session could not use it (onnxruntime then quietly runs on CPU).
"""

import logging
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import Field

from core.errors import ConfigError
from vision.card import ModelCard
from vision.detectors.base import DetectorRuntime, RawOutputs, RuntimeConfig, RuntimeSettings

log = logging.getLogger(__name__)

Provider = Literal["cpu", "openvino", "cuda", "tensorrt", "auto"]

PROVIDERS: dict[str, str] = {
    "cpu": "CPUExecutionProvider",
    "openvino": "OpenVINOExecutionProvider",
    "cuda": "CUDAExecutionProvider",
    "tensorrt": "TensorrtExecutionProvider",
}
"""Our short names -> onnxruntime's provider names."""

AUTO_ORDER = ("tensorrt", "cuda", "openvino", "cpu")

_CHAIN: dict[str, tuple[str, ...]] = {
    "cpu": ("cpu",),
    "openvino": ("openvino", "cpu"),
    "cuda": ("cuda", "cpu"),
    "tensorrt": ("tensorrt", "cuda", "cpu"),
}
"""The providers a session gets for each choice: nodes the first cannot run fall to the
next (onnxruntime's documented way of listing providers)."""


class OnnxRuntimeConfig(RuntimeConfig):
    type: Literal["onnxruntime"] = "onnxruntime"
    provider: Provider = Field(default="cpu", description="Execution provider")
    fallback_to_cpu: bool = Field(
        default=False,
        description="When the provider is not installed or not usable: run on CPU with a "
        "warning instead of refusing to start",
    )
    provider_options: dict[str, str] = Field(
        default_factory=dict,
        description="Options for the chosen provider (e.g. OpenVINO `device_type: GPU`)",
    )


def choose_providers(
    provider: str, available: list[str], fallback_to_cpu: bool
) -> tuple[str, list[str]]:
    """(short name actually used, onnxruntime provider list) for a choice.

    Raises ConfigError when `provider` is not available and `fallback_to_cpu` is off.
    """
    if provider == "auto":
        provider = next(p for p in AUTO_ORDER if PROVIDERS[p] in available or p == "cpu")
    wanted = PROVIDERS[provider]
    if wanted not in available:
        installed = ", ".join(available) or "none"
        if not fallback_to_cpu:
            raise ConfigError(
                f"execution provider {provider!r} ({wanted}) is not available in this "
                f"onnxruntime (installed: {installed}); install the build that has it, "
                "choose another provider, or set runtime.fallback_to_cpu: true"
            )
        log.warning(
            "execution provider %s (%s) is not available (installed: %s): running on CPU",
            provider,
            wanted,
            installed,
        )
        provider = "cpu"
    return provider, [PROVIDERS[p] for p in _CHAIN[provider] if PROVIDERS[p] in available]


class OnnxRuntime(DetectorRuntime):
    """An onnxruntime InferenceSession on the chosen execution provider."""

    type_key = "onnxruntime"
    config_model = OnnxRuntimeConfig

    def __init__(self, config: RuntimeConfig) -> None:
        super().__init__(config)
        if not isinstance(config, OnnxRuntimeConfig):
            raise TypeError(f"onnxruntime runtime needs OnnxRuntimeConfig, got {config!r}")
        self.cfg = config
        self.provider: str = config.provider
        self.session: Any = None
        self.input_name = ""

    @property
    def name(self) -> str:
        return f"{self.type_key}/{self.provider}"

    def load(self, model_path: Path, card: ModelCard, settings: RuntimeSettings) -> None:
        try:
            import onnxruntime as ort
        except ImportError as exc:
            raise ConfigError(
                "the onnxruntime runtime needs the onnxruntime package (vision extra)"
            ) from exc
        cfg = self.cfg
        used, providers = choose_providers(
            cfg.provider, list(ort.get_available_providers()), cfg.fallback_to_cpu
        )
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = settings.threads
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.log_severity_level = 3
        options: list[dict[str, str]] = [
            dict(cfg.provider_options) if i == 0 else {} for i in range(len(providers))
        ]
        session = ort.InferenceSession(
            str(model_path), opts, providers=providers, provider_options=options
        )
        got = list(session.get_providers())
        if PROVIDERS[used] not in got:
            # onnxruntime drops a provider it cannot initialise (missing CUDA libraries)
            # with only a log line: hold it to the same rule as a missing one
            if not cfg.fallback_to_cpu:
                raise ConfigError(
                    f"execution provider {used!r} is installed but the session could not "
                    f"use it (session runs on {', '.join(got)}); see onnxruntime's log, or "
                    "set runtime.fallback_to_cpu: true"
                )
            log.warning("execution provider %s could not start: running on %s", used, got)
            used = "cpu"
        self.session = session
        self.provider = used
        self.input_name = session.get_inputs()[0].name
        log.info(
            "loaded %s with onnxruntime on %s (%d threads)", model_path.name, got, settings.threads
        )

    def infer(self, tensor: np.ndarray) -> RawOutputs:
        if self.session is None:
            raise RuntimeError("onnxruntime runtime used before load()")
        return [np.asarray(o) for o in self.session.run(None, {self.input_name: tensor})]

    def close(self) -> None:
        self.session = None
