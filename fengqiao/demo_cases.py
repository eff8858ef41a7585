"""The demo cases: for each shipped workflow, cases brought to every one of its states.

Each script opens a case and fires the steps that bring it to its state, through the service.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

Step = tuple[str, str, dict[str, Any]]  # action, role, data


@dataclass(frozen=True)
class DemoTask:
    """A task given in a demo case once its steps are fired (engine.casework.tasks), by the
    script's `task_lead`, then done by its unit or closed by the lead with `text`."""

    unit: str
    title: str
    due: str | None = None
    outcome: str = "open"  # open | done | closed
    text: str = ""


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
    tasks: list[DemoTask] = field(default_factory=list)
    task_lead: str = ""


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


def _joint_meeting(meeting: str) -> list[Script]:
    """联席会议 (definitions/joint_meeting.yaml): convened by the district supervisor."""
    opened = {
        "topic": "和平里小区停车难与职工通勤",
        "description": "议题（草案）已与交通、城管部门会前协商。",
        "linked_cases": [],
        "meeting_date": meeting,
    }
    convene: Step = (
        "convene",
        "supervisor",
        {"chair_unit": "women", "co_handlers": ["union", "women", "cm-hp-1"]},
    )
    minutes: Step = (
        "record_minutes",
        "supervisor",
        {"minutes": "一、工会协调企业错峰开放停车位；二、社区重新划定停车区；三、妇联开展宣传。"},
    )
    decisions = [
        DemoTask("union", "协调辖区企业错峰开放停车位", "10 working days"),
        DemoTask("cm-hp-1", "重新划定小区停车区域", "5 working days", "done", "已划线"),
        DemoTask("women", "开展文明停车宣传", "2 days"),
    ]
    return [
        Script(
            "meeting:consultation", "joint_meeting", "supervisor", opened, [], org_unit="d-east"
        ),
        Script(
            "meeting:in_session",
            "joint_meeting",
            "supervisor",
            opened,
            [convene],
            org_unit="d-east",
        ),
        Script(
            "meeting:follow_up",
            "joint_meeting",
            "supervisor",
            opened,
            [convene, minutes],
            org_unit="d-east",
            tasks=decisions,
            task_lead="supervisor",
        ),
        Script(
            "meeting:concluded",
            "joint_meeting",
            "supervisor",
            {**opened, "topic": "困难职工帮扶资金统筹"},
            [convene, minutes],
            org_unit="d-east",
            tasks=[
                DemoTask("union", "梳理困难职工名单", None, "done", "已梳理 12 户"),
                DemoTask("women", "对接妇女帮扶项目", None, "closed", "并入下季度会议议题"),
            ],
            task_lead="supervisor",
        ),
        Script(
            "meeting:cancelled",
            "joint_meeting",
            "supervisor",
            {**opened, "topic": "暑期青少年托管"},
            [("cancel", "supervisor", {"cancel_reason": "议题已由团区委单独办理"})],
            org_unit="d-east",
        ),
    ]


def _deliberation() -> list[Script]:
    """百姓议事厅 (definitions/deliberation.yaml): a community's five steps."""
    opened = {
        "topic": "老旧小区加装电梯",
        "raised_by": "residents",
        "location": "和平里七区5号楼",
        "description": "干部入户走访，五楼以上老人上下楼困难。",
    }
    hear: Step = ("hear", "handler", {})
    deliberate: Step = ("deliberate", "handler", {"opinions": "多数住户同意，一楼住户担心采光。"})
    decide: Step = (
        "decide",
        "handler",
        {"decision": "加装电梯，一楼住户给予补偿，施工前再行公示。", "participants": 28},
    )
    work = [
        DemoTask("cm-hp-1", "组织住户签订加装协议", "10 working days", "done", "已签 18 户"),
        DemoTask("s-heping", "协调规划审批", "10 working days", "done", "审批已通过"),
    ]
    return [
        Script("deliberation:asking", "deliberation", "handler", opened, [], org_unit="cm-hp-1"),
        Script(
            "deliberation:hearing", "deliberation", "handler", opened, [hear], org_unit="cm-hp-1"
        ),
        Script(
            "deliberation:deliberating",
            "deliberation",
            "handler",
            opened,
            [hear, deliberate],
            org_unit="cm-hp-1",
        ),
        Script(
            "deliberation:doing",
            "deliberation",
            "handler",
            {**opened, "topic": "小区垃圾分类投放点调整"},
            [hear, deliberate, decide],
            org_unit="cm-hp-1",
            tasks=[DemoTask("cm-hp-1", "调整投放点位置", "3 days"), work[1]],
            task_lead="handler",
        ),
        Script(
            "deliberation:publicity",
            "deliberation",
            "handler",
            opened,
            [hear, deliberate, decide],
            org_unit="cm-hp-1",
            tasks=work,
            task_lead="handler",
        ),
        Script(
            "deliberation:evaluation",
            "deliberation",
            "handler",
            {**opened, "topic": "健身器材更新"},
            [
                hear,
                deliberate,
                (
                    "reject",
                    "handler",
                    {"rejection_reason": "器材在保修期内，由厂家维修。", "participants": 12},
                ),
                ("publicity_ended", "system", {}),
            ],
            org_unit="cm-hp-1",
        ),
        Script(
            "deliberation:closed",
            "deliberation",
            "handler",
            {**opened, "topic": "小区广场舞噪音"},
            [
                hear,
                deliberate,
                (
                    "reject",
                    "handler",
                    {"rejection_reason": "经议定改为约定活动时段，无需办理。", "participants": 35},
                ),
                ("publicity_ended", "system", {}),
                ("rate", "handler", {"rating": 4, "evaluation": "居民基本满意"}),
            ],
            org_unit="cm-hp-1",
        ),
    ]


