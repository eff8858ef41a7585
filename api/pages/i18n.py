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
