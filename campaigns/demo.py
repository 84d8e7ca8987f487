"""Demo campaigns, teams, targets and items (CONTRACTS C1), modelled on BRIEF §1.

Everything is made through the portal's own operations, acting as the demo people, with the
clock moved to the day each thing happened, so that timelines, audit entries and
notifications are real. Dates are relative to today: ENV2026's look-back is open, WS2026,
TRF2026 and FIN2026 are in their action phase, ENV2025 is closed and SCH2026 not started.
The same seed gives the same data.
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from io import BytesIO

from PIL import Image, ImageDraw
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from stdnum.cn import uscc
from werkzeug.datastructures import FileStorage

from campaigns.campaigns.operations import create_campaign
from campaigns.items import operations as verbs
from campaigns.items.lifecycle import Status
from campaigns.items.models import EnforcementKind, ListingLevel, Severity
from campaigns.targets.models import TargetKind
from campaigns.targets.operations import create_target
from campaigns.teams.operations import save_team
from portal import clock
from portal.directory.models import Region, RegionLevel
from portal.extensions import db

SEED = 20260301
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # the credit code's characters


@dataclass
class CampaignPlan:
    code: str
    title: str
    kind: str
    agencies: list[str]
    starts: int  # days from today
    ends: int
    teams: list[tuple[str, list[str]]]  # name, usernames (the first leads)
    items: int
    # Final states and their weights ("relapsed": verified, then reopened by a look-back).
    states: dict[str, int] = field(default_factory=dict)
    description: str = ""


CAMPAIGNS = [
    CampaignPlan(
        code="ENV2026",
        title="2026年打击环境违法犯罪专项行动",
        kind="environment",
        agencies=["env", "police", "procuratorate", "natres", "water", "market", "urban"],
        starts=-100,
        ends=-10,
        teams=[
            ("第一督导组", ["inspector", "inspector-zhao"]),
            ("第二督导组", ["inspector-li", "inspector-wang"]),
            ("第三督导组", ["inspector-wu", "inspector-sun"]),
        ],
        items=95,
        states={
            "verified": 66,
            "relapsed": 6,
            "submitted": 5,
            "rectifying": 13,
            "assigned": 4,
            "withdrawn": 6,
        },
        description="公安机关与生态环境部门联合执法，快侦快捕快诉快审；重点整治饮用水源地、工业园区、危险废物和散乱污企业。",
    ),
    CampaignPlan(
        code="WS2026",
        title="2026年安全生产联合执法专项行动",
        kind="work_safety",
        agencies=[
            "emergency",
            "procuratorate",
            "supervision",
            "police",
            "housing",
            "market",
            "env",
            "transport",
            "natres",
        ],
        starts=-45,
        ends=45,
        teams=[
            ("第一检查组（应急局牵头）", ["inspector", "inspector-sun"]),
            ("第二检查组（检察院牵头）", ["inspector-wang", "inspector-zhou"]),
            ("第三检查组（监委牵头）", ["inspector-wu", "inspector-zhao"]),
            ("第四检查组（公安局牵头）", ["inspector-li"]),
        ],
        items=85,
        states={"verified": 40, "submitted": 12, "rectifying": 25, "assigned": 18, "withdrawn": 5},
        description="五个检查组分别由政法委、检察院、监委、公安局、应急局牵头，覆盖煤矿、非煤矿山、道路运输、建筑施工、消防、危化品和冶金行业。",
    ),
    CampaignPlan(
        code="TRF2026",
        title="2026年道路交通安全专项整治行动",
        kind="traffic",
        agencies=["police", "transport", "highway", "emergency", "education"],
        starts=-30,
        ends=60,
        teams=[
            ("第一联合巡查组", ["inspector-li", "inspector"]),
            ("第二联合巡查组", ["inspector-sun", "inspector-wu"]),
            ("第三联合巡查组", ["inspector-wang", "inspector-zhou"]),
        ],
        items=55,
        states={"verified": 30, "submitted": 12, "rectifying": 30, "assigned": 23, "withdrawn": 5},
        description="公安、交通运输、公路、应急管理部门联合巡查，聚焦危化品运输车辆、客运车辆、校车、酒驾、超速超载和危险路段。",
    ),
    CampaignPlan(
        code="FIN2026",
        title="2026年整顿规范金融秩序专项行动",
        kind="financial_order",
        agencies=["court", "procuratorate", "police", "finance", "rcc", "market", "supervision"],
        starts=-60,
        ends=30,
        teams=[
            ("第一督导组", ["inspector-zhou", "inspector"]),
            ("第二督导组", ["inspector-wang", "inspector-li"]),
            ("第三督导组", ["inspector-wu", "inspector-sun"]),
        ],
        items=50,
        states={"verified": 45, "submitted": 10, "rectifying": 25, "assigned": 15, "withdrawn": 5},
        description="十六个部门组成六个专项工作组，每周召开联席会议通报进展；重点打击贷款诈骗、恶意逃废金融债务和拒不执行判决裁定。",
    ),
    CampaignPlan(
        code="ENV2025",
        title="2025年环境安全隐患排查整治行动",
        kind="environment",
        agencies=["env", "police", "water", "natres"],
        starts=-300,
        ends=-210,
        teams=[
            ("第一督导组", ["inspector", "inspector-zhao"]),
            ("第二督导组", ["inspector-li", "inspector-wang"]),
        ],
        items=20,
        states={"verified": 19, "relapsed": 3, "withdrawn": 2},
    ),
    CampaignPlan(
        code="SCH2026",
        title="2026年校园周边环境综合治理行动",
        kind="other",
        agencies=["education", "police", "market", "urban", "transport"],
        starts=14,
        ends=75,
        teams=[("校园周边督导组", ["inspector", "inspector-sun"])],
        items=0,
    ),
]

# Category → (pool of targets, lead agency, co-agencies to pick from, problems found)
CATEGORIES = {
    "water_source": (
        "water_site",
        "env",
        ["water", "natres", "police"],
        [
            "饮用水水源保护区内违规设置排污口",
            "水源地二级保护区内堆放工业固废",
            "水源保护区内畜禽养殖废水直排",
        ],
    ),
    "industrial_park": (
        "industry",
        "env",
        ["market", "natres"],
        ["园区污水处理设施未正常运行", "废气收集处理设施不完善", "在线监测数据异常"],
    ),
    "no_eia": (
        "industry",
        "env",
        ["natres", "market"],
        ["未批先建扩建生产线", "环评手续不全擅自投产"],
    ),
    "illegal_discharge": (
        "water_site",
        "env",
        ["police", "water"],
        ["利用渗坑偷排工业废水", "通过雨水管网偷排废水", "向废弃矿坑倾倒污泥"],
    ),
    "scattered_polluters": (
        "workshop",
        "env",
        ["market", "urban"],
        ["散乱污作坊无证经营", "露天喷涂无治污设施"],
    ),
    "hazardous_waste": (
        "industry",
        "env",
        ["police"],
        ["危险废物非法转移处置", "危废贮存场所不规范", "废矿物油随意倾倒"],
    ),
    "dangerous_section": (
        "road",
        "highway",
        ["police", "transport"],
        ["急弯路段缺少警示标志", "临水临崖路段护栏缺失", "平交路口视距不良"],
    ),
    "hazchem_vehicle": (
        "carrier",
        "transport",
        ["police", "emergency", "env"],
        ["危化品运输车辆未按规定路线行驶", "罐车安全附件失效", "押运员无从业资格"],
    ),
    "coach": (
        "carrier",
        "transport",
        ["police"],
        ["客运车辆超员", "动态监控设备离线", "驾驶员疲劳驾驶"],
    ),
    "school_bus": (
        "school",
        "education",
        ["police", "transport"],
        ["校车未按规定年检", "接送学生车辆超载"],
    ),
    "drink_driving": ("road", "police", ["transport"], ["夜间酒驾多发路段", "饮酒后驾驶营运车辆"]),
    "speeding_overload": (
        "road",
        "police",
        ["transport", "highway"],
        ["货车超限超载", "超速行驶多发路段"],
    ),
    "coal_mine": (
        "mine",
        "emergency",
        ["natres", "supervision"],
        ["井下通风系统不合规", "瓦斯监测设备失效"],
    ),
    "non_coal_mine": (
        "mine",
        "emergency",
        ["natres", "env"],
        ["露天采场边坡不稳", "尾矿库排洪设施堵塞"],
    ),
    "road_transport": (
        "carrier",
        "transport",
        ["police"],
        ["运输企业安全管理制度缺失", "车辆安全例检不落实"],
    ),
    "construction": (
        "construction",
        "housing",
        ["emergency", "env"],
        ["高处作业无防护", "深基坑支护不到位", "塔吊安全装置失效"],
    ),
    "fire_safety": (
        "workshop",
        "emergency",
        ["housing", "market"],
        ["消防通道堵塞", "疏散指示标志缺失", "电动车违规充电"],
    ),
    "hazardous_chemicals": (
        "industry",
        "emergency",
        ["env", "police", "market"],
        ["危化品储罐区防火堤破损", "重大危险源监控未联网"],
    ),
    "metallurgy": (
        "industry",
        "emergency",
        ["market", "env"],
        ["煤气区域未设报警装置", "熔融金属吊运设备隐患"],
    ),
    "loan_fraud": (
        "borrower",
        "police",
        ["rcc", "finance", "procuratorate"],
        ["虚构贸易背景骗取贷款", "伪造抵押物骗取贷款"],
    ),
    "debt_evasion": (
        "borrower",
        "court",
        ["rcc", "finance"],
        ["转移资产逃废银行债务", "假破产逃废债务"],
    ),
    "judgment_refusal": (
        "borrower",
        "court",
        ["police", "procuratorate"],
        ["有能力履行而拒不履行判决", "隐匿财产规避执行"],
    ),
    "illegal_fundraising": (
        "borrower",
        "finance",
        ["police", "market"],
        ["以高息为诱饵非法吸收公众存款"],
    ),
}

FIRMS = [
    "鑫源",
    "恒通",
    "华泰",
    "齐鲁",
    "金诚",
    "瑞丰",
    "宏达",
    "永盛",
    "博远",
    "天成",
    "泰和",
    "鲁中",
    "隆盛",
    "安泰",
    "昊天",
    "东岳",
    "银河",
    "汇丰",
    "嘉诚",
    "新宇",
]
INDUSTRIES = ["化工", "电镀", "印染", "造纸", "陶瓷", "钢铁", "建材", "制药", "橡胶", "耐火材料"]
ROADS = ["华光路", "柳泉路", "共青团路", "人民路", "北京路", "联通路", "中润大道", "西六路"]
SURNAMES = "王李张刘陈杨赵黄周吴"
POOLS = {
    # pool: (target kind, how many, with a credit code)
    "industry": (TargetKind.ENTERPRISE, 26, True),
    "workshop": (TargetKind.ENTERPRISE, 10, True),
    "water_site": (TargetKind.SITE, 10, False),
    "mine": (TargetKind.ENTERPRISE, 8, True),
    "construction": (TargetKind.SITE, 8, False),
    "carrier": (TargetKind.ENTERPRISE, 8, True),
    "school": (TargetKind.SITE, 5, False),
    "road": (TargetKind.ROAD_SECTION, 15, False),
    "borrower": (TargetKind.BORROWER, 20, True),
}

COMMENTS = [
    "已协调属地镇街共同推进。",
    "请责任单位加快整改进度，按期报送整改材料。",
    "协办单位已派员现场配合核查。",
    "企业负责人已约谈，承诺限期整改。",
    "整改方案已报督导组备案。",
]
MEASURES = [
    "已拆除违规设施，完成整改并经第三方检测合格。",
    "已完善管理制度，补齐安全设施，组织全员培训。",
    "已责令停产整改，整改完成后经复查合格恢复生产。",
    "已依法查处并督促履行，相关材料已归档。",
]
EXTENSION_REASONS = ["整改工程量大，需协调第三方检测", "设备采购周期较长", "需待汛期结束后施工"]
RETURN_REASONS = ["现场核查发现整改不彻底，仍有渗漏", "整改照片与现场情况不符，请补充材料"]
TRANSFER_REASONS = ["经核查涉嫌犯罪，应由公安机关主办", "问题属行业监管职责，建议移交主管部门"]
WITHDRAW_REASONS = ["经核实与已交办问题重复", "经核实不属于本次专项行动范围"]
RELAPSE_RESULTS = [
    ("relapsed", "回头看发现问题反弹，企业再次违规生产。"),
    ("not_rectified", "回头看发现整改不到位，隐患仍然存在。"),
    ("false_rectification", "回头看发现整改材料不实，属虚假整改。"),
]
ENFORCEMENT_DOCS = {
    EnforcementKind.WARNING: "警告〔{year}〕{n}号",
    EnforcementKind.FINE: "行罚决字〔{year}〕{n}号",
    EnforcementKind.NOTICE: "督办〔{year}〕{n}号",
    EnforcementKind.SUSPENSION: "责停字〔{year}〕{n}号",
    EnforcementKind.BAN: "取缔字〔{year}〕{n}号",
    EnforcementKind.POLICE_TRANSFER: "移送字〔{year}〕{n}号",
}
LISTING_DOCS = {
    ListingLevel.DISTRICT: "区专项办督〔{year}〕{n}号",
    ListingLevel.CITY: "淄专项办督〔{year}〕{n}号",
    ListingLevel.PROVINCE: "鲁专项办督〔{year}〕{n}号",
}


def build(*, users, agencies) -> None:
    _Demo(users, agencies).build()
    from portal import scheduler

    scheduler.run_day(clock.today())


class _Demo:
    def __init__(self, users, agencies):
        self.rng = random.Random(SEED)  # noqa: S311 - made-up demo data, reproducible
        self.users = users
        self.agencies = agencies
        self.lead = users["lead"]
        self.today = clock.today()
        self.last_day = self.today - timedelta(days=1)  # nothing is dated later than yesterday
        self.districts = list(
            db.session.scalars(
                select(Region)
                .where(Region.level.in_([RegionLevel.DISTRICT, RegionLevel.COUNTY]))
                .options(selectinload(Region.children))
                .order_by(Region.code)
            )
        )
        self.photos = [_photo(self.rng, n) for n in range(6)]
        self.enforcement = 0
        self.documents = 100

    # --- helpers ------------------------------------------------------------------------------

    def day(self, offset: int) -> date:
        return self.today + timedelta(days=offset)

    def liaison(self, agency):
        return self.users[f"liaison-{agency.code}"]

    def credit_code(self, district: Region) -> str:
        body = "91" + (district.code or "370300") + "".join(self.rng.choices(ALPHABET, k=9))
        return body + uscc.calc_check_digit(body)

    def next_doc(self, pattern: str, day: date) -> str:
        self.documents += 1
        return pattern.format(n=self.documents, year=day.year)

    def photo(self, name: str) -> FileStorage:
        data = self.rng.choice(self.photos)
        return FileStorage(BytesIO(data), filename=name, content_type="image/jpeg")

    # --- the scene ------------------------------------------------------------------------------

    def build(self) -> None:
        self.pools = self.make_targets()
        for plan in CAMPAIGNS:
            self.make_campaign(plan)
        db.session.flush()

    def make_targets(self) -> dict[str, list]:
        pools: dict[str, list] = {}
        with clock.travel_to(self.day(-320)):
            for pool, (kind, count, coded) in POOLS.items():
                pools[pool] = [self.make_target(pool, kind, coded, n) for n in range(count)]
        return pools

    def make_target(self, pool: str, kind: str, coded: bool, n: int):
        district = self.districts[n % len(self.districts)]
        town = self.rng.choice(district.children) if district.children else district
        firm = FIRMS[(n * 7 + len(pool)) % len(FIRMS)]
        road = self.rng.choice(ROADS)
        if pool == "industry":
            name = f"淄博{firm}{INDUSTRIES[n % len(INDUSTRIES)]}有限公司"
        elif pool == "workshop":
            name = f"{town.name_zh}{firm}加工厂"
        elif pool == "water_site":
            name = f"{town.name_zh}{['饮用水水源地', '河道排污口', '废弃矿坑', '沟渠'][n % 4]}"
        elif pool == "mine":
            name = f"淄博{firm}{['煤矿', '石料矿', '铝土矿', '石灰石矿'][n % 4]}有限公司"
        elif pool == "construction":
            name = f"{district.name_zh}{firm}{['花园', '广场', '学校', '医院'][n % 4]}项目工地"
        elif pool == "carrier":
            name = f"淄博{firm}{['危险货物运输', '客运', '物流'][n % 3]}有限公司"
        elif pool == "school":
            name = f"{town.name_zh}{['中心小学', '实验小学', '第一中学', '幼儿园', '中学'][n % 5]}"
        elif pool == "road":
            names = [
                f"G205国道{district.name_zh}段K{300 + n * 7}+{n * 130 % 1000:03d}",
                f"S102省道{district.name_zh}段",
                f"{town.name_zh}{road}与{ROADS[(n + 3) % len(ROADS)]}交叉口",
            ]
            name = names[n % 3]
        else:  # borrowers: companies with a credit code, and people without
            coded = n % 5 != 4
            name = f"淄博{firm}贸易有限公司" if coded else f"{SURNAMES[n % 10]}某某"
        target_name = name if pool != "borrower" or coded else f"{name}（{town.name_zh}）"
        return create_target(
            name=target_name,
            region=town,
            credit_code=self.credit_code(district) if coded else None,
            kind=kind,
            address=f"{district.name_zh}{town.name_zh}{road}{10 + n * 3}号",
            by=self.lead,
        )

    def make_campaign(self, plan: CampaignPlan) -> None:
        ag = self.agencies
        with clock.travel_to(self.day(plan.starts - 10)):
            campaign = create_campaign(
                by=self.lead,
                code=plan.code,
                title=plan.title,
                kind=plan.kind,
                lead_agency=ag["plc"],
                agencies=[ag[code] for code in plan.agencies],
                leads=[self.lead],
                action_starts=self.day(plan.starts),
                action_ends=self.day(plan.ends),
                description=plan.description,
            )
            pools = sorted(
                {CATEGORIES[c.code][0] for c in campaign.categories if c.code in CATEGORIES}
            )
            teams = []
            for n, (name, usernames) in enumerate(plan.teams):
                people = [self.users[u] for u in usernames]
                districts = self.districts[n * 2 % len(self.districts) :][:2] or self.districts[:2]
                towns = [t for d in districts for t in d.children[:3]]
                candidates = [t for p in pools for t in self.pools[p] if t.region in towns]
                teams.append(
                    save_team(
                        None,
                        campaign=campaign,
                        by=self.lead,
                        name=name,
                        leader=people[0],
                        members=people,
                        towns=towns,
                        targets=candidates[:3],
                    )
                )
        states = list(plan.states)
        weights = [plan.states[s] for s in states]
        lives = []
        for _n in range(plan.items):
            final = self.rng.choices(states, weights)[0]
            lives.append((self.flag_day(campaign, final), final))
        for flag_day, final in sorted(lives, key=lambda life: life[0]):
            _Life(self, campaign, self.rng.choice(teams), flag_day, final).run()

    def flag_day(self, campaign, final: str) -> date:
        """A day in the action phase that leaves room for what happens next."""
        first = campaign.action_starts
        last = min(campaign.action_ends, self.last_day)
        if final == "relapsed":
            last = min(last, campaign.review_starts - timedelta(days=30))
        elif final == "verified":
            last = min(last, self.last_day - timedelta(days=12))
        elif final == "assigned":
            first = max(first, last - timedelta(days=12))
        span = max((last - first).days, 0)
        return first + timedelta(days=self.rng.randint(0, span))


class _Life:
    """One item from flagging to its final state, each step acted by the right person."""

    def __init__(self, demo: _Demo, campaign, team, flag_day: date, final: str):
        self.demo, self.rng, self.campaign, self.team = demo, demo.rng, campaign, team
        self.final = final
        self.moment = datetime.combine(flag_day, time(8, 30), tzinfo=clock.zone())
        self.moment += timedelta(minutes=self.rng.randint(0, 420))

    def later(self, low: int, high: int) -> None:
        """Move on `low`..`high` days (never past yesterday); same day means a little later."""
        day = min(
            self.moment.date() + timedelta(days=self.rng.randint(low, high)), self.demo.last_day
        )
        if day <= self.moment.date():
            self.moment += timedelta(minutes=self.rng.randint(20, 90))
        else:
            self.moment = datetime.combine(day, time(8, 30), tzinfo=clock.zone()) + timedelta(
                minutes=self.rng.randint(0, 480)
            )

    def at(self):
        return clock.travel_to(self.moment)

    def run(self) -> None:
        d, rng = self.demo, self.rng
        ag = d.agencies
        category = rng.choice(self.campaign.categories)
        pool, lead_code, co_codes, problems = CATEGORIES.get(
            category.code, ("industry", "env", [], ["其他问题"])
        )
        target = rng.choice(d.pools[pool])
        town = target.region
        flagger = rng.choice(self.team.members)
        self.leader = self.team.leader or flagger
        flag_day = self.moment.date()
        deadline = flag_day + timedelta(days=rng.choice([10, 15, 20, 30, 30, 45]))
        if self.final in ("assigned", "rectifying") and rng.random() < 0.25:
            deadline = max(d.today + timedelta(days=rng.randint(0, 3)), flag_day)  # yellow
        listed = rng.random() < 0.22
        level = rng.choices(
            [ListingLevel.DISTRICT, ListingLevel.CITY, ListingLevel.PROVINCE], [5, 4, 1]
        )[0]
        list_now = listed and rng.random() < 0.7
        co_agencies = [ag[c] for c in rng.sample(co_codes, k=min(len(co_codes), rng.randint(0, 2)))]
        with self.at():
            self.item = item = verbs.flag_item(
                self.campaign,
                by=flagger,
                team=self.team,
                target=target,
                district=town.parent if town.level == RegionLevel.TOWN else town,
                town=town if town.level == RegionLevel.TOWN else None,
                category=category,
                title=rng.choice(problems),
                description=f"督导组在{town.name_zh}检查{target.name}时发现。",
                lead_agency=ag[lead_code],
                co_agencies=co_agencies,
                deadline=deadline,
                severity=Severity.MAJOR if rng.random() < 0.15 else Severity.GENERAL,
                listing_level=level if list_now else ListingLevel.NONE,
                listing_doc_no=d.next_doc(LISTING_DOCS[level], flag_day) if list_now else None,
                check_access=False,
            )
            if rng.random() < 0.25:
                verbs.add_evidence(item, by=flagger, upload=d.photo("现场照片.jpg"), stage="before")
        if listed and not list_now:
            self.later(1, 3)
            with self.at():
                verbs.set_listing(
                    item,
                    by=d.lead,
                    level=level,
                    doc_no=d.next_doc(LISTING_DOCS[level], self.moment.date()),
                )
        if self.final == "withdrawn":
            self.later(1, 6)
            with self.at():
                verbs.withdraw(item, by=d.lead, note=rng.choice(WITHDRAW_REASONS))
            return
        if self.final == "assigned":
            self.maybe_pending_requests(Status.ASSIGNED)
            return
        self.later(1, 3)
        with self.at():
            verbs.acknowledge(item, by=d.liaison(item.lead_agency))
        self.maybe_transfer()
        self.maybe_extension()
        self.maybe_comment()
        self.maybe_enforcement()
        if self.final == "rectifying":
            self.maybe_pending_requests(Status.RECTIFYING)
            return
        self.later(3, 20)
        self.submit()
        if rng.random() < 0.12:
            self.later(1, 3)
            with self.at():
                verbs.return_for_rework(item, by=self.leader, note=rng.choice(RETURN_REASONS))
            self.later(2, 6)
            self.submit()
        if self.final == "submitted":
            return
        self.later(1, 4)
        with self.at():
            verbs.verify(item, by=self.leader, note="现场核查整改到位，同意销号。")
        if self.final == "relapsed":
            self.relapse()

    def submit(self) -> None:
        item, d = self.item, self.demo
        with self.at():
            by = d.liaison(item.lead_agency)
            verbs.add_evidence(item, by=by, upload=d.photo("整改后照片.jpg"), stage="after")
            verbs.submit_rectification(item, by=by, measures=self.rng.choice(MEASURES))

    def relapse(self) -> None:
        """Reopened by the look-back (within its window); some are rectified again."""
        review_day = self.campaign.review_starts + timedelta(days=self.rng.randint(1, 8))
        if review_day > self.demo.last_day or review_day <= self.moment.date():
            return
        self.moment = datetime.combine(review_day, time(10, 0), tzinfo=clock.zone())
        result, note = self.rng.choice(RELAPSE_RESULTS)
        with self.at():
            verbs.relapse(
                self.item,
                by=self.leader,
                new_deadline=review_day + timedelta(days=20),
                note=note,
                result=result,
            )
        if self.campaign.review_ends < self.demo.today:  # a closed campaign: fixed again since
            self.later(5, 10)
            self.submit()
            self.later(1, 3)
            with self.at():
                verbs.verify(self.item, by=self.leader, note="复查整改到位。")

    def maybe_transfer(self) -> None:
        if self.rng.random() > 0.08:
            return
        item, d = self.item, self.demo
        others = [
            a for a in self.campaign.agencies if a.id != item.lead_agency_id and a.code != "plc"
        ]
        if not others:
            return
        to = self.rng.choice(others)
        self.later(0, 2)
        with self.at():
            verbs.propose_transfer(
                item,
                by=d.liaison(item.lead_agency),
                to_agency=to,
                note=self.rng.choice(TRANSFER_REASONS),
            )
        self.later(1, 2)
        accept = self.rng.random() < 0.6
        with self.at():
            verbs.answer_transfer(
                item, by=d.liaison(to), accept=accept, note="" if accept else "不属于本单位职责范围"
            )

    def maybe_extension(self) -> None:
        if self.rng.random() > 0.12:
            return
        item, d = self.item, self.demo
        self.later(0, 3)
        with self.at():
            verbs.request_extension(
                item,
                by=d.liaison(item.lead_agency),
                new_deadline=item.deadline + timedelta(days=15),
                note=self.rng.choice(EXTENSION_REASONS),
            )
        self.later(1, 2)
        approve = self.rng.random() < 0.7
        with self.at():
            verbs.decide_extension(
                item, by=d.lead, approve=approve, note="" if approve else "请按原期限完成整改"
            )

    def maybe_pending_requests(self, status: str) -> None:
        """Open items waiting for an answer: a recent extension request or transfer."""
        item, d, rng = self.item, self.demo, self.rng
        if status == Status.RECTIFYING and rng.random() < 0.2:
            self.moment = max(
                self.moment, datetime.combine(d.last_day, time(9, 0), tzinfo=clock.zone())
            )
            with self.at():
                verbs.request_extension(
                    item,
                    by=d.liaison(item.lead_agency),
                    new_deadline=item.deadline + timedelta(days=20),
                    note=rng.choice(EXTENSION_REASONS),
                )
        elif rng.random() < 0.12:
            others = [
                a
                for a in self.campaign.agencies
                if a.id != item.lead_agency_id and a.code in ("police", "env", "transport", "court")
            ]
            if others:
                self.moment = max(
                    self.moment,
                    datetime.combine(
                        d.last_day - timedelta(days=rng.randint(0, 4)),
                        time(9, 0),
                        tzinfo=clock.zone(),
                    ),
                )
                with self.at():
                    verbs.propose_transfer(
                        item,
                        by=d.liaison(item.lead_agency),
                        to_agency=rng.choice(others),
                        note=rng.choice(TRANSFER_REASONS),
                    )

    def maybe_comment(self) -> None:
        if self.rng.random() > 0.3:
            return
        item, d = self.item, self.demo
        people = [d.lead, self.leader] + [d.liaison(a) for a in item.co_agencies]
        self.later(0, 2)
        with self.at():
            verbs.comment(item, by=self.rng.choice(people), note=self.rng.choice(COMMENTS))

    def maybe_enforcement(self) -> None:
        if self.rng.random() > 0.3:
            return
        item, d = self.item, self.demo
        kinds = list(EnforcementKind)
        kind = kinds[d.enforcement % len(kinds)]
        d.enforcement += 1
        actors = [item.lead_agency, *item.co_agencies]
        if kind == EnforcementKind.POLICE_TRANSFER:
            actors = [a for a in actors if a.code != "police"] or actors
        agency = self.rng.choice(actors)
        self.later(0, 3)
        with self.at():
            verbs.record_enforcement(
                item,
                by=d.liaison(agency),
                kind=kind,
                action_date=self.moment.date(),
                document_no=d.next_doc(ENFORCEMENT_DOCS[kind], self.moment.date()),
                amount=Decimal(self.rng.choice([5000, 20000, 50000, 100000, 200000]))
                if kind == EnforcementKind.FINE
                else None,
                note="依法作出处理。",
            )


def _photo(rng: random.Random, n: int) -> bytes:
    """A small made-up site photo (a JPEG) for the evidence lists."""
    sky = (rng.randint(150, 210), rng.randint(180, 220), rng.randint(200, 240))
    image = Image.new("RGB", (240, 180), sky)
    draw = ImageDraw.Draw(image)
    ground = (rng.randint(90, 140), rng.randint(90, 130), rng.randint(60, 100))
    draw.rectangle((0, 110, 240, 180), fill=ground)
    for k in range(3 + n % 3):
        x = 20 + k * 60
        height = rng.randint(30, 80)
        draw.rectangle((x, 110 - height, x + 40, 110), fill=(rng.randint(100, 200),) * 3)
    out = BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()
