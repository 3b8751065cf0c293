//! Synthetic archives for benchmarks and tests (`chronicle gen`, hidden).
//!
//! Reports are written the way the sample archive is: Notion's title line,
//! `Created:` property and repeated title; 【系统运行数据】 with success
//! rates, availability and incident counts in their several written forms;
//! 【O1 服务业务】 and 【O2系统升级】 projects whose percentages rise week by
//! week, finish, give way to new ones and are now and then renamed;
//! production incidents with times, 原因 and 处置; reflections, next week's
//! goals and a 日报合集 linking daily notes that sit in the report's Notion
//! folder. About 7 KB a report, one report a week per team, dated by the
//! week convention the samples use (weeks start on Monday, 1 January is in
//! week 1), every week in a row across years.
//!
//! Output depends only on the options: the generator draws from its own
//! SplitMix64 rather than a crate's PRNG, so an archive made from a seed is
//! the same on every machine and after every dependency update, and
//! benchmark numbers stay comparable over time. Each team's reports depend
//! only on the earlier reports of that team, so a 1,000-report archive is a
//! prefix of the 10,000-report one made from the same seed.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use chrono::{Datelike, Duration, NaiveDate};

/// What to generate.
#[derive(Debug, Clone)]
pub struct Options {
    pub reports: usize,
    pub seed: u64,
    /// Teams, each with its own subfolder and its own run of weeks; 1 means
    /// every report at the top of the archive, as in the samples.
    pub teams: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Report,
    Daily,
}

/// One generated Markdown file, with what the generator knows about it so
/// tests can check what chronicle reads back.
#[derive(Debug, Clone)]
pub struct File {
    /// Relative to the archive folder.
    pub path: PathBuf,
    pub text: String,
    pub kind: Kind,
    pub title: String,
    /// The day the report (or daily note) is about.
    pub date: NaiveDate,
    /// The week the report states in its title (1-January convention).
    pub week: u32,
}

/// The first report's date, a Friday. Far enough back that 1,000 weekly
/// reports end in the present; 10,000 run on for two centuries, which
/// exercises year boundaries as well as anything could.
fn start_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2005, 1, 7).expect("valid date")
}

/// Week number with weeks starting on Monday and 1 January in week 1 (the
/// samples' convention: 2023-04-14 is 第16周).
pub fn jan1_week(date: NaiveDate) -> u32 {
    let jan1 = NaiveDate::from_ymd_opt(date.year(), 1, 1).expect("1 January exists");
    (date.ordinal0() + jan1.weekday().num_days_from_monday()) / 7 + 1
}

/// SplitMix64 (Steele, Lea and Flood, 2014): tiny, fast, and good enough to
/// vary text; hand-written so a seed means the same archive forever.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        let mut r = Rng(seed);
        r.next();
        r
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (Lemire's multiply-shift; the bias is far below
    /// anything that matters for text).
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next()) * n as u128) >> 64) as usize
    }
    fn range(&mut self, lo: u32, hi: u32) -> u32 {
        lo + self.below((hi - lo + 1) as usize) as u32
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
    /// `lo..=hi` distinct picks, in pool order.
    fn some<'a>(&mut self, xs: &[&'a str], lo: usize, hi: usize) -> Vec<&'a str> {
        let n = lo + self.below(hi - lo + 1);
        let mut idx: Vec<usize> = (0..xs.len()).collect();
        for i in 0..n.min(xs.len()) {
            let j = i + self.below(xs.len() - i);
            idx.swap(i, j);
        }
        let mut chosen: Vec<usize> = idx[..n.min(xs.len())].to_vec();
        chosen.sort_unstable();
        chosen.into_iter().map(|i| xs[i]).collect()
    }
    /// A Notion-style page id: 22 letters and digits.
    fn notion_id(&mut self) -> String {
        const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        (0..22)
            .map(|_| ALNUM[self.below(ALNUM.len())] as char)
            .collect()
    }
}

// ---- word pools -------------------------------------------------------

const TEAMS: &[&str] = &[
    "支付中心",
    "清结算组",
    "账户组",
    "收单组",
    "风控组",
    "数据组",
    "商户组",
    "基础架构组",
];

/// Service projects; later names are what a project is renamed to.
const O1_PROJECTS: &[&[&str]] = &[
    &["轻存管&定转佣能力建设", "轻松付&定转佣能力建设"],
    &["全房通接入", "全房通统一网关接入"],
    &["店东看懂账", "店东看懂账二期"],
    &["小贝帮帮项目", "家家盈平台（小贝项目）"],
    &["朝阳项目-招募提佣"],
    &["省心租银行代收方案", "省心租代收"],
    &["带押过户"],
    &["商户降客询", "商户体验优化"],
    &["房屋交付资金分配", "房屋交付"],
    &["存管衍生-银行卡办理"],
    &["杭州政府存管", "杭州资金监管系统"],
    &["物保二期"],
    &["资金安全数据打通"],
    &["北链中信存管"],
    &["交易不成退代"],
    &["平安存管账户能力整合"],
    &["定转X能力建设", "定转装修款"],
    &["聚合收银台", "统一收银台改版"],
];

