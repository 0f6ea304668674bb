//! `jiuzhu assess [FILE|-]` (assess-v1.md): one situation (object), many (array), or JSON Lines;
//! one result per situation in the same form.

use crate::Failure;
use jiuzhu_policy::{AssessError, Defaults, Policies, assess_str};
use std::io::Read;

/// How the input was shaped, so the output can take the same shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Object,
    Array,
    Lines,
}

/// Splits the input into the texts of its situations, remembering its shape: one value
/// (an object, or an array of them), or JSON Lines. A syntax error names the line.
pub fn parse_input(text: &str) -> Result<(Shape, Vec<String>), Failure> {
    let syntax = |e: serde_json::Error, line_offset: usize| {
        let line = e.line() + line_offset;
        Failure::input(format!("第 {line} 行第 {} 列 JSON 格式错误 / line {line} column {}: {e}", e.column(), e.column()))
    };
    if text.trim().is_empty() {
        return Err(Failure::input(
            "输入为空：需要一个情形（JSON 对象）、数组或 JSON Lines / empty input: expected a JSON object, array or JSON Lines",
        ));
    }
    if text.trim_start().starts_with('[') {
        let items: Vec<&serde_json::value::RawValue> = serde_json::from_str(text).map_err(|e| syntax(e, 0))?;
        return Ok((Shape::Array, items.into_iter().map(|r| r.get().to_string()).collect()));
    }
    if serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok() {
        return Ok((Shape::Object, vec![text.to_string()]));
    }
    let mut lines = Vec::new();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        serde_json::from_str::<serde::de::IgnoredAny>(line).map_err(|e| syntax(e, i))?;
        lines.push(line.to_string());
    }
    Ok((Shape::Lines, lines))
}

/// Assesses every situation; any bad one fails the whole run (exit 2) naming where it is.
pub fn assess_all(shape: Shape, values: Vec<String>, defaults: &Defaults, policies: &Policies) -> Result<String, Failure> {
    let mut results = Vec::with_capacity(values.len());
    let mut problems = Vec::new();
    for (i, v) in values.into_iter().enumerate() {
        let at = match shape {
            Shape::Object => String::new(),
            Shape::Array => format!("[{i}]"),
            Shape::Lines => format!("第 {} 条 / item {}: ", i + 1, i + 1),
        };
        match assess_str(&v, defaults, policies) {
            Ok(a) => results.push(a),
            Err(AssessError::Input(errs)) => {
                for e in errs.0 {
                    let field = if shape == Shape::Array { format!("{at}.{}", e.field) } else { format!("{at}{}", e.field) };
                    problems.push(format!("{field}: {} / {}", e.zh, e.en));
                }
            }
            Err(AssessError::Parameter(m)) => problems.push(format!("{at}{m}")),
        }
        if problems.len() >= 50 {
            problems.push("…（只列出前 50 个问题 / first 50 problems only）".into());
            break;
        }
    }
    if !problems.is_empty() {
        return Err(Failure::input(problems.join("\n")));
    }
    Ok(match shape {
        Shape::Object => serde_json::to_string_pretty(&results[0])?,
        Shape::Array => serde_json::to_string_pretty(&results)?,
        Shape::Lines => {
            let mut out = Vec::with_capacity(results.len() * 8 * 1024);
            for (i, r) in results.iter().enumerate() {
                if i > 0 {
                    out.push(b'\n');
                }
                jiuzhu_policy::json::write_assessment(r, &mut out);
            }
            String::from_utf8(out)?
        }
    })
}

pub fn run(file: Option<String>, region: Option<String>, date: Option<chrono::NaiveDate>) -> Result<(), Failure> {
    let text = match file.as_deref() {
        None | Some("-") => {
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s).map_err(|e| Failure::input(format!("stdin: {e}")))?;
            s
        }
        Some(path) => std::fs::read_to_string(path).map_err(|e| Failure::input(format!("{path}: {e}")))?,
    };
    let (shape, values) = parse_input(&text).map_err(|f| Failure::input(format!("{}: {}", file.as_deref().unwrap_or("-"), f.message)))?;
    let out = assess_all(shape, values, &Defaults { region, date }, Policies::builtin())?;
    println!("{out}");
    Ok(())
}
