//! The rules every registered tool obeys: names, schemas, descriptions.

use serde_json::Value;

use super::*;
use crate::domain::tools::STANDARD_FORMATS;

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
    assert_eq!(catalogue.iter().len(), 11);
    for tool in catalogue.iter() {
        assert!(is_tool_name(tool.name), "{}", tool.name);
        assert!(tool.alias.contains('.'), "{}", tool.alias);
        assert!(tool.description.len() <= 1200, "{}", tool.name);
        // Written for models: when to use the tool, not only what it does.
        let lower = tool.description.to_lowercase();
        assert!(
            lower.contains("use it") || lower.contains("call this"),
            "{} does not say when to use it",
            tool.name
        );
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
            let description = schema["description"].as_str().unwrap_or_default();
            assert!(
                !description.is_empty(),
                "{}.{param} lacks a description",
                tool.name
            );
            // Bedrock's limit on a parameter description.
            assert!(description.len() <= 500, "{}.{param}", tool.name);
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
        catalogue
            .find("neonpanel.getAccount")
            .map(|t| t.spec().name),
        Some("neonpanel_get_account")
    );
    assert!(catalogue.find("neonpanel_unknown").is_none());
}
