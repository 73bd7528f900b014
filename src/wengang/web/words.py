"""Words a member of staff reads for payment states, roles, jobs and the banks' reason codes (Chinese, English),
and Beijing time."""

from __future__ import annotations

import datetime as dt
import functools

from wengang.domain.cases import State
from wengang.domain.said import BANK_REASONS, PAYMENT_WORDS, bank_reason, day_words, money  # noqa: F401 - one definition, used here too
from wengang.rules.criteria import SIZE_CLASS_WORDS
from wengang.rules.criteria import reason_words as reason_words_of_rules
from wengang.rules.parameters import PackError, load_pack
from wengang.rules.programmes import PROGRAMMES

WORDS: dict[str, tuple[str, str]] = {
    **PAYMENT_WORDS,
    # where a failed payment's re-issue stands (services/failed_payments.py)
    "awaiting-account": ("待单位更正账户", "waiting for the unit to correct its account"),
    "account-to-verify": ("新账户待核验", "new account waiting for verification"),
    "ready-to-reissue": ("账户已更正, 待重新支付", "account corrected, ready to re-issue"),
    "reissue-prepared": ("重新支付待审批", "re-issue waiting for approval"),
    "reissue-approved": ("重新支付已审批, 待出文件", "re-issue approved, file not yet written"),
    "reissued": ("已重新支付, 在途", "re-issued, with the bank"),
    "overdue": ("已逾期, 待收回", "past the deadline, to recover"),
    # objections and a unit's accounts
    "objection.open": ("核查中", "being investigated"), "objection.sustained": ("异议成立", "sustained"),
    "objection.dismissed": ("异议不成立", "dismissed"), "objection.moot": ("已无须处理", "moot"),
    # an objection open to a case in review while on a list (Haikou): what the reviewer reads before deciding
    "objection.open_on_case": ("有未处理的异议", "objection open"),
    "objection.review_waits": ("审核通过后, 案件先等待异议处理结果, 不直接回到公示; 审核不通过则异议无须再处理",
                               "accepted, the case waits for the objection's decision instead of going straight "
                               "back on the list; rejected, the objection needs no decision of its own"),
    "account.pending": ("待第二人核验", "waits for a second person"), "account.active": ("已核验, 支付使用此账户",
                                                                                 "verified: payments use it"),
    "account.refused": ("未通过核验", "refused"), "account.superseded": ("已被新账户取代", "superseded"),
    # how a message reached the unit
    "channel.sms": ("短信", "SMS"), "channel.portal": ("网上服务平台", "portal"), "channel.email": ("电子邮件", "email"),
    "channel.wechat": ("微信", "WeChat"),
    # why a unit is on the call list (services/calllist.py), and what a call came to (domain/calls.py)
    "call.payment_failed": ("支付失败, 资金被退回", "its payment came back"),
    "call.not_reached": ("已告知, 但无一条送达", "told, but no copy delivered"),
    "call.deadline_near": ("申请期限将至", "its application deadline is near"),
    "call.not_confirmed": ("待单位确认 (用工单位或收款账户)", "waits on the unit to confirm (employer or account)"),
    "call.reached": ("已接通", "reached"), "call.no_answer": ("无人接听", "no answer"),
    "call.wrong_number": ("号码错误", "wrong number"), "call.call_back": ("约定回电", "call back"),
    # the step a message told, and how far a copy got (services/tell.py, services/delivery.py)
    "message.identified": ("已识别", "identified"), "message.application_needed": ("需要申请", "application needed"),
    "message.listed": ("列入公示", "put on a list"), "message.objection_received": ("收到异议", "objection received"),
    "message.not_granted": ("审核未通过", "not granted"),
    "message.approved": ("支付已审批", "payment approved"), "message.paid": ("已到账", "paid"),
    "message.payment_failed": ("支付失败", "payment failed"), "message.recovered": ("资金收回", "money recovered"),
    "delivery.delivered": ("已送达", "delivered"), "delivery.failed": ("发送失败", "failed"),
    "delivery.on_the_way": ("发送中", "on its way"), "delivery.none": ("无联系人", "nobody to send to"),
    # roles
    "clerk": ("经办员", "clerk"), "reviewer": ("复核员", "reviewer"), "approver": ("审批人", "approver"),
    "auditor": ("审计员", "auditor"), "admin": ("系统管理员", "system administrator"),
    "security": ("安全管理员", "security officer"), "employer": ("用人单位", "employer"),
    # jobs: their states, kinds and what their results name
    "job.queued": ("排队中", "queued"), "job.running": ("运行中", "running"), "job.done": ("已完成", "done"),
    "job.failed": ("失败", "failed"), "job.cancelled": ("已取消", "cancelled"),
    "job.open_cycle": ("开启周期", "open a cycle"), "job.compare": ("比对轮次", "comparison round"),
    "job.publicity_start": ("开始公示", "start publicity"), "job.reverify": ("复核", "re-verification"),
    "job.prepare_batches": ("准备支付批次", "prepare payment batches"),
    "job.reconcile": ("读取银行回执", "reconcile bank return files"),
    "job.import_snapshot": ("导入快照", "import a snapshot"),
    "job.cancel_cycle": ("撤销周期", "cancel a cycle"),
    "job.write_bank_files": ("写出银行文件", "write the bank files"),
    "job.simulate": ("政策模拟", "policy simulation"), "job.simulation": ("模拟结果", "the simulation"),
    "job.cycle_id": ("周期", "cycle"), "job.cases": ("案件数", "cases"), "job.run": ("评估运行", "evaluation run"),
    "job.snapshot": ("快照", "snapshot"), "job.round": ("轮次", "round"), "job.changed": ("有变化", "changed"),
    "job.batch": ("公示批次", "publicity batch"), "job.entries": ("条目", "entries"),
    "job.starts_on": ("首日", "first day"), "job.ends_on": ("末日", "last day"),
    "job.batches": ("支付批次", "payment batches"), "job.payments": ("笔数", "payments"),
    "job.total": ("金额(元)", "amount (yuan)"), "job.skipped": ("未入批", "left out"),
    "job.files": ("文件数", "files"), "job.records": ("记录数", "records"),
    "job.already_read": ("此前已读", "read before"), "job.exceptions": ("异常", "exceptions"),
    # the publicity plan (services/publicity_plan.py): how it splits, a planned batch's state, the size groups
    "plan.district": ("按区县", "by district"), "plan.size": ("按企业规模", "by size"),
    "plan.count": ("按数量", "by count"),
    "plan.planned": ("已排定, 未开始", "planned"), "plan.started": ("公示中", "started"),
    "plan.closed": ("公示期已结束", "closed"),
    "job.quarantined": ("隔离行", "quarantined rows"), "job.report": ("错误报告", "fault report"), "job.rows": ("行数", "rows"),
    "job.folder": ("上传目录", "uploaded folder"),
    "job.reason": ("原因", "reason"), "job.written_to": ("写入目录", "written to"),
    "job.names": ("文件", "files written"), "job.archive": ("压缩包", "zip archive"),
    **{programme.id: programme.name for programme in PROGRAMMES.values()},        # rules/programmes.py
    # where a cycle stands (services/cyclepage.phase)
    "phase.cancelled": ("已撤销", "cancelled"), "phase.comparison": ("数据比对中", "comparing the data"),
    "phase.publicity": ("公示中", "on publicity"), "phase.reverification": ("公示结束, 待复核", "publicity over, to re-verify"),
    "phase.approval": ("支付批次待审批或待出文件", "payment batches waiting for approval or their files"),
    "phase.with-bank": ("已发银行, 待回执", "with the bank, waiting for its answer"),
    "phase.payment": ("复核通过, 待编制支付批次", "re-verified, payment batches to prepare"),
    "phase.failed": ("有支付失败待处理", "failed payments to deal with"),
    "phase.publicity-due": ("比对完成, 待公示", "compared, waiting for publicity"),
    "phase.gates": ("待审核或待确认", "waiting for review or confirmations"), "phase.done": ("已办结", "done"),
    # the stages a cycle page offers (services/cyclepage.Stage.name)
    "stage.compare": ("开始比对轮次", "Run a comparison round"),
    "stage.publicity.plan": ("公示计划", "Publicity plan"),
    "stage.publicity.start": ("开始公示 (全部待公示案件)", "Start publicity (every identified case)"),
    "stage.publicity.close": ("结束公示", "Close publicity"),
    "stage.reverify": ("公示后复核", "Re-verify after publicity"),
    "stage.batch.prepare": ("按银行准备支付批次", "Prepare payment batches per bank"),
    "stage.batch.files": ("写出银行文件", "Write the bank files"),
    "stage.bank.returns": ("上传银行回执", "Upload bank return files"),
    "stage.recover": ("逾期收回", "Recover past the deadline"),
    "stage.cancel": ("撤销周期", "Cancel the cycle"),
}
# A case's states and decisions (a case "paid" or "rejected" is not a payment's: a table of their own).
CASE_WORDS: dict[str, tuple[str, str]] = {
    "identified": ("已识别, 待公示", "identified, waits for publicity"), "review": ("待审核", "in review"),
    "review-listed": ("审核中, 同步公示", "in review while on a public list"),
    "dispatch-confirmation": ("待用工单位确认", "waits for the actual employer"),
    "account-held": ("无可用账户, 暂缓", "held: no usable account"), "publicity": ("公示中", "on a public list"),
    "objection-raised": ("有异议, 核查中", "objection raised"), "re-verified": ("已复核", "re-verified"),
    "approved-for-payment": ("已批准支付", "approved for payment"), "paid": ("已支付", "paid"),
    "failed": ("支付失败", "payment failed"), "reissued": ("已重新支付", "reissued"),
    "recovered": ("已追回", "recovered"), "closed": ("已办结", "closed"), "rejected": ("不予返还", "not paid"),
    # decisions
    "eligible": ("符合", "eligible"), "ineligible": ("不符合", "not eligible"),
    # the ways forward (domain.cases.STEPS)
    "review.decide": ("审核决定 (通过/不通过)", "review decision (accept or reject)"),
    "review.supply": ("补充数据后重新判定", "supply the missing facts and decide again"),
    "dispatch.confirm": ("用工单位确认", "the actual employer confirms"),
    "account.release": ("确认可用账户", "confirm a usable account"),
    "objection.decide": ("异议处理", "decide the objection"),
    "cycle.compare": ("周期比对轮 (经办员, 周期页)", "a comparison round of the cycle (clerk, cycle page)"),
    "publicity.start": ("开始公示 (经办员, 周期页)", "publicity starts (clerk, cycle page)"),
    "objection.record": ("登记异议 (公示期内)", "an objection recorded during publicity"),
    "cycle.reverify": ("公示后复核 (周期页)", "re-verification after publicity (cycle page)"),
    "batch.prepare": ("编制支付批次并审批 (支付批次页)", "a payment batch prepared and approved (batches page)"),
    "batch.cancel": ("作废未发出的批次 (支付批次页)", "its batch cancelled before it leaves (batches page)"),
    "bank.reconcile": ("银行回单对账", "the bank's return file reconciled"),
    "exception.resolve": ("支付异常处理, 重新支付", "the payment exception resolved and reissued"),
    "payments.recover": ("逾期追回", "recovered past the deadline"),
    "case.close": ("办结", "close the case"),
}
# What happened to a case, as its audit trail names it (the event of each entry).
EVENT_WORDS: dict[str, tuple[str, str]] = {
    "case_opened": ("建立案件", "case opened"), "compared": ("比对轮重新判定", "decided again in a comparison round"),
    "applied": ("单位提交申请", "the unit applied"), "late_filing": ("延后补报", "late filing"),
    "review_accepted": ("审核通过", "review accepted"), "review_rejected": ("审核不通过", "review rejected"),
    "review_with_data": ("补充数据后重新判定", "decided again with supplied facts"),
    "dispatch_confirmed": ("用工单位已确认", "actual employer confirmed"),
    "department_confirmed": ("行业主管部门已确认", "confirmed by the industry department"),
    "department_declined": ("行业主管部门不予确认", "declined by the industry department"),
    "account_confirmed": ("可用账户已确认", "usable account confirmed"),
    "account_proposed": ("单位提交账户变更", "the unit proposed a new account"),
    "account_verified": ("新账户已核验", "new account verified"), "account_refused": ("新账户未通过核验",
                                                                                 "new account refused"),
    "simulation_run": ("政策模拟 (非正式评估)", "policy simulation (not a real run)"),
    "simulation_exported": ("导出政策模拟", "policy simulation exported"),
    "simulation_brief_exported": ("导出政策模拟简报", "policy simulation brief exported"),
    "publicity_started": ("列入公示", "put on a public list"), "objection_raised": ("收到异议", "objection raised"),
    "objection_sustained": ("异议成立", "objection sustained"), "objection_dismissed": ("异议不成立",
                                                                                      "objection dismissed"),
    "reverified": ("公示后复核", "re-verified after publicity"), "payment_approved": ("支付已审批", "payment approved"),
    "payment_cancelled": ("支付已作废", "payment cancelled"), "payment_paid": ("银行已入账", "paid by the bank"),
    "payment_rejected": ("银行拒绝", "rejected by the bank"), "payment_returned": ("银行退回", "returned by the bank"),
    "payment_pending": ("银行处理中", "with the bank"), "recovered": ("逾期追回", "recovered past the deadline"),
    "case_closed": ("办结", "case closed"), "case_combined": ("同年度只享受其一", "paid once a year in the group"), "case_renamed": ("单位名称更正", "unit name corrected"),
    "cycle_cancelled": ("周期作废", "cycle cancelled"),
}
# case states (domain.cases.State values), in the order a filter offers them: the words of CASE_WORDS
CASE_STATES: dict[str, tuple[str, str]] = {state.value: CASE_WORDS[state.value] for state in State}
# the orders a staff list can be sorted in (domain.queues.SORTS)
SORT_WORDS: dict[str, tuple[str, str]] = {
    "id": ("案件号", "case number"), "-id": ("案件号 (倒序)", "case number, newest first"),
    "name": ("单位名称", "unit name"), "amount": ("金额 (从小到大)", "amount, smallest first"),
    "-amount": ("金额 (从大到小)", "amount, largest first"), "state": ("状态", "state"),
}
# size classes a queue filters on (domain.queues.SIZES): the run's class when the cycle opened (one table, in the
# rules: a simulation's sheets name them too)
SIZE_WORDS: dict[str, tuple[str, str]] = SIZE_CLASS_WORDS
# Why the rules did not simply pay a unit: the codes a decision's `reasons` lists and a flag's kind after "flag:"
# (DATA.md `flags`), worded once in the criterion registry (rules/criteria.py). A queue filters on them; never shown
# as the bare code.
RULE_REASONS: dict[str, tuple[str, str]] = reason_words_of_rules()
# What the unit does next, and by when ("{by}": "于12月9日前" / "by 9 December", or "尽快" / "as soon as possible"):
# for a case's state ("state."), a rule's reason ("reason."), a bank's reason ("bank."), an application's and an
# objection's status. One table for every page and message; a key without a next step has none to show.
NEXT_STEPS: dict[str, tuple[str, str]] = {
    "state.identified": ("无需操作: 系统将自动公示本单位", "nothing to do: the system puts your unit on a public list"),
    "state.review": ("请在线提交申请并签署承诺书, 由工作人员审核", "apply online and sign the commitment letter; staff "
                     "then review it"),
    "state.review-listed": ("无需操作: 工作人员审核中, 公示同时进行; 如有异议请{by}在“为什么”页提出",
                            "nothing to do: staff review your case while it is on the list; object {by} if "
                            "something is wrong"),
    "state.dispatch-confirmation": ("请联系实际用工单位登录确认", "ask the unit you dispatch staff to, to confirm"),
    "state.account-held": ("请{by}登录确认或更正收款账户", "confirm or correct your bank account {by}"),
    "state.publicity": ("无需操作; 如对公示信息有异议, 请{by}在“为什么”页提出", "nothing to do; if something on "
                        "the list is wrong, object on the “why” page {by}"),
    "state.objection-raised": ("无需操作: 工作人员正在核查异议, 结果将通知您", "nothing to do: staff investigate the "
                               "objection and tell you the outcome"),
    "state.re-verified": ("无需操作: 等待批准支付", "nothing to do: the payment is approved next"),
    "state.approved-for-payment": ("无需操作: 资金将转入收款账户", "nothing to do: the money is on its way to your "
                                   "account"),
    "state.paid": ("资金已到账, 无需操作", "the money is paid: nothing to do"),
    "state.failed": ("请{by}登录更正收款账户, 之后将重新支付", "correct your bank account {by}; the money is then "
                     "paid again"),
    "state.reissued": ("无需操作: 已重新支付, 请留意到账", "nothing to do: paid again, watch your account"),
    "state.recovered": ("逾期未更正账户, 资金已收回; 如有疑问请拨打12333", "the account was not corrected in time "
                        "and the money was recovered; call 12333 with any question"),
    "state.closed": ("已办结, 无需操作", "closed: nothing to do"),
    "state.rejected": ("如认为结果有误, 请拨打12333或点击“呼我必回”", "if you think this is wrong, call 12333 or ask "
                       "for a call back"),
    "reason.out_of_scope": ("本单位类型不在本次返还范围内", "your type of unit is not covered this time"),
    "reason.paid_months_short": ("足额缴费月数达到上面所列要求后, 可参加下一次返还", "once the months paid in full reach "
                                 "the number above, you can take part in the next return"),
    "reason.arrears_outstanding": ("请尽快补缴欠费; 缴清后可参加下一次返还", "pay the arrears; once paid you can take "
                                   "part in the next return"),
    "reason.layoff_rate_above_limit": ("如裁员人数有误, 请拨打12333说明", "if the layoff count is wrong, call 12333"),
    "reason.layoff_rate_unknown": ("请在线申请并补充年初参保人数, 由工作人员审核", "apply online and give your staff "
                                   "count at the start of the year; staff review it"),
    "reason.size_class_unknown": ("请在线申请并补充从业人数或营业收入, 由工作人员审核", "apply online and give your staff "
                                  "count or revenue; staff review it"),
    "reason.not_certified_difficult": ("如本单位确有困难, 请向人社部门申请困难企业认定", "if your unit is in difficulty, "
                                       "ask the bureau to certify it"),
    "reason.fund_reserve_short": ("本地区暂不具备实施条件, 可关注普惠性稳岗返还", "the region cannot run this "
                                  "programme now; the general return may still apply"),
    "reason.region_values_missing": ("待本地区公布标准后由工作人员审核, 无需操作", "staff review it once the region "
                                     "publishes its standard; nothing to do"),
    "reason.headcount_unknown": ("工作人员将核实上月参保数据, 如有疑问请拨打12333", "staff check last month's "
                                 "insurance data; questions: call 12333"),
    "reason.not_in_risk_area": ("本单位所在地区未列为中高风险地区, 本项补助不适用", "your area was not listed, so this "
                                "subsidy does not apply"),
    "reason.large_not_covered": ("大型企业限受影响严重的行业; 如行业有误, 请拨打12333", "large units only in the "
                                 "hardest-hit industries; if your industry is wrong, call 12333"),
    "reason.retention_size_unknown": ("请在线申请并补充从业人数或营业收入, 由工作人员审核", "apply online and give your "
                                      "staff count or revenue; staff review it"),
    "reason.listed_headcount_unknown": ("工作人员将核实该月参保数据, 如有疑问请拨打12333", "staff check that "
                                        "month's insurance data; questions: call 12333"),
    "reason.hires_missing": ("工作人员将补充招用人员数据后重新核定, 无需操作", "staff add the hires data and decide "
                             "again; nothing to do"),
    "reason.no_eligible_hires": ("本年度招用的人员不符合扩岗补助条件; 如招用记录有误, 请拨打12333", "none of this "
                                 "year's hires qualifies; if a hire is missing or wrong, call 12333"),
    "reason.hires_pending": ("请在线申请并补充所列人员的出生日期等信息, 由工作人员审核", "apply online and give the "
                             "missing facts (such as a birth date) of the hires listed; staff review it"),
    "reason.category_not_covered": ("该人员不属于本年度补助人员类别, 本项补助不适用", "this person is not of a kind "
                                    "covered this year, so this subsidy does not apply"),
    "reason.graduation_out_of_window": ("如毕业时间有误, 请提供毕业证书并拨打12333", "if the graduation date is "
                                        "wrong, call 12333 with the diploma"),
    "reason.graduation_unknown": ("请在线补充该人员的毕业时间, 由工作人员审核", "give the person's graduation date "
                                  "online; staff review it"),
    "reason.youth_age_out": ("如出生日期有误, 请拨打12333说明", "if the birth date is wrong, call 12333"),
    "reason.birth_date_unknown": ("请在线补充该人员的出生日期, 由工作人员审核", "give the person's birth date "
                                  "online; staff review it"),
    "reason.no_contract": ("与该人员签订劳动合同并登记后, 可在政策期内重新申请", "sign and register a labour contract "
                           "with the person; then apply again within the programme's year"),
    "reason.insured_months_short": ("为该人员缴费满规定月数后, 将在下次核定时计入", "once the premiums paid for the "
                                    "person reach the months required, the next run counts them"),
    "reason.hired_outside_year": ("招用时间不在政策期内, 本项补助不适用", "the hire falls outside the programme's "
                                  "year, so this subsidy does not apply"),
    "reason.claimed_elsewhere": ("该人员本年度已由更早招用的单位享受; 如有异议请拨打12333", "another unit that hired "
                                 "the person earlier this year gets it; if this is wrong, call 12333"),
    "reason.interns_missing": ("工作人员将补充见习人员数据后重新核定, 无需操作", "staff add the interns data and "
                               "decide again; nothing to do"),
    "reason.no_eligible_interns": ("补贴期内没有符合条件的见习人员; 如见习记录有误, 请拨打12333", "no intern "
                                   "qualifies in the period covered; if an internship is missing or wrong, call 12333"),
    "reason.interns_pending": ("请在线补充所列见习人员的出生日期, 由工作人员审核", "give the birth dates of the "
                               "interns listed online; staff review it"),
    "reason.intern_age_out": ("如出生日期或毕业情况有误, 请拨打12333说明", "if the birth date or the graduation is "
                              "wrong, call 12333"),
    "reason.intern_birth_unknown": ("请在线补充该见习人员的出生日期, 由工作人员审核", "give the intern's birth date "
                                    "online; staff review it"),
    "reason.no_internship_months": ("见习月份不在补贴期内或尚未满月; 满月后将在下次核定时计入", "no month of "
                                    "internship falls in the period covered yet; a month counts at the next run once "
                                    "it is over"),
    "reason.industry_not_listed": ("本单位行业不在本次困难行业名单内, 本项补贴不适用", "your industry is not on this "
                                   "subsidy's list"),
    "reason.month_headcount_unknown": ("工作人员将核实该月参保数据, 如有疑问请拨打12333", "staff check that month's "
                                       "insurance data; questions: call 12333"),
    "reason.confirmation_needed": ("请{by}登录“为什么”页在线确认并签署承诺书, 工作人员核查后发放", "confirm online "
                                   "and sign the commitment letter on the \u201cwhy\u201d page {by}; staff check, "
                                   "then pay"),
    "reason.department_confirmation_needed": ("无需申请: 本行业主管部门在系统中确认后列入公示", "nothing to apply "
                                              "for: the department of your industry confirms your unit, then it is "
                                              "listed"),
    "reason.department_declined": ("如对部门意见有异议, 请申请工作人员回电核实", "if you disagree with the "
                                   "department's reason, ask staff to call you back and check"),
    "reason.combination:": ("无需操作; 如有疑问请拨打12333", "nothing to do; questions: call 12333"),
    "reason.relief_size_unknown": ("请在线补充从业人数或营业收入, 由工作人员确定免征还是减半征收", "give your staff "
                                   "count or revenue online; staff then tell exempt from halved"),
    "reason.no_relief_due": ("减免月份没有应缴的单位缴费, 无需操作; 如有误请拨打12333", "no unit dues in the relief "
                             "months, nothing to do; if that is wrong, call 12333"),
    "reason.relief_dues_missing": ("工作人员将核实减免月份的应缴费数据, 如有疑问请拨打12333", "staff check your dues "
                                   "for the relief months; questions: call 12333"),
    "reason.flag:": ("如该情形有误, 请先向认定部门申请更正, 再拨打12333", "if this finding is wrong, have the "
                     "department that made it correct it, then call 12333"),
    "reason.flag:failed_commitment": ("请在线申请并签署承诺书, 由工作人员审核", "apply online and sign the commitment "
                                      "letter; staff review it"),
    "reason.flag:refused_verification": ("请在线申请并配合核查, 由工作人员审核", "apply online and accept "
                                         "verification; staff review it"),
    "bank.": ("请{by}登录核对并更正收款账户", "check and correct your bank account {by}"),
    "bank.AC04": ("请{by}登录更正收款账户 (原账户已销户)", "give a new bank account {by} (the old one is closed)"),
    "bank.AC06": ("请联系开户银行解冻, 或{by}登录更正收款账户", "ask your bank to unblock the account, or give another "
                  "one {by}"),
    "bank.BE01": ("请{by}登录核对户名并更正收款账户", "check the account name and correct the account {by}"),
    "bank.MD07": ("请{by}登录更正收款账户", "correct your bank account {by}"),
    "bank.AM04": ("无需操作: 系统将重新支付", "nothing to do: the payment is made again"),
    "bank.AM05": ("无需操作: 重复的支付已拒绝, 其他支付有效", "nothing to do: only the duplicate was refused"),
    "bank.DUPL": ("无需操作: 重复的支付已拒绝, 其他支付有效", "nothing to do: only the duplicate was refused"),
    "bank.FF01": ("无需操作: 系统将重新支付", "nothing to do: the payment is made again"),
    "bank.MS03": ("无需操作: 系统将重新支付", "nothing to do: the payment is made again"),
    "application.pending": ("无需操作: 等待工作人员审核, 结果将通知您", "nothing to do: a reviewer decides and tells "
                            "you"),
    "objection.open": ("无需操作: 工作人员核查中, 结果将通知您", "nothing to do: staff investigate and tell you"),
}
# The statuses of a unit's applications, as its pages name them.
APPLICATION_WORDS: dict[str, tuple[str, str]] = {
    "pending": ("待审核", "waiting for a reviewer"), "accepted": ("审核通过", "accepted"),
    "rejected": ("审核不通过", "not accepted"),
}
BEIJING = dt.timedelta(hours=8)        # China keeps one zone and no daylight saving


