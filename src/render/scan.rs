//! Finding the few special bytes of a long text eight bytes at a time, for
//! the HTML escaper (`theme`) and the JSON one (`json`). Most of what they
//! escape is Chinese text, dates and URLs, where a byte loop took five or
//! six instructions a byte.

const ONES: u64 = u64::from_le_bytes([0x01; 8]);
const HIGH: u64 = u64::from_le_bytes([0x80; 8]);

/// `b` in every byte of a word.
pub const fn splat(b: u8) -> u64 {
    ONES * b as u64
}

/// The high bit of each byte of `x` below `n` (at most 0x80): subtracting
/// `n` borrows from it. Exact about whether there is one; a borrow can flag
/// the bytes above such a byte too, never those below, so the lowest
/// flagged byte is one.
pub fn bytes_below(x: u64, n: u8) -> u64 {
    x.wrapping_sub(splat(n)) & !x & HIGH
}

/// The high bit of each zero byte of `x`, as `bytes_below(x, 1)`.
pub fn zero_bytes(x: u64) -> u64 {
    bytes_below(x, 1)
}

/// The positions of the bytes of `s` that are `special`, in order.
///
/// `flags` takes eight bytes (little-endian) and sets the high bit of at
/// least every special one, with the lowest set bit a special byte's (as
/// `bytes_below` and `zero_bytes` do). A word with no flag is passed over
/// whole; otherwise the scan goes on right after its lowest flagged byte.
pub fn special_bytes<'s>(
    s: &'s [u8],
    flags: impl Fn(u64) -> u64 + 's,
    special: impl Fn(u8) -> bool + 's,
) -> impl Iterator<Item = usize> + 's {
    let mut i = 0;
    std::iter::from_fn(move || {
        while let Some(word) = s.get(i..).and_then(|r| r.first_chunk::<8>()) {
            let flagged = flags(u64::from_le_bytes(*word));
            if flagged == 0 {
                i += 8;
                continue;
            }
            let j = i + (flagged.trailing_zeros() / 8) as usize;
            i = j + 1;
            if special(s[j]) {
                return Some(j);
            }
        }
        // The last few bytes, one at a time.
        while let Some(&b) = s.get(i) {
            i += 1;
            if special(b) {
                return Some(i - 1);
            }
        }
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_special_bytes_in_order_whatever_the_flags_overstate() {
        let s = "进度 41%, 目标 6/30; done.".as_bytes();
        let want: Vec<usize> = (0..s.len())
            .filter(|&i| s[i] == b'%' || s[i] == b';')
            .collect();
        let special = |b: u8| b == b'%' || b == b';';
        let exact = |w: u64| zero_bytes(w ^ splat(b'%')) | zero_bytes(w ^ splat(b';'));
        assert_eq!(special_bytes(s, exact, special).collect::<Vec<_>>(), want);
        // Flags on every byte: only the special ones come out.
        let all = |_: u64| splat(0x80);
        assert_eq!(special_bytes(s, all, special).collect::<Vec<_>>(), want);
        assert_eq!(special_bytes(b"", exact, special).count(), 0);
    }

    #[test]
    fn bytes_below_flags_exactly_the_words_with_such_a_byte() {
        for b in 0..=255u8 {
            for at in 0..8 {
                let mut word = [b'a'; 8];
                word[at] = b;
                let x = u64::from_le_bytes(word);
                assert_eq!(bytes_below(x, 0x20) != 0, b < 0x20, "{b:#x} at {at}");
                assert_eq!(zero_bytes(x ^ splat(b'"')) != 0, b == b'"');
                if b < 0x20 {
                    // The lowest flagged byte is the one below 0x20.
                    assert_eq!(bytes_below(x, 0x20).trailing_zeros() / 8, at as u32);
                }
            }
        }
    }
}