/// System upgrades, shown under lettered sub-headings.
const O2_PROJECTS: &[&[&str]] = &[
    &["支付账户2.0升级", "资金账户2.0升级"],
    &["POS收单系统建设", "POS收单与机具管理"],
    &["HIVE标准数仓建设", "Hive数仓建设"],
    &["数据安全与个人信息保护"],
    &["账单数据质量治理"],
    &["机房双活", "支付系统双活"],
    &["风险数据指标建设", "风险指标体系建设"],
    &["商户系统升级"],
    &["银行账户体系", "银行虚户建设"],
    &["统一收单改造"],
    &["大模型与AIGC"],
    &["看懂账数据查询能力"],
];

const TOPICS: &[&str] = &[
    "账户数据核对",
    "灰度切换测试",
    "生产压测",
    "技术方案评审",
    "前后端联调",
    "生产试单",
    "存量数据迁移",
    "接口开发",
    "测试环境搭建",
    "上线准备与回滚预案",
    "监控告警接入",
    "对账核销",
    "领域模型设计",
    "交互设计沟通",
    "银行侧改造",
    "代码扫描问题修复",
    "历史余额查询改造",
    "热点账户性能优化",
];

const REMARKS: &[&str] = &[
    "当前研发资源存在不足，下周进一步协调解决",
    "跨团队排期存在风险",
    "按计划进行中",
    "测试阶段，问题修复中",
    "方案评审完成，下周进入开发",
    "业务侧验证中，使用体验需要优化",
    "银行侧联调进行中",
    "等待业务方确认需求范围",
    "已完成UAT，待业务投产",
    "与财务、运营对齐验收口径",
];

const O3_ITEMS: &[&str] = &[
    "新灾备机房建设，亦庄机房内设备清空完毕。",
    "支付服务器降本，本周完成第{n}批缩容操作，与SRE联动，沉淀通用服务缩容经验。",
    "短信降本治理，重点聚焦履约、分账的短信模板改造。",
    "健康分与稳定性提升，定制指标逐步纳入考核，健康分{s}，中心排名第{k}。",
    "测试环境迁移大禹平台进度{p}%，后端应用迁移接近尾声。",
    "知道创宇WAF切换方案评审完成，待优化调整后沟通确认。",
    "支付{n}个服务完成健康分接入，部分指标校准中。",
    "月结支持，截止本周的数据推送完成，目标进展正常。",
    "支付中心研发效能度量，分析饱和度失真数据，并跟进治理。",
    "营收收入对接EBS，计划月中进行切量投产。",
];

const INCIDENTS: &[(&str, &str, &str)] = &[
    (
        "监控发现清分记账失败，共影响{n}笔",
        "底层包版本问题导致同一账户号生成多条记录，从而导致记账失败。",
        "1. 紧急上线修复包问题 2. 修复受影响交易",
    ),
    (
        "钱包鉴权接口收到大量403、500告警",
        "疑似外部异常扫描",
        "已通过WAF规避",
    ),
    (
        "监控发现履约出金业务跑批，存管处理中{n}笔，超过告警阈值。",
        "账户摘流停服操作期间的交易未及时回盘",
        "1. 记账状态回盘后，履约重新发起出金，处理正常；2. 完善灰度演练SOP，降低业务影响。",
    ),
    (
        "监控发现钱包有一个节点OOM",
        "历史存量鉴权流水号在数据表里不唯一，多次重试导致OOM",
        "1. 应急对于历史存量用户默认鉴权成功；2. 刷新历史数据，并保证新的流水号唯一。",
    ),
    (
        "监控发现支付中台转账大量超时。",
        "代收付系统上线DDL变更，导致数据库锁表10mins左右",
        "影响到批量代收交易，业务侧系统自动补偿恢复。",
    ),
    (
        "监控发现TiDB数仓存在同步延迟，{n}个binlog文件待同步",
        "DDL变更统一收单数据表，同步时间超出预期",
        "暂停账单任务，同步追平后启动商户账单跑数，早上8:00完成账单生成。",
    ),
    (
        "监控发现{n}笔出金失败",
        "新上线的账户类型判断逻辑未考虑对公二类户的兼容",
        "统一收单系统回滚完成，受影响出金补偿处理完毕",
    ),
    (
        "SSC上报部分经纪人反馈系统无法登录",
        "安全配置变更中存在过宽的关键字禁用，影响到url中包含login的访问",
        "回滚安全配置后，服务恢复",
    ),
    (
        "监控发现统一收单请求商户配置中心失败",
        "机房互联网出口出现电信网络抖动",
        "网络恢复后自动恢复，对业务影响{n}笔",
    ),
    (
        "前置机网关配置错误，导致工行插件请求异常",
        "前置机配置的网关为负载均衡地址，负载均衡下线后前置机无法正常访问",
        "修正网关配置，故障恢复，累计持续{n}mins",
    ),
];

