//! What every tool shares (docs/design.md §6): the description a client is told, the schema
//! rules all clients accept, and the argument validators. Each tool itself is one file in
//! `crate::app::tools`, listed in its registry.

pub mod common;
mod failure_code;

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::Value;

use super::policy::AuthMode;

pub use common::{AccountId, is_iso_date};
pub use failure_code::FailureCode;

/// Everything a client is told about a tool, plus its default credential policy.
#[derive(Clone, Debug)]
pub struct ToolSpec {
    /// `^[a-z][a-z0-9_]{0,39}$`: legal for Claude, Bedrock (≤ 64 with a gateway prefix) and
    /// ChatGPT alike.
    pub name: &'static str,
    /// The seed's dotted name, accepted at call time and never listed.
    pub alias: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub default_mode: AuthMode,
    pub input_schema: Value,
    pub output_schema: Value,
}

/// An inline JSON Schema (2020-12, no `$ref`) for `T`, without the generator's `$schema` and
/// type-name `title`, which some clients reject or show to users, and made portable (see
/// [`make_portable`]).
#[must_use]
pub fn schema_for<T: JsonSchema>() -> Value {
    let generator = SchemaSettings::draft2020_12()
        .with(|s| {
            s.inline_subschemas = true;
            s.meta_schema = None;
        })
        .into_generator();
    let mut schema = generator.into_root_schema_for::<T>().to_value();
    if let Some(object) = schema.as_object_mut() {
        object.remove("title");
        object.remove("$schema");
    }
    make_portable(&mut schema);
    schema
}

/// Like [`schema_for`], for tool inputs (the same rules apply to both).
#[must_use]
pub fn input_schema_for<T: JsonSchema>() -> Value {
    schema_for::<T>()
}

/// `format` values every JSON Schema validator knows; schemars' `uint32`, `int64`, `double`
/// and the like are not among them, and strict clients (the MCP Inspector, model-side
/// validators) warn on or refuse them. The `minimum` schemars writes next to them stays.
pub const STANDARD_FORMATS: &[&str] = &["date", "date-time", "time", "email", "uri", "uuid"];

/// Rewrites a generated schema into the subset every MCP client accepts:
/// - no non-standard `format`;
/// - no `["T","null"]` type arrays and no `anyOf: [T, {"type":"null"}]`: an absent value is
///   expressed by leaving the property out of `required`. This holds for inputs (Bedrock and
///   some ChatGPT paths reject type arrays) and for outputs, whose `Option` fields are never
///   serialised as `null` (every one carries `skip_serializing_if`; the end-to-end tests check
///   `structuredContent` against the schema).
pub fn make_portable(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            if map
                .get("format")
                .and_then(Value::as_str)
                .is_some_and(|f| !STANDARD_FORMATS.contains(&f))
            {
                map.remove("format");
            }
            if let Some(Value::Array(types)) = map.get("type") {
                let rest: Vec<Value> = types
                    .iter()
                    .filter(|t| t.as_str() != Some("null"))
                    .cloned()
                    .collect();
                if let [only] = rest.as_slice() {
                    map.insert("type".to_owned(), only.clone());
                }
            }
            // An optional enum (`Option<Choice>`) lists `null` among its values; absent is
            // expressed by `required` instead, as above.
            if let Some(Value::Array(values)) = map.get_mut("enum") {
                values.retain(|v| !v.is_null());
            }
            for key in ["anyOf", "oneOf"] {
                let Some(Value::Array(branches)) = map.get(key) else {
                    continue;
                };
                let rest: Vec<Value> = branches
                    .iter()
                    .filter(|b| b.get("type").and_then(Value::as_str) != Some("null"))
                    .cloned()
                    .collect();
                if let [Value::Object(only)] = rest.as_slice() {
                    map.remove(key);
                    for (k, v) in only {
                        map.entry(k.clone()).or_insert_with(|| v.clone());
                    }
                }
            }
            map.values_mut().for_each(make_portable);
        }
        Value::Array(items) => items.iter_mut().for_each(make_portable),
        _ => {}
    }
}
