//! The full-text search index, shipped as `.js` files so search works with
//! the site opened from disk: `file://` pages cannot fetch or XHR local
//! files, but they can add `<script>` tags, and each index file calls a
//! global registration function (`chronicleSearch.*`) defined by
//! `static/search.js`. Only `search.html` loads any of it.
//!
//! What is indexed: every report and daily note. The postings are per
//! page; the doc chunks keep each page's sections (heading, anchor, text),
//! and search.js picks the sections of a result that have the query's
//! phrases when it shows it, so a result links to
//! `reports/2023-w16.html#<heading-id>`. Text before the first heading
//! belongs to the page's top, together with the page title.
//!
//! Why per page rather than per section: a page's distinct tokens are
//! about half of its sections' taken one by one (a word in three sections
//! is one posting, not three), and the postings are most of the index's
//! work and of its `terms-*.js` files.
//!
//! Tokens: Latin words lower-cased (full-width letters folded to ASCII),
//! numbers as tokens (`99.99`, `2.0`, `1047`), and Chinese (any CJK script)
//! as single characters plus overlapping character bigrams. A query of two
//! or more CJK characters looks up its bigrams only, so `热点账户` needs
//! `热点`, `点账` and `账户` in one page; a one-character query uses the
//! unigram. `static/search.js` has the same tokenizer; `tests/search_js.rs`
//! checks that both agree.
//!
//! Layout, chosen so one query loads a few hundred KB even on a
//! 10,000-report archive (sizes are in the README):
//!
//! - `search/index.js`: shard count and the doc chunks (years and pages
//!   per chunk).
//! - `search/terms-N.js`: the postings, split by a hash of the token into
//!   shards of about `SHARD_BYTES`. A query loads only its tokens' shards.
//!   Each posting is (page number delta, weight): the BM25 weight of the
//!   token in the page, computed here and quantised, with heading and title
//!   words counted three times. Pages are numbered in doc chunk order.
//!   Numbers are base-32 varints written in a 64-letter alphabet, so a
//!   posting is usually two or three characters.
//! - `search/docs-YYYY.js` (`-2`, `-3`… past `CHUNK_BYTES`): pages with their
//!   sections' text, for titles and snippets; a query loads only the chunks
//!   of the results it shows.
//!
//! Precomputed weights (rather than scanning text in the browser) keep the
//! query cost independent of archive size; storing section text once, in
//! chunks by year, keeps snippets exact and lets highlighting work on the
//! real text.

use std::borrow::Cow;

use chrono::{Datelike, NaiveDate};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde_json::json;

use super::json::{EachPair, Text};
use super::{OutFile, Renderer, Sink};
use crate::diag::Diagnostic;
use crate::site::Page;

/// Target size of one postings shard, in bytes.
pub const SHARD_BYTES: usize = 96 * 1024;
/// Target size of one doc chunk (section text), in bytes.
pub const CHUNK_BYTES: usize = 16 * 1024;
/// How much more a word in a heading or page title counts than one in text.
const TITLE_BOOST: u32 = 3;
const K1: f64 = 1.2;
const B: f64 = 0.75;
/// Weights are stored as integers: `round(bm25 * SCALE)`.
const SCALE: f64 = 8.0;
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Chinese, Japanese and Korean characters: indexed one by one and in pairs,
/// since these scripts do not separate words with spaces.
pub fn is_cjk(c: char) -> bool {
    let u = c as u32;
    // Most of a Chinese report is in the main block: one comparison pair
    // before the full list (this runs for every character indexed).
    if (0x4E00..=0x9FFF).contains(&u) {
        return true;
    }
    if u < 0x2E80 {
        return false;
    }
    matches!(u,
        0x2E80..=0x2FDF      // radicals
        | 0x3005..=0x3007    // 々 〆 〇
        | 0x3040..=0x30FF    // kana
        | 0x3100..=0x312F    // bopomofo
        | 0x3130..=0x318F    // hangul jamo
        | 0x31F0..=0x31FF
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xA960..=0xA97F
        | 0xAC00..=0xD7AF    // hangul syllables
        | 0xF900..=0xFAFF    // compatibility ideographs
        | 0xFF66..=0xFF9F    // half-width kana
        | 0x20000..=0x323AF // extensions B–H
    )
}

/// Chinese text's own punctuation and the general punctuation block (`、`,
/// `。`, `【】`, `“”`, `……`): no letters or digits, no case. Told apart by
/// range, since for them `is_alphanumeric` and `to_lowercase` both search
/// Unicode's tables, and they come every few characters.
fn is_punctuation(c: char) -> bool {
    matches!(c,
        '\u{2000}'..='\u{206F}'
        | '\u{3000}'..='\u{3004}'
        | '\u{3008}'..='\u{3020}'
        | '\u{3030}'
        | '\u{303D}'..='\u{303F}')
}

