"""The network and the ES against values computed by the Rust code (tests/data/reference.json,
written and checked by hebb-py/tests/reference_values.rs), bit for bit."""

import json
import struct

import numpy as np
import pytest

import hebb
from conftest import DATA

REF = json.loads((DATA / "reference.json").read_text())


def f32(bits):
    return np.array(bits, dtype=np.uint32).view(np.float32)


def f64(hexes):
    return np.array([struct.unpack("<d", bytes.fromhex(h)[::-1])[0] for h in hexes])


def fnv(a: np.ndarray) -> str:
    h = 0xCBF29CE484222325
    for b in np.ascontiguousarray(a, dtype=np.float32).tobytes():
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


@pytest.mark.parametrize("case", REF["networks"], ids=lambda c: f"{c['rule']}-{'-'.join(map(str, c['sizes']))}")
def test_network_gives_the_rust_bits(case):
    sizes = case["sizes"]
    net = hebb.Network(
        sizes,
        case["rule"],
        f32(case["coefficients"]),
        output=case["output"],
        normalize=case["normalize"],
        seed=case["weight_seed"],
    )
    obs = f32(case["observations"]).reshape(-1, sizes[0])
    for o, want in zip(obs, case["outputs"]):
        out = net.step(o)
        assert out.dtype == np.float32
        assert out.view(np.uint32).tolist() == want
    flat = np.concatenate([w.ravel() for w in net.weights])
    assert flat.view(np.uint32).tolist() == case["weights"]
    assert [w.shape for w in net.weights] == [(sizes[i + 1], sizes[i]) for i in range(len(sizes) - 1)]
    assert [a.view(np.uint32).tolist() for a in net.activations] == case["activations"]


def test_network_through_a_rule_file(tmp_path):
    case = REF["networks"][0]
    rule = hebb.Rule(
        case["rule"], case["sizes"], f32(case["coefficients"]), output=case["output"],
        normalize=case["normalize"], action_map="direct",
    )
    rule.save(tmp_path / "r.hebb")
    back = hebb.load_rule(tmp_path / "r.hebb")
    assert back.to_bytes() == rule.to_bytes()
    assert (back.rule, back.sizes, back.output, back.normalize) == (case["rule"], case["sizes"], "tanh", False)
    assert np.array_equal(back.coefficients, f32(case["coefficients"]))
    net = hebb.Network(case["sizes"], back, seed=case["weight_seed"])  # output, normalize from the file
    obs = f32(case["observations"]).reshape(-1, case["sizes"][0])
    outs = [net.step(o).view(np.uint32).tolist() for o in obs]
    assert outs == case["outputs"]
    # Half precision rounds the coefficients as the CLI's --f16 does.
    h = hebb.Rule(case["rule"], case["sizes"], f32(case["coefficients"]), f16=True)
    assert h.f16 and np.array_equal(h.coefficients, f32(case["coefficients"]).astype(np.float16).astype(np.float32))


def test_network_rejects_bad_input(tmp_path):
    c = np.zeros(hebb.n_coefficients("ABCD_lr", [3, 4, 2]), np.float32)
    net = hebb.Network([3, 4, 2], "ABCD_lr", c)
    with pytest.raises(ValueError, match="3"):
        net.step(np.zeros(4, np.float32))
    with pytest.raises(TypeError):
        net.step(np.zeros(3, np.float64))  # float32 only: no silent conversion
    with pytest.raises(ValueError, match="coefficients"):
        hebb.Network([3, 4, 2], "ABCD_lr", c[:-1])
    with pytest.raises(ValueError, match="NaN"):
        hebb.Network([3, 4, 2], "ABCD_lr", np.full_like(c, np.nan))
    with pytest.raises(ValueError, match="unknown rule"):
        hebb.Network([3, 4, 2], "XYZ", c)
    with pytest.raises(ValueError, match="sizes"):
        hebb.Network([3, 0, 2], "ABCD_lr", c)
    with pytest.raises(ValueError, match="shape"):
        net.set_weights([np.zeros((4, 3), np.float32), np.zeros((3, 4), np.float32)])
    net.set_weights([np.ones((4, 3), np.float32), np.ones((2, 4), np.float32)])
    assert all((w == 1).all() for w in net.weights)
    # A NaN observation is refused by the core.
    with pytest.raises(ValueError):
        net.step(np.array([0, np.nan, 0], np.float32))
    # Corrupt rule files are errors.
    p = tmp_path / "bad.hebb"
    good = hebb.Rule("ABCD_lr", [3, 4, 2], c).to_bytes()
    for bad in (b"", b"HEBB", good[:-1], good[:20] + bytes([good[20] ^ 1]) + good[21:]):
        p.write_bytes(bad)
        with pytest.raises(ValueError):
            hebb.load_rule(p)
    with pytest.raises(OSError):
        hebb.load_rule(tmp_path / "missing.hebb")


