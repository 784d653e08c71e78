"""Benchmark of ``refunds.zengin.write_transfer_file`` against a naive writer.

For each size in ``BENCH_PAYMENTS_SIZES`` (transfers, default ``10000,100000,200000``) a list of
transfers is generated, untimed and seeded (``BENCH_SEED``): banks and branches drawn from the
``zengin_code`` data (their full-width kana, as the payee records hold them), random canonical
full-width holder names, amounts and customer codes. Then, best of ``BENCH_PAYMENTS_REPEAT``
(default 3), in this process (no database):

1. ``write_transfer_file`` (CRLF); it converts each bank and branch name once per file, and
   the module's ``kana_field`` cache is cleared before each run, so that every run starts cold
   as a real export does;
2. ``naive_write`` below: each record built by concatenation, every field converted with
   ``zengin_kana`` and encoded on its own; its output is checked to be byte for byte the same.

The rate (transfers per second) and the time per 1,000 transfers are printed for both; growth
from the smallest to the largest size is linear when the time per 1,000 transfers grows at most
1.25 times. The load average is recorded with each size: the figures compare only on an
otherwise idle machine. The results are printed as tables and written to
``benchmarks/results.json`` under the key ``payments``; with ``BENCH_STRICT=1`` a missed goal
makes the exit status 1.
"""

import datetime
import gc
import os
import random
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict
from typing import Any

from common import ROOT, Row, merge_results, print_aligned, rounded, step

sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django

django.setup()

from refunds import zengin  # noqa: E402
from refunds.payee import zengin_kana  # noqa: E402
from refunds.zengin import Consignor, Transfer, write_transfer_file  # noqa: E402

SIZES = [int(s) for s in os.environ.get("BENCH_PAYMENTS_SIZES", "10000,100000,200000").split(",")]
REPEAT = int(os.environ.get("BENCH_PAYMENTS_REPEAT", "3"))
SEED = int(os.environ.get("BENCH_SEED", "2010"))
BRANCHES = 3000  # distinct (bank, branch) pairs drawn from the zengin_code data

GOAL_SECONDS_100K = 2.0
GOAL_GROWTH_SLACK = 1.25
GOAL_SPEEDUP = 1.0

TRANSFER_DATE = datetime.date(2026, 4, 15)
CONSIGNOR = Consignor(
    code="0123456789",
    name_kana="カ）リフアンドデスク",
    bank_code="0005",
    bank_kana="ミツビシユ－エフジエイ",
    branch_code="001",
    branch_kana="ホンテン",
    account_type="1",
    account_number="1234567",
)
_SYLLABLES = (
    "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン"
    "ガギグゲゴザジズゼゾダデドバビブベボパピプペポ"
)


# -- data -----------------------------------------------------------------------------------
def _branches(rng: random.Random) -> list[tuple[str, str, str, str]]:
    from zengin_code import Bank

    pairs = [
        (str(bank.code), str(bank.kana), str(branch.code), str(branch.kana))
        for bank in Bank.banks.values()
        for branch in bank.branches.values()
    ]
    return rng.sample(pairs, min(BRANCHES, len(pairs)))


def _name(rng: random.Random) -> str:
    family = "".join(rng.choices(_SYLLABLES, k=rng.randint(2, 5)))
    given = "".join(rng.choices(_SYLLABLES, k=rng.randint(2, 4)))
    if rng.random() < 0.1:
        given += "ー"
    return f"{family}\u3000{given}"


def make_transfers(count: int) -> list[Transfer]:
    rng = random.Random(SEED)
    branches = _branches(rng)
    transfers = []
    for i in range(count):
        bank_code, bank_kana, branch_code, branch_kana = rng.choice(branches)
        transfers.append(
            Transfer(
                bank_code=bank_code,
                bank_kana=bank_kana,
                branch_code=branch_code,
                branch_kana=branch_kana,
                account_type=rng.choice("1112"),
                account_number=f"{rng.randrange(10_000_000):07d}",
                holder_kana=_name(rng),
                amount_yen=rng.randint(100, 500_000),
                customer_code1=f"C{i:09d}",
            )
        )
    return transfers