const REFLECTIONS: &[&str] = &[
    "目标的牵引力快速释放，表现为团队在会议中紧锣密鼓的行动和任务推进，以及更主动地关注用户的活跃和体验改进。",
    "系统稳定和安全始终是支付的重中之重，尤其年底各个项目进入冲刺阶段，都需要在保障生产安全稳定的前提下才能提速推进。",
    "我们的客户是一群什么样的人，他们需要什么，哪些需求还没被满足或者满足得不好，这是拆解目标时首先要回答的问题。",
    "无论目标有多大、多难，所有的起点都是首先做好当下的事、做好最基础的事，比如生产问题、月结保障和迎检。",
    "作为管理者对人、对团队的关注度不够，带教方法也比较粗浅，后续需要在人的方面投入更多精力，并加强方法论的刻意练习。",
    "增长的关键是效率，只有效率提升了，规模才有意义；需要不断拥抱新技术，并强化科学化的管理。",
    "跨团队协作的排期风险要提前暴露，项目周会上只讲风险和决策，进展用看板同步。",
    "复盘不是为了追责，而是为了把一次故障变成团队的能力：每个行动项都要有负责人和截止时间。",
    "技术方案评审要更早请业务同学参与，减少上线后的返工。",
    "本周与专项小组讨论，发现大家逐步有了手感，对新能力的理解更深入了。",
];

const NEXT_WEEK: &[&str] = &[
    "近期故障复盘，生产稳定性问题盘点，以及月结保障。",
    "账户2.0、Hive账单切换方案的细化沟通、风险预案。",
    "重点项目方案沟通，以及进度跟进",
    "年度述职和总结",
    "研发效能度量问题和进展跟踪",
    "迎检技术支持",
    "新项目立项评审",
    "节日期间系统稳定安全，以及值班跟进。",
    "稳定性问题复盘和治理跟进",
    "季度OKR回顾与下季度规划",
];

const OTHERS: &[&str] = &[
    "春季晋升述职",
    "项目提效目标的沟通",
    "参加支付及基础研发线晋升评审。",
    "迎检技术支持",
    "人民银行数据安全会议",
    "市场化项目立项评审",
    "支付中心月会，及待办工作跟进",
    "软件技术大会分享",
];

const TASKS: &[&str] = &[
    "季度OKR设定",
    "研发线述职准备",
    "重点项目评审",
    "POS产品功能评审",
    "大账户体系：分账、账户、订单体系设计",
    "月结保障值班",
    "故障复盘会",
    "供应商商务谈判",
    "招聘面试",
    "预算编制",
];

const DETAILS: &[&str] = &[
    "完成首批商户切换验证，计划下周月结前完成生产正式商户试单",
    "普通记账120并发线程数tps最大1047，符合预期，热点账户待优化后复测",
    "银行侧对账单、SDK兼容性等问题解决中",
    "与业务方对齐验收口径，并完成风险预案评审",
    "数据口径拉齐中，已启动资金部盘账结果核对",
    "存量单切换已通过技术方案兜底解决",
    "联调中发现的兼容性问题已全部修复并完成回归",
    "跨团队接口已冻结，前端交互稿评审通过",
    "压测和性能调优中，热点账户改进方案分析中",
    "完成主要查询接口开发，反查功能进入自测",
    "灰度范围扩大至TOP9城，观察业务无异常",
    "明确字段校验规范和特殊字符过滤规范，敏感加密字段统一处理",
    "应用依赖关系梳理完成，流水号生成机制改造待启动",
    "节点均衡迁移环境准备中，SLB流量分发控制待启动",
];

const DONE: &[&str] = &["生产已验证", "系统运行稳定", "业务侧已验收", "进入观察期"];

const LEDGERS: &[&str] = &[
    "商户账单",
    "风控报表",
    "产品运营报表",
    "存管报表",
    "资金部报表",
    "业务增长报表",
];

const CHANNELS: &[&str] = &[
    "银商支付宝花呗分期",
    "银联在线收银台",
    "拉卡拉支付宝APP&花呗分期",
    "银联代收",
    "网联代收",
    "信用卡分期",
    "银企直连接入",
];

const WEEKDAYS: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];

// ---- team state -------------------------------------------------------

struct Project {
    pool: &'static [&'static str],
    name: usize,
    progress: u32,
    /// Weeks shown at 100% before it leaves the report.
    done_for: u32,
}

impl Project {
    /// A project starting under the first name of its pool.
    fn new(pool: &'static [&'static str], progress: u32) -> Self {
        Self {
            pool,
            name: 0,
            progress,
            done_for: 0,
        }
    }

    fn name(&self) -> &'static str {
        self.pool[self.name]
    }
}

struct Team {
    rng: Rng,
    folder: Option<String>,
    o1: Vec<Project>,
    o2: Vec<Project>,
    next_o1: usize,
    next_o2: usize,
    /// Incidents so far this year, for the availability and counts lines.
    year: i32,
    cd: u32,
    ab: u32,
    /// Two report layouts, as the samples' author switched from the first
    /// (上周进展 with lettered O2 sections) to the second (重点工作 first).
    later_layout: bool,
    export: NaiveDate,
}

