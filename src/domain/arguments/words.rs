//! Argument problems in the words a model reads after a field name ("must be at least 1"),
//! never in Rust or serde terms.

use serde_json::Value;

/// A JSON Schema type as a model-facing phrase ("must be …").
pub(super) fn in_words(schema_type: &str) -> &str {
    match schema_type {
        "string" => "text",
        "integer" => "a whole number",
        "number" => "a number",
        "boolean" => "true or false",
        "array" => "a list",
        "object" => "an object",
        "null" => "null",
        other => other,
    }
}

/// The schema's `minimum`/`maximum`, `minLength`/`maxLength` and `enum`, checked on a value
/// of the right type, in plain words.
pub(super) fn out_of_bounds(value: &Value, prop: &Value) -> Option<String> {
    let bound = |name: &str| prop.get(name).and_then(Value::as_f64);
    if let Some(n) = value.as_f64() {
        if let Some(min) = bound("minimum").filter(|min| n < *min) {
            return Some(format!("must be at least {min}"));
        }
        if let Some(max) = bound("maximum").filter(|max| n > *max) {
            return Some(format!("must be at most {max}"));
        }
    }
    if let Some(text) = value.as_str() {
        let chars = text.chars().count() as f64;
        if let Some(min) = bound("minLength").filter(|min| chars < *min) {
            return Some(if min <= 1.0 {
                "must not be empty".to_owned()
            } else {
                format!("must be at least {min} characters long")
            });
        }
        if let Some(max) = bound("maxLength").filter(|max| chars > *max) {
            return Some(format!("must be at most {max} characters long"));
        }
    }
    let allowed = prop.get("enum").and_then(Value::as_array)?;
    (!allowed.contains(value)).then(|| {
        let names: Vec<String> = allowed.iter().map(ToString::to_string).collect();
        format!("must be one of {}", names.join(", "))
    })
}

/// garde's default range and length messages, reworded to read after the field name.
pub(super) fn plain(message: &str) -> String {
    let rewrite = |prefix: &str| message.strip_prefix(prefix).map(str::trim);
    if let Some(n) = rewrite("length is lower than") {
        return if n == "1" {
            "must not be empty".to_owned()
        } else {
            format!("must be at least {n} characters long")
        };
    }
    if let Some(n) = rewrite("length is greater than") {
        return format!("must be at most {n} characters long");
    }
    if let Some(n) = rewrite("lower than") {
        return format!("must be at least {n}");
    }
    if let Some(n) = rewrite("greater than") {
        return format!("must be at most {n}");
    }
    message.to_owned()
}
