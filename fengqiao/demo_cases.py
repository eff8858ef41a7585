"""The demo cases: for each shipped workflow, cases brought to every one of its states.

Each script opens a case and fires the steps that bring it to its state, through the service.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

Step = tuple[str, str, dict[str, Any]]  # action, role, data


@dataclass
class Script:
    """One demo case: where it is opened and the steps that bring it to its state."""

    key: str
    workflow: str
    opened_by: str
    data: dict[str, Any]
    steps: list[Step]
    org_unit: str | None = None
    grid_unit: str | None = None
    parties: list[dict[str, Any]] = field(default_factory=list)


def _mediation(later: str, visit: str) -> list[Script]:
    intake = {
        "category": "family",
        "source": "walk_in",
        "description": "婆媳之间因老房拆迁款分配发生争执，多次争吵。",
        "notice_given": True,
    }
    assess = {
        "risk_level": "low",
        "in_scope": True,
        "domestic_violence": False,
        "crime_risk": False,
    }
    agree = {
        "agreement_form": "written",
        "agreement_terms": "拆迁款按三七比例分配，年底前付清。",
        "performance_deadline": later,
    }
    visit_ok = {"performance": "performed", "satisfaction": 5, "lingering_risk": False}

    def mediator_of(org: str) -> str:
        """The demo mediator of an organisation's workroom (fengqiao.demo.USERS)."""
        return "mediator" if org == "union" else f"mediator_{org}"

    def path(org: str) -> list[Step]:
        return [
            ("register", "mediator", {}),
            (
                "start_mediation",
                "mediator",
                {**assess, "organisation": org, "mediator": mediator_of(org)},
            ),
            ("record_session", "mediator", {"session_mode": "private"}),
            ("reach_agreement", "mediator", agree),
            ("apply_confirmation", "mediator", {}),
            ("schedule_visit", "mediator", {"visit_date": visit}),
            ("record_visit", "mediator", visit_ok),
            ("close_case", "mediator", {}),
        ]

    # (state reached, steps taken, organisation)
    stops = [
        ("intake", 0, "women"),
        ("assessment", 1, "youth"),
        ("mediation", 3, "union"),
        ("agreement", 4, "disabled"),
        ("follow_up", 6, "union"),
        ("visit_done", 7, "women"),
        ("closed", 8, "union"),
    ]
    scripts = [
        Script(
            f"mediation:{state}",
            "mediation",
            mediator_of(org),
            intake,
            path(org)[:n],
            org_unit=org,
            parties=[
                {
                    "party_role": "applicant",
                    "name": "王秀英",
                    "phone": "13812345678",
                    "id_number": "110101196505121234",
                    "address": "东城区和平里七区3号楼",
                },
                {"party_role": "respondent", "name": "张丽", "phone": "13987654321"},
            ],
        )
        for state, n, org in stops
    ]
    scripts += [
        Script(
            "mediation:failed",
            "mediation",
            "mediator_science",
            {**intake, "category": "neighbour", "description": "邻居装修噪音扰民纠纷。"},
            [
                *path("science")[:3],
                ("terminate", "mediator", {"termination_reason": "no_agreement"}),
            ],
            org_unit="science",
        ),
        Script(
            "mediation:police_reported",
            "mediation",
            "mediator_women",
            {**intake, "category": "marriage", "description": "夫妻矛盾，女方反映曾遭受殴打。"},
            [
                ("register", "mediator", {}),
                (
                    "report_police",
                    "mediator",
                    {
                        "risk_level": "high",
                        "in_scope": True,
                        "domestic_violence": True,
                        "crime_risk": False,
                        "police_report_ref": "东城分局和平里派出所 接警单 20261123-017",
                    },
                ),
            ],
            org_unit="women",
            parties=[
                {
                    "party_role": "applicant",
                    "name": "刘女士",
                    "phone": "13700001111",
                    "sensitive": True,
                },
            ],
        ),
        Script(
            "mediation:referred_out",
            "mediation",
            "mediator_youth",
            {**intake, "category": "consumer", "description": "培训机构退费纠纷，已向法院起诉。"},
            [
                ("register", "mediator", {}),
                ("refer_out", "mediator", {"in_scope": False, "referral_route": "court"}),
            ],
            org_unit="youth",
        ),
    ]
    return scripts


