"""The learned effect activation's numpy inference, inputs and picking."""

import numpy as np
import pytest

from syncsheet.analysis import cuenet
from syncsheet.analysis._threads import InOrder


def _tiny(c_in: int = 2) -> dict:
    """One hidden channel, one dilated layer: small enough to compute by hand."""
    return {
        "mean": np.zeros(c_in, np.float32), "std": np.ones(c_in, np.float32),
        "w_in": np.ones((1, c_in), np.float32), "b_in": np.array([-1.0], np.float32),
        "dil": np.array([2]),
        "w0": np.array([[[1.0, 0.5, -1.0]]], np.float32), "b0": np.array([0.25], np.float32),
        "w_out": np.array([[2.0], [-1.0]], np.float32), "b_out": np.array([0.0, 1.0], np.float32),
    }


def test_forward_matches_a_hand_computed_case():
    x = np.array([[1, 1], [2, 0], [0, 0], [3, 1], [1, 0]], np.float32)
    out = cuenet.Net(_tiny()).forward(x)
    h = np.maximum(x.sum(axis=1) - 1.0, 0.0)  # 1x1 input layer: [1, 1, 0, 3, 0]
    assert h.tolist() == [1, 1, 0, 3, 0]
    # dilation 2, zero padding: y[t] = h[t-2] + 0.5 h[t] - h[t+2] + 0.25
    y = [0 + 0.5 - 0 + 0.25, 0 + 0.5 - 3 + 0.25, 1 + 0 - 0 + 0.25, 1 + 1.5 - 0 + 0.25, 0 + 0 - 0 + 0.25]
    h2 = h + np.maximum(y, 0.0)
    np.testing.assert_allclose(out[:, 0], 2 * h2, rtol=1e-6)
    np.testing.assert_allclose(out[:, 1], 1 - h2, rtol=1e-6)


def test_standardisation_is_applied_before_the_first_layer():
    w = _tiny()
    w["mean"], w["std"] = np.array([1.0, 0.0], np.float32), np.array([2.0, 1.0], np.float32)
    x = np.array([[5.0, 1.0]], np.float32)
    plain = cuenet.Net(_tiny()).forward(np.array([[2.0, 1.0]], np.float32))
    np.testing.assert_allclose(cuenet.Net(w).forward(x), plain)


def _random_net(c_in: int, seed: int) -> cuenet.Net:
    rng = np.random.default_rng(seed)
    c = 4
    w = {"mean": rng.normal(size=c_in), "std": rng.uniform(0.5, 2, c_in), "w_in": rng.normal(size=(c, c_in)) * 0.3,
         "b_in": rng.normal(size=c) * 0.1, "dil": np.array([1, 4, 16]),
         "w_out": rng.normal(size=(2, c)), "b_out": rng.normal(size=2)}
    for k in range(3):
        w[f"w{k}"], w[f"b{k}"] = rng.normal(size=(c, c, 3)) * 0.3, rng.normal(size=c) * 0.1
    return cuenet.Net(w)


#: The inputs of a network over 9 fine bands, 4 floor bands and the evidence (:func:`_random_inputs`).
C_IN = 9 // cuenet.POOL * 2 + 4 * 2 + 3


