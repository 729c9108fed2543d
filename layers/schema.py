"""Layer schemas: field names, types, allowed values and geometry types of every layer.

The canonical layer model of DESIGN.md. Everything that reads or writes a layer refers to
these schemas instead of repeating field names.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from layers.basis import COMMUNITY_SOURCES, ERA_BASIS, HOUSEHOLDS_BASIS
from layers.errors import UnknownNameError

ROOM_CODES: tuple[str, ...] = (
    "service_hall",
    "police_room",
    "property_station",
    "cultural_room",
    "library",
    "clinic",
    "elderly_daycare",
    "pupil_care",
)
"""Art. 8 checklist of a community service station, in the order of the article."""

RENTAL_STATION_ROOM = "rental_station"
"""Art. 20: the rental-housing management station (出租房管理站), sharing the police room."""

RURAL_ROOM_CODES: tuple[str, ...] = (
    "convenience_station",
    "health_station",
    "reading_room",
    "multipurpose_room",
)
"""Art. 36 "two stations, two rooms" of a village station (两站两室; the square is a facility)."""

ALL_ROOM_CODES: tuple[str, ...] = (*ROOM_CODES, RENTAL_STATION_ROOM, *RURAL_ROOM_CODES)
"""Every room code the ``rooms`` field of a facility may hold."""

ROOM_LABELS: dict[str, tuple[str, str]] = {
    "service_hall": ("办事大厅", "service hall"),
    "police_room": ("警务室", "police room"),
    "property_station": ("物业站", "property station"),
    "cultural_room": ("文化活动室", "cultural room"),
    "library": ("图书室", "library"),
    "clinic": ("医务室", "clinic"),
    "elderly_daycare": ("老年人日间照料室", "elderly day care"),
    "pupil_care": ("小学生看护室", "pupil care"),
    "rental_station": ("出租房管理站", "rental-housing management station"),
    "convenience_station": ("便民服务站", "convenience service station"),
    "health_station": ("卫生服务站", "health station"),
    "reading_room": ("图书阅览室", "reading room"),
    "multipurpose_room": ("多功能活动室", "multi-purpose room"),
}

FACILITY_KINDS: tuple[str, ...] = (
    "street_centre",
    "community_station",
    "central_station",
    "public_housing",
    "cultural_centre",
    "health_centre",
    "elderly_daycare",
    "police_room",
    "rural_station",
    "square",
)

FACILITY_KIND_LABELS: dict[str, tuple[str, str]] = {
    "street_centre": ("街道综合服务中心", "street service centre"),
    "community_station": ("社区服务工作站", "community service station"),
    "central_station": ("社区中心服务站", "central service station (Art. 13 hub)"),
    "public_housing": ("社区公益用房", "community public-benefit housing"),
    "cultural_centre": ("文化活动中心", "cultural centre"),
    "health_centre": ("卫生服务中心", "health centre"),
    "elderly_daycare": ("老年人日间照料中心", "elderly day care"),
    "police_room": ("警务室", "police room"),
    "rural_station": ("农村社区服务站", "rural community station"),
    "square": ("广场", "square"),
}

FACILITY_STATUS_LABELS: dict[str, tuple[str, str]] = {
    "in_use": ("使用中", "in use"),
    "rented_out": ("出租", "rented out"),
    "sold": ("出卖", "sold"),
    "other_use": ("挪作他用", "used for other purposes"),
}
"""Known codes of the facilities' ``status`` (free text otherwise, e.g. an OSM "to be verified").
Art. 12 para. 4: housing rented out, sold or used for other purposes is to be corrected."""

_STATUS_ALIASES: dict[str, str] = {
    "已出租": "rented_out",
    "出售": "sold",
    "已出售": "sold",
    "已出卖": "sold",
    "挪用": "other_use",
    "他用": "other_use",
    "在用": "in_use",
}


def facility_status_code(value: object) -> str | None:
    """The code of a facility ``status`` cell: a code, its Chinese label or a common variant
    (出租, 已出售, 挪作他用 ...) -> ``rented_out`` / ``sold`` / ``other_use`` / ``in_use``;
    other texts are returned stripped, an empty cell gives ``None``."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip()
    if not text:
        return None
    lowered = text.lower()
    if lowered in FACILITY_STATUS_LABELS:
        return lowered
    for code, (zh, en) in FACILITY_STATUS_LABELS.items():
        if text == zh or lowered == en:
            return code
    return _STATUS_ALIASES.get(text, text)


