"""Generate a So-net-like scenario (members, contracts, billing, tariffs) as import CSV files.

Rows are written as they are generated, member by member, so memory stays flat whatever the
size; the same seed always gives the same bytes. Besides the four import files, the expected
outcome of the remediation rules is written as ``expected_cases.csv`` and
``expected_summary.json`` (the same shape as the sample's).
"""

import datetime as dt
import itertools
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import jaconv

COURSE = "HIKARI_FLETS"
OTHER_COURSE = "ADSL_12M"
APPLIED_FROM = dt.date(2005, 4, 1)
CANCEL_UNTIL = dt.date(2009, 9, 16)
RECENT_FROM = dt.date(2009, 6, 1)
SCORED_ITEMS = ("base_fee", "refund")

TARIFF_HEADER = "course,plan,area,valid_from,valid_to,monthly_fee_yen"
TARIFFS: tuple[tuple[str, str, str, str, str, int], ...] = (
    (COURSE, "family", "east", "2005-04-01", "", 6720),
    (COURSE, "mansion", "east", "2005-04-01", "2007-05-31", 3990),
    (COURSE, "mansion", "east", "2007-06-01", "", 3570),
    (COURSE, "family", "west", "2005-04-01", "", 6479),
    (COURSE, "mansion", "west", "2005-04-01", "2007-05-31", 3780),
    (COURSE, "mansion", "west", "2007-06-01", "", 3402),
    (OTHER_COURSE, "family", "east", "2004-01-01", "", 3129),
    (OTHER_COURSE, "family", "west", "2004-01-01", "", 3129),
)
MEMBER_HEADER = (
    "member_no,name,name_kana,birth_date,phone,email,postal_code,address,status,"
    "joined_on,withdrawn_on"
)
CONTRACT_HEADER = (
    "contract_no,member_no,course,plan,area,applied_on,started_on,cancel_requested_on,ended_on"
)
BILLING_HEADER = "contract_no,period,item,amount_yen"
CASES_HEADER = "contract_no,member_no,category,amount_yen"

