//! The tool catalogue (docs/design.md §6): one file per tool with its input, output and the mapping
//! from NeonPanel's DTOs to the normalised output.

mod common;
pub mod get_account;
pub mod get_landed_cost;
pub mod get_revenue_and_cogs;
pub mod get_stock_levels;
pub mod list_accounts;
pub mod plan_purchase;
pub mod search_inventory;
pub mod search_orders;
pub mod search_purchase_orders;

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::Value;

use super::policy::AuthMode;

pub use common::{AccountId, is_iso_date};

/// Which tool a spec describes; the app dispatches on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ToolId {
    ListAccounts,
    GetAccount,
    SearchOrders,
    SearchInventory,
    GetLandedCost,
    PlanPurchase,
    GetRevenueAndCogs,
    GetStockLevels,
    SearchPurchaseOrders,
}

/// Everything a client is told about a tool, plus its default credential policy.
#[derive(Clone, Debug)]
pub struct ToolSpec {
    pub id: ToolId,
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

/// The nine tools, with schemas generated once.
#[derive(Clone, Debug)]
pub struct Catalogue {
    tools: Vec<ToolSpec>,
}

impl Catalogue {
    #[must_use]
    pub fn standard() -> Self {
        Self {
            tools: vec![
                list_accounts::spec(),
                get_account::spec(),
                search_orders::spec(),
                search_inventory::spec(),
                get_landed_cost::spec(),
                plan_purchase::spec(),
                get_revenue_and_cogs::spec(),
                get_stock_levels::spec(),
                search_purchase_orders::spec(),
            ],
        }
    }

    /// Finds a tool by its name or its dotted seed alias.
    #[must_use]
    pub fn find(&self, name: &str) -> Option<&ToolSpec> {
        self.tools
            .iter()
            .find(|t| t.name == name || t.alias == name)
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = &ToolSpec> {
        self.tools.iter()
    }
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
const STANDARD_FORMATS: &[&str] = &["date", "date-time", "time", "email", "uri", "uuid"];

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

#[cfg(test)]
mod tests {
    use super::*;

    fn is_tool_name(name: &str) -> bool {
        let mut chars = name.chars();
        name.len() <= 40
            && chars.next().is_some_and(|c| c.is_ascii_lowercase())
            && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && !name.contains("__")
    }

    fn walk(value: &Value, f: &mut dyn FnMut(&serde_json::Map<String, Value>)) {
        match value {
            Value::Object(map) => {
                f(map);
                map.values().for_each(|v| walk(v, f));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, f)),
            _ => {}
        }
    }

    #[test]
    fn every_tool_obeys_the_naming_and_schema_rules() {
        let catalogue = Catalogue::standard();
        assert_eq!(catalogue.iter().len(), 9);
        for tool in catalogue.iter() {
            assert!(is_tool_name(tool.name), "{}", tool.name);
            assert!(tool.alias.contains('.'), "{}", tool.alias);
            assert!(tool.description.len() <= 1200, "{}", tool.name);
            assert_eq!(tool.input_schema["type"], "object", "{}", tool.name);
            assert_eq!(tool.output_schema["type"], "object", "{}", tool.name);
            let params = tool.input_schema["properties"]
                .as_object()
                .expect("properties");
            assert!(
                params.len() <= 5,
                "{} has {} parameters",
                tool.name,
                params.len()
            );
            for (param, schema) in params {
                let types = match &schema["type"] {
                    Value::String(t) => vec![t.as_str()],
                    other => panic!("{}.{param} has type {other}", tool.name),
                };
                for t in types {
                    assert!(
                        ["string", "number", "integer", "boolean", "array"].contains(&t),
                        "{}.{param}: {t}",
                        tool.name
                    );
                }
                assert!(
                    schema["examples"].is_array(),
                    "{}.{param} lacks examples",
                    tool.name
                );
                assert!(
                    schema["description"]
                        .as_str()
                        .is_some_and(|d| d.len() <= 500),
                    "{}.{param} lacks a description of at most 500 characters",
                    tool.name
                );
            }
            for schema in [&tool.input_schema, &tool.output_schema] {
                walk(schema, &mut |map| {
                    assert!(!map.contains_key("$ref"), "{} has a $ref", tool.name);
                });
            }
        }
    }

    #[test]
    fn schemas_carry_no_type_unions_nullable_branches_or_non_standard_formats() {
        for tool in Catalogue::standard().iter() {
            for schema in [&tool.input_schema, &tool.output_schema] {
                walk(schema, &mut |map| {
                    assert!(
                        !map.get("type").is_some_and(Value::is_array),
                        "{}: type union in {map:?}",
                        tool.name
                    );
                    if let Some(values) = map.get("enum").and_then(Value::as_array) {
                        assert!(!values.contains(&Value::Null), "{}: null enum", tool.name);
                    }
                    if let Some(format) = map.get("format").and_then(Value::as_str) {
                        assert!(
                            STANDARD_FORMATS.contains(&format),
                            "{}: {format}",
                            tool.name
                        );
                    }
                    for key in ["anyOf", "oneOf"] {
                        let nullable = map.get(key).and_then(Value::as_array).is_some_and(|b| {
                            b.iter()
                                .any(|b| b.get("type").and_then(Value::as_str) == Some("null"))
                        });
                        assert!(!nullable, "{}: nullable {key}", tool.name);
                    }
                });
            }
        }
    }

    #[test]
    fn dotted_seed_names_find_their_tools() {
        let catalogue = Catalogue::standard();
        assert_eq!(
            catalogue.find("neonpanel.getAccount").map(|t| t.name),
            Some("neonpanel_get_account")
        );
        assert!(catalogue.find("neonpanel_unknown").is_none());
    }
}