# -- the naive writer ------------------------------------------------------------------------
def naive_write(
    *,
    consignor: Consignor,
    transfer_date: datetime.date,
    transfers: Iterable[Transfer],
    line_ending: str = "crlf",
) -> bytes:
    """What a first version looks like: concatenation, one conversion and encode per field.

    Written for this benchmark's data only (canonical names, ``zengin_code`` kana, ASCII
    codes): no small-kana folding, no checks.
    """
    eol = b"\r\n" if line_ending == "crlf" else b""

    def text(value: str, width: int) -> bytes:
        return zengin_kana(value).encode("cp932")[:width].ljust(width, b" ")

    def number(value: int | str, width: int) -> bytes:
        return str(value).zfill(width).encode("cp932")

    header = b""
    header += "1".encode("cp932")
    header += "21".encode("cp932")
    header += "0".encode("cp932")
    header += number(consignor.code, 10)
    header += text(consignor.name_kana, 40)
    header += transfer_date.strftime("%m%d").encode("cp932")
    header += number(consignor.bank_code, 4)
    header += text(consignor.bank_kana, 15)
    header += number(consignor.branch_code, 3)
    header += text(consignor.branch_kana, 15)
    header += number(consignor.account_type, 1)
    header += number(consignor.account_number, 7)
    header += (" " * 17).encode("cp932")
    out = [header + eol]
    count = total = 0
    for t in transfers:
        record = b""
        record += "2".encode("cp932")
        record += number(t.bank_code, 4)
        record += text(t.bank_kana, 15)
        record += number(t.branch_code, 3)
        record += text(t.branch_kana, 15)
        record += (" " * 4).encode("cp932")
        record += number(t.account_type, 1)
        record += number(t.account_number, 7)
        record += text(t.holder_kana, 30)
        record += number(t.amount_yen, 10)
        record += "0".encode("cp932")
        record += text(t.customer_code1, 10)
        record += text(t.customer_code2, 10)
        record += "7".encode("cp932")
        record += " ".encode("cp932")
        record += (" " * 7).encode("cp932")
        out.append(record + eol)
        count += 1
        total += t.amount_yen
    trailer = b""
    trailer += "8".encode("cp932")
    trailer += number(count, 6)
    trailer += number(total, 12)
    trailer += (" " * 101).encode("cp932")
    out.append(trailer + eol)
    out.append("9".encode("cp932") + (" " * 119).encode("cp932") + eol)
    return b"".join(out)


# -- timing ---------------------------------------------------------------------------------
def _fast(transfers: list[Transfer]) -> bytes:
    zengin._cached_single_byte.cache_clear()
    return write_transfer_file(
        consignor=CONSIGNOR, transfer_date=TRANSFER_DATE, transfers=transfers
    )


def _naive(transfers: list[Transfer]) -> bytes:
    return naive_write(consignor=CONSIGNOR, transfer_date=TRANSFER_DATE, transfers=transfers)


def best_of(write: Callable[[list[Transfer]], bytes], transfers: list[Transfer]) -> list[float]:
    times = []
    for _ in range(REPEAT):
        gc.collect()
        started = time.perf_counter()
        write(transfers)
        times.append(time.perf_counter() - started)
    return times


def bench_size(count: int) -> dict[str, Any]:
    step(f"{count:,} transfers: generating")
    transfers = make_transfers(count)
    data = _fast(transfers)
    if _naive(transfers) != data:
        raise SystemExit(f"{count:,} transfers: naive_write and write_transfer_file differ")
    if len(data) != (count + 3) * 122:
        raise SystemExit(
            f"{count:,} transfers: {len(data):,} bytes, expected {(count + 3) * 122:,}"
        )
    fast_times = best_of(_fast, transfers)
    naive_times = best_of(_naive, transfers)
    fast, naive = min(fast_times), min(naive_times)
    load = os.getloadavg()[0]
    step(
        f"  write_transfer_file {fast:.3f}s ({count / fast:,.0f}/s), "
        f"naive_write {naive:.3f}s ({count / naive:,.0f}/s), speed-up {naive / fast:.2f}, "
        f"load average {load:.2f} on {os.cpu_count()} CPUs"
    )
    return {
        "transfers": count,
        "bytes": len(data),
        "seconds": fast,
        "all_seconds": fast_times,
        "per_second": count / fast,
        "ms_per_1k": fast / count * 1_000_000,
        "naive_seconds": naive,
        "naive_all_seconds": naive_times,
        "naive_per_second": count / naive,
        "naive_ms_per_1k": naive / count * 1_000_000,
        "speedup": naive / fast,
        "load_average": load,
    }


# -- report ---------------------------------------------------------------------------------
def growth(runs: list[dict[str, Any]], key: str) -> float | None:
    if len(runs) < 2:
        return None
    return float(runs[-1][key] / runs[0][key])