impl Team {
    fn new(seed: u64, index: usize, teams: usize) -> Self {
        let mut rng = Rng::new(seed ^ (index as u64 + 1).wrapping_mul(0xD1B5_4A32_D192_ED03));
        let folder = (teams > 1).then(|| match TEAMS.get(index) {
            Some(n) => n.to_string(),
            None => format!("团队{}", index + 1),
        });
        let next_o1 = rng.below(O1_PROJECTS.len());
        let next_o2 = rng.below(O2_PROJECTS.len());
        let mut t = Team {
            rng,
            folder,
            o1: Vec::new(),
            o2: Vec::new(),
            next_o1,
            next_o2,
            year: 0,
            cd: 0,
            ab: 0,
            later_layout: false,
            export: start_date(),
        };
        for _ in 0..6 {
            t.add_o1();
        }
        for _ in 0..5 {
            t.add_o2();
        }
        t
    }

    fn add_o1(&mut self) {
        let pool = O1_PROJECTS[self.next_o1 % O1_PROJECTS.len()];
        self.next_o1 += 1;
        let progress = self.rng.range(0, 40);
        self.o1.push(Project::new(pool, progress));
    }

    fn add_o2(&mut self) {
        let pool = O2_PROJECTS[self.next_o2 % O2_PROJECTS.len()];
        self.next_o2 += 1;
        let progress = self.rng.range(5, 50);
        self.o2.push(Project::new(pool, progress));
    }

    /// A week passes: projects advance, finish, leave, get renamed.
    fn advance(&mut self) {
        let rng = &mut self.rng;
        for p in self.o1.iter_mut().chain(self.o2.iter_mut()) {
            if p.progress >= 100 {
                p.done_for += 1;
            } else {
                p.progress = (p.progress + rng.range(3, 18)).min(100);
            }
            if p.name + 1 < p.pool.len() && rng.chance(4) {
                p.name += 1;
            }
        }
        let before = (self.o1.len(), self.o2.len());
        self.o1.retain(|p| p.done_for < 2);
        self.o2.retain(|p| p.done_for < 3);
        for _ in self.o1.len()..before.0.max(5) {
            self.add_o1();
        }
        for _ in self.o2.len()..before.1.max(4) {
            self.add_o2();
        }
        if self.rng.chance(2) {
            self.later_layout = !self.later_layout;
        }
    }
}

macro_rules! w {
    ($s:expr, $($t:tt)*) => {{
        let _ = writeln!($s, $($t)*);
    }};
}

fn slash(d: NaiveDate) -> String {
    d.format("%Y/%m/%d").to_string()
}

fn fill(template: &str, rng: &mut Rng) -> String {
    template
        .replace("{n}", &rng.range(2, 900).to_string())
        .replace(
            "{s}",
            &format!("{}.{}", rng.range(600, 720), rng.range(0, 9)),
        )
        .replace("{k}", &rng.range(1, 9).to_string())
        .replace("{p}", &rng.range(10, 95).to_string())
}

/// A rate like 99.97 (two decimals) or 99.975 (three), never above 100.
fn rate(rng: &mut Rng, floor_bp: u32, decimals: usize) -> String {
    let thousandths = rng.range(floor_bp * 10, 99_999);
    let v = f64::from(thousandths) / 1000.0;
    format!("{v:.decimals$}")
}

struct Daily {
    date: NaiveDate,
    weekday: &'static str,
    id: String,
}