def _es(case):
    return hebb.ES(
        case["dim"], pop=case["pop"], lr=f64([case["lr"]])[0], sigma=f64([case["sigma"]])[0],
        weight_decay=f64([case["weight_decay"]])[0], init=case["init"], seed=case["seed"],
        n_penalized=case["n_penalized"],
    )


@pytest.mark.parametrize("case", REF["es"], ids=lambda c: f"dim{c['dim']}")
def test_es_gives_the_rust_bits(case):
    es = _es(case)
    for g in case["generations"]:
        cands = es.ask()
        assert cands.shape == (case["pop"], case["dim"])
        assert fnv(cands) == g["candidates_fnv"]
        if g["candidates"] is not None:
            assert cands.ravel().view(np.uint32).tolist() == g["candidates"]
        es.tell(f64(g["returns"]))
        assert fnv(es.mean) == g["mean_fnv"]
        if g["mean"] is not None:
            assert es.mean.view(np.uint32).tolist() == g["mean"]
        assert (es.lr, es.sigma) == (f64([g["lr"]])[0], f64([g["sigma"]])[0])


def test_es_tell_without_ask_and_checkpoint_resume(tmp_path):
    case = REF["es"][0]
    gens = case["generations"]
    # tell() regenerates the penalties when ask() was not called.
    es = _es(case)
    es.tell(f64(gens[0]["returns"]))
    assert fnv(es.mean) == gens[0]["mean_fnv"]
    # Stop after one generation, save, resume in a new ES: the same bits as going on.
    es.save(tmp_path / "es.ckpt")
    es2 = _es(case)
    es2.load(tmp_path / "es.ckpt")
    assert es2.generation == 1
    for g in gens[1:]:
        es2.ask()
        es2.tell(f64(g["returns"]))
    assert es2.mean.view(np.uint32).tolist() == gens[-1]["mean"]
    # Mismatched or corrupt checkpoints are refused.
    with pytest.raises(ValueError, match="parameters"):
        hebb.ES(case["dim"] + 1, pop=case["pop"], seed=case["seed"]).load(tmp_path / "es.ckpt")
    with pytest.raises(ValueError, match="seed"):
        hebb.ES(case["dim"], pop=case["pop"], seed=case["seed"] + 1).load(tmp_path / "es.ckpt")
    b = (tmp_path / "es.ckpt").read_bytes()
    (tmp_path / "bad.ckpt").write_bytes(b[:-3] + bytes([b[-3] ^ 0xFF]) + b[-2:])
    with pytest.raises(ValueError, match="CRC"):
        es2.load(tmp_path / "bad.ckpt")


def test_es_rejects_bad_input():
    es = hebb.ES(10, pop=4, seed=1)
    with pytest.raises(ValueError, match="population"):
        es.tell(np.zeros(5))
    with pytest.raises(ValueError, match="finite"):
        es.tell(np.array([0, np.nan, 1, 2.0]))
    with pytest.raises(ValueError, match="even"):
        hebb.ES(10, pop=3)
    with pytest.raises(ValueError, match="sigma"):
        hebb.ES(10, pop=4, sigma=-1.0)
    with pytest.raises(ValueError, match="diverge|non-finite"):
        big = hebb.ES(10, pop=4, lr=1e38, sigma=1e-38, weight_decay=0.0)
        big.tell(np.array([0.0, 1.0, 2.0, 3.0]))
    assert np.all(np.isfinite(big.mean)), "a diverged update leaves the state unchanged"