def _random_inputs(seed: int, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random fine and floor rows and evidence columns, *n* rows."""
    rng = np.random.default_rng(seed)
    fine = rng.integers(0, 200, (n, 9), dtype=np.uint8)
    floor = rng.integers(0, 200, (n, 4), dtype=np.uint8)
    return fine, floor, cuenet.evidence_columns(rng.exponential(1, n), rng.exponential(1, n), rng.uniform(0, 1, n))


@pytest.mark.parametrize("seed", [0, 1])
def test_blocks_give_the_same_activation_as_one_pass(seed):
    n = 1500
    fine, floor, ev = _random_inputs(seed, n)
    net = _random_net(C_IN, seed)
    whole = cuenet.activation(fine, floor, ev, net=net, block=1 << 14)
    blocked = cuenet.activation(fine, floor, ev, net=net, block=137)
    np.testing.assert_allclose(blocked, whole, atol=1e-5)
    assert whole.shape == (n, 2) and (whole >= 0).all() and (whole <= 1).all()


def test_the_blocks_are_reported_and_a_cancel_stops_between_them():
    from syncsheet.errors import Cancelled

    fine, floor, ev = _random_inputs(3, 1000)
    net = _random_net(C_IN, 0)
    seen = []
    cuenet.activation(fine, floor, ev, net=net, block=400, progress=lambda f, s: seen.append(f))
    assert seen == pytest.approx([0.4, 0.8, 1.0])

    def cancel(fraction, stage):
        raise Cancelled("stop")

    with pytest.raises(Cancelled):
        cuenet.activation(fine, floor, ev, net=net, block=400, progress=cancel)


def test_an_ensemble_split_over_two_threads_gives_the_same_probabilities():
    n = 1500
    fine, floor, ev = _random_inputs(7, n)
    members = [_random_net(C_IN, seed) for seed in range(3)]  # odd: one thread runs one more
    weights = {f"m{i}_{k}": v for i, m in enumerate(members) for k, v in vars(m).items()
               if k not in ("layers", "fine_hz", "floor_bands", "latency")}
    for i, m in enumerate(members):
        for k, (w, b) in enumerate(m.layers):
            weights[f"m{i}_w{k}"], weights[f"m{i}_b{k}"] = w, b
    net = cuenet.Ensemble(weights)
    assert len(net.nets) == 3
    alone = cuenet.activation(fine, floor, ev, net=net, block=700)
    submitted = []
    with InOrder() as later:
        def submit(fn, *args):
            submitted.append(fn)
            return later.submit(fn, *args)

        both = cuenet.activation(fine, floor, ev, net=net, block=700, submit=submit)
    assert len(submitted) == 3  # one job a block: the second thread's members
    np.testing.assert_array_equal(both, alone)  # summed in the members' order: bit for bit
    mean = sum(m.probability(cuenet.inputs(fine, floor, ev)) for m in members) / 3
    np.testing.assert_allclose(alone, mean, atol=1e-5)


def test_inputs_take_out_the_local_level_and_keep_rises():
    n = 1000
    fine = np.full((n, 6), 100, np.uint8)
    fine[500:] = 150  # a step up in every band
    floor = np.full((n, 2), 40, np.uint8)
    x = cuenet.inputs(fine, floor, np.zeros((n, 1)))
    k = 6 // cuenet.POOL
    level, rise = x[:, :k], x[:, k : 2 * k]
    assert np.abs(level[:100]).max() < 1e-5  # steady: nothing relative to the local mean
    assert (level[500] > 0).all() and (level[499] < 0).all()
    assert np.flatnonzero(rise[:, 0] > 0).tolist() == [500]
    assert np.allclose(x[:, 2 * k : 2 * k + 2], 0)  # a constant floor


def test_pick_takes_the_stronger_of_close_peaks_and_interpolates():
    p = np.zeros(1000)
    p[199:202] = [0.4, 0.9, 0.8]  # peak between rows 200 and 201
    p[260] = 0.7  # 0.6 s later: inside the 1 s gap, weaker
    p[700] = 0.6
    p[900] = 0.3  # under the threshold
    pos, score = cuenet.pick(p, threshold=0.5, gap_s=1.0)
    assert len(pos) == 2
    assert 200 < pos[0] < 201 and abs(pos[1] - 700) < 1e-9
    assert score.tolist() == [0.9, 0.6]


def test_pick_on_nothing_or_too_little_is_empty():
    assert len(cuenet.pick(np.zeros(500))[0]) == 0
    assert len(cuenet.pick(np.ones(2))[0]) == 0


def test_near_is_the_largest_probability_within_the_window():
    p = np.zeros(300)
    p[100], p[130] = 0.4, 0.9
    got = cuenet.near(p, np.array([1.0, 1.2, 2.5]))  # rows 100, 120, 250
    assert got.tolist() == [0.4, 0.9, 0.0]  # row 130 is 0.3 s from row 100, 0.1 s from row 120
    assert cuenet.near(p, np.zeros(0)).shape == (0,)


def test_combine_keeps_confirmed_cues_and_adds_the_network_s_own_elsewhere():
    p = np.zeros(1000)
    p[200] = 0.8  # confirms the cue at 2.0 s
    times = np.array([2.0, 5.0])  # 5.0 s: no effect heard there
    net = np.array([2.5, 7.0])  # 2.5 s: the same effect as the kept cue; 7.0 s: a new one
    keep, add = cuenet.combine(times, net, p, gate=0.3, gap_s=1.0)
    assert keep.tolist() == [True, False]
    assert add.tolist() == [False, True]
    keep, add = cuenet.combine(times, net, p, gate=0.9)  # nothing confirmed: every network start
    assert keep.tolist() == [False, False] and add.tolist() == [True, True]


def test_a_strong_detector_cue_stands_without_the_network_s_confirmation():
    p = np.zeros(1000)  # the network hears nothing anywhere
    times = np.array([2.0, 5.0])
    keep, _ = cuenet.combine(times, np.zeros(0), p, gate=0.3, scores=np.array([40.0, 10.0]), strong=30.0)
    assert keep.tolist() == [True, False]
    keep, _ = cuenet.combine(times, np.zeros(0), p, gate=0.3, scores=np.array([40.0, 10.0]), strong=50.0)
    assert keep.tolist() == [False, False]


def test_the_shipped_network_is_small_and_runs_on_features():
    from importlib import resources

    with resources.as_file(resources.files("syncsheet.data") / "cuenet.npz") as path:
        assert path.stat().st_size < 1_000_000
    net = cuenet.load()
    n, nf, nl = 700, 71, 23
    c_in = nf // cuenet.POOL * 2 + nl * 2 + 3
    assert all(member.w_in.shape[1] == c_in for member in net.nets)
    rng = np.random.default_rng(3)
    fine = rng.integers(0, 120, (n, nf), dtype=np.uint8)
    floor = rng.integers(0, 60, (n, nl), dtype=np.uint8)
    ev = cuenet.evidence_columns(rng.exponential(1, n), rng.exponential(1, n), np.ones(n))
    p = cuenet.activation(fine, floor, ev)
    assert p.shape == (n, 2) and np.isfinite(p).all()


@pytest.mark.parametrize("rate", [8000, 22050, 48000, 192000])
def test_floor_bands_name_every_floor_column_at_each_rate(rate):
    from syncsheet.analysis.features import extract

    y = np.random.default_rng(0).normal(size=rate // 2).astype(np.float32) * 0.1
    f = extract(iter([y]), rate, len(y))
    bands = cuenet.floor_bands(rate)
    assert len(bands) == f.floor.shape[1]
    assert (np.diff(bands) > 0).all()


def test_another_rate_s_bands_are_matched_to_the_trained_layout():
    w = _tiny(2)  # three fine bands pool into one: its level and its rise
    w["fine_hz"] = np.array([100.0, 200.0, 400.0])
    net = cuenet.Net(w)
    n = 50
    fine = np.tile(np.array([[10, 20, 30, 40]], np.uint8), (n, 1))
    # this rate's bands: 98 Hz, 150 Hz, 202 Hz, 300 Hz; the trained 400 Hz band is missing
    got = cuenet.activation(fine, np.zeros((n, 0), np.uint8), np.zeros((n, 0)), net=net,
                            fine_hz=np.array([98.0, 150.0, 202.0, 300.0]))
    want = cuenet.activation(np.tile(np.array([[10, 30, 0]], np.uint8), (n, 1)), np.zeros((n, 0), np.uint8),
                             np.zeros((n, 0)), net=net)
    np.testing.assert_allclose(got, want)


def test_an_ensemble_averages_its_members_probabilities():
    a, b = _random_net(5, 1), _random_net(5, 2)
    weights = {}
    for i, net in enumerate((a, b)):
        for key in ("mean", "std", "w_in", "b_in", "w_out", "b_out"):
            weights[f"m{i}_{key}"] = getattr(net, key)
        weights[f"m{i}_dil"] = np.asarray(net.dil)
        for k, (w, bias) in enumerate(net.layers):
            weights[f"m{i}_w{k}"], weights[f"m{i}_b{k}"] = w, bias
    weights["latency"] = np.float32(0.01)
    both = cuenet.Ensemble(weights)
    x = np.random.default_rng(4).normal(size=(40, 5)).astype(np.float32)
    np.testing.assert_allclose(both.probability(x), (a.probability(x) + b.probability(x)) / 2, rtol=1e-5)
    assert len(both.nets) == 2 and both.latency == pytest.approx(0.01) and both.reach == a.reach
    one = cuenet.Ensemble({key[3:]: v for key, v in weights.items() if key.startswith("m0_")})
    np.testing.assert_allclose(one.probability(x), a.probability(x))  # unprefixed: a single network
