//! Field-level differences between two normalized JSON values, and how they are printed
//! without ever showing a secret.

use serde_json::Value;

/// `ProviderDetails` keys whose values are secrets: never printed, never exported.
pub const SECRET_KEYS: &[&str] = &["client_secret", "private_key"];

/// One changed field: its path (`Policies.PasswordPolicy.MinimumLength`), old and new values
/// (`None` when absent).
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub path: String,
    pub old: Option<Value>,
    pub new: Option<Value>,
}

/// The fields that differ between `old` and `new`, objects compared member by member and
/// everything else (arrays included) as a whole.
pub fn diff(old: &Value, new: &Value) -> Vec<Change> {
    let mut out = Vec::new();
    walk("", Some(old), Some(new), &mut out);
    out
}

fn present(v: Option<&Value>) -> Option<&Value> {
    v.filter(|v| !v.is_null())
}

fn walk(path: &str, old: Option<&Value>, new: Option<&Value>, out: &mut Vec<Change>) {
    let (old, new) = (present(old), present(new));
    match (old, new) {
        (Some(Value::Object(a)), Some(Value::Object(b))) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                walk(&p, a.get(k), b.get(k), out);
            }
        }
        (a, b) if a == b => {}
        (a, b) => out.push(Change {
            path: path.to_string(),
            old: a.cloned(),
            new: b.cloned(),
        }),
    }
}

fn show(path: &str, value: &Option<Value>) -> String {
    let last = path.rsplit('.').next().unwrap_or(path);
    match value {
        None => "(none)".to_string(),
        Some(_) if SECRET_KEYS.contains(&last) => "(secret)".to_string(),
        Some(Value::String(s)) if last == "MetadataFile" => {
            format!("(metadata document, {} bytes)", s.len())
        }
        Some(v) => v.to_string(),
    }
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} → {}",
            self.path,
            show(&self.path, &self.old),
            show(&self.path, &self.new)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_members_are_compared_one_by_one() {
        let old = json!({"A": 1, "P": {"PasswordPolicy": {"MinimumLength": 8, "RequireSymbols": true}}, "L": [1, 2]});
        let new = json!({"A": 1, "P": {"PasswordPolicy": {"MinimumLength": 10, "RequireSymbols": true}}, "L": [2, 1], "N": "x"});
        let changes = diff(&old, &new);
        let paths: Vec<&str> = changes.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(paths, ["L", "N", "P.PasswordPolicy.MinimumLength"]);
        assert_eq!(
            changes[2].to_string(),
            "P.PasswordPolicy.MinimumLength: 8 → 10"
        );
        assert_eq!(changes[1].to_string(), "N: (none) → \"x\"");
        assert!(diff(&old, &old).is_empty());
    }

    #[test]
    fn null_is_the_same_as_absent() {
        assert!(diff(&json!({"A": null}), &json!({})).is_empty());
    }

    #[test]
    fn secrets_and_documents_are_never_printed() {
        let changes = diff(
            &json!({"ProviderDetails": {"client_secret": "old-secret", "MetadataFile": "<a/>"}}),
            &json!({"ProviderDetails": {"client_secret": "new-secret", "MetadataFile": "<bb/>"}}),
        );
        let text: Vec<String> = changes.iter().map(Change::to_string).collect();
        assert_eq!(
            text,
            [
                "ProviderDetails.MetadataFile: (metadata document, 4 bytes) → (metadata document, 5 bytes)",
                "ProviderDetails.client_secret: (secret) → (secret)",
            ]
        );
        assert!(!text.concat().contains("secret\""));
    }
}
