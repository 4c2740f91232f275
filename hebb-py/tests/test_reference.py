"""Importing the reference's HEBcoeffs__….dat files (torch.save of a numpy array)."""

import pickle
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import hebb
from make_reference_fixture import reference_coeffs, write_torch_save

NAME = "HEBcoeffs__CartPole-v1__rew_500__ABCD_lr__init_uni__pop_200__coeffs__41.dat"


@pytest.mark.parametrize("legacy", [False, True], ids=["zip", "legacy"])
def test_import_reads_the_reference_layout(tmp_path, legacy):
    c = reference_coeffs()
    path = tmp_path / NAME
    write_torch_save(path, c, legacy=legacy)
    assert np.array_equal(hebb.load_reference_coefficients(path), c)
    rule = hebb.import_reference(path, out=tmp_path / "r.hebb")
    # Rule, sizes, env and generation come from the file name and the environment.
    assert (rule.rule, rule.sizes, rule.env, rule.generations) == ("ABCD_lr", [4, 128, 64, 2], "cartpole", 42)
    assert (rule.action_map, rule.output, rule.normalize) == ("argmax", "identity", True)
    assert hebb.load_rule(tmp_path / "r.hebb").to_bytes() == rule.to_bytes()
    assert np.array_equal(rule.interchange_coefficients(), c.ravel())
    # Row i·n_out + j of layer 0 is synapse i → j; coefficient k of it sits at
    # k·n_out·n_in + j·n_in + i in hebb's in-memory layout.
    mem = rule.coefficients
    n_in, n_out = 4, 128
    for i, j, k in [(0, 0, 0), (3, 5, 2), (1, 127, 4), (2, 64, 1)]:
        assert mem[k * n_out * n_in + j * n_in + i] == c[i * n_out + j, k]
    # The second layer starts after the first's 4·128·5 coefficients.
    base, (n_in, n_out) = 4 * 128 * 5, (128, 64)
    for i, j, k in [(0, 0, 0), (100, 63, 3)]:
        row = 4 * 128 + i * n_out + j
        assert mem[base + k * n_out * n_in + j * n_in + i] == c[row, k]
    # The imported rule runs, and `hebb` can evaluate it on its CartPole.
    net = hebb.Network(rule.sizes, rule, seed=0)
    assert net.step(np.zeros(4, np.float32)).shape == (2,)


def test_import_coevolved_weights_and_cli(tmp_path):
    sizes = [3, 128, 64, 1]
    c = reference_coeffs(tuple(sizes), per_synapse=5, seed=1)
    n_syn = c.shape[0]
    w = np.random.default_rng(2).uniform(-1, 1, (n_syn, 1)).astype(np.float32)
    cp = tmp_path / "HEBcoeffs__Pendulum-v0__rew_-150__ABCD_lr__init_coevolve__pop_10__coeffs__9.dat"
    wp = tmp_path / "HEBcoeffs__Pendulum-v0__rew_-150__ABCD_lr__init_coevolve__pop_10__coevolved_initial_weights__9.dat"
    write_torch_save(cp, c)
    write_torch_save(wp, w)
    out = tmp_path / "p.hebb"
    r = subprocess.run([sys.executable, "-m", "hebb.reference", str(cp), "--init-weights", str(wp), "-o", str(out)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    rule = hebb.load_rule(out)
    assert rule.init == "coevolve" and rule.env == "pendulum" and rule.action_map == "direct"
    assert np.array_equal(rule.init_weights, w.ravel())
    net = hebb.Network(sizes, rule)  # co-evolved initial weights from the file
    assert np.array_equal(np.concatenate([m.ravel() for m in net.weights]), w.ravel())


def test_import_refuses_bad_files(tmp_path):
    c = reference_coeffs()
    # Wrong size for the rule and network.
    p = tmp_path / NAME
    write_torch_save(p, c[:-1])
    with pytest.raises(ValueError, match="coefficients"):
        hebb.import_reference(p)
    # A pickle that would run code is refused, not executed.
    evil = tmp_path / "evil.dat"
    with zipfile.ZipFile(evil, "w") as z:
        z.writestr("evil/data.pkl", pickle.dumps(print, protocol=2))
    with pytest.raises(ValueError, match="refusing"):
        hebb.load_reference_coefficients(evil)
    (tmp_path / "junk.dat").write_bytes(b"\x00\x01garbage")
    with pytest.raises(ValueError):
        hebb.load_reference_coefficients(tmp_path / "junk.dat")
    write_torch_save(tmp_path / "nan.dat", np.array([1.0, np.nan], np.float32))
    with pytest.raises(ValueError, match="NaN"):
        hebb.load_reference_coefficients(tmp_path / "nan.dat")
    with pytest.raises(FileNotFoundError):
        hebb.load_reference_coefficients(tmp_path / "missing.dat")
    write_torch_save(tmp_path / "x.dat", c)
    with pytest.raises(ValueError, match="rule"):
        hebb.import_reference(tmp_path / "x.dat")


def test_car_cnn_import_keeps_the_reference_features(tmp_path, hebb_cli):
    """The reference feeds its CNN the image transposed; the imported CNN on hebb's image gives
    the reference's features, in hebb's order, and the first layer follows them."""
    rng = np.random.default_rng(5)
    cnn = rng.standard_normal(1362).astype(np.float32) * 0.3
    image = rng.uniform(0, 1, (3, 84, 84)).astype(np.float32)
    ref_features = hebb._hebb.cnn_forward(cnn, np.ascontiguousarray(image.transpose(0, 2, 1)))
    sizes = (648, 128, 64, 3)
    c = reference_coeffs(sizes, seed=6)
    cp = tmp_path / "HEBcoeffs__CarRacing-v0__rew_800__ABCD_lr__init_uni__pop_200__coeffs__99.dat"
    kp = tmp_path / "HEBcoeffs__CarRacing-v0__rew_800__ABCD_lr__init_uni__pop_200__CNN_parameters__99.dat"
    write_torch_save(cp, c)
    write_torch_save(kp, cnn.reshape(-1, 1))
    rule = hebb.import_reference(cp, cnn=kp, out=tmp_path / "car.hebb")
    assert (rule.env, rule.action_map, rule.sizes) == ("car-racing", "car", list(sizes))
    ours = hebb._hebb.cnn_forward(rule.cnn_weights, image)
    # hebb feature (ch, row, col) is the reference's (ch, col, row) — to rounding: the
    # transposed kernels sum their products in another order.
    np.testing.assert_allclose(ours.reshape(8, 9, 9), ref_features.reshape(8, 9, 9).transpose(0, 2, 1), atol=2e-6)
    assert not np.allclose(ours, ref_features, atol=1e-2), "the reordering is not a no-op"
    # Input i of the first layer moved with its feature: synapse (i → j) keeps its coefficients.
    x = rule.interchange_coefficients().reshape(-1, 5)
    for ch, r, q, j in [(0, 0, 1, 0), (3, 2, 7, 5), (7, 8, 0, 127)]:
        i_hebb, i_ref = ch * 81 + r * 9 + q, ch * 81 + q * 9 + r
        assert np.array_equal(x[i_hebb * 128 + j], c[i_ref * 128 + j])
    assert np.array_equal(x[648 * 128 :], c[648 * 128 :]), "later layers unchanged"
    # The CLI takes the imported car rule.
    assert "car-racing" in hebb_cli("inspect", tmp_path / "car.hebb")