def _projects(today: date) -> list[Script]:
    """Service projects under supervision (项目化, seed 002), started today: reports fall due
    at the end of each half month, the summary half a year on."""
    project = {
        "project_name": "职工法律服务进企业",
        "service_area": "legal_advice",
        "project_owner": "区总工会法律服务部",
        "deliverables": ["每月两次法律咨询", "劳动争议调解员培训四期", "年度服务报告"],
        "start_date": today.isoformat(),
        "end_date": (today + timedelta(days=365)).isoformat(),
    }
    report: Step = ("submit_report", "org_admin", {"progress_note": "本半月开展法律咨询两次。"})
    findings: Step = (
        "record_findings",
        "supervisor",
        {
            "findings": "培训台账不全，缺少签到记录。",
            "rectification_due": (today + timedelta(days=14)).isoformat(),
        },
    )
    complete: Step = ("complete", "org_admin", {"final_report": "清单所列成果全部完成。"})
    evaluate: Step = (
        "evaluate",
        "supervisor",
        {"evaluation": "good", "evaluation_note": "服务覆盖面广，台账规范。"},
    )
    paths: dict[str, list[Step]] = {
        "in_progress": [report],
        "rectifying": [report, findings],
        "rectification_overdue": [report, findings, ("rectification_missed", "supervisor", {})],
        "final_review": [report, complete],
        "closed": [report, complete, evaluate],
    }
    terminated: list[Step] = [
        findings,
        ("rectification_missed", "supervisor", {}),
        ("terminate", "supervisor", {"evaluation_note": "逾期未整改，终止项目。"}),
    ]
    return [
        Script(
            f"project_supervision:{state}",
            "project_supervision",
            "org_admin",
            project,
            path,
            org_unit="union",
        )
        for state, path in paths.items()
    ] + [
        Script(
            "project_supervision:terminated",
            "project_supervision",
            "org_admin",
            {**project, "project_name": "青少年心理关爱课堂"},
            terminated,
            org_unit="union",
        )
    ]


def _points(today: date) -> list[Script]:
    """公益积分 (seed 003) and the quarterly assessment of the mass organisations (seed 002)."""
    worked = (today - timedelta(days=3)).isoformat()
    activity: dict[str, Any] = {
        "participant": "王秀英",
        "participant_kind": "resident",
        "activity": "volunteering",
        "activity_date": worked,
        "description": "垃圾分类督导志愿服务，每周两次共 8 小时。",
        "proposed_points": 30,
    }
    team = {
        **activity,
        "participant": "夕阳红志愿服务队",
        "participant_kind": "organisation",
        "activity": "care",
        "description": "关爱小组上门为独居老人免费理发、健康检查 12 人次。",
        "proposed_points": 50,
    }
    verify: list[Step] = [("verify", "handler", {})]
    quarter = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    scored: list[Step] = [
        (
            "report_work",
            "org_admin",
            {"item": "dispute_resolution", "description": "本季度调解劳动争议 5 件，均达成协议。"},
        ),
        (
            "add_points",
            "supervisor",
            {"item": "dispute_resolution", "points": 15, "description": "化解劳动争议 5 件"},
        ),
        (
            "add_points",
            "supervisor",
            {"item": "publicity", "points": 10, "description": "区报刊发调解工作报道 2 篇"},
        ),
        (
            "deduct_points",
            "supervisor",
            {"item": "activities", "points": 5, "description": "季度普法活动未按计划开展"},
        ),
    ]
    women: list[Step] = [
        (
            "add_points",
            "supervisor",
            {"item": "hardship_aid", "points": 12, "description": "帮扶困难妇女 6 户"},
        ),
    ]
    return [
        Script(
            "points:recorded",
            "public_points",
            "grid_member",
            {
                **activity,
                "proposed_points": 10,
                "participant": "李建国",
                "activity": "public_benefit",
                "description": "参加社区楼道清理公益活动半天。",
            },
            [],
            grid_unit="g-hp-1-1",
        ),
        Script(
            "points:awarded", "public_points", "grid_member", activity, verify, grid_unit="g-hp-1-1"
        ),
        Script(
            "points:awarded_team",
            "public_points",
            "grid_member",
            team,
            verify,
            grid_unit="g-hp-1-1",
        ),
        Script(
            "points:rejected",
            "public_points",
            "grid_member",
            {**activity, "participant": "张伟", "description": "个人自家门前清扫。"},
            [("reject", "handler", {"reject_reason": "非公益性质，不予认定。"})],
            grid_unit="g-hp-1-1",
        ),
        Script(
            "scoring:assessed",
            "quarterly_scoring",
            "supervisor",
            {"quarter": quarter},
            [
                *scored,
                ("close_quarter", "supervisor", {"summary": "矛盾化解成效明显，活动开展需加强。"}),
            ],
            org_unit="union",
        ),
        Script(
            "scoring:scoring",
            "quarterly_scoring",
            "supervisor",
            {"quarter": quarter},
            women,
            org_unit="women",
        ),
    ]


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
        *_joint_meeting(f"{(today + timedelta(days=2)).isoformat()}T09:00:00+08:00"),
        *_deliberation(),
        *_projects(today),
        *_points(today),
        *_wages(today),
    ]
