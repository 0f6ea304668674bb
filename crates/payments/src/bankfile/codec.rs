//! Encoding, amounts and lines: the small pieces the writer, the read-back and the return files share.
//!
//! Nothing here allocates per line once its buffers have grown to the longest line.

use super::layout::TextEncoding;
use encoding_rs::{DecoderResult, EncoderResult, GBK};
use jiuzhu_domain::Fen;
use std::io::{self, BufRead, Read};

/// The longest line read from a file; longer is an error, so a file without line breaks cannot
/// make a reader hold it whole.
pub(crate) const MAX_LINE: usize = 64 * 1024;

/// Appends `value` to `out` in `encoding`. `Err(c)`: `c` cannot be represented (GBK has no `𠮷`,
/// no emoji); nothing is substituted.
pub(crate) fn encode_into(encoding: TextEncoding, value: &str, out: &mut Vec<u8>) -> Result<(), char> {
    if encoding == TextEncoding::Utf8 || value.is_ascii() {
        out.extend_from_slice(value.as_bytes());
        return Ok(());
    }
    let mut encoder = GBK.new_encoder();
    let mut src = value;
    loop {
        let start = out.len();
        let room = encoder.max_buffer_length_from_utf8_without_replacement(src.len()).unwrap_or(src.len() * 2).max(8);
        out.resize(start + room, 0);
        let (result, read, written) = encoder.encode_from_utf8_without_replacement(src, &mut out[start..], true);
        out.truncate(start + written);
        match result {
            EncoderResult::InputEmpty => return Ok(()),
            EncoderResult::Unmappable(c) => return Err(c),
            EncoderResult::OutputFull => src = &src[read..],
        }
    }
}

/// Replaces `out` with `bytes` decoded from `encoding`. `false`: the bytes are not valid in that
/// encoding (nothing is replaced by U+FFFD).
pub(crate) fn decode_into(encoding: TextEncoding, bytes: &[u8], out: &mut String) -> bool {
    out.clear();
    // ASCII first: GBK bytes can happen to be valid UTF-8, so only ASCII may skip the decoder.
    if encoding == TextEncoding::Utf8 || bytes.is_ascii() {
        return match std::str::from_utf8(bytes) {
            Ok(s) => {
                out.push_str(s);
                true
            }
            Err(_) => false,
        };
    }
    let mut decoder = GBK.new_decoder_without_bom_handling();
    let mut src = bytes;
    loop {
        out.reserve(decoder.max_utf8_buffer_length_without_replacement(src.len()).unwrap_or(src.len() * 3).max(8));
        let (result, read) = decoder.decode_to_string_without_replacement(src, out, true);
        match result {
            DecoderResult::InputEmpty => return true,
            DecoderResult::Malformed(_, _) => return false,
            DecoderResult::OutputFull => src = &src[read..],
        }
    }
}

/// The longest prefix of the encoded `bytes` that fits `width` without splitting a character.
pub(crate) fn char_boundary_at_most(encoding: TextEncoding, bytes: &[u8], width: usize) -> usize {
    if bytes.len() <= width {
        return bytes.len();
    }
    match encoding {
        TextEncoding::Utf8 => {
            let mut cut = width;
            while cut > 0 && (bytes[cut] & 0xC0) == 0x80 {
                cut -= 1;
            }
            cut
        }
        TextEncoding::Gbk => {
            // What encoding_rs's GBK encoder writes: ASCII and 0x80 (€) are one byte, anything
            // else is a lead byte 0x81..=0xFE followed by one trail byte.
            let mut at = 0;
            while at < bytes.len() {
                let step = if bytes[at] <= 0x80 { 1 } else { 2 };
                if at + step > width {
                    break;
                }
                at += step;
            }
            at
        }
    }
}

/// Writes `fen` as 元 with two decimals (`123456` → `1234.56`) into `buf`, no allocation.
pub(crate) fn amount_str(fen: u64, buf: &mut [u8; 24]) -> &str {
    let mut whole = itoa::Buffer::new();
    let w = whole.format(fen / 100).as_bytes();
    let cents = (fen % 100) as u8;
    buf[..w.len()].copy_from_slice(w);
    buf[w.len()..w.len() + 3].copy_from_slice(&[b'.', b'0' + cents / 10, b'0' + cents % 10]);
    // Only ASCII digits and a point were written.
    std::str::from_utf8(&buf[..w.len() + 3]).unwrap_or_default()
}

/// Parses 元 into fen: digits, then optionally a point and decimals. `exact_two`: exactly two
/// decimals (what jiuzhu writes); otherwise none, one or two (what banks send). No sign, no
/// spaces, no thousands separators, no exponent: anything else is `None`, never a guess.
pub(crate) fn parse_amount_text(text: &str, exact_two: bool) -> Option<i64> {
    let (whole, frac) = match text.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (text, None),
    };
    let frac_ok = match frac {
        None => !exact_two,
        Some(f) => (if exact_two { f.len() == 2 } else { (1..=2).contains(&f.len()) }) && f.bytes().all(|b| b.is_ascii_digit()),
    };
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || !frac_ok {
        return None;
    }
    let mut yuan: i64 = 0;
    for b in whole.bytes() {
        yuan = yuan.checked_mul(10)?.checked_add(i64::from(b - b'0'))?;
    }
    let cents = match frac.map(str::as_bytes) {
        Some([d]) => i64::from(d - b'0') * 10,
        Some([d, e]) => i64::from(d - b'0') * 10 + i64::from(e - b'0'),
        _ => 0,
    };
    yuan.checked_mul(100)?.checked_add(cents)
}

