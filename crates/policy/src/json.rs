//! The assessment result written as JSON directly: byte for byte what `serde_json::to_writer`
//! writes for [`Assessment`] (a property test checks it), at a fraction of the cost.
//!
//! Why: the interactive path (`jiuzhu assess`, `POST /api/v1/assess`) writes ~7.5 KB per result,
//! mostly Chinese text, and serde_json escapes strings one byte at a time; that was half the time
//! of a whole assessment. Here a string is checked eight bytes at a time and copied in one piece
//! when nothing in it needs escaping (nearly always).

use crate::explain::{Assessment, Figure, ProgrammeResult, Reason, Values};
use crate::params::{Confidence, Found};

/// Appends `a` as compact JSON.
pub fn write_assessment(a: &Assessment, out: &mut Vec<u8>) {
    out.reserve(8 * 1024);
    out.extend_from_slice(b"{\"region\":");
    string(out, &a.region);
    out.extend_from_slice(b",\"date\":");
    string(out, &a.date);
    out.extend_from_slice(b",\"area\":");
    string(out, a.area.as_str());
    let h = &a.household;
    out.extend_from_slice(b",\"household\":{\"members_counted\":");
    int(out, h.members_counted);
    out.extend_from_slice(b",\"monthly_income\":");
    int(out, h.monthly_income);
    out.extend_from_slice(b",\"per_capita_monthly_income\":");
    int(out, h.per_capita_monthly_income);
    out.extend_from_slice(b",\"assets_ok\":");
    boolean(out, h.assets_ok);
    out.extend_from_slice(b",\"gross_monthly_income\":");
    int(out, h.gross_monthly_income);
    out.extend_from_slice(b",\"deductions\":");
    int(out, h.deductions);
    out.extend_from_slice(b"},\"programmes\":");
    list(out, &a.programmes, programme);
    out.extend_from_slice(b",\"referrals\":");
    list(out, &a.referrals, |out, r| {
        out.extend_from_slice(b"{\"to\":");
        string(out, r.to);
        out.extend_from_slice(b",\"to_zh\":");
        string(out, r.to_zh);
        out.extend_from_slice(b",\"reason\":");
        string(out, &r.reason);
        out.push(b'}');
    });
    if let Some(r) = &a.recommendation {
        out.extend_from_slice(b",\"recommendation\":{\"programme\":");
        string(out, r.programme.as_str());
        out.extend_from_slice(b",\"text\":");
        string(out, &r.text);
        out.push(b'}');
    }
    let d = &a.difficulty_index;
    out.extend_from_slice(b",\"difficulty_index\":{\"score\":");
    int(out, d.score);
    out.extend_from_slice(b",\"level\":");
    string(out, d.level);
    out.extend_from_slice(b",\"level_zh\":");
    string(out, d.level_zh);
    let m = &d.dimensions;
    for (i, (k, v)) in [("income", m.income), ("health", m.health), ("education", m.education), ("living", m.living), ("labour", m.labour)]
        .into_iter()
        .enumerate()
    {
        out.extend_from_slice(if i == 0 { b",\"dimensions\":{\"" } else { b",\"" });
        out.extend_from_slice(k.as_bytes());
        out.extend_from_slice(b"\":");
        int(out, v);
    }
    out.extend_from_slice(b"},\"weights\":");
    list(out, &d.weights, |out, w| int(out, *w));
    out.extend_from_slice(b"},\"parameters\":");
    list(out, &a.parameters, found);
    out.extend_from_slice(b",\"warnings\":");
    list(out, &a.warnings, |out, w| string(out, w));
    out.push(b'}');
}

fn programme(out: &mut Vec<u8>, p: &ProgrammeResult) {
    out.extend_from_slice(b"{\"programme\":");
    string(out, p.programme.as_str());
    out.extend_from_slice(b",\"status\":");
    string(out, p.status.as_str());
    if let Some(x) = p.monthly_amount {
        out.extend_from_slice(b",\"monthly_amount\":");
        int(out, x);
    }
    if let Some(x) = p.amount {
        out.extend_from_slice(b",\"amount\":");
        int(out, x);
    }
    out.extend_from_slice(b",\"members\":");
    list(out, &p.members, |out, m| string(out, m));
    if let Some(x) = p.town_may_approve {
        out.extend_from_slice(b",\"town_may_approve\":");
        boolean(out, x);
    }
    out.extend_from_slice(b",\"receiving\":");
    boolean(out, p.receiving);
    out.extend_from_slice(b",\"reasons\":");
    list(out, &p.reasons, reason);
    out.push(b'}');
}

fn reason(out: &mut Vec<u8>, r: &Reason) {
    out.extend_from_slice(b"{\"code\":");
    string(out, r.code);
    out.extend_from_slice(b",\"text\":");
    string(out, &r.text);
    out.extend_from_slice(b",\"text_en\":");
    string(out, &r.text_en);
    out.extend_from_slice(b",\"reference\":");
    string(out, r.reference);
    out.extend_from_slice(b",\"values\":");
    values(out, &r.values);
    out.push(b'}');
}

