//! OpenFisca-style table tests: every YAML file in `policies/tests/` is a list of cases —
//! a situation (merged over the file's defaults) and the expected household figures, statuses,
//! amounts and members per programme, or the field an input error must name.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first thing that is not as expected")]

use jiuzhu_policy::{AssessError, Defaults, Policies, assess_json};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

fn tests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies/tests")
}

/// Merges `over` into `base`: objects key by key (so `parameters` combine), anything else replaced.
fn merge(base: &mut Value, over: &Value) {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                merge(b.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        (b, o) => *b = o.clone(),
    }
}

/// Compares only the fields the case lists; returns the differences.
fn compare(path: &str, expected: &Value, actual: &Value, out: &mut Vec<String>) {
    match expected {
        Value::Object(e) => {
            for (k, v) in e {
                let a = actual.get(k).unwrap_or(&Value::Null);
                compare(&format!("{path}.{k}"), v, a, out);
            }
        }
        _ if expected != actual => out.push(format!("{path}: expected {expected}, got {actual}")),
        _ => {}
    }
}

/// The result reshaped so that programmes are keyed by name (as the tables write them).
fn keyed(result: &jiuzhu_policy::Assessment) -> Value {
    let mut v = serde_json::to_value(result).expect("serialises");
    let mut by_name = Map::new();
    for p in v["programmes"].as_array().expect("programmes").clone() {
        by_name.insert(p["programme"].as_str().expect("name").to_string(), p);
    }
    let obj = v.as_object_mut().expect("object");
    for (k, p) in by_name {
        obj.insert(k, p);
    }
    v
}

/// The case keys that are not fields of the result: a text some warning must contain, the reason
/// codes of a programme in order, and figures some reason of a programme must carry.
fn check_extras(
    r: &jiuzhu_policy::Assessment,
    warning: Option<Value>,
    codes: Option<Value>,
    values: Option<Value>,
    diffs: &mut Vec<String>,
) {
    if let Some(w) = warning.as_ref().and_then(Value::as_str)
        && !r.warnings.iter().any(|x| x.contains(w))
    {
        diffs.push(format!("no warning contains “{w}”: {:?}", r.warnings));
    }
    let programme = |name: &str| r.programmes.iter().find(|p| p.programme.as_str() == name);
    for (name, want) in codes.as_ref().and_then(Value::as_object).into_iter().flatten() {
        let got: Vec<&str> = programme(name).map(|p| p.reasons.iter().map(|x| x.code).collect()).unwrap_or_default();
        let want: Vec<&str> = want.as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        if got != want {
            diffs.push(format!("{name} reason codes: expected {want:?}, got {got:?}"));
        }
    }
    for (name, want) in values.as_ref().and_then(Value::as_object).into_iter().flatten() {
        let reasons = programme(name).map(|p| serde_json::to_value(&p.reasons).expect("serialises")).unwrap_or(Value::Null);
        for (k, v) in want.as_object().into_iter().flatten() {
            if !reasons.as_array().into_iter().flatten().any(|x| x["values"].get(k) == Some(v)) {
                diffs.push(format!("{name}: no reason has {k} = {v}"));
            }
        }
    }
}

#[test]
fn every_table_case_holds() {
    let dir = tests_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    let policies = Policies::builtin();
    let (mut cases, mut failures) = (0, Vec::new());
    for file in &files {
        let name = file.file_name().expect("name").to_string_lossy().to_string();
        let doc: Value =
            serde_norway::from_str(&std::fs::read_to_string(file).expect("readable")).unwrap_or_else(|e| panic!("{name}: {e}"));
        let defaults = doc.get("defaults").cloned().unwrap_or(Value::Object(Map::new()));
        for case in doc["cases"].as_array().unwrap_or_else(|| panic!("{name}: no cases")) {
            cases += 1;
            let title = case["name"].as_str().unwrap_or("?");
            let mut situation = defaults.clone();
            merge(&mut situation, &case["situation"]);
            let expect = &case["expect"];
            let mut diffs = Vec::new();
            match (assess_json(situation, &Defaults::default(), policies), expect.get("error")) {
                (Err(AssessError::Parameter(m)), None) if expect.get("missing_parameter").is_some() => {
                    if expect["missing_parameter"].as_str() != Some(m.name) {
                        diffs.push(format!("expected missing {}, got {m}", expect["missing_parameter"]));
                    }
                }
                (Ok(_), None) if expect.get("missing_parameter").is_some() => {
                    diffs.push(format!("expected an error for missing {}, but it was assessed", expect["missing_parameter"]))
                }
                (Ok(r), None) => {
                    let mut expect = expect.clone();
                    let extra =
                        expect.as_object_mut().map(|o| (o.remove("warning_contains"), o.remove("reason_codes"), o.remove("reason_values")));
                    compare("", &expect, &keyed(&r), &mut diffs);
                    if let Some((warning, codes, values)) = extra {
                        check_extras(&r, warning, codes, values, &mut diffs);
                    }
                }
                (Ok(_), Some(field)) => diffs.push(format!("expected an input error naming {field}, but it was assessed")),
                (Err(AssessError::Input(e)), Some(field)) => {
                    if !e.0.iter().any(|x| Some(x.field.as_str()) == field.as_str()) {
                        diffs.push(format!("expected an error naming {field}, got {e}"));
                    }
                }
                (Err(e), _) => diffs.push(format!("unexpected error: {e}")),
            }
            if !diffs.is_empty() {
                failures.push(format!("{name} — {title}:\n    {}", diffs.join("\n    ")));
            }
        }
    }
    assert!(cases >= 150, "the tables hold {cases} cases; at least 150 are expected");
    assert!(failures.is_empty(), "{} of {cases} cases failed:\n{}", failures.len(), failures.join("\n"));
    println!("{cases} table cases passed in {} files", files.len());
}
