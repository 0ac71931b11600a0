"""The extractor's cost is linear in its input, on the degenerate texts generation loops produce.

Each family is timed at two sizes in one run (best of three); ten times the input may cost at
most ``MAX_RATIO`` times the time. A quadratic scan shows as a ratio near 100, a catastrophic
regex as far more. Ratios, not absolute times: the machine's speed does not matter."""

from __future__ import annotations

import time

import pytest

SMALL = 3_000  # characters
MAX_RATIO = 20.0  # linear is ~10; margin for timer noise on a loaded 2-core machine


def _repeat(unit: str, size: int) -> str:
    return unit * max(1, size // len(unit))


FAMILIES = {
    # digit runs and blank runs after an SUV word (the catastrophic-backtracking case)
    "suv_digits": lambda n: "SUVmax " + "7" * n,
    "suv_newlines": lambda n: "SUVmax" + "\n" * n + "x",
    "suv_crlf": lambda n: "SUVmax" + "\r\n" * (n // 2) + "x",
    "suv_unicode_breaks": lambda n: "SUVmax" + "\u2028\u0085\x1c" * (n // 3) + "x",
    "suv_repeated": lambda n: _repeat("SUVmax 5.2 ", n),
    # organ lists joined by 、 and commas
    "zh_organ_list": lambda n: _repeat("肝、脾、", n),
    "zh_organ_commas": lambda n: _repeat("肝，脾，", n),
    "en_organ_list": lambda n: _repeat("liver, spleen, nodes, ", n),
    # repeated cue words and negations
    "zh_cues": lambda n: _repeat("摄取增高", n),
    "en_cues": lambda n: _repeat("increased uptake ", n),
    "zh_negations": lambda n: _repeat("未见", n),
    "en_negations": lambda n: _repeat("no uptake in the liver and ", n),
    # no punctuation at all
    "zh_run_on": lambda n: _repeat("肝脏摄取增高脾脏未见异常", n),
    "en_run_on": lambda n: _repeat("liver increased uptake spleen normal ", n),
    # the rules added for unseen reports: back-references, weak levels, stations before 见
    "zh_back_reference": lambda n: _repeat("肝内结节，", n) + "上述病灶代谢增高",
    "en_weak_levels": lambda n: _repeat("mild uptake in the liver, below blood pool, ", n),
    "zh_station_list": lambda n: _repeat("胰头、肝门、", n) + "见肿大淋巴结，代谢增高",
    "blanks": lambda n: _repeat(" \n\t", n),
}


def _best_time(extractor, text: str) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        extractor(text).findings  # noqa: B018  (findings are built lazily: time them too)
        best = min(best, time.perf_counter() - start)
    return best


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_cost_is_linear(extractor, family):
    make = FAMILIES[family]
    extractor(make(100))  # build the pipeline of this language outside the timing
    small = _best_time(extractor, make(SMALL))
    large = _best_time(extractor, make(SMALL * 10))
    # below a millisecond the ratio measures the timer, not the extractor
    ratio = large / max(small, 1e-3)
    assert ratio <= MAX_RATIO, f"{family}: 10x input took {ratio:.1f}x the time"