fn values(out: &mut Vec<u8>, v: &Values) {
    out.push(b'{');
    for (i, (k, f)) in v.0.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, k);
        out.push(b':');
        match f {
            Figure::Int(x) => int(out, *x),
            Figure::Text(t) => string(out, t),
        }
    }
    out.push(b'}');
}

fn found(out: &mut Vec<u8>, f: &Found) {
    out.extend_from_slice(b"{\"name\":");
    string(out, f.name);
    out.extend_from_slice(b",\"value\":");
    int(out, f.value);
    out.extend_from_slice(b",\"region\":");
    string(out, &f.region);
    out.extend_from_slice(b",\"since\":");
    match f.since {
        Some(d) => {
            out.push(b'"');
            // `%Y-%m-%d`, as chrono's serde writes it for the years in use.
            use std::io::Write;
            let _ = write!(out, "{d}");
            out.push(b'"');
        }
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"reference\":");
    string(out, &f.reference);
    out.extend_from_slice(b",\"confidence\":");
    string(
        out,
        match f.confidence {
            Confidence::Official => "official",
            Confidence::Unverified => "unverified",
            Confidence::Illustrative => "illustrative",
        },
    );
    out.push(b'}');
}

fn list<T>(out: &mut Vec<u8>, items: &[T], mut each: impl FnMut(&mut Vec<u8>, &T)) {
    out.push(b'[');
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        each(out, x);
    }
    out.push(b']');
}

fn int(out: &mut Vec<u8>, x: impl itoa::Integer) {
    out.extend_from_slice(itoa::Buffer::new().format(x).as_bytes());
}

fn boolean(out: &mut Vec<u8>, b: bool) {
    out.extend_from_slice(if b { b"true" } else { b"false" });
}

/// Whether any of the eight bytes is a control character, `"` or `\` (the bytes JSON escapes).
#[inline]
fn needs_escape(x: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let below_space = x.wrapping_sub(ONES * 0x20) & !x & HIGH;
    let q = x ^ (ONES * u64::from(b'"'));
    let quote = q.wrapping_sub(ONES) & !q & HIGH;
    let b = x ^ (ONES * u64::from(b'\\'));
    let backslash = b.wrapping_sub(ONES) & !b & HIGH;
    (below_space | quote | backslash) != 0
}

/// A JSON string, escaped exactly as serde_json does (`\"`, `\\`, `\b \f \n \r \t`, other
/// control characters as `\u00xx`; everything else, UTF-8 included, as is).
pub fn string(out: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    out.push(b'"');
    let mut start = 0;
    let (chunks, rest) = b.as_chunks::<8>();
    let mut at = 0;
    for chunk in chunks {
        if needs_escape(u64::from_le_bytes(*chunk)) {
            start = escape_range(out, b, start, at..at + 8);
        }
        at += 8;
    }
    if !rest.is_empty() {
        // The last bytes, padded with a letter, go through the same check.
        let mut padded = [b'a'; 8];
        padded[..rest.len()].copy_from_slice(rest);
        if needs_escape(u64::from_le_bytes(padded)) {
            start = escape_range(out, b, start, at..b.len());
        }
    }
    out.extend_from_slice(&b[start..]);
    out.push(b'"');
}

/// Escapes what needs it in `b[range]`, writing everything from `start`; returns the new start.
#[cold]
fn escape_range(out: &mut Vec<u8>, b: &[u8], mut start: usize, range: std::ops::Range<usize>) -> usize {
    for j in range {
        if escape(out, &b[start..j], b[j]) {
            start = j + 1;
        }
    }
    start
}

/// Writes `before` and the escape of `c` when `c` needs one; says whether it did.
#[inline]
fn escape(out: &mut Vec<u8>, before: &[u8], c: u8) -> bool {
    let short = match c {
        b'"' => b'"',
        b'\\' => b'\\',
        0x08 => b'b',
        0x0c => b'f',
        b'\n' => b'n',
        b'\r' => b'r',
        b'\t' => b't',
        0x00..=0x1f => b'u',
        _ => return false,
    };
    out.extend_from_slice(before);
    out.push(b'\\');
    out.push(short);
    if short == b'u' {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        out.extend_from_slice(&[b'0', b'0', HEX[usize::from(c >> 4)], HEX[usize::from(c & 0xf)]]);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_escape_as_serde_json_does() {
        let mut all = String::new();
        for c in (0u8..0x80).map(char::from).chain("低保边缘家庭 “引号” é €".chars()) {
            all.push(c);
        }
        for s in ["", "plain", "a\"b\\c", "\n\r\t\u{8}\u{c}\u{1}\u{1f}\u{7f}", &all, "一二三四五六七八九十\"十一", "12345678\"abcdefgh\\"]
        {
            let mut out = Vec::new();
            string(&mut out, s);
            assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(s).unwrap(), "{s:?}");
        }
    }
}
