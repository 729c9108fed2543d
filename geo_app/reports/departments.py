"""Who acts on which gap (Art. 31), how a site is obtained (Art. 10, 13), cited articles.

Art. 31 assigns every field of community construction to departments ("社区建设实行专项目标
管理"); :data:`GAP_KINDS` maps the kinds of gap a report finds to the field of Art. 31 (and,
where the measures name departments for that very task, to Art. 12 or Art. 13) with the
departments as the measures list them. :data:`ACQUISITION_MODES` are the ways of obtaining
housing of Art. 10 (新建、翻修、扩建、置换、划转、租赁) and Art. 13 (idle boiler rooms given free;
others' rooms given free or at low cost). :data:`ARTICLES` quotes the articles the reports cite
that are not rules of a standard set (Art. 10, 13, 31), from the text of the measures.
"""

from __future__ import annotations

from dataclasses import dataclass

Pair = tuple[str, str]
"""A text in Chinese and English."""


@dataclass(frozen=True)
class GapKind:
    """One kind of gap and the departments responsible for it.

    Attributes
    ----------
    key : str
        Stable id (``area_old``, ``rooms_police`` ...).
    label : (zh, en)
        What the gap is.
    field : (zh, en)
        The field of community construction of Art. 31 it belongs to.
    departments : (zh, en)
        The departments, as the measures name them.
    article : (zh, en)
        Where the measures say so.
    """

    key: str
    label: Pair
    field: Pair
    departments: Pair
    article: Pair


_INFRASTRUCTURE: Pair = (
    "城乡规划、发展改革、财政、民政、城乡建设、住房保障和房产管理、国土资源、水务部门",
    "urban-rural planning, development and reform, finance, civil affairs, construction, "
    "housing security and property management, land resources and water departments",
)
_SERVICE: Pair = (
    "民政、人力资源和社会保障、商务、工商部门(指导协调)",
    "civil affairs, human resources and social security, commerce, industry and commerce "
    "departments (guidance and coordination)",
)
_SECURITY: Pair = (
    "公安、维稳、综治、司法部门",
    "public security, stability, comprehensive governance and justice departments",
)
_SANITATION: Pair = (
    "城管、住房保障和房产管理、卫生、环保部门",
    "city management, housing security and property management, health and environmental "
    "protection departments",
)
_HEALTH: Pair = ("卫生、人口计生部门", "health and population / family planning departments")
_CULTURE: Pair = ("文化、教育、体育部门", "culture, education and sports departments")
_ART31: Pair = ("第三十一条", "Art. 31")