/// Writes one report of `team` for the week ending `date`.
fn report(team: &mut Team, date: NaiveDate, out: &mut Vec<File>) {
    if date.year() != team.year {
        team.year = date.year();
        team.cd = 0;
        team.ab = 0;
    }
    let week = jan1_week(date);
    let monday = date - Duration::days(i64::from(date.weekday().num_days_from_monday()));
    let later = team.later_layout;
    let rng = &mut team.rng;

    // Incidents first: the counts line reports them.
    let n_incidents = [0, 0, 1, 1, 1, 2, 2, 3, 4][rng.below(9)];
    let mut incidents = Vec::new();
    for _ in 0..n_incidents {
        let day = monday + Duration::days(rng.below(5) as i64);
        let (what, cause, fix) = INCIDENTS[rng.below(INCIDENTS.len())];
        let colon = if rng.chance(10) { "：" } else { ":" };
        let month = if rng.chance(30) {
            format!("{:02}", day.month())
        } else {
            day.month().to_string()
        };
        let time = format!(
            "{month}/{} {}{colon}{:02}",
            day.day(),
            rng.range(0, 23),
            rng.range(0, 59)
        );
        incidents.push((time, fill(what, rng), cause, fill(fix, rng)));
        match rng.below(100) {
            0 => team.ab += 1,
            1..=5 => team.cd += 1,
            _ => {}
        }
    }

    let title_has_date = !rng.chance(15);
    let title = if title_has_date {
        format!("第{week}周 {date}")
    } else {
        format!("第{week}周")
    };
    // Notion stamps the export date on old pages and the writing time on
    // pages exported the same week; a title without a date needs the latter.
    if team.export < date || rng.chance(3) {
        team.export = date + Duration::days(i64::from(rng.range(20, 200)));
    }
    let created = if !title_has_date || rng.chance(60) {
        date
    } else {
        team.export
    };
    let mut s = String::with_capacity(9 * 1024);
    w!(s, "# {title}\n");
    w!(
        s,
        "Created: {}年{}月{}日 {}:{:02}\n",
        created.year(),
        created.month(),
        created.day(),
        rng.range(8, 23),
        rng.range(0, 59)
    );
    if title_has_date && rng.chance(80) {
        w!(s, "# 第{week}周 {}\n", slash(date));
    }

    let key_projects = |s: &mut String, rng: &mut Rng, projects: &[Project]| {
        w!(s, "## 【重点工作】\n");
        for p in projects {
            w!(s, "- 【{}】", p.name());
            if rng.chance(40) {
                w!(
                    s,
                    "    \n    {}，整体进度{}%。\n    ",
                    rng.pick(REMARKS),
                    p.progress
                );
            }
            for i in 0..rng.range(3, 5) {
                w!(s, "    {}. {}", i + 1, step(rng, p.progress));
            }
        }
        s.push('\n');
    };

    if later {
        key_projects(&mut s, rng, &team.o2[..team.o2.len().min(3)]);
    } else {
        w!(s, "# 上周进展\n");
    }

    // Figures, in the forms the samples write them.
    let decimals = if later { 3 } else { 2 };
    let colon = if rng.chance(8) { ": " } else { "：" };
    w!(s, "## 【系统运行数据】\n");
    w!(
        s,
        "{}：\n",
        if later {
            "支付成功率"
        } else {
            "成功率"
        }
    );
    w!(s, "- 入金有效成功率{colon}{}%", rate(rng, 9990, decimals));
    if later {
        w!(
            s,
            "- 出金有效成功率{colon}{}% ，一次支付成功率：{}%{}\n",
            rate(rng, 9980, decimals),
            rate(rng, 9900, 3),
            if rng.chance(50) { "。" } else { "" }
        );
    } else {
        w!(s, "- 出金有效成功率{colon}{}%\n", rate(rng, 9980, decimals));
    }
    w!(
        s,
        "{}：\n",
        if later {
            "系统可用性"
        } else {
            "可用性"
        }
    );
    let avail = if team.ab == 0 && team.cd == 0 {
        "100".to_string()
    } else {
        format!(
            "{:.3}",
            100.0 - 0.002 * f64::from(team.cd) - 0.01 * f64::from(team.ab)
        )
    };
    w!(s, "- 支付系统年度可用性{colon}{avail}%");
    let sep = if rng.chance(10) { "," } else { "，" };
    w!(s, "- 事故数AB级{}次{sep}CD级{}次\n", team.ab, team.cd);

    // O1: one bullet per project, then the payment-capability list.
    w!(s, "## 【O1 服务业务】\n");
    for p in &team.o1 {
        let (m, d) = {
            let due = date + Duration::days(i64::from(rng.range(7, 60)));
            (due.month(), due.day())
        };
        match (p.progress, rng.below(3)) {
            (100, _) => w!(s, "- {}，已上线，系统运行稳定。", p.name()),
            (pr, 0) => w!(
                s,
                "- {}，前端进展{}%、后端进展{pr}%，{}；{}",
                p.name(),
                (pr + rng.range(0, 20)).min(100),
                rng.pick(DETAILS),
                rng.pick(REMARKS)
            ),
            (pr, 1) => w!(
                s,
                "- {}，{}，研发进展{pr}%。预计{m}/{d}上线，{}。",
                p.name(),
                rng.pick(DETAILS),
                rng.pick(REMARKS)
            ),
            (pr, _) => w!(
                s,
                "- {}：{}，进度{pr}%，目标{m}/{d}上线",
                p.name(),
                rng.pick(REMARKS)
            ),
        }
    }
    w!(s, "- 新支付能力建设：");
    for (i, ch) in rng.some(CHANNELS, 2, 4).into_iter().enumerate() {
        let p = rng.range(10, 100);
        w!(s, "    {}. {ch}，{}", i + 1, step(rng, p));
    }
    s.push('\n');

    // O2: lettered sub-headings in the first layout (at the levels the
    // author happened to type), plain bullets in the second.
    w!(s, "## 【O2系统升级】\n");
    for (i, p) in team.o2.iter().enumerate() {
        let letter = (b'A' + i as u8) as char;
        if later {
            w!(s, "- {}", p.name());
            for j in 0..rng.range(3, 5) {
                w!(s, "    {}. {}", j + 1, step(rng, p.progress));
            }
        } else {
            let hashes = if rng.chance(25) { "##" } else { "###" };
            w!(s, "{hashes} {letter}. {}\n", p.name());
            if rng.chance(40) {
                w!(
                    s,
                    "- {}总进度：{}.{}%",
                    p.name(),
                    p.progress,
                    rng.range(0, 9)
                );
                w!(
                    s,
                    "    \n    存量迁移进度（总数{}个）：{}.{:02}%。\n    ",
                    rng.range(50, 200),
                    p.progress.saturating_sub(rng.range(0, 5)),
                    rng.range(0, 99)
                );
                for (k, what) in rng.some(LEDGERS, 3, 6).into_iter().enumerate() {
                    w!(s, "    {}. {}", k + 1, ledger(rng, what, p.progress));
                }
            } else {
                w!(s, "本周主要进展：\n");
                for topic in rng.some(TOPICS, 2, 3) {
                    w!(s, "- {topic}");
                    for k in 0..rng.range(2, 4) {
                        w!(s, "    {}. {}", k + 1, step(rng, p.progress));
                    }
                }
            }
            s.push('\n');
        }
    }
    if later {
        s.push('\n');
    }

    // O3 with the incidents, in one of the samples' two shapes.
    w!(s, "## 【O3 安全稳定、降本提效】\n");
    let items: Vec<String> = rng
        .some(O3_ITEMS, 3, 3)
        .into_iter()
        .map(|t| fill(t, rng))
        .collect();
    let heading_incidents = later && rng.chance(50);
    for (i, it) in items.iter().enumerate() {
        if later {
            w!(s, "- {it}");
        } else {
            w!(s, "{}. {it}", i + 1);
        }
    }
    if heading_incidents {
        w!(s, "\n### 【生产事件】\n");
    } else {
        w!(s, "{}. 生产稳定性事件：", items.len() + 1);
    }
    if incidents.is_empty() {
        w!(s, "- 无");
    }
    for (time, what, cause, fix) in &incidents {
        let sep = if rng.chance(15) { "" } else { " " };
        w!(s, "- {time}{sep}{what}");
        if rng.chance(70) {
            w!(s, "原因：{cause} 处置：{fix}");
        } else {
            w!(s, "    \n    原因：{cause}\n    \n    处置：{fix}\n    ");
        }
    }
    s.push('\n');

    w!(s, "## 【其他】\n");
    for (i, o) in rng.some(OTHERS, 1, 3).into_iter().enumerate() {
        w!(s, "{}. {o}", i + 1);
    }
    s.push('\n');

    w!(
        s,
        "{}\n",
        if later {
            "## 收获与反思"
        } else {
            "# 本周收获与反思"
        }
    );
    if rng.chance(25) {
        w!(s, "暂无\n");
    } else {
        for r in rng.some(REFLECTIONS, 3, 7) {
            w!(s, "- {r}");
        }
        s.push('\n');
    }

    w!(s, "# 下周工作及目标\n");
    for (i, g) in rng.some(NEXT_WEEK, 2, 5).into_iter().enumerate() {
        w!(s, "{}. {g}", i + 1);
    }
    s.push('\n');

    // 日报合集: a task list and, for some weeks, the daily notes Notion
    // exported into the report's folder.
    w!(s, "# 日报合集\n");
    for t in rng.some(TASKS, 0, 5) {
        w!(s, "- [{}]  {t}", if rng.chance(85) { "x" } else { " " });
    }
    let mut dailies = Vec::new();
    if rng.chance(35) {
        let days: Vec<usize> = {
            let n = rng.range(1, 3) as usize;
            let mut d: Vec<usize> = (0..7).collect();
            for i in 0..n {
                let j = i + rng.below(7 - i);
                d.swap(i, j);
            }
            let mut d = d[..n].to_vec();
            d.sort_unstable();
            d
        };
        for d in days {
            dailies.push(Daily {
                date: monday + Duration::days(d as i64),
                weekday: WEEKDAYS[d],
                id: rng.notion_id(),
            });
        }
    }
    s.push('\n');
    for d in &dailies {
        w!(
            s,
            "[{} {}]({}%20{}_{}.md)\n",
            slash(d.date),
            d.weekday,
            d.date,
            d.weekday,
            d.id
        );
    }
    // Now and then a link to a note that was never exported, as in the samples.
    if rng.chance(2) {
        let day = monday + Duration::days(6);
        w!(
            s,
            "[{} 周日]({}%20周日_{}.md)\n",
            slash(day),
            day,
            rng.notion_id()
        );
    }

    let stem = format!("第{week}周 {date}");
    let dir = team
        .folder
        .as_ref()
        .map_or_else(PathBuf::new, PathBuf::from);
    for d in &dailies {
        let text = daily_note(rng, d);
        out.push(File {
            path: dir
                .join(&stem)
                .join(format!("{} {}_{}.md", d.date, d.weekday, d.id)),
            text,
            kind: Kind::Daily,
            title: format!("{} {}", d.date, d.weekday),
            date: d.date,
            week,
        });
    }
    out.push(File {
        path: dir.join(format!("{stem}.md")),
        text: s,
        kind: Kind::Report,
        title,
        date,
        week,
    });
}

