//! WCAG 2.1 contrast of the default theme's colour pairs, light and dark,
//! read from style.css itself so a palette change cannot slip below AA.
//! Text pairs need 4.5:1; the focus ring and borders of controls 3:1.

use std::collections::HashMap;

const CSS: &str = include_str!("../../themes/default/static/style.css");

/// The `--name: #rrggbb` custom properties of the first block after `marker`.
fn palette(marker: &str) -> HashMap<String, String> {
    let start = CSS
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} not in style.css"));
    let block = &CSS[start..];
    let block = &block[..block.find('}').unwrap()];
    let re = regex::Regex::new(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})").unwrap();
    re.captures_iter(block)
        .map(|c| (c[1].to_string(), c[2].to_string()))
        .collect()
}

fn luminance(hex: &str) -> f64 {
    let channel = |i: usize| {
        let c = u8::from_str_radix(&hex[i..i + 2], 16).unwrap() as f64 / 255.0;
        if c <= 0.03928 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
}

pub fn ratio(a: &str, b: &str) -> f64 {
    let (x, y) = (luminance(a), luminance(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

/// (foreground, background, minimum): every pair the theme draws text or
/// controls with.
const PAIRS: &[(&str, &str, f64)] = &[
    ("fg", "bg", 4.5),
    ("fg", "card", 4.5),
    ("muted", "bg", 4.5),
    ("muted", "card", 4.5),
    ("muted", "accent-soft", 4.5),
    ("accent", "bg", 4.5),
    ("accent", "card", 4.5),
    ("accent", "accent-soft", 4.5),
    ("fg", "accent-soft", 4.5),
    ("bg", "accent", 4.5),
    ("bad", "bg", 4.5),
    ("bad", "card", 4.5),
    ("good", "bg", 4.5),
    ("warn", "bg", 4.5),
    ("warn", "card", 4.5),
    ("mark-fg", "mark", 4.5),
    ("accent", "bg", 3.0),
];

#[test]
fn theme_colours_pass_wcag_aa() {
    let light = palette(":root {");
    let dark = palette(":root[data-theme=\"dark\"] {");
    // The system-dark block must be the same palette as the toggle's.
    assert_eq!(palette(":root:not([data-theme=\"light\"]) {"), dark);
    let mut report = Vec::new();
    for (name, p) in [("light", &light), ("dark", &dark)] {
        for (fg, bg, min) in PAIRS {
            let (Some(f), Some(b)) = (p.get(*fg), p.get(*bg)) else {
                panic!("{name}: --{fg} or --{bg} missing");
            };
            let r = ratio(f, b);
            report.push(format!("{name} {fg}/{bg} {r:.2}"));
            assert!(
                r >= *min,
                "{name}: --{fg} on --{bg} is {r:.2}:1, needs {min}:1"
            );
        }
    }
    // `cargo test -- --nocapture contrast` prints the table for the README.
    println!("{}", report.join("\n"));
}

#[test]
fn ratio_matches_known_values() {
    assert!((ratio("#000000", "#ffffff") - 21.0).abs() < 1e-9);
    assert!((ratio("#777777", "#ffffff") - 4.48).abs() < 0.01);
}