def words(value: str) -> tuple[str, str]:
    """The state in words; an unknown one as it is (never a blank)."""
    return WORDS.get(value, (value, value))


def result_words(key: str) -> tuple[str, str]:
    """A job result's name in words: cases per state read as the case state's own words."""
    if key.startswith("cases_"):
        zh, en = case_words(key.removeprefix("cases_"))
        return f"案件 {zh}", f"cases {en}"
    return words(f"job.{key}")


def case_words(value: str) -> tuple[str, str]:
    """A case's state, decision or step in words; an unknown one as it is (never a blank)."""
    return CASE_WORDS.get(value, (value, value))


@functools.cache
def pack_words(pack_id: str) -> tuple[str, str]:
    """A policy pack by its title (北京市失业保险费稳岗返还(2021年, 免申即享) …), never its id; an id no pack answers to
    as it is (never a blank)."""
    try:
        pack = load_pack(pack_id)
    except PackError:
        return pack_id, pack_id
    return pack.title, pack.title_en or pack.title


def event_words(event: str) -> tuple[str, str]:
    """What an audit entry says happened, in words; an unknown event as it is (never a blank)."""
    return EVENT_WORDS.get(event, (event, event))


def rule_reasons(codes: str | None) -> str:
    """A decision's `;`-separated reason codes in words, Chinese / English, one after another (never the bare code of
    a reason in the table; one not in it as it is)."""
    return "; ".join(" / ".join(RULE_REASONS.get(code, (code, code))) for code in (codes or "").split(";") if code)