def _labour(later: str, visit: str) -> list[Script]:
    intake = {
        "dispute_type": "wages",
        "applicant_side": "worker",
        "workers_count": 12,
        "claim_amount": 86000,
        "application_form": "written",
        "description": "某装修公司拖欠十二名工人两个月工资。",
        "mediation_org": "union_workroom",
        "mediator": "mediator",
    }
    path: list[Step] = [
        ("accept", "mediator", {}),
        (
            "reach_agreement",
            "mediator",
            {"agreement_terms": "公司分两期付清欠薪。", "performance_deadline": later},
        ),
        ("sign_agreement", "mediator", {"agreement_signed": True}),
        ("schedule_visit", "mediator", {"visit_date": visit}),
        ("confirm_performed", "mediator", {"performance": "performed", "satisfaction": 4}),
    ]
    states = ["intake", "mediation", "agreement", "follow_up", "follow_up_visit", "closed"]
    cut = [0, 1, 2, 3, 4, 5]
    scripts = [
        Script(
            f"labor_dispute:{s}", "labor_dispute", "mediator", intake, path[:n], org_unit="union"
        )
        for s, n in zip(states, cut, strict=True)
        if s != "follow_up_visit"
    ]
    scripts.append(
        Script(
            "labor_dispute:arbitration_advised",
            "labor_dispute",
            "mediator",
            {
                **intake,
                "dispute_type": "contract_termination",
                "workers_count": 1,
                "claim_amount": 24000,
                "description": "解除劳动合同经济补偿争议。",
            },
            [
                ("accept", "mediator", {}),
                ("mediation_failed", "mediator", {"termination_reason": "no_agreement"}),
            ],
            org_unit="union",
        )
    )
    return scripts


def _grid(next_week: str) -> list[Script]:
    report = {
        "grid_unit": "g-hp-1-1",
        "location": "和平里七区3号楼北侧",
        "category": "sanitation",
        "severity": "yellow",
        "description": "垃圾清运点满溢两天未清运，有异味。",
        "photos": ["upload/demo/garbage-1.jpg"],
    }
    handle: list[Step] = [
        ("report", "grid_member", {}),
        ("sign_for", "handler", {"handling_unit": "cm-hp-1"}),
    ]
    scripts = [
        Script(
            "grid:discovery", "grid_escalation", "grid_member", report, [], grid_unit="g-hp-1-1"
        ),
        Script(
            "grid:community_call",
            "grid_escalation",
            "grid_member",
            {
                **report,
                "category": "road_facility",
                "severity": "red",
                "description": "路灯倒伏压住人行道。",
            },
            handle[:1],
            grid_unit="g-hp-1-1",
        ),
        Script(
            "grid:handling", "grid_escalation", "grid_member", report, handle, grid_unit="g-hp-1-1"
        ),
        Script(
            "grid:extension_requested",
            "grid_escalation",
            "grid_member",
            {**report, "category": "utilities", "description": "小区供暖管道漏水。"},
            [
                *handle,
                ("request_extension", "handler", {"extension_reason": "需热力公司配合更换管道"}),
            ],
            grid_unit="g-hp-1-1",
        ),
        Script(
            "grid:parked",
            "grid_escalation",
            "grid_member",
            {
                **report,
                "category": "environment",
                "severity": "blue",
                "description": "绿地补种需等春季。",
            },
            [
                *handle,
                (
                    "park",
                    "supervisor",
                    {"park_reason": "季节性工作，开春补种", "resume_date": next_week},
                ),
            ],
            grid_unit="g-hp-1-2",
        ),
        Script(
            "grid:verification",
            "grid_escalation",
            "grid_member",
            report,
            [*handle, ("resolve", "handler", {"resolution": "已协调环卫加派车辆清运。"})],
            grid_unit="g-hp-1-2",
        ),
        Script(
            "grid:closed",
            "grid_escalation",
            "grid_member",
            report,
            [
                *handle,
                ("resolve", "handler", {"resolution": "已清运并消毒。"}),
                ("verify_ok", "grid_member", {"rating": 5}),
            ],
            grid_unit="g-hp-1-1",
        ),
        Script(
            "grid:closed_on_spot",
            "grid_escalation",
            "grid_member",
            {**report, "description": "井盖松动，已现场复位。", "category": "road_facility"},
            [("fix_on_spot", "grid_member", {})],
            grid_unit="g-hp-1-2",
        ),
        Script(
            "grid:merged",
            "grid_escalation",
            "grid_member",
            report,
            [
                ("report", "grid_member", {}),
                ("merge", "supervisor", {"merged_into": "grid:handling"}),
            ],
            grid_unit="g-hp-1-1",
        ),
        Script(
            "grid:escalated_to_street",
            "grid_escalation",
            "grid_member",
            {
                **report,
                "category": "illegal_construction",
                "severity": "yellow",
                "description": "楼顶违法搭建，社区无执法权。",
            },
            [
                ("report", "grid_member", {}),
                ("escalate", "handler", {"escalation_reason": "超出社区权限，需街道综合执法"}),
            ],
            grid_unit="g-hp-1-1",
        ),
    ]
    return scripts