/// One line of progress on a project at `progress` percent.
fn step(rng: &mut Rng, progress: u32) -> String {
    let p = (progress.saturating_sub(20) + rng.range(0, 25)).min(100);
    let topic = rng.pick(TOPICS);
    match (p, rng.below(4)) {
        (100, _) => format!("{topic}已完成上线，{}", rng.pick(DONE)),
        (p, 0) => format!("{topic}，{}，进度{p}%", rng.pick(DETAILS)),
        (p, 1) => format!(
            "{topic}：{}；{}，研发进度{p}%",
            rng.pick(DETAILS),
            rng.pick(REMARKS)
        ),
        (p, 2) => format!("{topic}完成度{p}%，{}", rng.pick(REMARKS)),
        (_, _) => format!("{topic}，{}。{}", rng.pick(DETAILS), rng.pick(REMARKS)),
    }
}

/// A line of a migration breakdown, as the Hive section of the samples.
fn ledger(rng: &mut Rng, what: &str, progress: u32) -> String {
    let total = rng.range(3, 60);
    let offline = rng.range(0, total / 3);
    let done = (total - offline) * progress / 100;
    let rest = total - offline - done;
    let busy = rest.min(rng.range(0, rest));
    let mut s = format!("{what}，总计{total}个，可下线{offline}个，完成{done}个");
    if busy > 0 {
        let _ = write!(s, "，处理中{busy}个（");
        let mut left = busy;
        let mut first = true;
        while left > 0 {
            let n = rng.range(1, left);
            let _ = write!(
                s,
                "{}进度{}%的{n}个",
                if first { "" } else { "，" },
                rng.range(1, 19) * 5
            );
            left -= n;
            first = false;
        }
        s.push('）');
    }
    let _ = write!(s, "，未启动{}个。", rest - busy);
    s
}