case_state = case_words      # a queue's state column and filter read the same words as the case page


def by_when(day: dt.date | None) -> tuple[str, str]:
    """A deadline as a next step says it: "于2026年12月9日前" / "by 9 December 2026", or "尽快" without one."""
    if day is None:
        return "尽快", "as soon as possible"
    zh, en = day_words(day)
    return f"于{zh}前", f"by {en}"


def next_step(key: str, by: dt.date | None = None) -> tuple[str, str] | None:
    """What to do next for a state ("state.failed"), a reason ("reason.flag:zombie") or a bank code ("bank.AC04"),
    with its deadline; a kind's default ("reason.flag:", "bank.") where the code has none; None: nothing to say."""
    found = NEXT_STEPS.get(key)
    if found is None and key.startswith("reason.combination:"):
        found = NEXT_STEPS["reason.combination:"]
    if found is None and key.startswith(("reason.flag:", "bank.")):
        found = NEXT_STEPS["reason.flag:" if key.startswith("reason.flag:") else "bank."]
    if found is None:
        return None
    zh, en = by_when(by)
    return found[0].format(by=zh), found[1].format(by=en)


def reason_words(code: str) -> tuple[str, str]:
    """A rule's reason code in words; a flag no word names as "another department's finding" (never the code)."""
    found = RULE_REASONS.get(code)
    if found is None and code.startswith("combination:"):
        zh, en = WORDS.get(code.removeprefix("combination:"), ("另一项目", "another programme"))
        return f"同一年度只能享受其一, 已按较高金额享受「{zh}」", f"paid once a year within the group: {en} instead"
    if found is None:
        return RULE_REASONS["flag:other"] if code.startswith("flag:") else ("其他原因", "another reason")
    return found