/// `Fen(123456)` → `"1234.56"`, as bank files write amounts (元, two decimals, no separators).
pub fn format_amount(amount: Fen) -> String {
    let mut buf = [0u8; 24];
    let digits = amount_str(amount.0.unsigned_abs(), &mut buf);
    if amount.0 < 0 { format!("-{digits}") } else { digits.to_string() }
}

/// Parses an amount as a bank's return file gives it: `123.45`, `123.4` or `123` 元. Signs,
/// spaces, separators and more than two decimals are `None`.
pub fn parse_amount(text: &str) -> Option<Fen> {
    parse_amount_text(text, false).map(Fen)
}

/// How a line ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ending {
    Lf,
    CrLf,
    /// The last line of the file, with no line break.
    None,
}

/// What [`LineReader::next_line`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Next {
    Line(Ending),
    Eof,
    /// Longer than [`MAX_LINE`].
    TooLong,
}

/// Reads a file line by line into one reused buffer.
pub(crate) struct LineReader<R> {
    input: R,
    buf: Vec<u8>,
    /// The 1-based number of the line last read.
    pub(crate) line: u64,
}

impl<R: BufRead> LineReader<R> {
    pub(crate) fn new(input: R) -> Self {
        LineReader { input, buf: Vec::with_capacity(256), line: 0 }
    }

    /// Skips a UTF-8 byte order mark at the very start.
    pub(crate) fn skip_bom(&mut self) -> io::Result<()> {
        let has_bom = self.input.fill_buf()?.starts_with(b"\xEF\xBB\xBF");
        if has_bom {
            self.input.consume(3);
        }
        Ok(())
    }

    pub(crate) fn next_line(&mut self) -> io::Result<Next> {
        self.buf.clear();
        let limit = MAX_LINE as u64 + 2;
        let n = (&mut self.input).take(limit).read_until(b'\n', &mut self.buf)?;
        if n == 0 {
            return Ok(Next::Eof);
        }
        self.line += 1;
        if self.buf.last() == Some(&b'\n') {
            self.buf.pop();
            if self.buf.last() == Some(&b'\r') {
                self.buf.pop();
                return Ok(if self.buf.len() > MAX_LINE { Next::TooLong } else { Next::Line(Ending::CrLf) });
            }
            return Ok(if self.buf.len() > MAX_LINE { Next::TooLong } else { Next::Line(Ending::Lf) });
        }
        Ok(if self.buf.len() > MAX_LINE { Next::TooLong } else { Next::Line(Ending::None) })
    }

    /// The line last read, without its line break.
    pub(crate) fn content(&self) -> &[u8] {
        &self.buf
    }
}

/// The fields of one line, in reused strings.
#[derive(Debug, Default)]
pub(crate) struct Fields {
    bufs: Vec<String>,
    len: usize,
}

impl Fields {
    pub(crate) fn clear(&mut self) {
        self.len = 0;
    }

    /// A cleared string for the next field.
    pub(crate) fn push(&mut self) -> &mut String {
        if self.len == self.bufs.len() {
            self.bufs.push(String::new());
        }
        let buf = &mut self.bufs[self.len];
        buf.clear();
        self.len += 1;
        buf
    }

    pub(crate) fn get(&self) -> &[String] {
        &self.bufs[..self.len]
    }

    /// Splits `line` at every `delim`, without quoting.
    pub(crate) fn split_plain(&mut self, line: &str, delim: char) {
        self.clear();
        for piece in line.split(delim) {
            self.push().push_str(piece);
        }
    }

    /// Splits one CSV line (RFC 4180 quoting, `""` inside quotes is `"`). Err: the line is not
    /// valid CSV (an unterminated quote, text after a closing quote).
    pub(crate) fn split_csv(&mut self, line: &str, delim: char) -> Result<(), (&'static str, &'static str)> {
        self.clear();
        let mut chars = line.chars().peekable();
        loop {
            let buf = self.push();
            if chars.peek() == Some(&'"') {
                chars.next();
                loop {
                    match chars.next() {
                        None => return Err(("引号没有闭合", "a quote is not closed")),
                        Some('"') if chars.peek() == Some(&'"') => {
                            chars.next();
                            buf.push('"');
                        }
                        Some('"') => break,
                        Some(c) => buf.push(c),
                    }
                }
                match chars.next() {
                    None => return Ok(()),
                    Some(c) if c == delim => {}
                    Some(_) => return Err(("右引号后还有字符", "text follows a closing quote")),
                }
            } else {
                loop {
                    match chars.next() {
                        None => return Ok(()),
                        Some(c) if c == delim => break,
                        Some(c) => buf.push(c),
                    }
                }
            }
        }
    }
}

/// Appends `value` as one CSV field: quoted when it holds the delimiter or `"`.
pub(crate) fn csv_field_into(encoding: TextEncoding, value: &str, delim: char, out: &mut Vec<u8>) -> Result<(), char> {
    if !value.contains([delim, '"']) {
        return encode_into(encoding, value, out);
    }
    out.push(b'"');
    for (i, piece) in value.split('"').enumerate() {
        if i > 0 {
            out.extend_from_slice(b"\"\"");
        }
        encode_into(encoding, piece, out)?;
    }
    out.push(b'"');
    Ok(())
}