SURNAMES: tuple[tuple[str, str], ...] = (
    ("佐藤", "サトウ"),
    ("鈴木", "スズキ"),
    ("高橋", "タカハシ"),
    ("田中", "タナカ"),
    ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"),
    ("山本", "ヤマモト"),
    ("中村", "ナカムラ"),
    ("小林", "コバヤシ"),
    ("加藤", "カトウ"),
    ("吉田", "ヨシダ"),
    ("山田", "ヤマダ"),
    ("佐々木", "ササキ"),
    ("山口", "ヤマグチ"),
    ("松本", "マツモト"),
    ("井上", "イノウエ"),
    ("木村", "キムラ"),
    ("林", "ハヤシ"),
    ("斎藤", "サイトウ"),
    ("清水", "シミズ"),
    ("山崎", "ヤマザキ"),
    ("森", "モリ"),
    ("池田", "イケダ"),
    ("橋本", "ハシモト"),
    ("阿部", "アベ"),
    ("石川", "イシカワ"),
    ("山下", "ヤマシタ"),
    ("中島", "ナカジマ"),
    ("石井", "イシイ"),
    ("小川", "オガワ"),
    ("前田", "マエダ"),
    ("岡田", "オカダ"),
    ("長谷川", "ハセガワ"),
    ("藤田", "フジタ"),
    ("後藤", "ゴトウ"),
    ("近藤", "コンドウ"),
    ("村上", "ムラカミ"),
    ("遠藤", "エンドウ"),
    ("青木", "アオキ"),
    ("坂本", "サカモト"),
    ("斉藤", "サイトウ"),
    ("福田", "フクダ"),
    ("太田", "オオタ"),
    ("西村", "ニシムラ"),
    ("藤井", "フジイ"),
    ("金子", "カネコ"),
    ("岡本", "オカモト"),
    ("藤原", "フジワラ"),
    ("中野", "ナカノ"),
    ("三浦", "ミウラ"),
    ("原田", "ハラダ"),
    ("松田", "マツダ"),
    ("竹内", "タケウチ"),
    ("小野", "オノ"),
    ("田村", "タムラ"),
    ("中山", "ナカヤマ"),
    ("和田", "ワダ"),
    ("石田", "イシダ"),
    ("森田", "モリタ"),
    ("上田", "ウエダ"),
    ("原", "ハラ"),
    ("柴田", "シバタ"),
    ("酒井", "サカイ"),
    ("工藤", "クドウ"),
    ("横山", "ヨコヤマ"),
    ("宮崎", "ミヤザキ"),
    ("宮本", "ミヤモト"),
    ("内田", "ウチダ"),
    ("高木", "タカギ"),
    ("安藤", "アンドウ"),
    ("大野", "オオノ"),
    ("丸山", "マルヤマ"),
)
GIVEN_NAMES: tuple[tuple[str, str], ...] = (
    ("太郎", "タロウ"),
    ("一郎", "イチロウ"),
    ("健一", "ケンイチ"),
    ("浩", "ヒロシ"),
    ("隆", "タカシ"),
    ("誠", "マコト"),
    ("大輔", "ダイスケ"),
    ("直樹", "ナオキ"),
    ("翔太", "ショウタ"),
    ("健太", "ケンタ"),
    ("拓也", "タクヤ"),
    ("和也", "カズヤ"),
    ("達也", "タツヤ"),
    ("学", "マナブ"),
    ("修", "オサム"),
    ("茂", "シゲル"),
    ("勇", "イサム"),
    ("博之", "ヒロユキ"),
    ("秀樹", "ヒデキ"),
    ("剛", "ツヨシ"),
    ("亮", "リョウ"),
    ("大樹", "ダイキ"),
    ("雄一", "ユウイチ"),
    ("正人", "マサト"),
    ("聡", "サトシ"),
    ("健二", "ケンジ"),
    ("俊介", "シュンスケ"),
    ("陽介", "ヨウスケ"),
    ("花子", "ハナコ"),
    ("恵", "メグミ"),
    ("裕子", "ユウコ"),
    ("優子", "ユウコ"),
    ("由美", "ユミ"),
    ("久美子", "クミコ"),
    ("直美", "ナオミ"),
    ("陽子", "ヨウコ"),
    ("洋子", "ヨウコ"),
    ("智子", "トモコ"),
    ("幸子", "サチコ"),
    ("明美", "アケミ"),
    ("真由美", "マユミ"),
    ("美香", "ミカ"),
    ("愛", "アイ"),
    ("彩", "アヤ"),
    ("舞", "マイ"),
    ("麻衣", "マイ"),
    ("美穂", "ミホ"),
    ("千尋", "チヒロ"),
    ("さくら", "サクラ"),
    ("由紀", "ユキ"),
    ("和子", "カズコ"),
    ("京子", "キョウコ"),
    ("節子", "セツコ"),
    ("典子", "ノリコ"),
    ("香織", "カオリ"),
    ("亜希子", "アキコ"),
    ("美咲", "ミサキ"),
    ("奈々", "ナナ"),
    ("悠", "ユウ"),
    ("涼子", "リョウコ"),
)
# (prefecture and city, NTT area, postal prefix, phone area code)
CITIES: tuple[tuple[str, str, str, str], ...] = (
    ("北海道札幌市中央区", "east", "060", "011"),
    ("宮城県仙台市青葉区", "east", "980", "022"),
    ("東京都新宿区", "east", "160", "03"),
    ("東京都世田谷区", "east", "154", "03"),
    ("東京都練馬区", "east", "176", "03"),
    ("東京都江東区", "east", "135", "03"),
    ("東京都八王子市", "east", "192", "042"),
    ("神奈川県横浜市港北区", "east", "222", "045"),
    ("神奈川県川崎市中原区", "east", "211", "044"),
    ("埼玉県さいたま市浦和区", "east", "330", "048"),
    ("千葉県千葉市美浜区", "east", "261", "043"),
    ("茨城県つくば市", "east", "305", "029"),
    ("新潟県新潟市中央区", "east", "951", "025"),
    ("長野県長野市", "east", "380", "026"),
    ("大阪府大阪市北区", "west", "530", "06"),
    ("大阪府堺市堺区", "west", "590", "072"),
    ("京都府京都市左京区", "west", "606", "075"),
    ("兵庫県神戸市中央区", "west", "650", "078"),
    ("愛知県名古屋市中区", "west", "460", "052"),
    ("静岡県浜松市中区", "west", "430", "053"),
    ("広島県広島市中区", "west", "730", "082"),
    ("福岡県福岡市博多区", "west", "812", "092"),
    ("岡山県岡山市北区", "west", "700", "086"),
    ("石川県金沢市", "west", "920", "076"),
    ("熊本県熊本市中央区", "west", "860", "096"),
)
TOWNS = ("本町", "中央", "栄町", "緑町", "旭町", "桜台", "東町", "西町", "南町", "北町", "若葉")
BUILDINGS = ("サンハイツ", "コーポ山田", "ﾒｿﾞﾝ･ﾄﾞ･ｿﾚｲﾕ", "グランドメゾン", "ﾊｲﾂ若葉", "パークコート")
EMAIL_DOMAINS = ("example.jp", "example.com", "example.org", "example.ne.jp")
OPTION_FEES = (315, 525, 840)


