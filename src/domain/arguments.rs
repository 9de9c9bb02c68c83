//! Lenient tool-argument parsing (docs/design.md §6).
//!
//! Models and agent runtimes send arguments in many shapes: Bedrock sends numbers and booleans
//! as strings, some clients wrap them in `{"params":{…}}` or send one JSON string, and some
//! omit `arguments`. All of these are normalised here before strict typing and validation, so
//! a caller gets a precise field error, never a panic and never a silent guess.

use garde::Validate;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::error::FieldErrors;

mod words;
use words::{in_words, out_of_bounds, plain};

/// A tool's typed, validated input.
pub trait ToolInput: DeserializeOwned + Validate<Context = ()> {
    /// Rules across fields (such as `from <= to`), after field validation passed.
    fn cross_check(&self, _errors: &mut FieldErrors) {}
}

/// Parses raw `arguments` against the tool's input schema.
///
/// # Errors
/// Every problem found, each with the path of the offending field.
pub(crate) fn parse<T: ToolInput>(raw: Option<&Value>, schema: &Value) -> Result<T, FieldErrors> {
    let mut args = normalise(raw)?;
    let properties = schema.get("properties").and_then(Value::as_object);
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if let Some(properties) = properties {
        // Unknown arguments are dropped: runtimes add their own (Bedrock's `limit`, say), and a
        // strict refusal would make those tools unusable there.
        args.retain(|key, _| properties.contains_key(key));
        for (key, prop) in properties {
            coerce_field(&mut args, key, prop, required.contains(&key.as_str()));
        }
    }
    let mut errors = FieldErrors::default();
    for key in &required {
        if !args.contains_key(*key) {
            errors.push(*key, "is required");
        }
    }
    if let Some(properties) = properties {
        for (key, value) in &args {
            let Some(prop) = properties.get(key) else {
                continue;
            };
            let expected = expected_types(prop);
            if expected.iter().any(|t| has_type(value, t)) {
                if let Some(problem) = out_of_bounds(value, prop) {
                    errors.push(key.as_str(), problem);
                }
            } else {
                let words: Vec<&str> = expected.iter().map(|t| in_words(t)).collect();
                errors.push(key.as_str(), format!("must be {}", words.join(" or ")));
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    // The checks above mirror the schema, so this rarely fails; serde's own text names Rust
    // types, which mean nothing to a model, so it is not passed on.
    let input: T = serde_json::from_value(Value::Object(args)).map_err(|_| {
        FieldErrors::single(
            "arguments",
            "do not fit this tool's input schema; check each value's type and range",
        )
    })?;
    if let Err(report) = input.validate() {
        for (path, error) in report.iter() {
            errors.push(camel_case(&path.to_string()), plain(error.message()));
        }
        return Err(errors);
    }
    input.cross_check(&mut errors);
    if errors.is_empty() {
        Ok(input)
    } else {
        Err(errors)
    }
}

/// Unwraps `{"params":{…}}`, a JSON-encoded string, or a missing value into an object.
///
/// # Errors
/// When the arguments are neither an object nor a string holding one.
pub(crate) fn normalise(raw: Option<&Value>) -> Result<Map<String, Value>, FieldErrors> {
    let value = match raw {
        None | Some(Value::Null) => return Ok(Map::new()),
        Some(Value::String(text)) if text.trim().is_empty() => return Ok(Map::new()),
        Some(Value::String(text)) => serde_json::from_str::<Value>(text).map_err(|_| {
            FieldErrors::single("arguments", "were a string that is not a JSON object")
        })?,
        Some(other) => other.clone(),
    };
    match value {
        Value::Object(mut map) => {
            if map.len() == 1 {
                if let Some(Value::Object(inner)) = map.remove("params") {
                    return Ok(inner);
                }
                // Not a wrapper after all: `params` was a real (non-object) argument or absent.
                if let Some(v) = raw.and_then(|r| r.get("params")) {
                    map.insert("params".to_owned(), v.clone());
                }
            }
            Ok(map)
        }
        _ => Err(FieldErrors::single("arguments", "must be a JSON object")),
    }
}

fn expected_types(prop: &Value) -> Vec<String> {
    match prop.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

fn has_type(value: &Value, expected: &str) -> bool {
    match expected {
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "null" => value.is_null(),
        _ => true,
    }
}

/// Turns a string into the number or boolean the schema asks for, a number into the string
/// it asks for, and drops empty or null optional values.
fn coerce_field(args: &mut Map<String, Value>, key: &str, prop: &Value, required: bool) {
    let expected = expected_types(prop);
    let wants = |t: &str| expected.iter().any(|e| e == t);
    let Some(value) = args.get_mut(key) else {
        return;
    };
    if !required && (value.is_null() || value.as_str().is_some_and(|s| s.trim().is_empty())) {
        args.remove(key);
        return;
    }
    let replacement = match &*value {
        Value::String(text) => {
            let text = text.trim();
            if wants("integer") {
                text.parse::<i64>()
                    .ok()
                    .map(Value::from)
                    .or_else(|| whole_number(text))
            } else if wants("number") {
                text.parse::<f64>()
                    .ok()
                    .filter(|n| n.is_finite())
                    .map(Value::from)
            } else if wants("boolean") {
                match text.to_ascii_lowercase().as_str() {
                    "true" | "yes" | "1" => Some(Value::Bool(true)),
                    "false" | "no" | "0" => Some(Value::Bool(false)),
                    _ => None,
                }
            } else if wants("array") {
                serde_json::from_str::<Value>(text)
                    .ok()
                    .filter(Value::is_array)
            } else {
                None
            }
        }
        Value::Number(n) if wants("string") && !wants("number") && !wants("integer") => {
            Some(Value::String(n.to_string()))
        }
        Value::Number(n) if wants("integer") && !n.is_i64() && !n.is_u64() => {
            n.as_f64().and_then(|f| whole_number(&f.to_string()))
        }
        _ => None,
    };
    if let Some(replacement) = replacement {
        *value = replacement;
    }
}

/// garde reports Rust field names; callers know the camelCase JSON names.
fn camel_case(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut upper = false;
    for c in path.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// "30.0" → 30, "30.5" → None (a fraction is an error the caller should see).
fn whole_number(text: &str) -> Option<Value> {
    let f = text.parse::<f64>().ok()?;
    #[allow(clippy::cast_possible_truncation)] // checked to be whole and in range
    (f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e15).then(|| Value::from(f as i64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, serde::Deserialize, garde::Validate)]
    #[serde(rename_all = "camelCase")]
    struct Probe {
        #[garde(length(min = 1))]
        account_id: String,
        #[garde(range(min = 1, max = 365))]
        coverage_days: u32,
        #[garde(skip)]
        exact: Option<bool>,
    }

    impl ToolInput for Probe {}

    fn schema() -> Value {
        json!({
            "type": "object",
            "properties": {
                "accountId": {"type": "string"},
                "coverageDays": {"type": "integer"},
                "exact": {"type": ["boolean", "null"]}
            },
            "required": ["accountId", "coverageDays"]
        })
    }

    fn probe(raw: Value) -> Result<Probe, FieldErrors> {
        parse::<Probe>(Some(&raw), &schema())
    }

    #[test]
    fn strings_are_coerced_to_the_schema_types() {
        let p = probe(json!({"accountId": 42, "coverageDays": "30", "exact": "true"})).unwrap();
        assert_eq!(
            (p.account_id.as_str(), p.coverage_days, p.exact),
            ("42", 30, Some(true))
        );
    }

    #[test]
    fn wrapped_and_string_encoded_arguments_are_unwrapped() {
        let wrapped = probe(json!({"params": {"accountId": "a", "coverageDays": 7}})).unwrap();
        assert_eq!(wrapped.coverage_days, 7);
        let text = probe(json!("{\"accountId\":\"a\",\"coverageDays\":\"7.0\"}")).unwrap();
        assert_eq!(text.coverage_days, 7);
    }

    #[test]
    fn missing_and_mistyped_fields_are_all_reported_with_paths() {
        let errors = probe(json!({"coverageDays": "thirty"})).unwrap_err();
        let paths: Vec<_> = errors.0.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["accountId", "coverageDays"]);
    }

    #[test]
    fn garde_rules_report_the_field_path() {
        let errors = probe(json!({"accountId": "a", "coverageDays": 0})).unwrap_err();
        assert_eq!(errors.0[0].path, "coverageDays");
        assert_eq!(errors.0[0].message, "must be at least 1");
    }

    #[test]
    fn out_of_range_values_name_the_field_and_the_bound_in_plain_words() {
        // Arrange: the schema a u32 field gets, with a garde range on top.
        let schema = json!({
            "type": "object",
            "properties": {
                "accountId": {"type": "string", "minLength": 1},
                "coverageDays": {"type": "integer", "minimum": 1, "maximum": 365}
            },
            "required": ["accountId", "coverageDays"]
        });
        let table = [
            (
                json!({"accountId": "a", "coverageDays": -5}),
                "coverageDays must be at least 1",
            ),
            (
                json!({"accountId": "a", "coverageDays": 400}),
                "coverageDays must be at most 365",
            ),
            (
                json!({"accountId": "", "coverageDays": 5}),
                "accountId must not be empty",
            ),
            (
                json!({"accountId": "a", "coverageDays": "x"}),
                "coverageDays must be a whole number",
            ),
        ];
        for (raw, expected) in table {
            // Act
            let errors = parse::<Probe>(Some(&raw), &schema).unwrap_err();
            // Assert
            let text = errors.to_string();
            assert!(text.contains(expected), "{raw}: {text}");
            assert!(!text.contains("u32") && !text.contains(": :"), "{text}");
        }
    }

    #[test]
    fn a_value_serde_refuses_is_reported_without_rust_types() {
        // A schema with no bounds: the negative number reaches serde, which wants a u32.
        let errors = probe(json!({"accountId": "a", "coverageDays": -5})).unwrap_err();
        let text = errors.to_string();
        assert!(
            !text.contains("u32") && !text.contains("invalid value"),
            "{text}"
        );
        assert_eq!(errors.0[0].path, "arguments");
    }

    #[test]
    fn empty_optional_values_and_unknown_keys_are_dropped() {
        let p = probe(json!({"accountId": "a", "coverageDays": 1, "exact": "", "limit": 5}));
        assert_eq!(p.unwrap().exact, None);
    }

    #[test]
    fn missing_arguments_are_an_empty_object() {
        assert_eq!(normalise(None).unwrap().len(), 0);
        assert!(normalise(Some(&json!([1, 2]))).is_err());
        assert!(normalise(Some(&json!("not json"))).is_err());
    }
}