/// Case and width folding that never changes the number of characters, so
/// positions in folded text are positions in the original (the snippet code
/// in search.js relies on the same property).
pub fn fold(c: char) -> char {
    // Fast paths: most of a report is ASCII or CJK, and neither needs the
    // Unicode case tables.
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    if is_cjk(c) || is_punctuation(c) {
        return c;
    }
    let c = match c as u32 {
        0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    };
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

/// Calls `emit` with every index token of `text`, in order: words, numbers,
/// and for each run of CJK characters every character and every pair.
pub fn tokens(text: &str, mut emit: impl FnMut(&str)) {
    let chars: Vec<char> = text.chars().map(fold).collect();
    let mut i = 0;
    let mut buf = String::new();
    while i < chars.len() {
        let c = chars[i];
        if is_cjk(c) {
            let start = i;
            while i < chars.len() && is_cjk(chars[i]) {
                i += 1;
            }
            for j in start..i {
                buf.clear();
                buf.push(chars[j]);
                emit(&buf);
                if j + 1 < i {
                    buf.push(chars[j + 1]);
                    emit(&buf);
                }
            }
        } else if c.is_alphanumeric() {
            buf.clear();
            while i < chars.len() {
                let c = chars[i];
                let joins_digits = (c == '.' || c == ',')
                    && i > 0
                    && chars[i - 1].is_ascii_digit()
                    && chars.get(i + 1).is_some_and(char::is_ascii_digit);
                if (c.is_alphanumeric() && !is_cjk(c)) || joins_digits {
                    buf.push(c);
                    i += 1;
                } else {
                    break;
                }
            }
            emit(&buf);
        } else {
            i += 1;
        }
    }
}

/// The same tokens as `tokens`, in the same order, as map keys: one pass
/// over the text with no string per token. Counting tokens is most of the
/// cost of the index, so this is the path the build takes; `tokens` stays
/// the readable definition (and the tests check that both agree).
fn token_keys(text: &str, mut emit: impl FnMut(Key)) {
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut word = String::new();
    let mut prev_digit = false;
    // The previous character when it was CJK: its UTF-8 bytes packed as in
    // `Key::Short`, and their number (0: the previous one was not CJK).
    let (mut prev_cjk, mut prev_len) = (0u64, 0usize);
    while i < bytes.len() {
        // A lead byte of E5 to E9 starts a character of U+5000 to U+9FFF,
        // all CJK and most of a Chinese report: its key is its three bytes
        // as they are, with no decoding.
        let (key, len) = if (0xE5..=0xE9).contains(&bytes[i]) {
            let key = pack(&bytes[i..i + 3]);
            i += 3;
            (key, 3)
        } else {
            let Some(raw) = text[i..].chars().next() else {
                break;
            };
            i += raw.len_utf8();
            // `fold` leaves CJK alone and never folds anything into CJK,
            // so the raw character decides.
            if is_cjk(raw) {
                let len = raw.len_utf8();
                (pack(&bytes[i - len..i]), len)
            } else {
                prev_len = 0;
                let c = fold(raw);
                let alnum = if c.is_ascii() {
                    c.is_ascii_alphanumeric()
                } else {
                    !is_punctuation(c) && c.is_alphanumeric()
                };
                let next_digit = || {
                    text[i..]
                        .chars()
                        .next()
                        .is_some_and(|n| fold(n).is_ascii_digit())
                };
                if alnum
                    || ((c == '.' || c == ',') && prev_digit && !word.is_empty() && next_digit())
                {
                    word.push(c);
                } else if !word.is_empty() {
                    emit(Key::new(&word));
                    word.clear();
                }
                prev_digit = c.is_ascii_digit();
                continue;
            }
        };
        if !word.is_empty() {
            emit(Key::new(&word));
            word.clear();
        }
        if prev_len > 0 {
            emit(Key::Short(prev_cjk | key << (8 * prev_len)));
        }
        emit(Key::Short(key));
        (prev_cjk, prev_len) = (key, len);
        prev_digit = false;
    }
    if !word.is_empty() {
        emit(Key::new(&word));
    }
}

/// The tokens a query looks up (what search.js does): like `tokens`, but a
/// CJK run of two or more characters gives only its pairs. Kept here for the
/// Rust side of the parity test and for unit tests.
pub fn query_tokens(q: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let chars: Vec<char> = q.chars().map(fold).collect();
    let mut i = 0;
    while i < chars.len() {
        if is_cjk(chars[i]) {
            let start = i;
            while i < chars.len() && is_cjk(chars[i]) {
                i += 1;
            }
            let run = &chars[start..i];
            if run.len() == 1 {
                out.push(run[0].to_string());
            } else {
                out.extend(run.windows(2).map(|w| w.iter().collect::<String>()));
            }
        } else {
            let start = i;
            while i < chars.len() && !is_cjk(chars[i]) {
                i += 1;
            }
            let part: String = chars[start..i].iter().collect();
            tokens(&part, |t| out.push(t.to_string()));
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|t| seen.insert(t.clone()));
    out
}

/// FNV-1a over code points; search.js computes the same to find a token's
/// shard.
pub fn shard_of(token: &str, shards: usize) -> usize {
    let mut h: u32 = 2_166_136_261;
    for c in token.chars() {
        h ^= c as u32;
        h = h.wrapping_mul(16_777_619);
    }
    (h as usize) % shards.max(1)
}

/// `n` as a base-32 varint in `ALPHABET`, low digits first, a digit with
/// more to follow taken from the alphabet's upper half; each letter to
/// `emit`.
#[inline(always)]
fn base32_digits(mut n: u64, mut emit: impl FnMut(u8)) {
    while n >= 32 {
        emit(ALPHABET[(n & 31) as usize | 32]);
        n >>= 5;
    }
    emit(ALPHABET[n as usize]);
}

#[inline]
fn push_varint(out: &mut String, n: u64) {
    base32_digits(n, |b| out.push(char::from(b)));
}

#[cfg(test)]
fn read_varints(s: &str) -> Vec<u64> {
    let mut out = Vec::new();
    let (mut n, mut shift) = (0u64, 0);
    for b in s.bytes() {
        let v = ALPHABET.iter().position(|&a| a == b).unwrap() as u64;
        n |= (v & 31) << shift;
        if v & 32 != 0 {
            shift += 5;
        } else {
            out.push(n);
            n = 0;
            shift = 0;
        }
    }
    out
}

/// A token. Up to 8 bytes (every CJK character and pair, most numbers and
/// words) are packed into an integer, so counting the tokens of a big
/// archive allocates nothing for them and keys its maps by that integer
/// (`ByKey`); tokens never contain NUL, so zero padding is unambiguous.
#[derive(Debug, PartialEq, Eq)]
enum Key {
    Short(u64),
    Long(Box<str>),
}

/// Up to 8 bytes as a `Key::Short`: little-endian, zero-padded. A CJK
/// pair is its two characters' packs with the second shifted past the
/// first (`token_keys`).
#[inline]
fn pack(b: &[u8]) -> u64 {
    let mut buf = [0u8; 8];
    buf[..b.len()].copy_from_slice(b);
    u64::from_le_bytes(buf)
}

impl Key {
    fn new(t: &str) -> Self {
        if t.len() <= 8 {
            Key::Short(pack(t.as_bytes()))
        } else {
            Key::Long(t.into())
        }
    }

    fn text(&self) -> String {
        match self {
            Key::Short(n) => {
                let b = n.to_le_bytes();
                let len = b.iter().position(|&x| x == 0).unwrap_or(8);
                String::from_utf8_lossy(&b[..len]).into_owned()
            }
            Key::Long(s) => s.to_string(),
        }
    }
}

/// One token's postings while the index is built: (page number delta,
/// weighted tf) pairs as LEB128 varints, where a `Vec<(u32, u32)>` takes
/// eight bytes a posting. A 10,000-report archive has tens of millions of
/// postings, and holding them is most of the search index's memory, the
/// build's peak. Most postings count the token once, so the delta's low
/// bit says so and the count is left out: a common token's posting (a
/// small delta, once) is one byte, not two.
#[derive(Default)]
struct Postings {
    bytes: Vec<u8>,
    last: u32,
    /// How many pages have the token.
    df: u32,
}

impl Postings {
    /// Inlined into the merge loop: as a call, saving and restoring
    /// registers was most of its cost (53 instructions a posting), and a
    /// build makes millions.
    #[inline(always)]
    fn push(&mut self, id: u32, tf: u32) {
        // At most fifteen bytes follow. Grown by a quarter rather than
        // doubled: a doubled buffer is on average a third empty.
        if self.bytes.capacity() - self.bytes.len() < 15 {
            self.grow();
        }
        let delta = u64::from(id - self.last) << 1;
        self.last = id;
        self.df += 1;
        if tf == 1 {
            self.varint(delta | 1);
        } else {
            self.varint(delta);
            self.varint(u64::from(tf));
        }
    }

    #[inline(never)]
    fn grow(&mut self) {
        self.bytes.reserve_exact(self.bytes.len() / 4 + 16);
    }

    #[inline(always)]
    fn varint(&mut self, mut n: u64) {
        while n >= 0x80 {
            self.bytes.push((n as u8) | 0x80);
            n >>= 7;
        }
        self.bytes.push(n as u8);
    }

    /// (page number, weighted tf), in order: the tests' reading, with the
    /// varint reader `encode_postings` uses.
    #[cfg(test)]
    fn iter(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        let (mut at, mut id) = (0, 0u32);
        std::iter::from_fn(move || {
            if at >= self.bytes.len() {
                return None;
            }
            let v = read_leb(&self.bytes, &mut at);
            id += (v >> 1) as u32;
            let tf = if v & 1 == 1 {
                1
            } else {
                read_leb(&self.bytes, &mut at) as u32
            };
            Some((id, tf))
        })
    }
}

/// What a token and its postings take in a shard: both, two quotes each,
/// a colon and a comma.
fn entry_bytes(token: usize, postings: usize) -> usize {
    token + postings + 6
}

/// About how long `encode_postings` makes `list`, known before it is
/// encoded: each posting's LEB128 bytes give way to base-32 digits of the
/// delta and of its weight (which takes the place of the count).
fn estimated_len(list: &Postings) -> usize {
    list.bytes.len() * 3 / 2 + 8
}

/// A token's postings as search.js reads them: (page number delta, BM25
/// weight) pairs as base-32 varints.
///
/// One loop over the LEB128 bytes, the base-32 digits going into bytes:
/// a build encodes every posting of the archive here (1.2 million at 1,000
/// reports), and through `Postings::iter`, `String::push` and a float to
/// `u64` cast it took about 90 instructions each.
fn encode_postings(list: &Postings, n_pages: f64, norms: &[f64]) -> String {
    let df = list.df as f64;
    let idf = (1.0 + (n_pages - df + 0.5) / (df + 0.5)).ln();
    // The weight of a count of one, as the general formula computes it
    // (`idf * 1.0` is `idf`), without its multiplications.
    let once = idf * (K1 + 1.0);
    let bytes = &list.bytes[..];
    let mut out = Vec::with_capacity(estimated_len(list));
    let (mut at, mut id, mut prev) = (0, 0u32, 0u32);
    while at < bytes.len() {
        let v = read_leb(bytes, &mut at);
        id += (v >> 1) as u32;
        let norm = norms[id as usize];
        let w = if v & 1 == 1 {
            once / (1.0 + norm)
        } else {
            let tf = read_leb(bytes, &mut at) as f64;
            idf * tf * (K1 + 1.0) / (tf + norm)
        };
        push_digits(&mut out, id - prev);
        // w ≥ 0: adding a half and truncating is `round`, without the libm
        // call. Weights are far below `u32::MAX` (an idf of at most ~20,
        // a term frequency factor below K1 + 1, times SCALE), and a `u32`
        // cast is a few instructions where a `u64` one is a dozen.
        push_digits(&mut out, ((w * SCALE + 0.5) as u32).max(1));
        prev = id;
    }
    // Only ALPHABET's ASCII letters were written.
    String::from_utf8(out).unwrap_or_default()
}

/// The LEB128 varint at `bytes[*at..]`, moving `at` past it (a truncated
/// one ends at the end of `bytes`).
#[inline(always)]
fn read_leb(bytes: &[u8], at: &mut usize) -> u64 {
    // Most varints here are one byte (a posting's small delta, counted
    // once): read without the loop.
    if let Some(&b) = bytes.get(*at).filter(|&&b| b < 0x80) {
        *at += 1;
        return u64::from(b);
    }
    let (mut n, mut shift) = (0u64, 0);
    while let Some(&b) = bytes.get(*at) {
        *at += 1;
        n |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            break;
        }
        shift += 7;
    }
    n
}

/// `push_varint` into bytes.
#[inline(always)]
fn push_digits(out: &mut Vec<u8>, n: u32) {
    base32_digits(u64::from(n), |b| out.push(b));
}

/// How many maps the postings are split into while they are built.
const PARTS: usize = 16;

/// Which postings map a token goes to, from its packed bytes (a short
/// token) or their hash (a long one). Not the map's own hash: keys sharing
/// the bits that pick the part would crowd the same buckets inside it.
fn part_of(n: u64) -> usize {
    (n.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 60) as usize % PARTS
}

/// A doc's (token, weighted tf) for one part, the short tokens apart from
/// the long ones (see `ByKey`).
#[derive(Default)]
struct Tokens {
    short: Vec<(u64, u32)>,
    long: Vec<(Box<str>, u32)>,
}

/// A map keyed by token, the short ones (nearly all of them) by their
/// packed bytes alone: a `u64` key hashes and compares in an instruction
/// or two, has nothing to drop, and makes a bucket a third the size of
/// one keyed by `Key`. The postings are merged into these, a lookup per
/// posting (a page's counting has its own table, `Counter`).
struct ByKey<V> {
    short: FxHashMap<u64, V>,
    long: FxHashMap<Box<str>, V>,
}

impl ByKey<Postings> {
    /// Adds the postings of doc number `doc` for this part. A function of
    /// its own, and a lookup before an insertion rather than `entry`:
    /// inside rayon's loop, whether the compiler inlined the map's `entry`
    /// came down to the training run of profile-guided optimisation, and
    /// out of line it cost 92 M instructions more (callgrind, 1,000
    /// reports). `get_mut` is marked for inlining; only a token's first
    /// posting takes the second lookup.
    #[inline(never)]
    fn merge(&mut self, doc: u32, tokens: Tokens) {
        for (k, n) in tokens.short {
            match self.short.get_mut(&k) {
                Some(p) => p.push(doc, n),
                None => {
                    let mut p = Postings::default();
                    p.push(doc, n);
                    self.short.insert(k, p);
                }
            }
        }
        for (k, n) in tokens.long {
            self.long.entry(k).or_default().push(doc, n);
        }
    }
}

impl<V> Default for ByKey<V> {
    fn default() -> Self {
        Self {
            short: FxHashMap::default(),
            long: FxHashMap::default(),
        }
    }
}

/// The scratch counts of one page's tokens: an open-addressed table of
/// the short keys (linear probing, at most half full) and the slots in the
/// order they were first used. Counting is a lookup per token occurrence,
/// tens of millions on a big archive, in a table of a thousand keys or so:
/// here that is a multiply, a compare and an add, and emptying it visits
/// only the slots used, where a general hash map spent most of the index's
/// time in its probing and draining machinery. Key 0 is no token (tokens
/// are never empty), so it marks an empty slot.
struct Counter {
    keys: Vec<u64>,
    counts: Vec<u32>,
    /// Slots in use, in the order their keys came.
    touched: Vec<u32>,
    /// log2 of the table's size.
    bits: u32,
    long: FxHashMap<Box<str>, u32>,
}

impl Default for Counter {
    fn default() -> Self {
        let bits = 10;
        Self {
            keys: vec![0; 1 << bits],
            counts: vec![0; 1 << bits],
            touched: Vec::new(),
            bits,
            long: FxHashMap::default(),
        }
    }
}

impl Counter {
    #[inline(always)]
    fn slot(&self, k: u64) -> usize {
        (k.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - self.bits)) as usize
    }

    #[inline(always)]
    fn add(&mut self, k: Key, n: u32) {
        match k {
            Key::Short(k) => self.add_short(k, n),
            Key::Long(s) => *self.long.entry(s).or_default() += n,
        }
    }

    #[inline(always)]
    fn add_short(&mut self, k: u64, n: u32) {
        let mask = self.keys.len() - 1;
        let mut i = self.slot(k);
        loop {
            let at = self.keys[i];
            if at == k {
                self.counts[i] += n;
                return;
            }
            if at == 0 {
                self.keys[i] = k;
                self.counts[i] = n;
                self.touched.push(i as u32);
                if self.touched.len() * 2 > self.keys.len() {
                    self.grow();
                }
                return;
            }
            i = (i + 1) & mask;
        }
    }

    /// Doubles the table, its keys placed anew in the order they came.
    #[inline(never)]
    fn grow(&mut self) {
        let old: Vec<(u64, u32)> = self.drain_short().collect();
        self.bits += 1;
        self.keys = vec![0; 1 << self.bits];
        self.counts = vec![0; 1 << self.bits];
        for (k, n) in old {
            self.add_short(k, n);
        }
    }

    /// The short keys and their counts, emptying the table.
    fn drain_short(&mut self) -> impl Iterator<Item = (u64, u32)> + '_ {
        let (keys, counts) = (&mut self.keys, &self.counts);
        self.touched.drain(..).map(move |i| {
            let i = i as usize;
            (std::mem::take(&mut keys[i]), counts[i])
        })
    }
}