def build_rows(runs: list[dict[str, Any]]) -> list[Row]:
    rows = []
    for run in runs:
        n = run["transfers"]
        goal, passed = "info", None
        if n == 100_000:
            goal, passed = f"< {GOAL_SECONDS_100K:g} s", run["seconds"] < GOAL_SECONDS_100K
        rows.append(
            Row(
                f"write {n:,} seconds",
                run["seconds"],
                "s",
                run["naive_seconds"],
                "naive_write",
                run["seconds"] / run["naive_seconds"],
                goal,
                passed,
            )
        )
        rows.append(
            Row(
                f"write {n:,} transfers/s",
                run["per_second"],
                "/s",
                run["naive_per_second"],
                "naive_write",
                run["speedup"],
                f"> {GOAL_SPEEDUP:g}",
                run["speedup"] > GOAL_SPEEDUP,
            )
        )
    for key, name in (("ms_per_1k", "write"), ("naive_ms_per_1k", "naive_write")):
        value = growth(runs, key)
        if value is not None:
            rows.append(
                Row(
                    f"{name} ms/1k growth {runs[0]['transfers']:,}->{runs[-1]['transfers']:,}",
                    value,
                    "x",
                    None,
                    "",
                    None,
                    f"<= {GOAL_GROWTH_SLACK}",
                    value <= GOAL_GROWTH_SLACK if name == "write" else None,
                )
            )
    return rows  # fmt: skip


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    if unit == "/s":
        return f"{value:,.0f}"
    return f"{value:,.3f}"


def print_runs(runs: list[dict[str, Any]]) -> None:
    header = ("transfers", "seconds", "per second", "ms / 1k", "naive s", "naive /s", "speed-up")
    cells = [header]
    for r in runs:
        cells.append(
            (f"{r['transfers']:,}", f"{r['seconds']:.3f}", f"{r['per_second']:,.0f}",
             f"{r['ms_per_1k']:.2f}", f"{r['naive_seconds']:.3f}",
             f"{r['naive_per_second']:,.0f}", f"{r['speedup']:.2f}x")
        )  # fmt: skip
    print_aligned(f"payments benchmark: write_transfer_file, best of {REPEAT}", cells, right=True)
    for key, name in (("ms_per_1k", "write_transfer_file"), ("naive_ms_per_1k", "naive_write")):
        value = growth(runs, key)
        if value is not None:
            verdict = "linear" if value <= GOAL_GROWTH_SLACK else "NOT linear"
            print(
                f"{name}: time per 1k transfers {runs[0][key]:.2f} ms -> {runs[-1][key]:.2f} ms "
                f"({value:.2f}x from {runs[0]['transfers']:,} to {runs[-1]['transfers']:,}): "
                f"{verdict}"
            )


def print_table(rows: list[Row]) -> None:
    header = ("metric", "value", "baseline", "ratio", "goal", "result")
    cells = [header]
    for row in rows:
        result = "info" if row.passed is None else ("PASS" if row.passed else "FAIL")
        baseline = f"{_fmt(row.baseline, row.unit)} ({row.baseline_name})" if row.baseline else "-"
        cells.append(
            (row.metric, f"{_fmt(row.value, row.unit)} {row.unit}", baseline,
             _fmt(row.ratio), row.goal, result)
        )  # fmt: skip
    print_aligned("", cells)


def write_results(runs: list[dict[str, Any]], rows: list[Row]) -> None:
    write_growth = growth(runs, "ms_per_1k")
    merge_results(
        "payments",
        lambda _previous: rounded(
            {
                "sizes": [run["transfers"] for run in runs],
                "repeat": REPEAT,
                "seed": SEED,
                "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "python": sys.version.split()[0],
                "cpus": os.cpu_count(),
                "runs": runs,
                "growth_ms_per_1k": write_growth,
                "naive_growth_ms_per_1k": growth(runs, "naive_ms_per_1k"),
                "linear": None if write_growth is None else write_growth <= GOAL_GROWTH_SLACK,
                "metrics": [asdict(row) for row in rows],
            }
        ),
    )


def main() -> int:
    runs = [bench_size(count) for count in sorted(SIZES)]
    rows = build_rows(runs)
    print_runs(runs)
    print_table(rows)
    write_results(runs, rows)
    missed = [row.metric for row in rows if row.passed is False]
    if missed:
        print(f"goals missed: {', '.join(missed)}")
    return 1 if missed and os.environ.get("BENCH_STRICT") == "1" else 0


if __name__ == "__main__":
    sys.exit(main())
