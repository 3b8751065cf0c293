//! Reading figures out of one line of report prose. Authors write the same
//! figure many ways (`入金有效成功率：99.99%`, `入金有效成功率 99.98 %`,
//! `健康分704分降低到662`, `tps最大1,047`); these helpers know those ways so
//! the extractors can stay about structure.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

/// What may stand between a label and its value: spaces, a short
/// parenthetical (`（7日）`), a colon or `=`, and linking words.
static GAP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\s*(?:[（(][^）)]{0,20}[）)])?\s*(?:[:：=＝]|为|是|达到|达|约|共|仅)?\s*(?:本周|本月|当前|目前|周均|平均|均值|保持|维持|稳定在)?\s*(?:[:：=＝]|为|是|达到|达|约|在)?\s*(?:由|从)?\s*",
    )
    .unwrap()
});
/// A number, with optional ASCII thousands separators.
static NUM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[-+−]?(?:[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?|\.[0-9]+)")
        .unwrap()
});
/// After a value, a change to a newer value: `704分降低到662` — the current
/// value is the last one.
static CHANGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\s*(?:%|％|分|次|个|笔|tps|TPS|ms|s|秒|万)?\s*(?:降低到|下降到|降低至|下降至|降至|降到|上升到|上升至|升至|升到|提升到|提升至|提高到|提高至|增加到|增加至|增长到|增长至|减少到|减少至|变为|变成|到|至|→|->)\s*",
    )
    .unwrap()
});
static PERCENT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\s*[%％]").unwrap());

/// Whether `s` has an ASCII digit: 64 bytes at a time with no branch
/// inside, which the compiler makes a few vector instructions per block (a
/// byte-at-a-time scan cost as much as the date patterns' own search of a
/// text without one). Dates and figures all have a digit, so the patterns
/// are not run on text that has none.
pub fn has_ascii_digit(s: &str) -> bool {
    s.as_bytes().chunks(64).any(|block| {
        block
            .iter()
            .fold(false, |seen, b| seen | b.is_ascii_digit())
    })
}

/// `s` with full-width digits, points and slashes (`７０%`, `３５．５%`,
/// `５／６`, typed in a Chinese input method's full-width mode) made ASCII,
/// one character for one, so the patterns, which read ASCII digits, read
/// them too. Borrowed when there are none, as in nearly every text (found
/// by their first two bytes, without decoding the text).
pub fn ascii_digits(s: &str) -> Cow<'_, str> {
    // U+FF0E to U+FF19 (`．`, `／`, `０`–`９`) are EF BC 8E to EF BC 99.
    // A byte search, not `memmem`: a substring searcher is built anew on
    // every call, and this runs on every project update.
    let b = s.as_bytes();
    let full = memchr::memchr_iter(0xEF, b).any(|i| {
        b.get(i + 1) == Some(&0xBC) && b.get(i + 2).is_some_and(|c| (0x8E..=0x99).contains(c))
    });
    if !full {
        return Cow::Borrowed(s);
    }
    s.chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '／' => '/',
            '．' => '.',
            c => c,
        })
        .collect()
}

/// A list numbering written into the text (`4.`, `四、`, `b)`, `（2）`) and
/// the spaces around it.
static NUMBERING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3}|[A-Za-z])\s*[.．、)）]\s*|^\s*[（(]\s*\d{1,2}\s*[）)]\s*").unwrap()
});

/// `s` without a numbering at its start (`4. 生产事件` → `生产事件`).
pub fn strip_numbering(s: &str) -> &str {
    // A numbering starts with a digit, a letter, a Chinese numeral or a
    // bracket. Most lines start with none of them, and are told so here
    // rather than by a regex search, which costs more than the rest of
    // what the extractors do with a line's start.
    let may_be = s.trim_start().chars().next().is_some_and(|c| {
        c.is_numeric() || c.is_ascii_alphabetic() || "一二三四五六七八九十(（".contains(c)
    });
    if !may_be {
        return s;
    }
    NUMBERING.find(s).map_or(s, |m| &s[m.end()..])
}

/// A value found in text: the number, whether a `%` followed, and the
/// byte range of the whole figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    pub value: f64,
    pub percent: bool,
    pub end: usize,
}

pub fn parse_number(s: &str) -> Option<f64> {
    s.replace([',', '+'], "").replace('−', "-").parse().ok()
}