/// A section of a page, borrowed from the site: an entry of its doc
/// chunk, and part of its page's counts.
struct Entry<'a> {
    anchor: &'a str,
    heading: &'a str,
    text: &'a str,
}

impl Entry<'_> {
    /// Adds its weighted token counts (heading tokens count `TITLE_BOOST`
    /// times) to `counts` and returns its number of tokens. Computed batch
    /// by batch while the postings are built, not kept per page: on a
    /// 10,000-report archive that would be a million small strings held at
    /// once.
    ///
    /// `counts` is a scratch counter reused from page to page: the caller
    /// drains it.
    fn counts(&self, counts: &mut Counter) -> u32 {
        let mut len = 0u32;
        // Inlined into `token_keys`, which calls them for every token. LLVM
        // left them as calls on its own, which cost 62 M more instructions
        // (callgrind, 1,000 reports, one thread).
        token_keys(
            self.heading,
            #[inline(always)]
            |k| {
                len += 1;
                counts.add(k, TITLE_BOOST);
            },
        );
        token_keys(
            self.text,
            #[inline(always)]
            |k| {
                len += 1;
                counts.add(k, 1);
            },
        );
        len
    }
}

/// A page's sections, their texts from `bodies` (see `Input::bodies`);
/// the text before the first heading is filed under the page's title.
fn page_entries<'a>(p: &'a Page, bodies: &'a str) -> Vec<Entry<'a>> {
    p.rendered
        .text
        .iter_with(bodies)
        .enumerate()
        .map(|(i, s)| Entry {
            anchor: if i == 0 { "" } else { s.id },
            heading: if i == 0 { p.doc.title() } else { s.title },
            text: s.text,
        })
        .collect()
}

