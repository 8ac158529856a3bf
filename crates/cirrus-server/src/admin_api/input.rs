//! Reading an operation's JSON input: typed structures through serde, single members through
//! accessors that name the member in their errors.

use std::collections::BTreeMap;

use cirrus_core::validate;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::ApiError;

/// An operation's input object.
pub struct Input(pub Map<String, Value>);

/// `UserPoolId` → `userPoolId`, the member form AWS uses in messages.
fn camel(key: &str) -> String {
    let mut chars = key.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn wrong_type(key: &str, expected: &str) -> ApiError {
    ApiError::new(
        "SerializationException",
        format!("Unexpected value at '{}': expected {expected}.", camel(key)),
    )
}

impl Input {
    /// Wraps an input object.
    pub fn new(value: Value) -> Self {
        match value {
            Value::Object(map) => Input(map),
            _ => Input(Map::new()),
        }
    }

    /// The whole input as a typed structure.
    pub fn typed<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        serde_json::from_value(Value::Object(self.0.clone())).map_err(|e| {
            ApiError::new(
                "SerializationException",
                format!("Request body does not match the operation's input: {e}"),
            )
        })
    }

    /// A required string member.
    pub fn string(&self, key: &str) -> Result<String, ApiError> {
        self.opt_string(key)?
            .ok_or_else(|| validate::missing(&camel(key)).into())
    }

    /// An optional string member.
    pub fn opt_string(&self, key: &str) -> Result<Option<String>, ApiError> {
        match self.0.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(wrong_type(key, "a string")),
        }
    }

    /// An optional integer member.
    pub fn opt_int(&self, key: &str) -> Result<Option<i64>, ApiError> {
        match self.0.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_i64()
                .map(Some)
                .ok_or_else(|| wrong_type(key, "an integer")),
        }
    }

    /// A list of strings; absent is empty.
    pub fn strings(&self, key: &str) -> Result<Vec<String>, ApiError> {
        match self.0.get(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| wrong_type(key, "a list of strings"))
                })
                .collect(),
            Some(_) => Err(wrong_type(key, "a list of strings")),
        }
    }

    /// A required list of strings.
    pub fn required_strings(&self, key: &str) -> Result<Vec<String>, ApiError> {
        if !self.0.contains_key(key) {
            return Err(validate::missing(&camel(key)).into());
        }
        self.strings(key)
    }

    /// A required map of strings to strings.
    pub fn string_map(&self, key: &str) -> Result<BTreeMap<String, String>, ApiError> {
        match self.0.get(key) {
            None => Err(validate::missing(&camel(key)).into()),
            Some(Value::Object(m)) => m
                .iter()
                .map(|(k, v)| {
                    v.as_str()
                        .map(|s| (k.clone(), s.to_string()))
                        .ok_or_else(|| wrong_type(key, "a map of strings"))
                })
                .collect(),
            Some(_) => Err(wrong_type(key, "a map of strings")),
        }
    }

    /// A required structure.
    pub fn structure<T: DeserializeOwned>(&self, key: &str) -> Result<T, ApiError> {
        match self.0.get(key) {
            None => Err(validate::missing(&camel(key)).into()),
            Some(v @ Value::Object(_)) => serde_json::from_value(v.clone()).map_err(|e| {
                ApiError::new(
                    "SerializationException",
                    format!("Unexpected value at '{}': {e}", camel(key)),
                )
            }),
            Some(_) => Err(wrong_type(key, "a structure")),
        }
    }

    /// An optional list of typed structures.
    pub fn list<T: DeserializeOwned>(&self, key: &str) -> Result<Vec<T>, ApiError> {
        match self.0.get(key) {
            None => Ok(Vec::new()),
            Some(v @ Value::Array(_)) => serde_json::from_value(v.clone()).map_err(|e| {
                ApiError::new(
                    "SerializationException",
                    format!("Unexpected value at '{}': {e}", camel(key)),
                )
            }),
            Some(_) => Err(wrong_type(key, "a list")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn accessors_name_members() {
        let i = Input::new(json!({"UserPoolId": 5, "Names": ["a", 1], "Limit": "x"}));
        let e = i.string("UserPoolId").unwrap_err();
        assert_eq!(e.error_type, "SerializationException");
        assert!(e.message.contains("'userPoolId'"));
        let e = i.string("ClientId").unwrap_err();
        assert_eq!(e.error_type, "InvalidParameterException");
        assert!(e.message.contains("Value null at 'clientId'"));
        assert!(i.strings("Names").is_err());
        assert!(i.opt_int("Limit").is_err());
        assert_eq!(i.opt_int("Missing").unwrap(), None);
    }
}
