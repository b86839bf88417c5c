import json

import pytest

from core.config import Config, config_from_params_lenient, field_info


def test_defaults_validate_and_round_trip_json():
    cfg = Config()
    assert Config.from_json(cfg.to_json()) == cfg
    assert json.loads(cfg.to_json())["model"]["depth"] == cfg.model.depth


def test_round_trip_flat_params():
    cfg = Config().replace(
        **{"model.depth": 7, "init.scheme": "xavier_normal", "optim.lr": 0.003, "data.noise": 0.35}
    )
    params = cfg.to_params()
    assert params == {
        "model.depth": "7",
        "init.scheme": "xavier_normal",
        "optim.lr": "0.003",
        "data.noise": "0.35",
    }
    assert Config.from_params(params) == cfg
    full = cfg.to_params(only_changed=False)
    assert Config.from_params(full) == cfg


@pytest.mark.parametrize(
    "change, words",
    [
        ({"model.depth": 31}, ["model.depth", "31", "[1, 30]"]),
        ({"model.width": 0}, ["model.width", "0", "[1, 512]"]),
        ({"optim.lr": 11.0}, ["optim.lr", "11.0", "[1e-05, 10.0]"]),
        ({"optim.lr": float("nan")}, ["optim.lr", "nan"]),
        ({"model.activation": "swish"}, ["model.activation", "swish", "relu"]),
        ({"model.depth": 3.5}, ["model.depth", "int", "float"]),
        ({"model.depth": True}, ["model.depth", "int", "bool"]),
        ({"init.scheme": 3}, ["init.scheme", "str"]),
    ],
)
def test_validation_names_field_value_and_range(change, words):
    with pytest.raises(ValueError) as e:
        Config().replace(**change)
    for w in words:
        assert w in str(e.value)


def test_unknown_keys_and_sections_rejected():
    with pytest.raises(ValueError, match="unknown key 'model.depht'"):
        Config.from_dict({"model": {"depht": 3}})
    with pytest.raises(ValueError, match="unknown section 'modle'"):
        Config.from_dict({"modle": {}})
    with pytest.raises(ValueError, match="unknown parameter"):
        Config.from_params({"nope": "1"})
    with pytest.raises(ValueError, match="not valid JSON"):
        Config.from_json("{model: 3")
    with pytest.raises(ValueError, match="must be an object"):
        Config.from_json("[1, 2]")


def test_ints_are_accepted_for_floats_and_stored_as_float():
    cfg = Config.from_dict({"optim": {"lr": 1}})
    assert cfg.optim.lr == 1.0 and isinstance(cfg.optim.lr, float)


def test_lenient_params_keep_good_and_explain_bad():
    cfg, problems = config_from_params_lenient(
        {"model.depth": "99", "model.width": "8", "optim.lr": "abc", "x": "1"}
    )
    assert cfg.model.width == 8
    assert cfg.model.depth == Config().model.depth
    assert cfg.optim.lr == Config().optim.lr
    assert len(problems) == 3
    assert any("model.depth" in p and "99" in p for p in problems)
    assert any("optim.lr" in p and "abc" in p for p in problems)


def test_every_field_documents_why_and_bounds():
    for key in Config().to_params(only_changed=False):
        info = field_info(key)
        assert info["why"]
        assert ("range" in info) != ("choices" in info) or isinstance(info["default"], str)