/// A doc's length (in tokens) and its (token, weighted tf) pairs split by
/// part, counted with `scratch` (drained again).
fn count_doc(entries: &[Entry], scratch: &mut Counter) -> (u32, Vec<Tokens>) {
    debug_assert!(scratch.touched.is_empty() && scratch.long.is_empty());
    let len = entries.iter().map(|e| e.counts(scratch)).sum();
    // Each part at about its final size (the distinct tokens are counted
    // by now): grown from empty, they were reallocated a hundred times a
    // report.
    let each = scratch.touched.len() / PARTS + 8;
    let mut parts: Vec<Tokens> = (0..PARTS)
        .map(|_| Tokens {
            short: Vec::with_capacity(each),
            long: Vec::new(),
        })
        .collect();
    for (k, n) in scratch.drain_short() {
        parts[part_of(k)].short.push((k, n));
    }
    for (k, n) in scratch.long.drain() {
        parts[part_of(crate::content::fnv1a(k.as_bytes()))]
            .long
            .push((k, n));
    }
    (len, parts)
}

struct Doc<'a> {
    page: &'a Page,
    /// Chunk key: the year, or "undated".
    key: String,
}

impl<'a> Doc<'a> {
    /// The page's section texts (read back when a build moved them out of
    /// the page), for `page_entries`.
    fn bodies(&self, input: &Input) -> Result<Cow<'a, str>, Diagnostic> {
        (input.bodies)(self.page)
    }

    /// What its entries add to a doc chunk, without reading them back.
    fn chunk_bytes(&self) -> usize {
        let heads: usize = page_entries(self.page, "")
            .iter()
            .map(|e| e.heading.len() + e.anchor.len() + 8)
            .sum();
        heads + self.page.rendered.text.body_bytes()
    }
}