/// The number starting at `text[at..]`, following any change arrows to the
/// final value.
pub fn number_at(text: &str, mut at: usize) -> Option<Value> {
    let m = NUM.find(&text[at..])?;
    let mut value = parse_number(m.as_str())?;
    at += m.end();
    while let Some(c) = CHANGE.find(&text[at..]) {
        let Some(n) = NUM.find(&text[at + c.end()..]) else {
            break;
        };
        let Some(v) = parse_number(n.as_str()) else {
            break;
        };
        value = v;
        at += c.end() + n.end();
    }
    let percent = PERCENT.is_match(&text[at..]);
    if let Some(p) = PERCENT.find(&text[at..]) {
        at += p.end();
    }
    Some(Value {
        value,
        percent,
        end: at,
    })
}

/// The value introduced by a label that ends at byte `label_end`.
pub fn value_after_label(text: &str, label_end: usize) -> Option<Value> {
    let gap = GAP.find(&text[label_end..]).map_or(0, |m| m.end());
    number_at(text, label_end + gap)
}

/// Splits a line into clauses at Chinese and ASCII separators, keeping a
/// comma between digits (`1,047`) inside its number. Returns byte ranges.
pub fn clauses(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if is_separator(text, i, c) {
            if i > start {
                out.push((start, i));
            }
            start = i + c.len_utf8();
        }
    }
    if start < text.len() {
        out.push((start, text.len()));
    }
    out
}

/// Whether `c`, at byte `i` of `text`, ends a clause (see `clauses`).
fn is_separator(text: &str, i: usize, c: char) -> bool {
    match c {
        '，' | '；' | ';' | '、' | '。' | '\n' | '！' | '？' => true,
        ',' => {
            let bytes = text.as_bytes();
            let before = i > 0 && bytes[i - 1].is_ascii_digit();
            let after = bytes
                .get(i + 1..i + 4)
                .is_some_and(|s| s.iter().all(u8::is_ascii_digit));
            !(before && after)
        }
        _ => false,
    }
}

/// The clauses of `text` that hold a percent sign (`%` or `％`), as
/// `clauses` splits it, in order. Found from the signs, which memchr finds:
/// most updates state no percentage, and a long one's other clauses are
/// never decoded.
pub fn clauses_with_percent(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    // `％` is EF BC 85: both signs in order from one byte search, for its
    // last byte (its first, EF, starts all of `，：（）`).
    let signs = memchr::memchr2_iter(b'%', 0x85, bytes).filter_map(|i| match bytes[i] {
        b'%' => Some(i),
        _ => (i >= 2 && bytes[i - 2..i] == [0xEF, 0xBC]).then(|| i - 2),
    });
    let mut out: Vec<(usize, usize)> = Vec::new();
    for p in signs {
        if out.last().is_some_and(|&(_, end)| p < end) {
            continue;
        }
        let start = text[..p]
            .char_indices()
            .rev()
            .find(|&(i, c)| is_separator(text, i, c))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let end = text[p..]
            .char_indices()
            .find(|&(i, c)| is_separator(text, p + i, c))
            .map_or(text.len(), |(i, _)| p + i);
        out.push((start, end));
    }
    out
}

/// The CJK blocks (U+3000–U+9FFF): no cased letters, so `norm` keeps them
/// as they are, without the Unicode case tables. The incident-label check
/// (`incidents::Key`) relies on the same range.
pub const UNCASED: std::ops::Range<char> = '\u{3000}'..'\u{A000}';