fn daily_note(rng: &mut Rng, d: &Daily) -> String {
    let mut s = String::with_capacity(1024);
    w!(s, "# {} {}\n", d.date, d.weekday);
    w!(
        s,
        "Created: {}年{}月{}日 {}:{:02}\n",
        d.date.year(),
        d.date.month(),
        d.date.day(),
        rng.range(18, 23),
        rng.range(0, 59)
    );
    for t in rng.some(TASKS, 2, 5) {
        w!(s, "- [{}]  {t}", if rng.chance(70) { "x" } else { " " });
    }
    w!(s, "\n## 记录\n");
    for r in rng.some(REMARKS, 2, 4) {
        w!(s, "- {}：{r}", rng.pick(TOPICS));
    }
    s
}

/// Generates the archive in memory: reports and daily notes, reports of
/// each team in date order.
pub fn generate(opts: &Options) -> Vec<File> {
    let teams = opts.teams.max(1);
    let mut out = Vec::with_capacity(opts.reports * 3 / 2);
    for t in 0..teams {
        let mut team = Team::new(opts.seed, t, teams);
        // Team t writes every report whose index is t modulo the team count.
        let count = opts.reports / teams + usize::from(t < opts.reports % teams);
        for i in 0..count {
            if i > 0 {
                team.advance();
            }
            let friday = start_date() + Duration::weeks(i as i64);
            // Some weeks the report is written on Saturday, as two samples are.
            let date = if team.rng.chance(15) {
                friday + Duration::days(1)
            } else {
                friday
            };
            report(&mut team, date, &mut out);
        }
    }
    out
}

