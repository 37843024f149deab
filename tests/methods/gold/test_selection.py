"""GOLD's feedback function: energies against hand-computed logits, the band selection exactly."""

from __future__ import annotations

import math

import pytest

from synthlib.loop import Evaluation
from synthlib.methods.gold.selection import EnergyBandSelector, band_select, classifier_energies, percentiles


def test_classifier_energy_is_minus_logsumexp_of_the_logits():
    logits = [[1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [-50.0, 10.0, -50.0]]
    expected = [-math.log(math.e + math.e ** 2 + math.e ** 3), -math.log(3.0), -(10.0 + math.log1p(2 * math.exp(-60)))]
    assert classifier_energies(logits) == pytest.approx(expected, abs=1e-5)


def test_sequence_energy_is_the_mean_over_generated_tokens_of_minus_logsumexp():
    from synthlib.metrics.energy import sequence_energy

    ln3 = math.log(3.0)
    steps = [[[0.0, 0.0], [ln3, 0.0], [9.0, 9.0]],  # third step is padding for this row
             [[ln3, ln3], [0.0, 0.0], [0.0, ln3]]]
    mask = [[1, 1, 0], [1, 1, 1]]
    first = (-math.log(2.0) - math.log(4.0)) / 2
    second = (-math.log(6.0) - math.log(2.0) - math.log(4.0)) / 3
    assert sequence_energy(steps, mask).tolist() == pytest.approx([first, second], abs=1e-6)


def test_band_selects_exactly_the_samples_between_the_percentiles():
    energies = [-float(i) for i in range(8)]  # negative energies 0..7, percentiles 0, 1/8, ..., 7/8
    assert percentiles(energies) == [i / 8 for i in range(8)]
    assert band_select(energies, 0.5, 0.8) == [4, 5, 6]  # the paper's band: 3 feedback examples of 8


def test_band_includes_its_lower_boundary_and_excludes_its_upper_one():
    energies = [-float(i) for i in range(10)]
    assert band_select(energies, 0.5, 0.8) == [5, 6, 7]  # 0.5 in, 0.8 out
    assert band_select(energies, 0.0, 0.1) == [0]
    assert band_select(energies, 0.9, 1.0) == [9]


def test_tied_energies_are_selected_or_left_out_together():
    negative = [1, 1, 2, 2, 3, 3, 4, 4]  # percentiles 0, 0, .25, .25, .5, .5, .75, .75
    energies = [-float(v) for v in negative]
    assert band_select(energies, 0.5, 0.8) == [4, 5, 6, 7]
    assert band_select(energies, 0.3, 0.6) == [4, 5]
    assert band_select(energies, 0.1, 0.25) == []
    assert band_select([-1.0] * 5, 0.5, 0.8) == []  # all tied: every percentile is 0


def test_band_orders_by_negative_energy_and_applies_the_limit():
    energies = [-5.0, -1.0, -7.0, -3.0, -6.0, -2.0, -4.0, -0.0]  # shuffled negative energies 0..7
    picked = band_select(energies, 0.5, 0.8)
    assert sorted(-energies[i] for i in picked) == [4.0, 5.0, 6.0]
    assert [-energies[i] for i in picked] == [4.0, 5.0, 6.0]  # ascending: most unfamiliar first
    assert [-energies[i] for i in band_select(energies, 0.5, 0.8, limit=2)] == [4.0, 5.0]


@pytest.mark.parametrize("band", [(0.8, 0.5), (-0.1, 0.5), (0.5, 1.1), (0.5, 0.5)])
def test_a_bad_band_is_an_error(band):
    with pytest.raises(ValueError, match="band"):
        band_select([0.0, 1.0], *band)


def test_selector_reads_energies_from_the_evaluation():
    probe = [{"id": f"p{i}"} for i in range(8)]
    evaluation = Evaluation(1, probe, [0] * 8, [True] * 8, {}, extra={"energy": [-float(i) for i in range(8)]})
    assert [r["id"] for r in EnergyBandSelector(limit=3).select(evaluation)] == ["p4", "p5", "p6"]