/// Normalises a heading or label for matching: no 【】[] brackets, no
/// spaces, lower case.
pub fn norm(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_whitespace() || matches!(c, '【' | '】' | '[' | ']' | '「' | '」') {
            continue;
        }
        // ASCII and the CJK blocks (`UNCASED`) skip the Unicode case
        // tables, which were a tenth of extraction.
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else if UNCASED.contains(&c) {
            out.push(c);
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_digit_is_found_wherever_it_is() {
        let text = "已完成上线，进入观察期".repeat(10);
        assert!(!has_ascii_digit(&text));
        assert!(!has_ascii_digit(""));
        // Full-width digits are not ASCII (`ascii_digits` makes them so).
        assert!(!has_ascii_digit("进度７０％"));
        // Character boundaries (three bytes each) in the first block, at
        // its end, in the next, and at the very end.
        for at in [0, 3, 63, 66, 129, text.len()] {
            let mut t = text.clone();
            t.insert(at, '7');
            assert!(has_ascii_digit(&t), "digit at {at}");
        }
    }

    #[test]
    fn clauses_with_percent_are_the_clauses_that_hold_one() {
        for text in [
            "研发进度30%，预计10月中上线",
            "前端进展32%、后端进展15%；测试进度80%。整体进度45%",
            "进度83%，进展：支付转测完成\n总进度 ：45.5 ％",
            "交易量1,047笔,成功率99.9%,失败率0.1%",
            "%开头，结尾%",
            "％",
            "，，50%，，",
            "没有百分比的一句话，很长很长",
            "",
            "a,1,2345%,b",
        ] {
            let expected: Vec<(usize, usize)> = clauses(text)
                .into_iter()
                .filter(|&(a, b)| text[a..b].contains(['%', '％']))
                .collect();
            assert_eq!(clauses_with_percent(text), expected, "{text}");
        }
    }

    #[test]
    fn full_width_digits_become_ascii() {
        assert_eq!(
            ascii_digits("进度７０%，５／６上线，３５．５"),
            "进度70%，5/6上线，35.5"
        );
        // Other full-width forms stay, and a text without any is not copied.
        assert_eq!(ascii_digits("（Ｐ２）：ｏｋ"), "（Ｐ2）：ｏｋ");
        assert!(matches!(ascii_digits("研发进度30%，。"), Cow::Borrowed(_)));
        assert!(matches!(ascii_digits("（）：，"), Cow::Borrowed(_)));
    }

    #[test]
    fn numberings_are_stripped_and_nothing_else() {
        for (line, rest) in [
            ("4. 生产事件", "生产事件"),
            ("四、生产事件：", "生产事件："),
            ("十二、 本周", "本周"),
            ("b) 支付网关", "支付网关"),
            ("（2）监控", "监控"),
            (" (12) HIVE", "HIVE"),
            ("12）上线", "上线"),
            ("1.5亿笔", "5亿笔"),
            ("生产事件", "生产事件"),
            ("HIVE标准数仓", "HIVE标准数仓"),
            ("2023年", "2023年"),
            ("", ""),
        ] {
            assert_eq!(strip_numbering(line), rest, "{line}");
        }
    }

    fn after(text: &str, label: &str) -> Option<(f64, bool)> {
        let end = text.find(label)? + label.len();
        value_after_label(text, end).map(|v| (v.value, v.percent))
    }

    #[test]
    fn separators_between_label_and_value() {
        assert_eq!(
            after("入金有效成功率：99.99%", "入金有效成功率"),
            Some((99.99, true))
        );
        assert_eq!(
            after("入金有效成功率:99.99%", "入金有效成功率"),
            Some((99.99, true))
        );
        assert_eq!(
            after("入金有效成功率为99.99%", "入金有效成功率"),
            Some((99.99, true))
        );
        assert_eq!(
            after("入金有效成功率 99.98%", "入金有效成功率"),
            Some((99.98, true))
        );
        assert_eq!(
            after("入金有效成功率 99.98 %", "入金有效成功率"),
            Some((99.98, true))
        );
        assert_eq!(
            after("入金有效成功率（7日）：99.98％", "入金有效成功率"),
            Some((99.98, true))
        );
        assert_eq!(after("事故数AB级0次", "AB级"), Some((0.0, false)));
        assert_eq!(after("热点账户记账性能评估达标", "热点账户"), None);
        assert_eq!(
            after("入金有效成功率本周99.97%", "入金有效成功率"),
            Some((99.97, true))
        );
        assert_eq!(
            after("入金有效成功率：本周为99.97%", "入金有效成功率"),
            Some((99.97, true))
        );
        assert_eq!(after("可用性保持100%", "可用性"), Some((100.0, true)));
        assert_eq!(
            after("入金有效成功率：99.99%（目标99.95%）", "入金有效成功率"),
            Some((99.99, true))
        );
        assert_eq!(
            after("入金有效成功率环比提升0.01%", "入金有效成功率"),
            None,
            "a change is not the value"
        );
    }

    #[test]
    fn last_value_of_a_change() {
        assert_eq!(
            after("健康分704分降低到662，排名第五", "健康分"),
            Some((662.0, false))
        );
        assert_eq!(
            after("健康分638.1，中心排名第5", "健康分"),
            Some((638.1, false))
        );
        assert_eq!(
            after("成功率99.98% 环比上升0.01%", "成功率"),
            Some((99.98, true))
        );
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(
            after("tps最大1,047 ，符合预期", "tps最大"),
            Some((1047.0, false))
        );
        assert_eq!(
            after("交易笔数：12,345,678笔", "交易笔数"),
            Some((12345678.0, false))
        );
    }

    #[test]
    fn clause_split_keeps_thousands() {
        let t = "出金有效成功率：99.975% ，一次支付成功率：99.280%。tps 1,047, ok";
        let parts: Vec<&str> = clauses(t).into_iter().map(|(a, b)| &t[a..b]).collect();
        assert_eq!(
            parts,
            [
                "出金有效成功率：99.975% ",
                "一次支付成功率：99.280%",
                "tps 1,047",
                " ok"
            ]
        );
    }

    #[test]
    fn normalises_headings() {
        assert_eq!(norm("【系统运行数据】"), "系统运行数据");
        assert_eq!(norm("Key Metrics"), "keymetrics");
    }
}