def reason_codes(reasons: str | None) -> list[str]:
    """A decision's `reasons` (`a;b;flag:c`) as codes, in order."""
    return [r for r in (reasons or "").split(";") if r.strip()]


def beijing(at: dt.datetime | dt.date | None) -> str:
    """A stored UTC time as Beijing wall-clock time to the minute; a date as it is."""
    if at is None:
        return "—"
    if isinstance(at, dt.datetime):
        return f"{(at + BEIJING):%Y-%m-%d %H:%M}"
    return at.isoformat()


# Kinds of insured unit a pack's scope names (the guide lists them in words, never the code)
UNIT_TYPES: dict[str, tuple[str, str]] = {
    "enterprise": ("企业", "enterprises"), "social_group": ("社会团体", "social organisations"),
    "foundation": ("基金会", "foundations"), "social_service_org": ("社会服务机构", "social service organisations"),
    "law_firm": ("律师事务所", "law firms"), "accounting_firm": ("会计师事务所", "accounting firms"),
    "individual_business": ("以单位形式参保的个体经济组织", "individual businesses insured as units"),
}
# Where a public objection stands, as its objector reads it by reference (services/objection_follow.py)
OBJECTION_PUBLIC: dict[str, tuple[str, str]] = {
    "open": ("正在核查: 工作人员会核实您反映的情况, 并可能用您留下的电话联系您",
             "Being checked: staff are looking into what you reported and may call the phone you left"),
    "sustained": ("异议成立: 该单位已移出名单, 不予返还", "Sustained: the unit has left the list and will not be paid"),
    "dismissed": ("异议不成立: 该单位保留在名单中", "Dismissed: the unit stays on the list"),
    "moot": ("无须再处理: 该单位已因其他原因移出名单", "No longer needed: the unit left the list for another reason"),
}