GAP_KINDS: dict[str, GapKind] = {
    g.key: g
    for g in (
        GapKind(
            "area_old",
            ("老旧住宅区社区公益用房面积不足", "old residential area below the housing standard"),
            ("基础设施建设", "infrastructure"),
            (
                _INFRASTRUCTURE[0] + ";主城区以区政府投入为主、市财政支持,县(市)和呼兰区、"
                "阿城区依托自身财力(第十三条第一款)",
                _INFRASTRUCTURE[1] + "; funded mainly by the district with city support in the "
                "main urban districts, by their own funds in the counties, Hulan and Acheng "
                "(Art. 13 para. 1)",
            ),
            ("第三十一条;第十三条第一款", "Art. 31; Art. 13 para. 1"),
        ),
        GapKind(
            "area_new",
            (
                "新建住宅区公益用房未达标(每百户20平方米,且不少于第十一条标准)",
                "new development below standard (20 m2 per 100 households, at least Art. 11)",
            ),
            ("基础设施建设", "infrastructure"),
            (
                "城乡规划部门确定位置和面积,建设管理部门监督实施,住房保障和房产管理部门负责建成后"
                "的管理监督;开发建设单位配建并移交区、县(市)政府",
                "the planning department fixes site and area, the construction department "
                "supervises, the housing and property department manages after completion; the "
                "developer builds and hands over to the district or county",
            ),
            ("第十二条第一、二款", "Art. 12 paras. 1-2"),
        ),
        GapKind(
            "area_rural",
            (
                "启动社区建设的村未达到两站两室一广场",
                "village below two stations, two rooms and one square",
            ),
            ("基础设施建设", "infrastructure"),
            (
                _INFRASTRUCTURE[0] + ";在乡(镇)党委、政府领导下推进(第三十五条)",
                _INFRASTRUCTURE[1] + "; led by the township party committee and government "
                "(Art. 35)",
            ),
            ("第三十一条;第三十六条", "Art. 31; Art. 36"),
        ),
        GapKind(
            "boiler_rooms",
            ("闲置锅炉房无偿移交社区", "idle boiler rooms handed to communities free"),
            ("基础设施建设", "infrastructure"),
            (
                "市住房保障和房产管理部门及产权单位主管部门协助区政府认定并落实移交",
                "the city housing and property department and the owner's supervising "
                "department help the district government confirm and carry out the handover",
            ),
            ("第十三条第二款", "Art. 13 para. 2"),
        ),
        GapKind(
            "uncovered",
            ("步行范围内没有社区服务工作站", "no community station within walking distance"),
            ("基础设施建设", "infrastructure"),
            _INFRASTRUCTURE,
            _ART31,
        ),
        GapKind(
            "street_centre",
            ("街道综合服务中心不足1000平方米", "street service centre below 1000 m2"),
            ("基础设施建设;社区共建", "infrastructure; joint community building"),
            (
                _INFRASTRUCTURE[0] + ";街道党工委和办事处(乡镇党委、政府)",
                _INFRASTRUCTURE[1] + "; the street party working committee and office",
            ),
            ("第三十一条;第十一条第一款", "Art. 31; Art. 11 para. 1"),
        ),
        GapKind(
            "rooms_service",
            (
                "服务站缺办事大厅、老年人日间照料室或小学生看护室",
                "station lacks service hall, elderly day care or pupil care room",
            ),
            ("社区服务", "community services"),
            _SERVICE,
            _ART31,
        ),
        GapKind(
            "rooms_police",
            ("服务站缺警务室", "station lacks a police room"),
            ("社区治安", "community security"),
            _SECURITY,
            _ART31,
        ),
        GapKind(
            "rooms_property",
            ("服务站缺物业站", "station lacks a property station"),
            ("社区环境卫生", "community environment and sanitation"),
            _SANITATION,
            _ART31,
        ),
        GapKind(
            "rooms_health",
            ("服务站缺医务室", "station lacks a clinic"),
            ("社区卫生和计生服务", "community health and family planning"),
            _HEALTH,
            _ART31,
        ),
        GapKind(
            "rooms_culture",
            ("服务站缺文化活动室或图书室", "station lacks a cultural room or library"),
            ("社区文化", "community culture"),
            _CULTURE,
            _ART31,
        ),
    )
}
"""Gap kinds in report order, with the responsible departments (Art. 31 and the cited article)."""

ROOM_GAP_KIND: dict[str, str] = {
    "service_hall": "rooms_service",
    "elderly_daycare": "rooms_service",
    "pupil_care": "rooms_service",
    "police_room": "rooms_police",
    "property_station": "rooms_property",
    "clinic": "rooms_health",
    "cultural_room": "rooms_culture",
    "library": "rooms_culture",
}
"""Art. 8 room code -> the gap kind (field of Art. 31) of a station lacking it."""


ACQUISITION_MODES: dict[str, tuple[str, str, str]] = {
    "boiler_room": ("无偿使用闲置锅炉房", "free use of an idle boiler room", "第十三条第二款"),
    "free": ("无偿提供", "given free", "第十三条第二款"),
    "low_rent": ("低偿提供", "given at low cost", "第十三条第二款"),
    "new": ("新建", "new build", "第十条"),
    "renovate": ("翻修", "renovate", "第十条"),
    "expand": ("扩建", "expand", "第十条"),
    "exchange": ("置换", "exchange", "第十条"),
    "transfer": ("划转", "transfer", "第十条"),
    "lease": ("租赁", "lease", "第十条"),
}
"""Ways to obtain a site: (zh, en, article in Chinese). Art. 10 lists new build, renovation,
expansion, exchange, transfer and lease; Art. 13 para. 2 gives idle boiler rooms free and
encourages others to give rooms free or at low cost."""

ARTICLE_EN: dict[str, str] = {
    "第十条": "Art. 10",
    "第十三条第二款": "Art. 13 para. 2",
}