/// Refuses to write into a folder that has anything in it: the generator
/// must never mix its files into a real archive.
fn fresh_dir(dir: &Path) -> Result<()> {
    if dir.exists() {
        let mut entries =
            std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
        if entries.next().is_some() {
            bail!(
                "{}: folder is not empty; give a new or empty folder",
                dir.display()
            );
        }
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

/// Writes the archive as it is generated: Notion-style files, no front matter.
pub fn write(files: &[File], dir: &Path) -> Result<()> {
    fresh_dir(dir)?;
    for f in files {
        write_file(&dir.join(&f.path), f.text.as_bytes())?;
    }
    Ok(())
}

/// Writes the same files as a Hugo content folder: each file gets a small
/// TOML front matter (title and date, which Hugo needs to order and list
/// pages) above the unchanged body; reports go under `reports/` and daily
/// notes under `daily/`, so Hugo's previous/next within a section walks the
/// reports as chronicle's does.
pub fn write_hugo(files: &[File], dir: &Path) -> Result<()> {
    fresh_dir(dir)?;
    for f in files {
        let section = match f.kind {
            Kind::Report => "reports",
            Kind::Daily => "daily",
        };
        let front = format!(
            "+++\ntitle = {}\ndate = {}\n+++\n",
            toml::Value::String(f.title.clone()),
            f.date
        );
        let mut bytes = Vec::with_capacity(front.len() + f.text.len());
        bytes.extend_from_slice(front.as_bytes());
        bytes.extend_from_slice(f.text.as_bytes());
        write_file(&dir.join(section).join(&f.path), &bytes)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::content::{self, Weeks};

    fn opts(reports: usize, seed: u64, teams: usize) -> Options {
        Options {
            reports,
            seed,
            teams,
        }
    }

    #[test]
    fn jan1_weeks_match_the_samples() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(jan1_week(d(2023, 4, 14)), 16);
        assert_eq!(jan1_week(d(2023, 12, 9)), 50);
        assert_eq!(jan1_week(d(2023, 9, 22)), 39);
        // 1 January 2022 is a Saturday: week 1 is two days long.
        assert_eq!(jan1_week(d(2022, 1, 2)), 1);
        assert_eq!(jan1_week(d(2022, 1, 7)), 2);
    }

    #[test]
    fn same_seed_same_archive_other_seed_other_archive() {
        let a = generate(&opts(40, 7, 1));
        let b = generate(&opts(40, 7, 1));
        let c = generate(&opts(40, 8, 1));
        let texts = |fs: &[File]| fs.iter().map(|f| f.text.clone()).collect::<Vec<_>>();
        let paths = |fs: &[File]| fs.iter().map(|f| f.path.clone()).collect::<Vec<_>>();
        assert_eq!(paths(&a), paths(&b));
        assert_eq!(texts(&a), texts(&b));
        assert_ne!(texts(&a), texts(&c));
        // A smaller archive is a prefix of a larger one from the same seed.
        let small = generate(&opts(10, 7, 1));
        assert_eq!(texts(&small), texts(&a[..small.len()]));
    }

    #[test]
    fn reports_look_like_the_samples() {
        let files = generate(&opts(200, 1, 1));
        let reports: Vec<&File> = files.iter().filter(|f| f.kind == Kind::Report).collect();
        assert_eq!(reports.len(), 200);
        let avg = reports.iter().map(|f| f.text.len()).sum::<usize>() / reports.len();
        assert!((5_500..=9_000).contains(&avg), "average size {avg} bytes");
        let all: String = reports.iter().map(|f| f.text.as_str()).collect();
        for needle in [
            "Created: ",
            "## 【系统运行数据】",
            "入金有效成功率：",
            "一次支付成功率：",
            "事故数AB级",
            "## 【O1 服务业务】",
            "## 【O2系统升级】",
            "### A. ",
            "## 【重点工作】",
            "生产稳定性事件：",
            "原因：",
            "处置：",
            "收获与反思",
            "# 日报合集",
            "%20周",
            "已上线",
        ] {
            assert!(all.contains(needle), "no `{needle}` in any report");
        }
        // Projects are renamed now and then, and percentages rise.
        assert!(all.contains("轻松付&定转佣能力建设") || all.contains("家家盈平台（小贝项目）"));
        assert!(files.iter().any(|f| f.kind == Kind::Daily));
        // Consecutive weeks, one report each.
        for pair in reports.windows(2) {
            let gap = (pair[1].date - pair[0].date).num_days();
            assert!((6..=8).contains(&gap), "{gap} days between reports");
        }
    }

    #[test]
    fn chronicle_reads_the_dates_and_weeks_it_was_given() {
        let files = generate(&opts(120, 3, 2));
        let tmp = tempfile::tempdir().unwrap();
        write(&files, tmp.path()).unwrap();
        let archive = content::load(tmp.path(), &Config::default(), &[]);
        assert_eq!(archive.weeks, Some(Weeks::Jan1));
        let expected: Vec<&File> = files.iter().filter(|f| f.kind == Kind::Report).collect();
        assert_eq!(archive.reports.len(), expected.len());
        let daily_count = files.len() - expected.len();
        assert_eq!(archive.dailies.len(), daily_count);
        for f in expected {
            let doc = archive
                .reports
                .iter()
                .find(|d| d.source == f.path)
                .unwrap_or_else(|| panic!("{} not loaded as a report", f.path.display()));
            assert_eq!(doc.meta.date, Some(f.date), "{}", f.path.display());
            assert_eq!(doc.meta.stated_week, Some(f.week), "{}", f.path.display());
            assert_eq!(doc.week.map(|w| w.1), Some(f.week), "{}", f.path.display());
            assert_eq!(doc.title(), f.title);
        }
        // Only the two teams' shared weeks are worth a warning; no report
        // states a week its date disagrees with.
        assert!(
            !archive
                .diags
                .iter()
                .any(|d| d.message.contains("states week")),
            "{:?}",
            archive.diags
        );
    }

    #[test]
    fn hugo_copy_has_front_matter_and_the_same_body() {
        let files = generate(&opts(3, 5, 1));
        let tmp = tempfile::tempdir().unwrap();
        write_hugo(&files, tmp.path()).unwrap();
        let r = files.iter().find(|f| f.kind == Kind::Report).unwrap();
        let text = std::fs::read_to_string(tmp.path().join("reports").join(&r.path)).unwrap();
        assert!(text.starts_with(&format!(
            "+++\ntitle = \"{}\"\ndate = {}\n+++\n",
            r.title, r.date
        )));
        assert!(text.ends_with(&r.text));
        assert!(
            write_hugo(&files, tmp.path()).is_err(),
            "wrote into a full folder"
        );
    }
}