def _month(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


FIRST_MONTH = _month(dt.date(2003, 1, 1))
LAST_MONTH = _month(dt.date(2009, 12, 1))  # billing runs until the announcement


def _month_end(month: int) -> dt.date:
    year, month0 = divmod(month + 1, 12)
    return dt.date(year, month0 + 1, 1) - dt.timedelta(days=1)


def _period_texts() -> tuple[list[str], list[str], list[str]]:
    dash, compact, slash = [], [], []
    for month in range(FIRST_MONTH, LAST_MONTH + 1):
        year, month0 = divmod(month, 12)
        dash.append(f"{year:04d}-{month0 + 1:02d}")
        compact.append(f"{year:04d}{month0 + 1:02d}")
        slash.append(f"{year:04d}/{month0 + 1:02d}")
    return dash, compact, slash


def _fee_table() -> dict[tuple[str, str, str], list[int]]:
    """Monthly fee by (course, plan, area), indexed by month - FIRST_MONTH (0: not covered)."""
    table: dict[tuple[str, str, str], list[int]] = {}
    for course, plan, area, start, end, fee in TARIFFS:
        months = table.setdefault((course, plan, area), [0] * (LAST_MONTH - FIRST_MONTH + 1))
        first = max(_month(dt.date.fromisoformat(start)), FIRST_MONTH)
        last = _month(dt.date.fromisoformat(end)) if end else LAST_MONTH
        for month in range(first, last + 1):
            months[month - FIRST_MONTH] = fee
    return table


PERIOD_DASH, PERIOD_COMPACT, PERIOD_SLASH = _period_texts()
FEES = _fee_table()


def _kana_variants(kana: str) -> tuple[str, str, str]:
    """Full-width katakana, half-width katakana, hiragana."""
    return kana, jaconv.z2h(kana, kana=True, ascii=False, digit=False), jaconv.kata2hira(kana)


SURNAME_KANA = [_kana_variants(kana) for _name, kana in SURNAMES]
GIVEN_KANA = [_kana_variants(kana) for _name, kana in GIVEN_NAMES]


@dataclass
class _Contract:
    number: str
    course: str
    plan: str
    area: str
    applied: dt.date = dt.date.min
    started: dt.date = dt.date.min
    cancel: dt.date | None = None
    ended: dt.date | None = None
    leaver: bool = False  # the member must have withdrawn
    options_until: int | None = None  # option lines forced up to this month
    lines: list[tuple[int, str, int]] = field(default_factory=list)

    def fee(self, month: int) -> int:
        return FEES[(self.course, self.plan, self.area)][month - FIRST_MONTH]

    def bill(self, first: int, last: int) -> None:
        fees = FEES[(self.course, self.plan, self.area)]
        self.lines += [(m, "base_fee", fees[m - FIRST_MONTH]) for m in range(first, last + 1)]


@dataclass
class DemoStats:
    """Counts of what was written and of what the remediation rules should find."""

    members: int = 0
    contracts: int = 0
    billing_lines: int = 0
    affected_contracts: int = 0
    affected_members: int = 0
    total_amount_yen: int = 0
    data_problems: int = 0
    by_category: dict[str, dict[str, int]] = field(
        default_factory=lambda: {c: {"contracts": 0, "amount_yen": 0} for c in ("1", "2", "3")}
    )

    def as_summary(self) -> dict[str, object]:
        return {
            "members": self.members,
            "contracts": self.contracts,
            "billing_lines": self.billing_lines,
            "affected_contracts": self.affected_contracts,
            "affected_members": self.affected_members,
            "total_amount_yen": self.total_amount_yen,
            "by_category": self.by_category,
            "data_problems": self.data_problems,
        }


# -- dates and timelines ----------------------------------------------------------------------
def _rand_date(rng: random.Random, low: dt.date, high: dt.date) -> dt.date:
    return dt.date.fromordinal(rng.randint(low.toordinal(), high.toordinal()))


def _days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def _timeline(
    rng: random.Random,
    c: _Contract,
    applied: tuple[dt.date, dt.date],
    cancel_until: dt.date | None = None,
) -> None:
    c.applied = _rand_date(rng, *applied)
    c.started = c.applied + _days(rng.randint(3, 40))
    if cancel_until is not None:
        c.cancel = _rand_date(rng, c.started + _days(30), cancel_until)


def _end_after(rng: random.Random, cancel: dt.date, latest: dt.date) -> dt.date:
    """The end of service: end of the request's month, of the next one, or a few days later."""
    draw = rng.random()
    if draw < 0.5:
        ended = _month_end(_month(cancel))
    elif draw < 0.75:
        ended = _month_end(_month(cancel) + 1)
    else:
        ended = cancel + _days(rng.randint(3, 20))
    return min(ended, latest)


def _cancelled(rng: random.Random, c: _Contract, extra: int = 0) -> int:
    """A contract cancelled in the program's window and billed ``extra`` months after its end."""
    _timeline(rng, c, (APPLIED_FROM, dt.date(2009, 6, 30)), CANCEL_UNTIL)
    return _end_and_bill(rng, c, extra)


def _end_and_bill(rng: random.Random, c: _Contract, extra: int) -> int:
    assert c.cancel is not None
    c.ended = _end_after(rng, c.cancel, dt.date(2009, 10, 31))
    end = _month(c.ended)
    c.bill(_month(c.started), end + extra)
    return end


# -- scenarios: one per contract ------------------------------------------------------------
def _active(rng: random.Random, c: _Contract) -> None:
    _timeline(rng, c, (APPLIED_FROM, dt.date(2009, 10, 31)))
    c.bill(_month(c.started), LAST_MONTH)


def _clean_cancel(rng: random.Random, c: _Contract) -> None:
    _timeline(rng, c, (APPLIED_FROM, dt.date(2009, 6, 30)), dt.date(2009, 11, 30))
    assert c.cancel is not None
    c.ended = _end_after(rng, c.cancel, dt.date(2009, 12, 31))
    c.bill(_month(c.started), _month(c.ended))


def _affected(rng: random.Random, c: _Contract) -> None:
    draw = rng.random()
    low = APPLIED_FROM if draw < 0.04 else dt.date(2005, 4, 2)
    high = APPLIED_FROM if draw < 0.04 else dt.date(2009, 6, 30)
    _timeline(rng, c, (low, high), CANCEL_UNTIL)
    if 0.04 <= draw < 0.08:
        c.cancel = CANCEL_UNTIL
    _end_and_bill(rng, c, 1)


def _two_months(rng: random.Random, c: _Contract) -> None:
    _cancelled(rng, c, 2)


def _partial_refund(rng: random.Random, c: _Contract) -> None:
    end = _cancelled(rng, c, 1)
    amount = c.fee(end + 1) // 2 if rng.random() < 0.5 else 1000
    c.lines.append((end + rng.randint(1, 2), "refund", -amount))


def _full_refund(rng: random.Random, c: _Contract) -> None:
    end = _cancelled(rng, c, 1)
    c.lines.append((end + rng.randint(1, 2), "refund", -c.fee(end + 1)))


def _refund_before_end(rng: random.Random, c: _Contract) -> None:
    end = _cancelled(rng, c, 1)
    c.lines.append((end, "refund", -c.fee(end)))


def _off_tariff(rng: random.Random, c: _Contract) -> None:
    end = _cancelled(rng, c)
    fee = c.fee(end + 1)
    if c.plan == "mansion" and end + 1 >= _month(dt.date(2007, 6, 1)):
        amount = 3990 if c.area == "east" else 3780  # the fee before the 2007 cut
    else:
        amount = fee * 2 if rng.random() < 0.5 else fee + 315
    c.lines.append((end + 1, "base_fee", amount))


def _late_cancel(rng: random.Random, c: _Contract) -> None:
    _timeline(rng, c, (APPLIED_FROM, dt.date(2009, 6, 30)))
    c.cancel = CANCEL_UNTIL + _days(1 if rng.random() < 0.7 else rng.randint(1, 30))
    _end_and_bill(rng, c, 1)


def _early_applied(rng: random.Random, c: _Contract) -> None:
    day_before = APPLIED_FROM - _days(1)
    _timeline(rng, c, (day_before, day_before), CANCEL_UNTIL)
    _end_and_bill(rng, c, 1)


def _other_course(rng: random.Random, c: _Contract) -> None:
    c.course, c.plan = OTHER_COURSE, "family"
    if rng.random() < 0.5:
        _timeline(rng, c, (dt.date(2004, 1, 1), dt.date(2009, 10, 31)))
        c.bill(_month(c.started), LAST_MONTH)
        return
    _timeline(rng, c, (dt.date(2004, 1, 1), dt.date(2009, 6, 30)), CANCEL_UNTIL)
    _end_and_bill(rng, c, 1)


def _option_after_end(rng: random.Random, c: _Contract) -> None:
    end = _cancelled(rng, c)
    c.options_until = end + 1


def _zero_after_end(rng: random.Random, c: _Contract) -> None:
    end = _cancelled(rng, c)
    c.lines.append((end + 1, "base_fee", 0))


def _no_end_date(rng: random.Random, c: _Contract) -> None:
    _timeline(rng, c, (APPLIED_FROM, dt.date(2009, 6, 30)), CANCEL_UNTIL)
    assert c.cancel is not None
    c.bill(_month(c.started), min(_month(c.cancel) + 1, LAST_MONTH))


def _boundary_end(rng: random.Random, c: _Contract) -> None:
    _timeline(rng, c, (APPLIED_FROM, dt.date(2009, 1, 31)))
    c.ended = dt.date(2009, 5, 31) if rng.random() < 0.5 else dt.date(2009, 6, 1)
    c.cancel = c.ended - _days(rng.randint(0, 30))
    c.leaver = True
    c.bill(_month(c.started), _month(c.ended) + 1)


Scenario = Callable[[random.Random, _Contract], None]
SCENARIOS: tuple[tuple[Scenario, float], ...] = (
    (_active, 30),
    (_clean_cancel, 25),
    (_affected, 20),
    (_two_months, 1.5),
    (_partial_refund, 1.5),
    (_full_refund, 1.5),
    (_refund_before_end, 1),
    (_off_tariff, 1.5),
    (_late_cancel, 1.5),
    (_early_applied, 1.5),
    (_other_course, 5),
    (_option_after_end, 1.5),
    (_zero_after_end, 1.5),
    (_no_end_date, 1),
    (_boundary_end, 1.5),
)
_SCENARIO_FUNCS = [scenario for scenario, _weight in SCENARIOS]
_SCENARIO_WEIGHTS = list(itertools.accumulate(weight for _scenario, weight in SCENARIOS))


def _add_options(rng: random.Random, c: _Contract) -> None:
    """Some contracts carry a monthly option for a while; some keep it after the end."""
    last = c.options_until
    if last is None:
        if rng.random() >= 0.3:
            return
        last = LAST_MONTH if c.ended is None else _month(c.ended)
        if c.cancel is not None and c.ended is None:
            last = min(_month(c.cancel) + 1, LAST_MONTH)
    first = rng.randint(_month(c.started), last)
    if c.options_until is None and rng.random() < 0.4:
        last = rng.randint(first, last)
    fee = rng.choice(OPTION_FEES)
    c.lines += [(m, "option", fee) for m in range(first, last + 1)]


# -- expected outcome ----------------------------------------------------------------------
def _overcharge(c: _Contract) -> int:
    """The net overcharge per the rules; 0 when the contract is not affected."""
    if c.course != COURSE or c.applied < APPLIED_FROM or c.ended is None:
        return 0
    if c.cancel is None or c.cancel > CANCEL_UNTIL:
        return 0
    end = _month(c.ended)
    net = sum(a for m, item, a in c.lines if m > end and item in SCORED_ITEMS)
    return max(net, 0)


def _is_data_problem(c: _Contract) -> bool:
    return (
        c.course == COURSE
        and c.applied >= APPLIED_FROM
        and c.cancel is not None
        and c.cancel <= CANCEL_UNTIL
        and c.ended is None
    )


# -- text ------------------------------------------------------------------------------------
def _slash(day: dt.date | None) -> str:
    return "" if day is None else f"{day.year:04d}/{day.month:02d}/{day.day:02d}"


def _iso(day: dt.date | None) -> str:
    return "" if day is None else day.isoformat()


def _name(rng: random.Random, surname: int, given: int) -> tuple[str, str]:
    kanji = f"{SURNAMES[surname][0]}\u3000{GIVEN_NAMES[given][0]}"
    draw = rng.random()
    if draw < 0.08:
        kanji = kanji.replace("\u3000", " ")
    elif draw < 0.12:
        kanji = kanji.replace("\u3000", "")
    draw = rng.random()
    if draw < 0.62:
        kana = f"{SURNAME_KANA[surname][0]}\u3000{GIVEN_KANA[given][0]}"
    elif draw < 0.82:
        kana = f"{SURNAME_KANA[surname][1]} {GIVEN_KANA[given][1]}"
    elif draw < 0.94:
        kana = f"{SURNAME_KANA[surname][2]}\u3000{GIVEN_KANA[given][2]}"
    else:
        kana = f"{SURNAME_KANA[surname][0]}  {GIVEN_KANA[given][0]}"
    return kanji, kana


def _phone(rng: random.Random, area_code: str) -> str:
    draw = rng.random()
    if draw < 0.08:
        return ""
    if rng.random() < 0.3:
        parts = (
            rng.choice(("090", "080")),
            f"{rng.randint(0, 9999):04d}",
            f"{rng.randint(0, 9999):04d}",
        )
    else:
        local = 8 - len(area_code) + 2
        head = local - 4
        parts = (
            area_code,
            f"{rng.randint(10 ** (head - 1) * 2, 10**head - 1)}",
            f"{rng.randint(0, 9999):04d}",
        )
    if draw < 0.7:
        return "-".join(parts)
    if draw < 0.8:
        return "".join(parts)
    if draw < 0.88:
        return f"{parts[0]}({parts[1]}){parts[2]}"
    if draw < 0.93:
        return " ".join(parts)
    return jaconv.h2z("-".join(parts), ascii=True, digit=True).replace("-", "－")


def _address(rng: random.Random, city: str) -> str:
    block = f"{rng.randint(1, 9)}-{rng.randint(1, 30)}-{rng.randint(1, 20)}"
    if rng.random() < 0.2:
        block = f"{rng.randint(1, 9)}丁目{rng.randint(1, 30)}番{rng.randint(1, 20)}号"
    address = f"{city}{rng.choice(TOWNS)}{block}"
    if rng.random() < 0.35:
        address += f" {rng.choice(BUILDINGS)}{rng.randint(1, 12)}{rng.randint(1, 9):02d}"
    return address


def _postal(rng: random.Random, prefix: str) -> str:
    code = f"{prefix}-{rng.randint(0, 9999):04d}"
    return code.replace("-", "") if rng.random() < 0.05 else code


# -- writing -------------------------------------------------------------------------------
class _Writer:
    """The open output files and the running counts."""

    def __init__(self, output: Path, seed: int) -> None:
        output.mkdir(parents=True, exist_ok=True)
        self.rng = random.Random(seed)
        self.stats = DemoStats()
        self.output = output
        self.members = self._open("members.csv", MEMBER_HEADER, "cp932")
        self.contracts = self._open("contracts.csv", CONTRACT_HEADER)
        self.billing = self._open("billing.csv", BILLING_HEADER)
        self.cases = self._open("expected_cases.csv", CASES_HEADER)
        self.next_contract = 1

    def _open(self, name: str, header: str, encoding: str = "utf-8") -> TextIO:
        fh = (self.output / name).open("w", encoding=encoding, newline="", buffering=1 << 20)
        fh.write(header + "\n")
        return fh

    def close(self) -> None:
        for fh in (self.members, self.contracts, self.billing, self.cases):
            fh.close()
        tariffs = [TARIFF_HEADER] + [",".join(map(str, row)) for row in TARIFFS]
        (self.output / "tariffs.csv").write_text("\n".join(tariffs) + "\n", encoding="utf-8")
        (self.output / "expected_summary.json").write_text(
            json.dumps(self.stats.as_summary(), indent=2) + "\n", encoding="utf-8"
        )

    def member(self, number: int) -> None:
        rng = self.rng
        member_no = f"SN{number:08d}"
        city, area, postal_prefix, area_code = rng.choice(CITIES)
        contracts = [self._contract(area) for _ in range(2 if rng.random() < 0.08 else 1)]
        active = any(c.ended is None for c in contracts)
        if not active and not any(c.leaver for c in contracts):
            active = rng.random() < 0.4
        self._write_member(member_no, city, postal_prefix, area_code, contracts, active)
        affected = False
        for c in contracts:
            self._write_contract(member_no, c)
            affected |= self._score(member_no, c, active)
        self.stats.members += 1
        self.stats.affected_members += affected

    def _contract(self, area: str) -> _Contract:
        rng = self.rng
        if rng.random() < 0.1:
            area = "west" if area == "east" else "east"
        plan = "mansion" if rng.random() < 0.6 else "family"
        c = _Contract(f"C{self.next_contract:09d}", COURSE, plan, area)
        self.next_contract += 1
        rng.choices(_SCENARIO_FUNCS, cum_weights=_SCENARIO_WEIGHTS)[0](rng, c)
        _add_options(rng, c)
        c.lines.sort()
        return c

    def _write_member(
        self,
        member_no: str,
        city: str,
        postal_prefix: str,
        area_code: str,
        contracts: list[_Contract],
        active: bool,
    ) -> None:
        rng = self.rng
        surname, given = rng.randrange(len(SURNAMES)), rng.randrange(len(GIVEN_NAMES))
        name, kana = _name(rng, surname, given)
        birth = (
            None
            if rng.random() < 0.05
            else _rand_date(rng, dt.date(1935, 1, 1), dt.date(1990, 12, 31))
        )
        first_applied = min(c.applied for c in contracts)
        joined = (
            None
            if rng.random() < 0.05
            else max(first_applied - _days(rng.randint(0, 2500)), dt.date(1998, 4, 1))
        )
        withdrawn = None
        if not active:
            last_end = max(c.ended for c in contracts if c.ended is not None)
            withdrawn = last_end + _days(rng.randint(0, 30))
        labels = ("有効", "退会") if rng.random() < 0.07 else ("active", "withdrawn")
        email = "" if rng.random() < 0.15 else f"user{member_no[2:]}@{rng.choice(EMAIL_DOMAINS)}"
        row = (
            member_no,
            name,
            kana,
            _slash(birth),
            _phone(rng, area_code),
            email,
            _postal(rng, postal_prefix),
            _address(rng, city),
            labels[0] if active else labels[1],
            _slash(joined),
            _slash(withdrawn),
        )
        self.members.write(",".join(row) + "\n")

    def _write_contract(self, member_no: str, c: _Contract) -> None:
        rng = self.rng
        dates = (c.applied, c.started, c.cancel, c.ended)
        texts = [_slash(d) for d in dates] if rng.random() < 0.05 else [_iso(d) for d in dates]
        self.contracts.write(
            f"{c.number},{member_no},{c.course},{c.plan},{c.area},{','.join(texts)}\n"
        )
        self.stats.contracts += 1
        self.billing.write(self._billing_text(c))
        self.stats.billing_lines += len(c.lines)

    def _billing_text(self, c: _Contract) -> str:
        rand = self.rng.random
        number = c.number
        out = []
        for month, item, amount in c.lines:
            k = month - FIRST_MONTH
            draw = rand()
            period = (
                PERIOD_DASH[k]
                if draw < 0.9
                else PERIOD_COMPACT[k]
                if draw < 0.96
                else PERIOD_SLASH[k]
            )
            text = f'"{amount:,}"' if rand() < 0.04 and abs(amount) >= 1000 else str(amount)
            out.append(f"{number},{period},{item},{text}\n")
        return "".join(out)

    def _score(self, member_no: str, c: _Contract, active: bool) -> bool:
        stats = self.stats
        stats.data_problems += _is_data_problem(c)
        amount = _overcharge(c)
        if not amount:
            return False
        assert c.ended is not None
        category = "1" if active else "2" if c.ended >= RECENT_FROM else "3"
        stats.affected_contracts += 1
        stats.total_amount_yen += amount
        stats.by_category[category]["contracts"] += 1
        stats.by_category[category]["amount_yen"] += amount
        self.cases.write(f"{c.number},{member_no},{category},{amount}\n")
        return True


def generate(
    output: Path, *, members: int = 1000, seed: int = 2010, billing_lines: int | None = None
) -> DemoStats:
    """Write the scenario into ``output``; ``billing_lines`` sizes it by billing lines instead."""
    writer = _Writer(output, seed)
    try:
        number = 0
        while True:
            if billing_lines is None and number >= members:
                break
            if billing_lines is not None and writer.stats.billing_lines >= billing_lines:
                break
            number += 1
            writer.member(number)
    finally:
        writer.close()
    return writer.stats