def acquisition_keys(
    source_layer: object, offer: object, condition: object, short_m2: float
) -> list[str]:
    """The ways (keys of :data:`ACQUISITION_MODES`) a chosen site is obtained.

    An idle boiler room is used free (Art. 13); another site by its ``offer`` (new build,
    exchange, transfer, lease: Art. 10; free or low cost: Art. 13). A building in ``poor``
    condition is also renovated, and one whose usable area is ``short_m2`` below what it must
    provide is expanded (Art. 10; a new build is simply built large enough).
    """
    if source_layer == "boiler_rooms":
        keys = ["boiler_room"]
    elif isinstance(offer, str) and offer in ACQUISITION_MODES:
        keys = [offer]
    else:
        keys = []
    if keys != ["new"]:
        if isinstance(condition, str) and condition.strip().lower() == "poor":
            keys.append("renovate")
        if short_m2 > 0:
            keys.append("expand")
    return keys


def acquisition_text(keys: list[str], lang: str = "zh") -> str:
    """Keys of :func:`acquisition_keys` as one text with the articles, e.g.
    ``无偿使用闲置锅炉房(第十三条第二款)、翻修(第十条)``."""
    parts = []
    for key in keys:
        zh, en, article = ACQUISITION_MODES[key]
        if lang == "zh":
            parts.append(f"{zh}({article})")
        else:
            parts.append(f"{en} ({ARTICLE_EN.get(article, article)})")
    return ("、" if lang == "zh" else "; ").join(parts) if parts else "—"


ARTICLES: dict[str, tuple[str, str, str, str]] = {
    "art10": (
        "第十条",
        "Art. 10",
        "……结合旧城改造和新城建设,采取新建、翻修、扩建、置换、划转和租赁等多种方式,加大建设"
        "力度,基本建起以街道(乡镇)综合(公共)事务服务中心、文化活动中心、卫生服务中心为骨干,"
        "社区服务工作站为基础的社区服务网络。",
        "... together with old-town renewal and new-town construction, by new building, "
        "renovation, expansion, exchange, transfer, lease and other means, build a community "
        "service network with street centres as its backbone and community stations as its base.",
    ),
    "art13": (
        "第十三条第二款、第四款",
        "Art. 13 paras. 2, 4",
        "政府所属部门、企事业单位现有闲置的锅炉房,在产权不变的前提下,无偿提供给社区作为公益"
        "用房;由市住房保障和房产管理部门及产权单位主管部门协助区政府认定并落实移交工作。鼓励社会"
        "各界将自有房产和内部文化、体育设施无偿、低偿提供给社区使用,产生的费用由区、县(市)财政"
        "承担。……老城区现有社区公益用房无法集中设置的,在保证标准前提下,可灵活设置公益用房,由"
        "街道组织设立社区中心服务站和相应活动场所,辐射周边社区居民。",
        "Idle boiler rooms of government departments and public or private enterprises are given "
        "to communities free as public-benefit housing, ownership unchanged; the city housing and "
        "property department and the owner's supervising department help the district confirm "
        "and hand them over. Others are encouraged to give rooms free or at low cost, the costs "
        "borne by the district or county. ... Where the old town cannot concentrate its housing, "
        "the street sets up a community central service station radiating to the neighbouring "
        "communities while the standard is met.",
    ),
    "art31": (
        "第三十一条",
        "Art. 31",
        "社区建设实行专项目标管理。社区组织建设由组织、民政部门负责;社区勤政廉政建设由纪检监察"
        "部门负责;基础设施建设由城乡规划、发展改革、财政、民政、城乡建设、住房保障和房产管理、"
        "国土资源、水务部门负责;社区环境卫生由城管、住房保障和房产管理、卫生、环保部门负责;社区"
        "治安由公安、维稳、综治、司法部门负责;社区服务由民政、人力资源和社会保障、商务、工商部门"
        "负责指导协调;社区卫生和计生服务由卫生、人口计生部门负责;社区文化由文化、教育、体育部门"
        "负责;社区共建由街道党工委和办事处(乡镇党委、政府)负责。",
        "Community construction is managed by targets: organisation by the organisation and civil "
        "affairs departments; integrity by discipline inspection; infrastructure by planning, "
        "development and reform, finance, civil affairs, construction, housing and property, "
        "land and water; environment and sanitation by city management, housing and property, "
        "health and environment; security by public security, stability, governance and "
        "justice; services by civil affairs, human resources, commerce and industry; health and "
        "family planning by health and population; culture by culture, education and sports; "
        "joint building by the street party committee and office.",
    ),
}
"""Articles cited by reports that are not rules of a standard set: (article zh, article en,
text zh, text en), quoted from the measures."""