/// Builds every file under `search/`.
pub fn files(r: &Renderer) -> Vec<OutFile> {
    files_unless(r, &|| false).unwrap_or_default()
}

/// `files`, giving up (`None`) as soon as `cancel` says so: `serve` builds
/// the index after a reload and drops it when the author saves again, since
/// on a big archive it takes longer than the rest of a rebuild.
pub fn files_unless(r: &Renderer, cancel: &(dyn Fn() -> bool + Sync)) -> Option<Vec<OutFile>> {
    let mut done = false;
    let files = super::collect(|sink| {
        done = write_unless(r, cancel, sink)?;
        Ok(())
    })
    .ok()?;
    done.then_some(files)
}

/// Hands every file under `search/` to `sink` as soon as it is made, so a
/// build never holds the whole index (120 MB at 10,000 reports) at once.
/// `Ok(false)` when `cancel` stopped it.
pub fn write_unless(
    r: &Renderer,
    cancel: &(dyn Fn() -> bool + Sync),
    sink: Sink,
) -> Result<bool, Diagnostic> {
    let date_display = |d| r.date_display(d);
    let bodies: &(dyn Fn(&Page) -> Result<Cow<'_, str>, Diagnostic> + Sync) =
        &|p| r.site.section_bodies(p);
    let input = Input {
        reports: &r.site.reports,
        dailies: &r.site.dailies,
        date_display: &date_display,
        bodies,
    };
    write_pages(&input, cancel, sink)
}

/// What the index is made of: the pages alone, with none of the views.
struct Input<'a> {
    reports: &'a [Page],
    dailies: &'a [Page],
    /// A date as the theme shows it (`Renderer::date_display`).
    date_display: &'a (dyn Fn(NaiveDate) -> String + Sync),
    /// A page's section texts, read back from where a build moved them
    /// (`Site::section_bodies`).
    bodies: &'a (dyn Fn(&Page) -> Result<Cow<'_, str>, Diagnostic> + Sync),
}

/// How many docs the index reads and counts at a time, at least (whole
/// doc chunks): enough to keep both cores busy, few enough that a batch's
/// texts and counts stay small beside the postings.
const BATCH_DOCS: usize = 256;

/// `write_unless` from the pages alone.
fn write_pages(
    input: &Input,
    cancel: &(dyn Fn() -> bool + Sync),
    sink: Sink,
) -> Result<bool, Diagnostic> {
    write_pages_batched(input, cancel, sink, BATCH_DOCS)
}