DISTRICT_CLASSES: tuple[str, ...] = ("core", "outer", "county")
OFFER_TYPES: tuple[str, ...] = ("free", "low_rent", "exchange", "transfer", "lease", "new")
CAMERA_KINDS: tuple[str, ...] = ("dome", "bullet", "ptz")
CAMERA_STATUS: tuple[str, ...] = ("working", "broken")
PUBLIC_SPACE_KINDS: tuple[str, ...] = ("street", "alley", "courtyard", "entrance", "square")

POLYGONS = ("Polygon", "MultiPolygon")
POINTS = ("Point",)
LINES = ("LineString", "MultiLineString")


@dataclass(frozen=True)
class FieldSpec:
    """One attribute of a layer.

    Parameters
    ----------
    name : str
        Column name in the GeoPackage.
    dtype : {"str", "int", "float", "bool"}
        Logical type of the values.
    required : bool
        Whether the column must exist.
    nullable : bool
        Whether a row may leave the value empty.
    allowed : tuple of str, optional
        Closed vocabulary of allowed values (for ``dtype == "str"``).
    minimum, maximum : float, optional
        Inclusive numeric range.
    list_of : tuple of str, optional
        For comma-separated text lists: the allowed items (Art. 8 rooms).
    label_zh, label_en : str
        Labels shown to planners.
    """

    name: str
    dtype: str
    required: bool = True
    nullable: bool = False
    allowed: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    list_of: tuple[str, ...] | None = None
    label_zh: str = ""
    label_en: str = ""


@dataclass(frozen=True)
class LayerSchema:
    """The schema of one layer: geometry types, fields and the identifier column."""

    name: str
    label_zh: str
    label_en: str
    geometry_types: tuple[str, ...]
    fields: tuple[FieldSpec, ...]
    id_field: str | None = None
    spatial: bool = True
    extra: dict = field(default_factory=dict)

    @property
    def field_names(self) -> list[str]:
        """Names of all declared fields, in order."""
        return [f.name for f in self.fields]

    def field(self, name: str) -> FieldSpec:
        """Return the spec of field ``name``."""
        for f in self.fields:
            if f.name == name:
                return f
        raise UnknownNameError(
            f"图层 {self.name} 没有字段 {name} / layer {self.name} has no field {name}"
        )

    def label(self, lang: str = "zh") -> str:
        """Label of the layer in ``lang`` ("zh" or "en")."""
        return self.label_zh if lang == "zh" else self.label_en


def _f(name: str, dtype: str, zh: str, en: str, **kw) -> FieldSpec:
    return FieldSpec(name=name, dtype=dtype, label_zh=zh, label_en=en, **kw)


_AREA = {"minimum": 0.0, "nullable": True}
"""Usable areas may be unknown (to be surveyed, e.g. a chimney from OpenStreetMap); analyses
that need an area report such rows instead of treating them as zero."""

