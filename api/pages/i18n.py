"""Page texts in Chinese (the default) and English, and how a request picks its language."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from starlette.requests import Request

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
LANG_COOKIE = "lang"

# key: (中文, English). Workflow texts (states, actions, fields) come from the definitions.
TEXTS: Mapping[str, tuple[str, str]] = {
    "app.name": ("枫桥", "Fengqiao"),
    "app.tagline": ("矛盾纠纷调解与网格分级响应", "Dispute mediation and grid escalation"),
    "nav.skip": ("跳到主要内容", "Skip to main content"),
    "nav.workroom": ("调解工作台", "Workroom"),
    "nav.intake": ("受理登记", "New case"),
    "nav.grid_report": ("网格上报", "Report an issue"),
    "nav.my_reports": ("我的上报", "My reports"),
    "nav.definitions": ("流程定义", "Workflows"),
    "nav.overdue": ("逾期看板", "Overdue board"),
    "nav.rates": ("办理指标", "Rates"),
    "nav.logout": ("退出登录", "Log out"),
    "nav.login": ("登录", "Log in"),
    "nav.language": ("语言", "Language"),
    "nav.main": ("主导航", "Main navigation"),
    "role.grid_member": ("网格员", "Grid member"),
    "role.mediator": ("调解员", "Mediator"),
    "role.handler": ("承办人员", "Handler"),
    "role.org_admin": ("组织管理员", "Organisation admin"),
    "role.supervisor": ("督导", "Supervisor"),
    "role.admin": ("系统管理员", "Administrator"),
    "role.system": ("系统", "System"),
    # login
    "login.title": ("登录", "Log in"),
    "login.username": ("用户名", "User name"),
    "login.password": ("密码", "Password"),
    "login.submit": ("登录", "Log in"),
    "login.failed": ("用户名或密码不正确。", "Wrong user name or password."),
    "login.locked": ("失败次数过多，请稍后再试。", "Too many failed attempts; try again later."),
    # queue
    "queue.title": ("调解工作台", "Mediation workroom"),
    "queue.mine": ("我的案件", "Mine"),
    "queue.org": ("本组织", "My organisation"),
    "queue.overdue": ("已逾期", "Overdue"),
    "queue.due_soon": ("即将到期", "Due soon"),
    "queue.empty": ("没有符合条件的案件。", "No cases here."),
    "queue.case": ("案件", "Case"),
    "queue.workflow": ("流程", "Workflow"),
    "queue.state": ("环节", "State"),
    "queue.category": ("类别", "Category"),
    "queue.unit": ("单位", "Unit"),
    "queue.deadline": ("时限", "Deadline"),
    "queue.updated": ("更新于", "Updated"),
    "queue.filter": ("筛选", "Filter"),
    "queue.search": ("搜索", "Search"),
    "queue.more": ("下一页", "Next page"),
    "export.csv": ("导出 CSV", "Export CSV"),
    "export.xlsx": ("导出 Excel", "Export Excel"),
    # printable documents
    "print.agreement.title": ("人民调解协议书", "Mediation agreement"),
    "print.visit.title": ("回访记录", "Follow-up record"),
    "print.documents": ("打印文书", "Print"),
    "print.back": ("返回案件", "Back to the case"),
    "print.hint": (
        "用浏览器的打印功能（Ctrl+P）打印本页；导航和按钮不会打印。",
        "Print this page with the browser (Ctrl+P); navigation and buttons are left out.",
    ),
    "print.masked": (
        "当事人姓名已隐去。填写理由后显示姓名再打印，查看将记入审计日志。",
        "The parties' names are masked. Give a reason to print them; the read is audited.",
    ),
    "print.reveal": ("显示姓名（将记录审计）", "Show the names (audited)"),
    "print.number": ("编号", "No."),
    "print.org": ("调解组织", "Mediation organisation"),
    "print.facts": ("纠纷主要事实", "The dispute"),
    "print.terms": ("协议内容", "Terms agreed"),
    "print.agreed_on": ("达成协议日期", "Agreed on"),
    "print.copies": (
        "本协议书自各方当事人签名、调解员签名并加盖调解组织印章之日起生效，当事人各执一份，调解组织留存一份。",
        "This agreement takes effect when signed by the parties and the mediator and sealed"
        " by the organisation; each party keeps a copy and the organisation one.",
    ),
    "print.signatures": ("签名", "Signatures"),
    "print.sign": ("（签名）", " (signature)"),
    "print.sign.mediator": ("调解员（签名）", "Mediator (signature)"),
    "print.sign.seal": ("调解组织（盖章）", "Organisation (seal)"),
    "print.sign.visitor": ("回访人（签名）", "Visited by (signature)"),
    "print.sign.visited": ("被回访人（签名）", "Party visited (signature)"),
    "print.date": ("日期", "Date"),
    "print.visit.planned": ("约定回访日期", "Planned visit"),
    "print.visit.at": ("回访时间", "Visited on"),
    "print.visit.by": ("回访人", "Visited by"),
    "print.visit.findings": ("回访情况", "Findings"),
    "print.printed": ("打印于 {at}", "Printed {at}"),
    # deadlines
    "due.overdue": ("已逾期 {span}", "overdue by {span}"),
    "due.left": ("剩余 {span}", "{span} left"),
    "due.none": ("无时限", "no deadline"),
    "due.status.overdue": ("逾期", "Overdue"),
    "due.status.soon": ("将到期", "Due soon"),
    "due.status.ok": ("正常", "On time"),
    "span.d": ("{n}天", "{n} d"),
    "span.h": ("{n}小时", "{n} h"),
    "span.min": ("{n}分钟", "{n} min"),
    # case page
    "case.title": ("案件 #{id}", "Case #{id}"),
    "case.state": ("当前环节", "Current state"),
    "case.version": ("版本", "Version"),
    "case.opened": ("受理时间", "Opened"),
    "case.org_unit": ("承办组织", "Organisation"),
    "case.grid_unit": ("网格", "Grid unit"),
    "case.tier": ("响应层级", "Tier"),
    "case.data": ("案件信息", "Case data"),
    "case.parties": ("当事人", "Parties"),
    "case.parties.masked": (
        "当事人信息已脱敏；仅承办人员可查看完整信息，查看将被记录。",
        "Parties' details are masked; only the people handling the case may see them, "
        "and every view is logged.",
    ),
    "case.parties.show": ("查看完整信息（将记录审计）", "Show full details (audited)"),
    "case.parties.reason": ("查看理由", "Reason for viewing"),
    "case.parties.none": ("尚未登记当事人。", "No parties recorded."),
    "case.parties.add": ("登记当事人", "Add a party"),
    "party.role": ("身份", "Role"),
    "party.name": ("姓名", "Name"),
    "party.phone": ("电话", "Phone"),
    "party.id_number": ("证件号", "ID number"),
    "party.address": ("住址", "Address"),
    "party.sensitive": ("敏感信息（未成年人、家暴等）", "Sensitive (minor, domestic violence…)"),
    "party.anonymous": ("匿名", "Anonymous"),
    "party.sensitive_short": ("敏感", "sensitive"),
    "party.applicant": ("申请人", "Applicant"),
    "party.respondent": ("被申请人", "Respondent"),
    "party.reporter": ("报告人", "Reporter"),
    "party.other": ("其他", "Other"),
    "case.timeline": ("办理记录", "History"),
    "case.timers": ("待到期时限", "Pending deadlines"),
    "case.timers.none": ("当前没有待到期的时限。", "No pending deadlines."),
    "case.timer.reminder": ("提醒", "Reminder"),
    "case.timer.deadline": ("时限", "Deadline"),
    "case.actions": ("可办理操作", "Actions"),
    "case.actions.none": ("您在此环节没有可办理的操作。", "You have no action in this state."),
    "case.action.blocked": ("条件尚未满足：", "Not possible yet: "),
    "case.action.submit": ("提交：{label}", "Submit: {label}"),
    "case.final": ("本案已办结。", "This case is closed."),
    "case.event.by": ("{actor}（{role}）", "{actor} ({role})"),
    "case.event.late": ("迟到 {span}", "{span} late"),
    "case.event.system": ("系统自动", "automatic"),
    "case.done": ("已办理：{label}", "Done: {label}"),
    "case.workflow_version": ("流程版本", "Workflow version"),
    "case.newer_version": (
        "已有新版本 v{version}（本案仍按原版本办理）",
        "v{version} is newer (this case stays on its version)",
    ),
    # form
    "form.required": ("必填", "required"),
    "form.optional": ("选填", "optional"),
    "form.choose": ("请选择", "Choose…"),
    "form.yes": ("是", "Yes"),
    "form.no": ("否", "No"),
    "form.errors": ("请更正以下问题：", "Please correct the following:"),
    "form.list_help": ("每行一项", "One per line"),
    "form.invalid_int": ("请输入整数", "Enter a whole number"),
    "form.invalid_number": ("请输入数字", "Enter a number"),
    "form.invalid_date": ("请输入日期（年-月-日）", "Enter a date (YYYY-MM-DD)"),
    "form.invalid_datetime": ("请输入日期和时间", "Enter a date and time"),
    "form.missing": ("此项必填", "This is required"),
    "form.min": ("不能小于 {n}", "At least {n}"),
    "form.max": ("不能大于 {n}", "At most {n}"),
    "form.choice": ("请选择列表中的一项", "Choose one of the options"),
    # intake
    "intake.title": ("受理登记", "New case"),
    "intake.workflow": ("流程", "Workflow"),
    "intake.org_unit": ("承办组织", "Organisation"),
    "intake.submit": ("登记受理", "Open the case"),
    "intake.parties": ("当事人（单独保存，脱敏显示）", "Parties (kept apart, shown masked)"),
    # grid
    "grid.title": ("网格事件上报", "Report an issue"),
    "grid.unit": ("网格", "Grid unit"),
    "grid.photo": ("现场照片", "Photo"),
    "grid.photo_help": (
        "可拍照上传，最大 8 MB；照片单独保存，案件只记录文件引用。",
        "Take or choose a photo, up to 8 MB; the file is stored apart and the case keeps "
        "a reference.",
    ),
    "grid.submit": ("上报", "Send report"),
    "grid.fixed_on_spot": ("现场已解决", "Fixed on the spot"),
    "grid.fixed_on_spot_help": (
        "勾选后直接结案，不再呼叫社区。",
        "The case is closed at once; the community is not called.",
    ),
    "grid.sent": ("已上报，案件编号 #{id}。", "Reported as case #{id}."),
    "grid.mine": ("我的上报", "My reports"),
    "grid.mine.empty": ("您还没有上报事件。", "You have not reported anything yet."),
    "grid.status": ("状态", "Status"),
    "grid.tier": ("层级", "Tier"),
    "grid.verify": ("待您核查", "Waiting for your check"),
    "grid.photo_too_big": ("照片不能超过 8 MB。", "The photo must be 8 MB or less."),
    "grid.photo_type": ("请上传 JPEG、PNG 或 WebP 图片。", "Upload a JPEG, PNG or WebP image."),
    # supervisor
    "defs.title": ("流程定义", "Workflow definitions"),
    "defs.name": ("名称", "Name"),
    "defs.version": ("版本", "Version"),
    "defs.versions": ("全部版本", "All versions"),
    "defs.states": ("环节数", "States"),
    "defs.transitions": ("操作数", "Actions"),
    "defs.hash": ("内容摘要", "Content hash"),
    "defs.diagram": ("流程图", "Diagram"),
    "defs.diagram_text": ("流程图源文本", "Diagram source"),
    "defs.source": ("YAML 源文件", "YAML source"),
    "defs.edit": ("编辑新版本", "Edit a new version"),
    "defs.states_table": ("环节", "States"),
    "defs.actions_table": ("操作", "Actions"),
    "defs.timers_table": ("计时器", "Timers"),
    "defs.roles": ("角色", "Roles"),
    "defs.final": ("终结", "final"),
    "defs.from": ("从", "From"),
    "defs.to": ("到", "To"),
    "defs.requires": ("必填字段", "Requires"),
    "defs.guard": ("前置条件", "Guard"),
    "defs.after": ("时长", "After"),
    "defs.then": ("到期操作", "Then"),
    "defs.problems": (
        "本次启动有 {n} 个流程定义文件的问题，相关文件未被采用：",
        "{n} problem(s) in the shipped definition files; those files were left out at start:",
    ),
    "defs.problems_help": (
        "其他流程和所有已发布版本照常运行，进行中的案件仍按原版本办理。请按提示修改文件，"
        "用 fengqiao validate 检查后重新启动。",
        "Every other workflow and every published version keep running; cases stay on their"
        " version. Fix the files as told, check them with fengqiao validate, then start again.",
    ),
    "editor.title": ("编辑流程：{name}", "Edit workflow: {name}"),
    "editor.label": ("YAML 源文件", "YAML source"),
    "editor.help": (
        "输入时自动校验；不启用脚本时，点击“校验”。发布时版本号自动加一，进行中的案件仍按原版本办理。",
        "Checked as you type; without scripts, press Check. Publishing numbers the new version "
        "itself; running cases stay on their version.",
    ),
    "editor.validate": ("校验", "Check"),
    "editor.dry_run": ("试运行", "Dry run"),
    "editor.publish": ("发布新版本", "Publish new version"),
    "editor.ok": (
        "校验通过：{name} 第 {version} 版，{states} 个环节，{transitions} 个操作。",
        "Valid: {name} v{version}, {states} states, {transitions} actions.",
    ),
    "editor.problems": ("发现 {n} 个问题：", "{n} problem(s) found:"),
    "editor.line": ("第 {line} 行第 {col} 列", "line {line}, column {col}"),
    "editor.published": ("已发布 {name} 第 {version} 版。", "Published {name} v{version}."),
    "editor.unchanged": (
        "内容未变，仍为 {name} 第 {version} 版。",
        "Nothing changed: {name} stays at v{version}.",
    ),
    "editor.publish_failed": ("发布失败：", "Publishing failed: "),
    "dry.title": ("试运行", "Dry run"),
    "dry.help": (
        "在内存中用草稿运行一个虚拟案件，不影响任何真实案件。"
        "每行一步：“操作 角色 字段=值 …”或“+时长”（如 +2 hours）。",
        "Runs a throw-away case on the draft in memory, touching no real case. One step a line: "
        "`action role field=value …` or `+duration` (e.g. +2 hours).",
    ),
    "dry.steps": ("步骤", "Steps"),
    "dry.data": ("初始数据（字段=值，每行一个）", "Opening data (field=value, one a line)"),
    "dry.run": ("运行", "Run"),
    "dry.path": ("运行路径", "Path"),
    "dry.step": ("步骤", "Step"),
    "dry.result": ("结果", "Result"),
    "dry.deadlines": ("结束时的待到期时限", "Deadlines pending at the end"),
    "dry.escalations": ("自动流转（超时）", "Automatic moves (deadlines)"),
    "dry.error": ("失败", "failed"),
    "dry.clock": ("时钟前进 {span}，到 {at}", "clock moved {span}, to {at}"),
    "dry.fired": ("到期触发 {n} 个，提醒 {r} 个", "{n} deadline(s) fired, {r} reminder(s)"),
    "dry.final_state": ("结束环节：{state}", "Ends in: {state}"),
    "editor.review": ("审阅变更", "Review the change"),
    "editor.migrate": (
        "将进行中的案件从第 {old} 版迁移到第 {new} 版",
        "Move running cases from v{old} to v{new}",
    ),
    "diff.kind.workflow": ("流程设置", "Workflow settings"),
    "diff.kind.state": ("环节", "States"),
    "diff.kind.transition": ("操作（流转）", "Transitions"),
    "diff.kind.field": ("字段", "Fields"),
    "diff.kind.timer": ("计时器（时限）", "Timers (deadlines)"),
    "diff.op.added": ("新增", "Added"),
    "diff.op.removed": ("删除", "Removed"),
    "diff.op.changed": ("修改", "Changed"),
    "review.title": ("审阅变更：{name}", "Review the change: {name}"),
    "review.versions": (
        "与当前第 {base} 版相比；发布后为第 {next} 版。",
        "Compared with v{base}, the current version; publishing makes v{next}.",
    ),
    "review.new_workflow": ("新流程：发布后为第 1 版。", "A new workflow: publishing makes v1."),
    "review.changes": ("变更内容（{n} 项）", "What changes ({n})"),
    "review.unchanged": (
        "内容与第 {base} 版相同，没有需要发布的变更。",
        "Nothing changed from v{base}: there is nothing to publish.",
    ),
    "review.diagram": ("流程图（标出变更）", "Diagram with the changes marked"),
    "review.legend": (
        "＋ 新增　✎ 修改　－ 已删除（虚线）",
        "＋ added · ✎ changed · － removed (dashed)",
    ),
    "review.open_cases": ("各版本进行中的案件", "Open cases per version"),
    "review.open_cases.help": (
        "发布后，进行中的案件仍按原版本办理；发布后可将其迁移到新版本。",
        "Running cases stay on their version after publishing; they can be moved to the new "
        "version afterwards.",
    ),
    "review.open_cases.count": ("进行中案件数", "Open cases"),
    "review.open_cases.none": ("没有进行中的案件。", "No case is open."),
    "review.reason": ("发布理由", "Why publish this version"),
    "review.reason_help": (
        "记入版本历史，例如依据的文件、会议或请示。",
        "Kept in the version history: the rule, meeting or request it follows.",
    ),
    "review.confirm": (
        "我已核对以上变更，确认发布第 {next} 版。",
        "I checked the changes above and publish v{next}.",
    ),
    "review.publish": ("发布第 {next} 版", "Publish v{next}"),
    "review.back": ("返回编辑", "Back to the editor"),
    "review.need_reason": ("请填写发布理由。", "Give a reason for publishing."),
    "review.long_reason": (
        "发布理由不能超过 {n} 个字。",
        "The reason may be {n} characters at most.",
    ),
    "review.need_confirm": (
        "请勾选确认已核对变更。",
        "Tick the box to confirm you checked the changes.",
    ),
    "review.stale": (
        "在您审阅期间，已有人发布了第 {version} 版，您的草稿未发布。"
        "下面的变更已改为与第 {version} 版比对，请重新审阅后再发布。",
        "While you were reviewing, someone published v{version}; your draft was not "
        "published. The changes below are now compared with v{version}: review them again "
        "before publishing.",
    ),
    "review.stale_link": ("按第 {version} 版重新审阅", "Review again against v{version}"),
    "history.title": ("版本历史：{name}", "Version history: {name}"),
    "history.by": ("发布人", "Published by"),
    "history.at": ("发布时间", "Published at"),
    "history.reason": ("发布理由", "Reason"),
    "history.no_reason": ("（未填写）", "(none given)"),
    "history.changes": ("与第 {old} 版相比的变更（{n} 项）", "{n} change(s) from v{old}"),
    "history.no_changes": ("与上一版内容相同。", "Same content as the version before."),
    "history.first": ("首个版本", "First version"),
    "history.open": ("查看第 {version} 版", "Open v{version}"),
    "defs.history": ("版本历史", "Version history"),
    "timer.change": ("修改时限", "Change this deadline"),
    "timer.amount": ("时长", "Length"),
    "timer.unit": ("单位", "Unit"),
    "timer.table_help": (
        "当前时长按 {by} 的取值而定；填写时长将改为统一时长，留空则保持不变。",
        "The length now depends on {by}; a length typed here replaces that table with one "
        "length; leave it empty to keep the table.",
    ),
    "timer.remind": ("提醒时点（时限的百分比）", "Reminder (share of the deadline, %)"),
    "timer.remind_help": (
        "例如 80 表示时限用去 80% 时提醒；留空则保持不变。",
        "E.g. 80 reminds when 80% of the time is used; leave it empty to keep it as it is.",
    ),
    "timer.notify": ("通知角色", "Roles notified"),
    "timer.submit": ("生成草稿并审阅", "Draft it and review"),
    "timer.bad_amount": ("请输入正整数。", "Enter a whole number of 1 or more."),
    "timer.bad_unit": ("请选择单位。", "Choose a unit."),
    "timer.bad_remind": (
        "请输入 1 到 99 之间的百分比，或留空。",
        "Enter a percentage from 1 to 99, or leave it empty.",
    ),
    "timer.failed": ("无法修改该时限：", "This deadline could not be changed: "),
    "unit.minutes": ("分钟", "minutes"),
    "unit.hours": ("小时", "hours"),
    "unit.days": ("天", "days"),
    "unit.weeks": ("周", "weeks"),
    "unit.months": ("个月", "months"),
    "unit.working_days": ("工作日", "working days"),
    "unit.working_hours": ("工作小时", "working hours"),
    "overdue.title": ("逾期看板", "Overdue board"),
    "overdue.empty": ("没有逾期案件。", "Nothing is overdue."),
    "overdue.late": ("逾期", "Late by"),
    "rates.title": ("办理指标", "Rates"),
    "rates.by": ("分组", "Group by"),
    "rates.by.org": ("组织", "Organisation"),
    "rates.by.grid": ("网格", "Grid unit"),
    "rates.by.period": ("月份", "Month"),
    "rates.by.category": ("类别", "Category"),
    "rates.by.community": ("社区（承办）", "Community (handling)"),
    "rates.by.street": ("街道（承办）", "Street (handling)"),
    "rates.from": ("受理日期自", "Opened from"),
    "rates.to": ("至", "to"),
    "rates.rank": ("排名依据", "Rank by"),
    "rates.rank_col": ("名次", "Rank"),
    "rates.trend": ("近 12 个月趋势", "Trend over 12 months"),
    "rates.trend_chart": ("{rate} 月度趋势", "{rate} by month"),
    "rates.month": ("月份", "Month"),
    "rates.own_area": ("仅显示本社区的数据：{unit}", "Your community's own figures only: {unit}"),
    "rates.bad_date": ("日期格式应为 年-月-日。", "Dates are written year-month-day."),
    "rates.bad_range": ("结束日期须不早于开始日期。", "The end date must not be before the start."),
    "rates.too_many": (
        "所选范围的时段过多（至多 {n} 个），请缩小范围。",
        "The range holds too many periods (at most {n}); narrow it.",
    ),
    "rates.workflow": ("流程", "Workflow"),
    "rates.cases": ("案件数", "Cases"),
    "rates.response": ("响应率", "Response rate"),
    "rates.resolution": ("解决率", "Resolution rate"),
    "rates.satisfaction": ("满意率", "Satisfaction rate"),
    "rates.on_time": ("按时办结率", "On-time rate"),
    "rates.success": ("调解成功率", "Success rate"),
    "rates.avg_close": ("平均办结时长", "Average time to close"),
    "rates.chart": ("{rate}（按{by}）", "{rate} by {by}"),
    "rates.none": ("暂无数据。", "No data yet."),
    "rates.definitions": (
        "响应率：承办单位在签收（受理）时限内的首次处置，不含网格员本人的上报；"
        "解决率：办结且达成协议（协议未履行、告知诉讼的不计）；满意率：评价 4 分及以上；"
        "按时办结率：未错过任何办理时限（挂账恢复、司法确认期届满等计划步骤不算超时）；"
        "调解成功率：达成协议的调解结果。已审核排除的不合理诉求和已合并的重复事件不计入。",
        "Response: the responsible unit's first action within its sign-for deadline, never the "
        "reporter's own report; resolution: closed with an agreement (an agreement not performed "
        "and closed with advice to sue is not resolved); satisfaction: rated 4 or more; on time: "
        "closed without a missed deadline (planned steps such as resuming a parked case do not "
        "count); success: mediations that reached agreement. Requests excluded after review and "
        "merged duplicates are not counted.",
    ),
    "rates.show": ("查看", "Show"),
    "rates.exclusions": ("已排除的不合理诉求", "Excluded requests"),
    "excl.title": ("不合理诉求排除", "Requests excluded from the rates"),
    "excl.help": (
        "经审核认定为不合理或不属受理范围的诉求不计入各项指标，排除理由留存备查。",
        "Requests found unreasonable or out of scope after review are left out of every rate;"
        " the reason is kept.",
    ),
    "excl.new": ("排除一件诉求", "Exclude a request"),
    "excl.case": ("案件编号", "Case number"),
    "excl.reason": ("排除理由", "Reason"),
    "excl.submit": ("审核排除", "Exclude after review"),
    "excl.list": ("已排除", "Excluded"),
    "excl.reviewer": ("审核人", "Reviewer"),
    "excl.at": ("审核时间", "Reviewed at"),
    "excl.include": ("恢复计入", "Count again"),
    "excl.none": ("没有排除的诉求。", "Nothing is excluded."),
    "excl.done": ("案件 #{id} 已排除。", "Case #{id} is excluded."),
    "excl.already": (
        "案件 #{id} 此前已排除，保留原审核理由。",
        "Case #{id} was excluded already; the first review and its reason stay.",
    ),
    "excl.included": ("案件 #{id} 已恢复计入指标。", "Case #{id} counts in the rates again."),
    "excl.bad_case": ("请填写有效的案件编号。", "Enter a valid case number."),
    "excl.need_reason": (
        "请写明排除理由（至少 2 个字）。",
        "Give a reason (2 characters or more).",
    ),
    "excl.no_case": (
        "找不到案件 #{id}，或您无权查看。",
        "Case #{id} was not found, or you may not see it.",
    ),
    # errors
    "error.title": ("出错了", "Something went wrong"),
    "error.back": ("返回", "Go back"),
    "error.not_found": ("找不到该页面或案件，或您无权查看。", "Not found, or you may not see it."),
    "error.forbidden": ("您的角色不能进行此操作。", "Your role may not do this."),
    "error.csrf": (
        "表单已过期，请重新提交。您填写的内容保留在下方。",
        "The form expired; submit it again. What you typed is kept below.",
    ),
    "error.action": ("无法办理此操作：", "This action could not be taken:"),
    "error.unavailable": (
        "系统暂时无法保存或读取数据，请稍后再试。",
        "The service cannot store or read data for the moment; try again shortly.",
    ),
    "conflict.title": ("案件已被他人更新", "Someone else moved this case"),
    "conflict.body": (
        "在您填写期间，{actor} 已办理“{action}”，案件现处于“{state}”（第 {version} 版）。"
        "您的操作未提交；您填写的内容保留在下方，可核对后重新提交。",
        "While you were typing, {actor} took “{action}”; the case is now in “{state}” "
        "(version {version}). Your action was not applied; what you typed is kept below, "
        "to check and submit again.",
    ),
    "conflict.typed": ("您填写的内容", "What you typed"),
    "conflict.now": ("案件当前情况", "The case now"),
    "conflict.retry": ("按当前版本重新提交", "Submit again on the new version"),
    "conflict.gone": (
        "当前环节不再允许此操作；请从案件页选择新的操作。",
        "This action is no longer possible in the new state; choose another on the case page.",
    ),
    "conflict.open_case": ("打开案件页", "Open the case page"),
    # migrations
    "nav.migrations": ("案件迁移", "Migrations"),
    "case.event.migrated": ("迁移至第 {version} 版", "Moved to v{version}"),
    "mig.title": ("案件迁移", "Case migrations"),
    "mig.help": (
        "把运行中的案件从流程的旧版本迁移到新版本：先制定计划、生成预览，核对无误后确认执行。"
        "每件案件的迁移都记入其办理记录和审计日志。",
        "Moves running cases from an older version of their workflow to a newer one: plan, "
        "preview, check, then confirm. Each move is recorded in the case's history and the "
        "audit log.",
    ),
    "mig.new": ("新建迁移计划", "Plan a migration"),
    "mig.none": ("还没有迁移记录。", "No migrations yet."),
    "mig.run": ("迁移 #{id}", "Migration #{id}"),
    "mig.runs": ("迁移记录", "Migrations"),
    "mig.workflow": ("流程", "Workflow"),
    "mig.versions": ("版本", "Versions"),
    "mig.from": ("原版本", "From version"),
    "mig.to": ("目标版本", "To version"),
    "mig.version_n": ("第 {n} 版", "v{n}"),
    "mig.by": ("发起人", "By"),
    "mig.at": ("时间", "When"),
    "mig.reason": ("迁移理由", "Reason"),
    "mig.status": ("状态", "Status"),
    "mig.status.planned": ("已制定计划", "Planned"),
    "mig.status.previewed": ("已预览", "Previewed"),
    "mig.status.applying": ("迁移中（未完成）", "Applying (not finished)"),
    "mig.status.applied": ("已完成", "Applied"),
    "mig.counts": ("案件数", "Cases"),
    "mig.total": ("纳入案件", "In scope"),
    "mig.movable": ("可迁移", "Movable"),
    "mig.refused": ("不可迁移", "Refused"),
    "mig.moved": ("已迁移", "Moved"),
    "mig.failed": ("失败", "Failed"),
    "mig.already": ("此前已迁移", "Already moved"),
    "mig.seconds": ("耗时", "Time taken"),
    "mig.seconds_value": ("{s} 秒", "{s} s"),
    "mig.previewed_at": ("预览时间", "Previewed at"),
    "mig.applied_at": ("执行时间", "Applied at"),
    "mig.map_summary": ("环节对应", "State mapping"),
    "mig.scope": ("迁移范围", "Which cases"),
    "mig.link": ("迁移运行中的案件", "Migrate running cases"),
    "mig.link_help": (
        "第 {n} 版尚有 {count} 件进行中的案件。",
        "{count} open case(s) are still on v{n}.",
    ),
    "mig.plan.help": (
        "选择流程和两个已发布的版本。原版本中在目标版本里不存在的环节需逐一指定去向。",
        "Choose the workflow and two published versions. Each state of the older version "
        "that the target version lacks needs a decision.",
    ),
    "mig.plan.versions": ("流程与版本", "Workflow and versions"),
    "mig.plan.refresh": ("按所选版本更新表单", "Update the form for these versions"),
    "mig.plan.mapping": ("环节对应", "State mapping"),
    "mig.plan.mapping_help": (
        "原版本的以下环节在目标版本中不存在。请为每个环节选择新环节；"
        "选择“不迁移”时，处于该环节的案件将被拒绝迁移、保留在原版本。",
        "These states of the older version are not in the target version. Choose a new state "
        "for each; with “leave”, cases in that state are refused and stay where they are.",
    ),
    "mig.plan.mapping_none": (
        "目标版本包含原版本的全部环节，无需指定对应。",
        "The target version has every state of the older one: nothing to map.",
    ),
    "mig.plan.old_state": ("原环节", "State"),
    "mig.plan.new_state": ("迁移到", "Becomes"),
    "mig.plan.leave": ("不迁移（案件保留在原版本）", "Leave (these cases are refused)"),
    "mig.plan.scope.all": ("全部进行中的案件", "Every open case"),
    "mig.plan.scope.states": ("处于所选环节的案件", "Cases in the states ticked"),
    "mig.plan.scope.ids": ("指定案件编号", "A list of case numbers"),
    "mig.plan.states": ("环节", "States"),
    "mig.plan.ids": ("案件编号", "Case numbers"),
    "mig.plan.ids_help": (
        "以空格、逗号或换行分隔。",
        "Separated by spaces, commas or new lines.",
    ),
    "mig.plan.reason_help": (
        "为何迁移，将记入审计日志（最多 {n} 字）。",
        "Why these cases move; kept in the audit log (at most {n} characters).",
    ),
    "mig.plan.submit": ("保存计划", "Save the plan"),
    "mig.err.workflow": ("请选择流程", "Choose a workflow"),
    "mig.err.version": ("请选择已发布的版本", "Choose a published version"),
    "mig.err.same": ("目标版本须与原版本不同", "Choose a version other than the older one"),
    "mig.err.map": (
        "请为该环节选择新环节，或选择不迁移",
        "Choose a new state, or leave",
    ),
    "mig.err.map_choice": (
        "请选择目标版本中未终结的环节",
        "Choose a state of the target version that is not final",
    ),
    "mig.err.scope": ("请选择迁移范围", "Choose which cases"),
    "mig.err.states": (
        "请至少勾选一个原版本的环节",
        "Tick at least one state of the older version",
    ),
    "mig.err.ids": ("请填写有效的案件编号：{bad}", "Enter valid case numbers: {bad}"),
    "mig.err.ids_empty": ("请至少填写一个案件编号", "Enter at least one case number"),
    "mig.err.reason": ("请写明迁移理由", "Give a reason"),
    "mig.err.reason_long": ("理由不能超过 {n} 个字", "At most {n} characters"),
    "mig.err.plan": ("计划未保存：", "The plan was not saved:"),
    "mig.preview": ("生成预览", "Preview"),
    "mig.preview.help": (
        "预览逐件检查案件能否迁移、迁移后的时限，不改动任何案件。",
        "The preview checks each case, whether it can move and its deadlines after, and "
        "changes nothing.",
    ),
    "mig.preview.title": ("预览", "Preview"),
    "mig.preview.case": ("案件", "Case"),
    "mig.preview.state": ("环节", "State"),
    "mig.preview.verdict": ("能否迁移", "Movable"),
    "mig.preview.before": ("迁移前时限", "Deadlines before"),
    "mig.preview.after": ("迁移后时限", "Deadlines after"),
    "mig.preview.empty": ("没有符合条件的案件。", "No case here."),
    "mig.preview.more": ("下一页", "Next page"),
    "mig.preview.first": ("第一页", "First page"),
    "mig.filter": ("筛选", "Filter"),
    "mig.filter.all": ("全部", "All"),
    "mig.filter.yes": ("可迁移", "Movable"),
    "mig.filter.no": ("不可迁移", "Refused"),
    "mig.overdue_after": ("迁移后即逾期", "Overdue once moved"),
    "mig.case.previewed": ("待迁移", "To move"),
    "mig.case.moved": ("已迁移", "Moved"),
    "mig.case.refused": ("不可迁移", "Refused"),
    "mig.case.failed": ("迁移失败", "Failed"),
    "mig.apply.title": ("确认迁移", "Apply"),
    "mig.apply.help": (
        "只迁移预览认定可迁移的案件；每件案件单独提交，中断后可再次执行，已迁移的不会重复。",
        "Only the cases the preview accepted move, each on its own; if interrupted, apply "
        "again: cases already moved are not moved twice.",
    ),
    "mig.apply.confirm": (
        "我已核对预览，确认迁移 {n} 件案件",
        "I checked the preview; move {n} case(s)",
    ),
    "mig.apply.submit": ("执行迁移", "Move the cases"),
    "mig.apply.need_confirm": ("请先勾选确认", "Tick the confirmation first"),
    "mig.apply.nothing": ("预览中没有可迁移的案件。", "The preview accepted no case."),
    "mig.report.title": ("迁移结果", "Report"),
    "mig.planned": ("迁移计划已保存，请生成预览。", "The plan is saved; preview it next."),
}


def translate(lang: str, key: str, **params: object) -> str:
    """The text for `key` in `lang`, with `{name}` placeholders filled in."""
    pair = TEXTS.get(key)
    if pair is None:
        return key
    text = pair[1] if lang == "en" else pair[0]
    return text.format(**params) if params else text


def translator(lang: str) -> Callable[..., str]:
    def t(key: str, **params: object) -> str:
        return translate(lang, key, **params)

    return t


def request_lang(request: Request, preferred: str | None = None) -> str:
    """`?lang=` wins, then the `lang` cookie, then the user's own setting, then Chinese."""
    for candidate in (
        request.query_params.get("lang"),
        request.cookies.get(LANG_COOKIE),
        preferred,
    ):
        if candidate in LANGS:
            return candidate
    return DEFAULT_LANG