def _wages(today: date) -> list[Script]:
    """Wage arrears monitoring and the blacklist (seed 004): a project at each stage, and a
    listing at each stage of its procedure; steps of the timers are taken as `system`."""

    def day(offset: int) -> str:
        return (today + timedelta(days=offset)).isoformat()

    project = {
        "employer_code": "91511700MA62000001",
        "employer_name": "达州某建筑劳务有限公司",
        "project_name": "通川区安置房二期",
        "location": "通川区西外镇",
        "description": "安置房主体施工，农民工由银行代发工资。",
        "workers_count": 40,
        "start_date": day(-20),
        "end_date": day(365),
    }
    order = {
        "findings": "拖欠32名农民工两个月工资共计36万元。",
        "rectification_due": day(10),
        "workers_unpaid": 32,
        "arrears_amount": 360000,
    }
    monitor: list[Step] = [
        ("start_monitoring", "handler", {}),
        (
            "public_report",
            "handler",
            {"report_channel": "hotline", "report_note": "工人来电反映欠薪"},
        ),
        ("order_payment", "handler", order),
        ("payment_deadline_missed", "system", {}),
    ]
    paid: list[Step] = [
        *monitor[:3],
        ("confirm_paid", "handler", {"payment_note": "已通过银行代发足额支付。"}),
        ("close", "handler", {"closing_note": "项目竣工，工资结清。"}),
    ]
    stops = [
        ("registered", monitor[:0]),
        ("monitoring", monitor[:1]),
        ("investigating", monitor[:2]),
        ("rectifying", monitor[:3]),
        ("payment_overdue", monitor),
        ("closed", paid),
    ]
    scripts = [
        Script(
            f"wage_monitoring:{state}",
            "wage_monitoring",
            "handler",
            {**project, "project_name": f"{project['project_name']}（{n}）"},
            steps,
            org_unit="cm-hp-1",
        )
        for n, (state, steps) in enumerate(stops, start=1)
    ]
    listing = {
        "employer_code": "91511700MA62000001",
        "employer_name": "达州某建筑劳务有限公司",
        "source_case": "WM-2026-001",
        "grounds": "amount_threshold",
        "arrears_amount": 360000,
        "workers_unpaid": 32,
        "payment_deadline": day(-3),
        "description": "责令限期支付后逾期未支付。",
    }
    notice = (
        "serve_notice",
        "handler",
        {"notice_served_on": day(0), "notice_note": "拟列入告知书"},
    )
    objection = ("file_objection", "handler", {"objection": "欠薪系总包方工程款未拨付。"})
    reviewed = {"objection_review": "经核实，不属于免责情形。"}
    decide = ("decide_listing", "supervisor", {"decision_note": "列入决定书", "listed_on": day(0)})
    to_list: list[Step] = [notice, objection, ("reject_objection", "handler", reviewed), decide]
    rectified = ("record_rectification", "handler", {"rectified_on": day(-1)})
    removable: list[Step] = [
        *to_list,
        rectified,
        ("becomes_removable", "system", {}),
    ]
    apply = ("apply_early_removal", "handler", {"pledge_made": True})
    ladder = [
        ("proposed", []),
        ("notice_served", [notice]),
        ("reviewing_objection", [notice, objection]),
        ("deciding", to_list[:3]),
        ("listed", [*to_list, ("publish", "handler", {"published_on": day(0)})]),
        ("rectified", [*to_list, rectified]),
        ("removal_eligible", removable),
        ("removal_review", [*removable, apply]),
        (
            "removed",
            [
                *removable,
                apply,
                ("approve_early_removal", "supervisor", {"removal_note": "准予提前移出"}),
            ],
        ),
        (
            "not_listed",
            [
                notice,
                objection,
                ("uphold_objection", "supervisor", {"objection_review": "申辩成立。"}),
            ],
        ),
    ]
    scripts += [
        Script(
            f"wage_blacklist:{state}",
            "wage_blacklist",
            "handler",
            listing,
            steps,
            org_unit="cm-hp-1",
        )
        for state, steps in ladder
    ]
    return scripts


def scripts(today: date) -> list[Script]:
    """Every demo case, with dates relative to `today`."""
    later = (today + timedelta(days=30)).isoformat()
    visit = (today + timedelta(days=37)).isoformat()
    return [
        *_mediation(later, visit),
        *_labour(later, visit),
        *_grid((today + timedelta(days=7)).isoformat()),
        *_wages(today),
    ]
