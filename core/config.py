"""Every setting of an experiment, as dataclasses that validate themselves.

Fields store names ("relu", "kaiming_normal"), never objects: registries in
models.py / init.py turn names into torch objects. That is what lets a config
travel as JSON or as flat URL parameters ("model.depth=4").

Each field carries metadata: `range` (inclusive numeric bounds) or `choices`,
and `why` (one line shown as help text in the UI).
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from typing import Any

DATASETS = ("moons", "circles", "spiral", "xor", "blobs", "regression", "digits")
ACTIVATIONS = ("relu", "leaky_relu", "tanh", "sigmoid", "gelu", "linear")
INIT_SCHEMES = (
    "default",
    "zeros",
    "constant",
    "normal",
    "uniform",
    "xavier_uniform",
    "xavier_normal",
    "kaiming_uniform",
    "kaiming_normal",
    "lecun_normal",
    "orthogonal",
)
OPTIMIZERS = ("sgd", "momentum", "adam")
SCHEDULES = ("none", "step", "cosine")


def _f(default, why, range=None, choices=None):
    meta = {"why": why}
    if range is not None:
        meta["range"] = range
    if choices is not None:
        meta["choices"] = tuple(choices)
    return field(default=default, metadata=meta)


@dataclass
class DataConfig:
    dataset: str = _f("moons", "which problem the network learns", choices=DATASETS)
    n_samples: int = _f(600, "points generated (train + validation)", range=(50, 5000))
    noise: float = _f(0.2, "label/coordinate noise: higher is harder", range=(0.0, 1.0))
    n_classes: int = _f(3, "classes for spiral and blobs", range=(2, 5))
    val_fraction: float = _f(0.25, "share held out to measure generalization", range=(0.1, 0.5))
    seed: int = _f(0, "same seed, same data", range=(0, 2**31 - 1))


@dataclass
class ModelConfig:
    depth: int = _f(3, "hidden layers: deep nets expose init problems", range=(1, 30))
    width: int = _f(16, "units per hidden layer", range=(1, 512))
    activation: str = _f("relu", "the nonlinearity a[.] between layers", choices=ACTIVATIONS)
    binary_head: str = _f(
        "sigmoid",
        "two classes: one sigmoid output (binary cross-entropy) or two softmax outputs",
        choices=("sigmoid", "softmax"),
    )


@dataclass
class InitConfig:
    scheme: str = _f(
        "kaiming_normal", "how weights are drawn before training", choices=INIT_SCHEMES
    )
    sigma: float = _f(0.1, "std of the 'normal' scheme", range=(1e-6, 100.0))
    a: float = _f(0.1, "half-width of the 'uniform' scheme: U(-a, a)", range=(1e-6, 100.0))
    value: float = _f(0.0, "every weight of the 'constant' scheme", range=(-10.0, 10.0))
    mode: str = _f(
        "fan_in",
        "He/Kaiming: keep forward (fan_in) or backward (fan_out) variance",
        choices=("fan_in", "fan_out"),
    )
    bias: str = _f(
        "zeros",
        "bias init: zeros, a constant, or PyTorch's default U(±1/√fan_in)",
        choices=("zeros", "constant", "default"),
    )
    bias_value: float = _f(0.0, "bias of the 'constant' bias init", range=(-10.0, 10.0))
    seed: int = _f(0, "same seed, same initial weights", range=(0, 2**31 - 1))


@dataclass
class OptimConfig:
    optimizer: str = _f("momentum", "SGD, SGD with momentum, or Adam", choices=OPTIMIZERS)
    lr: float = _f(0.05, "learning rate: step size along the negative gradient", range=(1e-5, 10.0))
    momentum: float = _f(0.9, "momentum of 'momentum' (SGD)", range=(0.0, 0.999))
    weight_decay: float = _f(0.0, "L2 penalty pulling weights to zero", range=(0.0, 1.0))
    batch_size: int = _f(32, "examples per gradient estimate", range=(1, 4096))
    schedule: str = _f("none", "how the learning rate changes over steps", choices=SCHEDULES)
    step_size: int = _f(500, "'step' schedule: steps between decays", range=(1, 1_000_000))
    gamma: float = _f(0.5, "'step' schedule: factor per decay", range=(0.01, 1.0))


@dataclass
class TrainConfig:
    steps: int = _f(2000, "step budget of a run", range=(1, 1_000_000))
    probe_every: int = _f(
        25, "every K steps: activations, validation, update ratios", range=(1, 10_000)
    )
    hist_bins: int = _f(30, "bins of each activation histogram", range=(5, 100))


SECTIONS = {
    "data": DataConfig,
    "model": ModelConfig,
    "init": InitConfig,
    "optim": OptimConfig,
    "train": TrainConfig,
}


@dataclass
class Config:
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    init: InitConfig = field(default_factory=InitConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    def __post_init__(self):
        self.validate()

    def validate(self) -> None:
        for name in SECTIONS:
            section = getattr(self, name)
            for f in dataclasses.fields(section):
                _check(f"{name}.{f.name}", f, getattr(section, f.name))

    # ---- plain dict / JSON -------------------------------------------------
    def to_dict(self) -> dict[str, dict[str, Any]]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: Any) -> Config:
        """Build from a (possibly partial) nested dict; missing fields keep defaults."""
        if not isinstance(d, dict):
            raise ValueError(f"config must be an object of sections, got {type(d).__name__}")
        unknown = sorted(set(d) - set(SECTIONS))
        if unknown:
            raise ValueError(f"unknown section {unknown[0]!r}; known: {', '.join(SECTIONS)}")
        sections = {}
        for name, klass in SECTIONS.items():
            values = d.get(name, {})
            if not isinstance(values, dict):
                raise ValueError(f"section {name!r} must be an object")
            known = {f.name: f for f in dataclasses.fields(klass)}
            for key, value in values.items():
                if key not in known:
                    raise ValueError(
                        f"unknown key '{name}.{key}'; known: {', '.join(sorted(known))}"
                    )
                _check_type(f"{name}.{key}", known[key], value)
            coerced = {k: _coerce_number(known[k], v) for k, v in values.items()}
            sections[name] = klass(**coerced)
        return cls(**sections)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_json(cls, text: str) -> Config:
        try:
            d = json.loads(text)
        except json.JSONDecodeError as e:
            raise ValueError(f"not valid JSON: {e.msg} (line {e.lineno})") from None
        return cls.from_dict(d)

    # ---- flat string parameters (URLs) -------------------------------------
    def to_params(self, only_changed: bool = True) -> dict[str, str]:
        """Flat {"model.depth": "4"}; by default only what differs from the defaults."""
        default = Config().to_dict() if only_changed else None
        out = {}
        for name, values in self.to_dict().items():
            for key, value in values.items():
                if default is None or default[name][key] != value:
                    out[f"{name}.{key}"] = _to_str(value)
        return out

    @classmethod
    def from_params(cls, params: dict[str, str]) -> Config:
        nested: dict[str, dict[str, Any]] = {}
        for flat, text in params.items():
            name, _, key = flat.partition(".")
            f = _field(name, key)
            nested.setdefault(name, {})[key] = _parse(flat, f, text)
        return cls.from_dict(nested)

    def replace(self, **flat: Any) -> Config:
        """A copy with flat keys changed: cfg.replace(**{"model.depth": 8})."""
        d = self.to_dict()
        for flat_key, value in flat.items():
            name, _, key = flat_key.partition(".")
            _field(name, key)
            d[name][key] = value
        return Config.from_dict(d)


def field_info(flat_key: str) -> dict[str, Any]:
    """Metadata (why, range or choices, default) of 'section.key', for UI help text."""
    name, _, key = flat_key.partition(".")
    f = _field(name, key)
    return {**f.metadata, "default": f.default}


def _field(name: str, key: str) -> dataclasses.Field:
    if name not in SECTIONS or not key:
        raise ValueError(f"unknown parameter {f'{name}.{key}' if key else name!r}")
    for f in dataclasses.fields(SECTIONS[name]):
        if f.name == key:
            return f
    raise ValueError(f"unknown parameter '{name}.{key}'")


def _kind(f: dataclasses.Field) -> type:
    return type(f.default)


def _check_type(where: str, f: dataclasses.Field, value: Any) -> None:
    kind = _kind(f)
    ok = (
        isinstance(value, str)
        if kind is str
        else not isinstance(value, bool)
        and (isinstance(value, int) if kind is int else isinstance(value, (int, float)))
    )
    if not ok:
        raise ValueError(f"{where} must be {kind.__name__}, got {type(value).__name__} {value!r}")


def _coerce_number(f: dataclasses.Field, value: Any) -> Any:
    return float(value) if _kind(f) is float else value


def _check(where: str, f: dataclasses.Field, value: Any) -> None:
    _check_type(where, f, value)
    meta = f.metadata
    if "choices" in meta and value not in meta["choices"]:
        raise ValueError(f"{where} = {value!r} is not one of {', '.join(meta['choices'])}")
    if "range" in meta:
        lo, hi = meta["range"]
        if not (isinstance(value, (int, float)) and math.isfinite(value) and lo <= value <= hi):
            raise ValueError(f"{where} = {value!r} is outside the allowed range [{lo}, {hi}]")


def _to_str(value: Any) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def _parse(where: str, f: dataclasses.Field, text: str) -> Any:
    kind = _kind(f)
    if kind is str:
        return text
    try:
        if kind is int:
            return int(text)
        return float(text)
    except (TypeError, ValueError):
        raise ValueError(f"{where} = {text!r} is not a valid {kind.__name__}") from None


def config_from_params_lenient(params: dict[str, str]) -> tuple[Config, list[str]]:
    """Apply URL parameters one by one; skip (and explain) each one that is bad.

    A shared link with one typo still opens with everything else it says. Each
    parameter is checked on its own and against the ones accepted before it.
    """
    cfg, problems = Config(), []
    for key, text in params.items():
        try:
            cfg = Config.from_params({**cfg.to_params(only_changed=True), key: text})
        except ValueError as e:
            problems.append(f"{e}: ignored")
    return cfg, problems