/// `write_pages`, reading and counting at least `batch_docs` docs at a
/// time (the tests vary it: the files must not depend on it).
fn write_pages_batched(
    input: &Input,
    cancel: &(dyn Fn() -> bool + Sync),
    sink: Sink,
    batch_docs: usize,
) -> Result<bool, Diagnostic> {
    // Daily notes are filed under their report's year when undated.
    let year_of = |p: &Page| {
        p.doc
            .meta
            .date
            .or_else(|| p.doc.parent.and_then(|i| input.reports[i].doc.meta.date))
            .map(|d| d.year().to_string())
            .unwrap_or_else(|| "undated".into())
    };
    let pages: Vec<&Page> = input.reports.iter().chain(input.dailies.iter()).collect();
    let mut docs: Vec<Doc> = pages
        .par_iter()
        .map(|p| Doc {
            page: p,
            key: year_of(p),
        })
        .collect();
    // Years in order, pages by date within a year; undated last.
    docs.sort_by(|a, b| {
        let undated = |d: &Doc| d.key == "undated";
        (undated(a), &a.key, a.page.doc.meta.date).cmp(&(undated(b), &b.key, b.page.doc.meta.date))
    });

    // Chunks: by year, then by size.
    // (file stem, first doc, bytes of its entries)
    let mut chunks: Vec<(String, usize, usize)> = Vec::new();
    let (mut size, mut in_year) = (0, 0);
    for (i, d) in docs.iter().enumerate() {
        let bytes = d.chunk_bytes();
        if i == 0 || docs[i - 1].key != d.key {
            chunks.push((format!("docs-{}", d.key), i, 0));
            (size, in_year) = (0, 1);
        } else if size + bytes > CHUNK_BYTES && size > 0 {
            in_year += 1;
            chunks.push((format!("docs-{}-{in_year}", d.key), i, 0));
            size = 0;
        }
        size += bytes;
        if let Some(chunk) = chunks.last_mut() {
            chunk.2 = size;
        }
    }
    // The first doc of chunk `c`; past the last chunk, the number of docs.
    let start_of = |c: usize| chunks.get(c).map_or(docs.len(), |n| n.1);
    // One chunk's file, from its docs' entries (texts read back beforehand).
    let chunk_file = |c: usize, entries: &[Vec<Entry>]| -> Result<(), Diagnostic> {
        let (stem, first, bytes) = &chunks[c];
        let docs = &docs[*first..start_of(c + 1)];
        let list: Vec<_> = docs
            .iter()
            .zip(entries)
            .map(|(d, entries)| {
                let doc = &d.page.doc;
                let sections: Vec<[Text; 3]> = entries
                    .iter()
                    .map(|e| [Text(e.anchor), Text(e.heading), Text(e.text)])
                    .collect();
                (
                    Text(&doc.url),
                    Text(doc.title()),
                    doc.meta.date.map(input.date_display).unwrap_or_default(),
                    sections,
                )
            })
            .collect();
        // Room for the texts, the pages' fields and a little escaping.
        sink(js_file(
            &format!("search/{stem}.js"),
            &format!("docs({c},"),
            &list,
            bytes + bytes / 16 + 64 * docs.len(),
        ))
    };

    // The doc chunks and the postings are made in one pass, a batch of
    // whole chunks at a time: each page's texts are read back once for
    // both (from the spill file on a big archive: 69 MB at 10,000 reports,
    // read, checked and copied twice when they were two passes).
    //
    // Postings: token → [(page number, weighted tf)], pages in order.
    // They are kept in `PARTS` maps split by token, so that both counting
    // and merging run on every core: a single map took a third of the
    // index's time on one core while the other waited.
    let mut lens: Vec<u32> = Vec::new();
    let mut postings: Vec<ByKey<Postings>> = (0..PARTS).map(|_| ByKey::default()).collect();
    // Batches of whole chunks with at least `batch_docs` docs (the last
    // may have fewer): (first chunk, end chunk).
    let mut batches: Vec<(usize, usize)> = Vec::new();
    let mut from = 0;
    for c in 1..=chunks.len() {
        if c == chunks.len() || start_of(c) - start_of(from) >= batch_docs {
            batches.push((from, c));
            from = c;
        }
    }
    // Stopped (`Ok(false)`) when `cancel` says so between batches.
    let complete = crate::diag::timed(
        "search docs and postings",
        || -> Result<bool, Diagnostic> {
            for &(c0, c1) in &batches {
                if cancel() {
                    return Ok(false);
                }
                let first = start_of(c0);
                let batch = &docs[first..start_of(c1)];
                let bodies = batch
                    .par_iter()
                    .map(|d| d.bodies(input))
                    .collect::<Result<Vec<_>, Diagnostic>>()?;
                // Each doc's entries, made once for its chunk and its counts.
                let entries: Vec<Vec<Entry>> = batch
                    .par_iter()
                    .zip(&bodies)
                    .map(|(d, bodies)| page_entries(d.page, bodies))
                    .collect();
                let (written, counted) = rayon::join(
                    || {
                        (c0..c1).into_par_iter().try_for_each(|c| {
                            chunk_file(c, &entries[start_of(c) - first..start_of(c + 1) - first])
                        })
                    },
                    || {
                        entries
                            .par_iter()
                            .map_init(Counter::default, |scratch, entries| {
                                count_doc(entries, scratch)
                            })
                            .collect::<Vec<_>>()
                    },
                );
                written?;
                drop(entries);
                drop(bodies);
                // Pages are numbered in doc order, so each part sees its
                // tokens' pages in increasing order.
                let mut by_part: Vec<Vec<(u32, Tokens)>> = (0..PARTS).map(|_| Vec::new()).collect();
                for (len, parts) in counted {
                    let doc = lens.len() as u32;
                    lens.push(len);
                    for (p, tokens) in parts.into_iter().enumerate() {
                        by_part[p].push((doc, tokens));
                    }
                }
                postings
                    .par_iter_mut()
                    .zip(by_part)
                    .for_each(|(map, docs)| {
                        for (doc, tokens) in docs {
                            map.merge(doc, tokens);
                        }
                    });
            }
            Ok(true)
        },
    )?;
    if !complete {
        return Ok(false);
    }
    if cancel() {
        return Ok(false);
    }
    let n_pages = lens.len().max(1) as f64;
    let avg = (lens.iter().map(|&l| l as f64).sum::<f64>() / n_pages).max(1.0);
    // BM25's length normalisation, once per page rather than once per
    // posting.
    let norms: Vec<f64> = lens
        .iter()
        .map(|&l| K1 * (1.0 - B + B * l as f64 / avg))
        .collect();
    // The shard count comes first, from the binary postings' size, so that
    // each shard's lists are encoded, written and dropped in turn: when
    // every list was encoded before the first shard was written, the
    // encoded text (about 3/2 of the binary) was held beside the postings
    // and set the build's peak memory (10,000 reports: 267-270 MiB before
    // the encoding, 282-285 at its end).
    let by_shard: Vec<Vec<(String, Postings)>> = crate::diag::timed("search shards", || {
        let tokens: Vec<(String, Postings)> = postings
            .into_par_iter()
            .flat_map_iter(|part| {
                let short = part.short.into_iter().map(|(n, l)| (Key::Short(n), l));
                short.chain(part.long.into_iter().map(|(s, l)| (Key::Long(s), l)))
            })
            .map(|(t, list)| (t.text(), list))
            .collect();
        let total: usize = tokens
            .iter()
            .map(|(t, list)| entry_bytes(t.len(), estimated_len(list)))
            .sum();
        let n_shards = total.div_ceil(SHARD_BYTES).max(1);
        let mut by_shard: Vec<Vec<(String, Postings)>> =
            (0..n_shards).map(|_| Vec::new()).collect();
        for (t, list) in tokens {
            by_shard[shard_of(&t, n_shards)].push((t, list));
        }
        by_shard
    });
    let n_shards = by_shard.len();
    if cancel() {
        return Ok(false);
    }
    crate::diag::timed("search terms", || {
        by_shard
            .into_par_iter()
            .enumerate()
            .try_for_each(|(i, lists)| {
                let mut bytes = 0;
                let mut shard: Vec<(String, String)> = lists
                    .into_iter()
                    .map(|(t, list)| {
                        let s = encode_postings(&list, n_pages, &norms);
                        bytes += entry_bytes(t.len(), s.len());
                        (t, s)
                    })
                    .collect();
                // By token: the lists come out of hash maps, and the same
                // archive must give the same files each time.
                shard.sort_unstable_by(|a, b| a.0.cmp(&b.0));
                // The postings as `Text`: they are most of a shard.
                let shard = EachPair(|| shard.iter().map(|(t, p)| (t, Text(p))));
                sink(js_file(
                    &format!("search/terms-{i}.js"),
                    &format!("terms({i},"),
                    &shard,
                    bytes + 64,
                ))
            })
    })?;
    // index.js stays small on a big archive: file names are implied by the
    // year and a count (docs-Y.js, docs-Y-2.js…), chunk sizes are varints.
    let mut sizes = String::new();
    let mut years: Vec<(String, usize)> = Vec::new();
    for (c, (_, first, _)) in chunks.iter().enumerate() {
        push_varint(&mut sizes, (start_of(c + 1) - first) as u64);
        match years.last_mut() {
            Some((key, n)) if *key == docs[*first].key => *n += 1,
            _ => years.push((docs[*first].key.clone(), 1)),
        }
    }
    // Version 2: postings by page (version 1 had them by section, and
    // each page's number of sections here).
    let index = json!({
        "version": 2,
        "shards": n_shards,
        "years": years,
        "chunks": sizes,
    });
    sink(js_file("search/index.js", "init(", &index, 0))?;
    Ok(true)
}