# The fields of the forms people fill in, by the name the form sends: what a refused form names, never the key.
FIELD_WORDS: dict[str, tuple[str, str]] = {
    "uscc": ("统一社会信用代码", "credit code"), "password": ("密码", "password"), "code": ("验证码", "code"),
    "username": ("用户名", "user name"), "display_name": ("姓名", "name"), "name": ("称呼", "name"),
    "phone": ("电话", "phone"), "contact": ("联系电话", "contact phone"), "question": ("您的问题", "your question"),
    "text": ("您反映的情况", "what you report"), "objector": ("姓名", "name"), "reason": ("理由", "reason"),
    "decision": ("处理决定", "decision"), "commitment": ("承诺书", "commitment letter"),
    "accept": ("确认承诺", "the commitment ticked"), "bank_code": ("开户行行号", "bank code"),
    "account_no": ("银行账号", "account number"), "account_name": ("账户名称", "account name"),
    "as_of": ("评估日期", "evaluation date"), "first_day": ("公示首日", "first day of the list"),
    "deadline": ("截止日期", "deadline"), "expected_amount": ("核对金额", "amount to check"),
    "every_days": ("间隔天数", "days apart"), "per": ("每批单位数", "units per list"), "pack": ("政策", "policy"),
    "snapshot": ("数据快照", "data snapshot"), "role": ("角色", "role"), "employer": ("用工单位", "employer"),
    "resolution": ("处理结果", "outcome"), "version": ("版本", "version"), "cycle": ("周期", "cycle"),
    "page": ("页码", "page"), "q": ("查找内容", "search"), "ref": ("查询号", "reference"),
}


def field_words(key: object) -> str:
    """A form field in words (Chinese / English); a field the table does not know is "某项输入 / a field"."""
    zh, en = FIELD_WORDS.get(str(key), ("某项输入", "a field"))
    return f"{zh} / {en}"