SCHEMAS: dict[str, LayerSchema] = {
    s.name: s
    for s in (
        LayerSchema(
            "districts",
            "区县",
            "Districts",
            POLYGONS,
            (
                _f("district_code", "str", "行政区划代码", "district code"),
                _f("name", "str", "名称", "name"),
                _f("district_class", "str", "区县类别", "district class", allowed=DISTRICT_CLASSES),
            ),
            id_field="district_code",
        ),
        LayerSchema(
            "streets",
            "街道/乡镇",
            "Streets",
            POLYGONS,
            (
                _f("street_code", "str", "街道代码", "street code"),
                _f("name", "str", "名称", "name"),
                _f("district_code", "str", "区县代码", "district code"),
            ),
            id_field="street_code",
        ),
        LayerSchema(
            "communities",
            "社区/村",
            "Communities",
            POLYGONS,
            (
                _f("community_id", "str", "社区编号", "community id"),
                _f("name", "str", "名称", "name"),
                _f("street_code", "str", "街道代码", "street code"),
                _f("district_code", "str", "区县代码", "district code"),
                _f("kind", "str", "类型", "kind", allowed=("urban", "rural")),
                _f("era", "str", "建成年代", "era", allowed=("old", "new")),
                _f(
                    "management",
                    "str",
                    "管理类型",
                    "management",
                    allowed=("regulated", "basic", "scattered"),
                ),
                _f("households", "int", "户数", "households", minimum=0, nullable=True),
                _f("population", "int", "人口", "population", minimum=0, nullable=True),
                _f(
                    "households_basis",
                    "str",
                    "户数依据",
                    "households basis",
                    required=False,
                    nullable=True,
                    allowed=HOUSEHOLDS_BASIS,
                ),
                _f(
                    "households_method",
                    "str",
                    "户数估算方法",
                    "households estimated how",
                    required=False,
                    nullable=True,
                ),
                _f(
                    "era_basis",
                    "str",
                    "建成年代依据",
                    "era basis",
                    required=False,
                    nullable=True,
                    allowed=ERA_BASIS,
                ),
                _f(
                    "community_source",
                    "str",
                    "社区来源",
                    "community source",
                    required=False,
                    nullable=True,
                    allowed=COMMUNITY_SOURCES,
                ),
                _f(
                    "star_rating",
                    "int",
                    "星级",
                    "star rating",
                    required=False,
                    nullable=True,
                    minimum=0,
                    maximum=5,
                ),
                _f(
                    "community_started",
                    "bool",
                    "已启动社区建设(村)",
                    "community construction started (villages, Art. 36)",
                    required=False,
                    nullable=True,
                ),
                _f(
                    "started_at",
                    "str",
                    "启动社区建设日期(村)",
                    "community construction started on (villages, Art. 35)",
                    required=False,
                    nullable=True,
                ),
                _f(
                    "closed_management",
                    "bool",
                    "封闭式管理",
                    "closed management (Art. 20)",
                    required=False,
                    nullable=True,
                ),
                _f(
                    "valid_from",
                    "str",
                    "设立生效日期",
                    "in force from (Art. 7)",
                    required=False,
                    nullable=True,
                ),
                _f(
                    "valid_to",
                    "str",
                    "撤销生效日期",
                    "in force until (Art. 7)",
                    required=False,
                    nullable=True,
                ),
            ),
            id_field="community_id",
        ),
        LayerSchema(
            "facilities",
            "设施",
            "Facilities",
            POINTS + POLYGONS,
            (
                _f("facility_id", "str", "设施编号", "facility id"),
                _f("name", "str", "名称", "name"),
                _f("kind", "str", "设施类型", "kind", allowed=FACILITY_KINDS),
                _f("usable_area_m2", "float", "使用面积(平方米)", "usable area (m2)", **_AREA),
                _f("community_id", "str", "所属社区", "community id", nullable=True),
                _f(
                    "rooms",
                    "str",
                    "功能用房",
                    "rooms (Art. 8, 20, 36)",
                    required=False,
                    nullable=True,
                    list_of=ALL_ROOM_CODES,
                ),
                _f("status", "str", "状态", "status", required=False, nullable=True),
            ),
            id_field="facility_id",
        ),
        LayerSchema(
            "boiler_rooms",
            "闲置锅炉房",
            "Idle boiler rooms",
            POINTS + POLYGONS,
            (
                _f("site_id", "str", "编号", "site id"),
                _f("name", "str", "名称", "name"),
                _f("owner_unit", "str", "产权单位", "owner unit", nullable=True),
                _f("owner_type", "str", "产权类型", "owner type", nullable=True),
                _f("idle", "bool", "是否闲置", "idle"),
                _f("usable_area_m2", "float", "使用面积(平方米)", "usable area (m2)", **_AREA),
                _f("condition", "str", "房屋状况", "condition", required=False, nullable=True),
            ),
            id_field="site_id",
        ),
        LayerSchema(
            "candidate_sites",
            "候选用房",
            "Candidate sites",
            POINTS + POLYGONS,
            (
                _f("site_id", "str", "编号", "site id"),
                _f("name", "str", "名称", "name"),
                _f("owner_unit", "str", "产权单位", "owner unit", nullable=True),
                _f("owner_type", "str", "产权类型", "owner type", nullable=True),
                _f("offer", "str", "取得方式", "offer (Art. 10, 13)", allowed=OFFER_TYPES),
                _f("usable_area_m2", "float", "使用面积(平方米)", "usable area (m2)", **_AREA),
                _f("condition", "str", "房屋状况", "condition", required=False, nullable=True),
            ),
            id_field="site_id",
        ),
        LayerSchema(
            "cameras",
            "监控",
            "Cameras",
            POINTS,
            (
                _f("camera_id", "str", "编号", "camera id"),
                _f("kind", "str", "类型", "kind", allowed=CAMERA_KINDS),
                _f("bearing_deg", "float", "朝向(度)", "bearing (deg)", minimum=0, maximum=360),
                _f("fov_deg", "float", "视场角(度)", "field of view (deg)", minimum=0, maximum=360),
                _f("range_m", "float", "视距(米)", "range (m)", minimum=0),
                _f("status", "str", "状态", "status", allowed=CAMERA_STATUS),
            ),
            id_field="camera_id",
        ),
        LayerSchema(
            "public_spaces",
            "公共部位",
            "Public spaces",
            LINES + POLYGONS,
            (
                _f("space_id", "str", "编号", "space id"),
                _f("kind", "str", "类型", "kind", allowed=PUBLIC_SPACE_KINDS),
                _f("community_id", "str", "所属社区", "community id"),
            ),
            id_field="space_id",
        ),
        LayerSchema(
            "buildings",
            "建筑",
            "Buildings",
            POLYGONS,
            (
                _f("levels", "int", "层数", "levels", nullable=True, minimum=0),
                _f("use", "str", "用途", "use", nullable=True),
            ),
        ),
        LayerSchema(
            "network_nodes",
            "步行路网节点",
            "Walking network nodes",
            POINTS,
            (_f("osmid", "int", "节点编号", "node id"),),
            id_field="osmid",
        ),
        LayerSchema(
            "network_edges",
            "步行路网",
            "Walking network",
            LINES,
            (
                _f("u", "int", "起点", "from node"),
                _f("v", "int", "终点", "to node"),
                _f("key", "int", "序号", "key", minimum=0),
                _f("length", "float", "长度(米)", "length (m)", minimum=0),
            ),
        ),
        LayerSchema(
            "ratings",
            "星级评定",
            "Star ratings",
            (),
            (
                _f("community_id", "str", "社区编号", "community id"),
                _f("term", "int", "届次", "term", nullable=True, minimum=1),
                _f("stars", "int", "星级", "stars", minimum=0, maximum=5),
                _f("rated_at", "str", "评定日期", "rated at", required=False, nullable=True),
            ),
            spatial=False,
        ),
        LayerSchema(
            "community_changes",
            "社区变更(第七条)",
            "Community changes (Art. 7)",
            (),
            (
                _f("change_id", "int", "变更编号", "change id", minimum=1),
                _f(
                    "kind",
                    "str",
                    "类型",
                    "kind",
                    allowed=("establish", "abolish", "split", "merge", "adjust"),
                ),
                _f("district_code", "str", "决定区县", "deciding district"),
                _f("decision_date", "str", "决定日期", "decision date"),
                _f("filed_city_at", "str", "报市备案日期", "filed with the city", nullable=True),
                _f("effective_date", "str", "生效日期", "effective date"),
                _f("old_ids", "str", "原社区", "old communities", nullable=True),
                _f("new_ids", "str", "新社区", "new communities", nullable=True),
            ),
            id_field="change_id",
            spatial=False,
        ),
        LayerSchema(
            "housing_registry",
            "公益用房登记(第十四条)",
            "Public-benefit housing registry (Art. 14)",
            (),
            (
                _f("facility_id", "str", "设施编号", "facility id"),
                _f("community_id", "str", "社区编号", "community id"),
                _f("ownership", "str", "权属", "ownership"),
                _f("usable_area_m2", "float", "使用面积(平方米)", "usable area (m2)", **_AREA),
                _f("use", "str", "用途", "use"),
                _f("registered_by", "str", "登记人", "registered by"),
                _f("registered_at", "str", "登记日期", "registered at"),
                _f(
                    "filed_civil_affairs_at",
                    "str",
                    "报区民政部门备案日期",
                    "filed with district civil affairs",
                    nullable=True,
                ),
                _f(
                    "filed_state_assets_at",
                    "str",
                    "报区国资部门备案日期",
                    "filed with district state assets",
                    nullable=True,
                ),
                _f("status", "str", "状态", "status", allowed=("registered", "filed")),
                _f(
                    "transferred_to",
                    "str",
                    "移交接收政府(第十二条)",
                    "handed over to (Art. 12)",
                    required=False,
                    nullable=True,
                ),
                _f(
                    "transferred_at",
                    "str",
                    "移交日期",
                    "handed over on",
                    required=False,
                    nullable=True,
                ),
            ),
            id_field="facility_id",
            spatial=False,
        ),
    )
}

LAYER_NAMES: tuple[str, ...] = tuple(SCHEMAS)
"""All layer names in display order; the walking network is ``network_nodes`` + ``network_edges``."""

NETWORK_LAYERS: tuple[str, str] = ("network_nodes", "network_edges")


def get_schema(layer_name: str) -> LayerSchema:
    """Return the schema of ``layer_name`` or raise a planner-readable ``KeyError``."""
    if layer_name == "network":
        raise UnknownNameError(
            "路网存为 network_nodes 和 network_edges 两个图层 / "
            "the network is stored as the layers network_nodes and network_edges"
        )
    try:
        return SCHEMAS[layer_name]
    except KeyError:
        known = ", ".join(SCHEMAS)
        raise UnknownNameError(
            f"未知图层 {layer_name!r};可用图层:{known} / unknown layer {layer_name!r}; known: {known}"
        ) from None


def parse_rooms(value: object) -> list[str]:
    """Split an Art. 8 ``rooms`` text into room codes (empty list for missing values)."""
    if value is None or (isinstance(value, float) and value != value):
        return []
    return [r.strip() for r in str(value).split(",") if r.strip()]