impl Renderer<'_> {
    /// `search.html`: reads `?q=` and loads the index files it needs.
    pub(super) fn search_page(&self) -> Result<OutFile, crate::diag::Diagnostic> {
        let ctx = self.base_context("search.html", "search");
        self.render("search.html", &ctx, "search.html")
    }
}

/// `chronicleSearch.<call><json>);` — JSON is valid JavaScript; U+2028 and
/// U+2029 are escaped for older engines.
/// `capacity`: about the size the file will be, so its buffer is not
/// copied as it grows.
fn js_file(path: &str, call: &str, value: &impl serde::Serialize, capacity: usize) -> OutFile {
    let mut out = Vec::with_capacity(capacity.max(64));
    out.extend_from_slice(b"chronicleSearch.");
    out.extend_from_slice(call.as_bytes());
    let start = out.len();
    // Into the file's buffer directly: the index is 120 MB at 10,000
    // reports, and each copy of it is time.
    if super::json::to_writer(&mut out, value).is_err() {
        out.truncate(start);
        out.extend_from_slice(b"null");
    }
    // Two passes of `replace` over the whole index were 5% of a big build;
    // the characters are almost never there.
    let json = &out[start..];
    if memchr::memmem::find(json, "\u{2028}".as_bytes()).is_some()
        || memchr::memmem::find(json, "\u{2029}".as_bytes()).is_some()
    {
        let text = String::from_utf8_lossy(json)
            .replace('\u{2028}', "\\u2028")
            .replace('\u{2029}', "\\u2029");
        out.truncate(start);
        out.extend_from_slice(text.as_bytes());
    }
    out.extend_from_slice(b");\n");
    OutFile::new(path, out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn punctuation_has_no_letters_digits_or_case() {
        for c in ('\u{2000}'..='\u{206F}').chain('\u{3000}'..='\u{303F}') {
            if is_punctuation(c) {
                assert!(!c.is_alphanumeric(), "{c:?}");
                assert_eq!(c.to_lowercase().collect::<String>(), c.to_string(), "{c:?}");
            }
        }
        assert!(is_punctuation('、') && is_punctuation('。') && is_punctuation('“'));
        assert!(!is_punctuation('々') && !is_punctuation('〇') && !is_punctuation('〥'));
    }

    fn all(text: &str) -> Vec<String> {
        let mut v = Vec::new();
        tokens(text, |t| v.push(t.to_string()));
        v
    }

    #[test]
    fn chinese_is_characters_and_pairs() {
        assert_eq!(
            all("热点账户"),
            ["热", "热点", "点", "点账", "账", "账户", "户"]
        );
        assert_eq!(query_tokens("热点账户"), ["热点", "点账", "账户"]);
        assert_eq!(query_tokens("账"), ["账"]);
    }

    #[test]
    fn latin_words_fold_case_and_width_numbers_stay_whole() {
        assert_eq!(
            all("HIVE标准数仓 Hive ＡＰＩ 99.99% 2.0升级 tps最大1047，O2"),
            [
                "hive", "标", "标准", "准", "准数", "数", "数仓", "仓", "hive", "api", "99.99",
                "2.0", "升", "升级", "级", "tps", "最", "最大", "大", "1047", "o2"
            ]
        );
        assert_eq!(query_tokens("Hive hive HIVE"), ["hive"]);
        assert_eq!(query_tokens("4/14, 1,047"), ["4", "14", "1,047"]);
    }

    #[test]
    fn varints_round_trip() {
        let mut s = String::new();
        for n in [0, 1, 31, 32, 1000, 1 << 20, u32::MAX as u64] {
            push_varint(&mut s, n);
        }
        assert_eq!(
            read_varints(&s),
            [0, 1, 31, 32, 1000, 1 << 20, u32::MAX as u64]
        );
        assert_eq!(s.len(), 1 + 1 + 1 + 2 + 2 + 5 + 7);
    }

    #[test]
    fn fast_keys_are_the_tokens() {
        for text in [
            "热点账户",
            "HIVE标准数仓 Hive ＡＰＩ 99.99% 2.0升级 tps最大1047，O2",
            "4/14, 1,047 a.b 1.2.3 x1.5y .5 5. 账户余额𠀀𠀁abc ÀÉ ǅ İ",
            // Either side of the three-byte fast path: ext A (CJK), the
            // Yijing symbols after it (not), kana, the last of the block.
            "㐀䶵䷀一鿿かな가、ｶ鿿x",
            "",
            "1,",
        ] {
            let mut want = Vec::new();
            tokens(text, |t| want.push(Key::new(t)));
            let mut got = Vec::new();
            token_keys(text, |k| got.push(k));
            assert_eq!(got, want, "{text}");
        }
    }

    #[test]
    fn the_scratch_counter_counts_what_a_map_counts_and_empties() {
        // Thousands of distinct tokens: the table grows several times over
        // while counts are under way, and is reused empty afterwards.
        let text: String = (0..3000u32)
            .map(|i| {
                format!(
                    "w{} 热{} ",
                    i % 1700,
                    char::from_u32(0x4E00 + i % 900).unwrap()
                )
            })
            .collect();
        let mut want: std::collections::HashMap<String, u32> = Default::default();
        tokens("标题", |t| {
            *want.entry(t.to_string()).or_default() += TITLE_BOOST
        });
        tokens(&text, |t| *want.entry(t.to_string()).or_default() += 1);
        let mut counter = Counter::default();
        for round in 0..2 {
            let e = Entry {
                anchor: "",
                heading: "标题",
                text: &text,
            };
            let len = e.counts(&mut counter);
            assert_eq!(len as usize, {
                let mut n = 0;
                tokens("标题", |_| n += 1);
                tokens(&text, |_| n += 1);
                n
            });
            let mut got: std::collections::HashMap<String, u32> = Default::default();
            let short: Vec<(u64, u32)> = counter.drain_short().collect();
            for (k, n) in short {
                assert!(
                    got.insert(Key::Short(k).text(), n).is_none(),
                    "round {round}"
                );
            }
            for (k, n) in counter.long.drain() {
                got.insert(k.to_string(), n);
            }
            assert_eq!(got, want, "round {round}");
            assert!(counter.keys.iter().all(|&k| k == 0));
        }
    }

    #[test]
    fn js_files_escape_the_line_separators_older_engines_reject() {
        let f = js_file(
            "search/x.js",
            "docs(3,",
            &["a\u{2028}b", "c\u{2029}", "热点"],
            0,
        );
        let text = String::from_utf8(f.bytes.clone()).unwrap();
        assert_eq!(
            text,
            "chronicleSearch.docs(3,[\"a\\u2028b\",\"c\\u2029\",\"热点\"]);\n"
        );
        let plain = js_file("search/y.js", "init(", &serde_json::json!({"n": 1}), 0);
        assert_eq!(plain.bytes, b"chronicleSearch.init({\"n\":1});\n");
    }

    #[test]
    fn postings_round_trip() {
        let mut p = Postings::default();
        let want = [
            (0, 1),
            (3, 300),
            (4, 1),
            (200, 3),
            (70_000, 1),
            (70_001, 2),
            (u32::MAX, 1),
        ];
        for (id, tf) in want {
            p.push(id, tf);
        }
        assert_eq!(p.iter().collect::<Vec<_>>(), want);
        assert_eq!(p.df, 7);
        // A token counted once in the next page: one byte.
        let mut q = Postings::default();
        q.push(1, 1);
        q.push(2, 1);
        assert_eq!(q.bytes.len(), 2);
    }

    /// `encode_postings` against the formula written plainly: BM25 of the
    /// counts `Postings::iter` reads back, each posting as `push_varint`
    /// writes its numbers. Deltas and counts of one LEB128 byte and of
    /// several, counts of one and more.
    #[test]
    fn encoded_postings_are_the_plain_formula() {
        let postings = [
            (0, 1),
            (1, 1),
            (5, 2),
            (200, 1),
            (70_000, 3),
            (70_001, 1),
            (70_300, 200),
        ];
        let mut p = Postings::default();
        for (id, tf) in postings {
            p.push(id, tf);
        }
        let n = 80_000;
        let norms: Vec<f64> = (0..n)
            .map(|i| K1 * (1.0 - B + B * (1 + i % 7) as f64 / 3.0))
            .collect();
        let n_pages = n as f64;
        let df = postings.len() as f64;
        let idf = (1.0 + (n_pages - df + 0.5) / (df + 0.5)).ln();
        let (mut want, mut prev) = (String::new(), 0);
        for (id, tf) in p.iter() {
            let tf = f64::from(tf);
            let w = idf * tf * (K1 + 1.0) / (tf + norms[id as usize]);
            push_varint(&mut want, u64::from(id - prev));
            push_varint(&mut want, u64::from(((w * SCALE + 0.5) as u32).max(1)));
            prev = id;
        }
        assert_eq!(read_varints(&want).len(), 2 * postings.len());
        assert_eq!(encode_postings(&p, n_pages, &norms), want);
    }

    #[test]
    fn token_keys_round_trip() {
        for t in [
            "热",
            "热点",
            "hive",
            "12345678",
            "123456789",
            "账户余额",
            "a",
            "𠀀𠀁",
        ] {
            assert_eq!(Key::new(t).text(), t);
        }
        assert!(matches!(Key::new("热点"), Key::Short(_)));
        assert!(matches!(Key::new("账户余额"), Key::Long(_)));
        assert!(Key::new("ab") != Key::new("abc"));
    }

    /// The doc chunks and postings are made a batch of chunks at a time:
    /// the files must be the same bytes whatever the batches, down to one
    /// chunk each, with the texts read back from a spill file.
    #[test]
    fn the_index_does_not_depend_on_its_batches() {
        let tmp = tempfile::tempdir().unwrap();
        let files = crate::synth::generate(&crate::synth::Options {
            reports: 24,
            seed: 11,
            teams: 1,
        });
        crate::synth::write(&files, &tmp.path().join("content")).unwrap();
        let mut built = crate::build_in_memory(&crate::Paths {
            root: tmp.path().to_path_buf(),
            ..Default::default()
        })
        .unwrap_or_else(|d| panic!("{d:?}"));
        let site = &mut built.site;
        let spill = Arc::new(crate::site::spill::Spill::new_in(tmp.path()).unwrap());
        for p in site.reports.iter_mut().chain(site.dailies.iter_mut()) {
            spill.take(p);
            assert!(p.spilled.is_some());
        }
        site.spill = Some(spill);
        let site = &*site;
        let index = |batch_docs: usize| {
            let date_display = |d: NaiveDate| d.to_string();
            let input = Input {
                reports: &site.reports,
                dailies: &site.dailies,
                date_display: &date_display,
                bodies: &|p| site.section_bodies(p),
            };
            let files = std::sync::Mutex::new(std::collections::BTreeMap::new());
            let done = write_pages_batched(
                &input,
                &|| false,
                &|f| {
                    let old = files.lock().unwrap().insert(f.path, f.bytes);
                    assert!(old.is_none(), "a file written twice");
                    Ok(())
                },
                batch_docs,
            )
            .unwrap();
            assert!(done);
            files.into_inner().unwrap()
        };
        let whole = index(usize::MAX);
        let chunks = whole
            .keys()
            .filter(|p| p.to_string_lossy().starts_with("search/docs-"))
            .count();
        assert!(chunks > 3, "several doc chunks ({chunks})");
        let pages = site.reports.len() + site.dailies.len();
        assert!(pages > 30, "{pages} pages");
        for batch_docs in [1, 5, BATCH_DOCS] {
            let other = index(batch_docs);
            assert_eq!(
                whole.keys().collect::<Vec<_>>(),
                other.keys().collect::<Vec<_>>()
            );
            for (path, bytes) in &whole {
                assert!(
                    other[path] == *bytes,
                    "{} differs with batches of {batch_docs}",
                    path.display()
                );
            }
        }
        // Every page's sections are in the doc chunks.
        let docs: String = whole
            .iter()
            .filter(|(p, _)| p.to_string_lossy().starts_with("search/docs-"))
            .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
            .collect();
        for p in site.reports.iter().chain(&site.dailies) {
            assert!(
                docs.contains(&format!("\"{}\"", p.doc.url)),
                "{}",
                p.doc.url
            );
        }
    }

    #[test]
    fn shards_are_stable() {
        // search.js must compute the same; see tests/search_js.rs.
        assert_eq!(shard_of("hive", 1), 0);
        assert_eq!(shard_of("热点", 1000), shard_of("热点", 1000));
        assert_ne!(shard_of("热点", 1000), shard_of("点热", 1000));
    }
}
