//! Path-aware reading of the generic value tree a config file parses into.
//!
//! TOML and JSONC both become a `serde_json::Value`; every accessor here takes the dotted
//! field path of the value it reads so type errors and warnings can name it.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::{ConfigError, Warning};

/// Join a field path and a key: `("", "a") → "a"`, `("a", "b") → "a.b"`.
pub(crate) fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// `("a", 0) → "a[0]"`.
pub(crate) fn index(prefix: &str, i: usize) -> String {
    format!("{prefix}[{i}]")
}

/// A value and its field path.
pub(crate) type Located<'v> = Option<(&'v Value, String)>;

/// An object in an array and its field path.
pub(crate) type Entry<'v> = (&'v Map<String, Value>, String);

/// Iterate the objects of an array field.
pub(crate) fn objects<'v>(
    r: &Reader,
    v: &'v Value,
    field: &str,
) -> Result<Vec<Entry<'v>>, ConfigError> {
    r.array(v, field)?
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let f = index(field, i);
            r.object(item, &f).map(|m| (m, f))
        })
        .collect()
}

/// Reads fields of one config file, collecting warnings.
pub(crate) struct Reader {
    /// File name used in messages.
    pub label: String,
    /// Path of the file, for warnings.
    pub path: PathBuf,
    /// Whether the file is TOML (objects are called tables then).
    pub toml: bool,
    /// Warnings so far.
    pub warnings: Vec<Warning>,
}

impl Reader {
    pub fn new(path: &Path, toml: bool) -> Reader {
        let label = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        Reader {
            label,
            path: path.to_path_buf(),
            toml,
            warnings: Vec::new(),
        }
    }

    pub fn warn(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.warnings.push(Warning {
            file: self.path.clone(),
            field: field.into(),
            message: message.into(),
        });
    }

    fn object_word(&self) -> &'static str {
        if self.toml { "table" } else { "object" }
    }

    fn type_name(&self, v: &Value) -> &'static str {
        match v {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
            Value::Number(_) => "float",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => self.object_word(),
        }
    }

    pub fn wrong_type(&self, field: &str, expected: &'static str, v: &Value) -> ConfigError {
        ConfigError::WrongType {
            file: self.label.clone(),
            field: field.to_string(),
            expected,
            found: self.type_name(v),
        }
    }

    pub fn missing(&self, field: &str) -> ConfigError {
        ConfigError::MissingField {
            file: self.label.clone(),
            field: field.to_string(),
        }
    }

    pub fn invalid(&self, field: &str, message: impl Into<String>) -> ConfigError {
        ConfigError::InvalidValue {
            file: self.label.clone(),
            field: field.to_string(),
            message: message.into(),
        }
    }

    pub fn object<'v>(
        &self,
        v: &'v Value,
        field: &str,
    ) -> Result<&'v Map<String, Value>, ConfigError> {
        match v {
            Value::Object(m) => Ok(m),
            other => Err(self.wrong_type(field, self.object_word(), other)),
        }
    }

    pub fn array<'v>(&self, v: &'v Value, field: &str) -> Result<&'v [Value], ConfigError> {
        match v {
            Value::Array(a) => Ok(a),
            other => Err(self.wrong_type(field, "array", other)),
        }
    }

    pub fn string(&self, v: &Value, field: &str) -> Result<String, ConfigError> {
        match v {
            Value::String(s) => Ok(s.clone()),
            other => Err(self.wrong_type(field, "string", other)),
        }
    }

    pub fn boolean(&self, v: &Value, field: &str) -> Result<bool, ConfigError> {
        match v {
            Value::Bool(b) => Ok(*b),
            other => Err(self.wrong_type(field, "boolean", other)),
        }
    }

    /// An integer in `min..=max`.
    pub fn int_in(&self, v: &Value, field: &str, min: i64, max: i64) -> Result<u64, ConfigError> {
        let n = match v {
            Value::Number(n) => n.as_i64(),
            _ => None,
        };
        let Some(n) = n else {
            // u64 beyond i64::MAX is out of every range we check.
            if let Value::Number(num) = v
                && num.is_u64()
            {
                return Err(self.invalid(field, format!("{num} is out of range {min}..={max}")));
            }
            return Err(self.wrong_type(field, "integer", v));
        };
        if n < min || n > max {
            return Err(ConfigError::OutOfRange {
                file: self.label.clone(),
                field: field.to_string(),
                value: n,
                min,
                max,
            });
        }
        u64::try_from(n).map_err(|_| self.invalid(field, format!("{n} must not be negative")))
    }

    /// An array of strings.
    pub fn strings(&self, v: &Value, field: &str) -> Result<Vec<String>, ConfigError> {
        self.array(v, field)?
            .iter()
            .enumerate()
            .map(|(i, item)| self.string(item, &index(field, i)))
            .collect()
    }

    /// Warn about keys of `map` (at `prefix`) not in `known`.
    pub fn check_keys(&mut self, map: &Map<String, Value>, prefix: &str, known: &[&str]) {
        for key in map.keys() {
            if !known.contains(&key.as_str()) {
                self.warn(join(prefix, key), "unknown field, ignored");
            }
        }
    }
}

/// A JSON object together with its field path.
#[derive(Clone, Copy)]
pub(crate) struct Obj<'v, 'p> {
    pub map: &'v Map<String, Value>,
    pub path: &'p str,
}

impl<'v> Obj<'v, '_> {
    pub fn field(&self, key: &str) -> String {
        join(self.path, key)
    }

    pub fn get(&self, key: &str) -> Option<&'v Value> {
        self.map.get(key)
    }

    pub fn opt_string(&self, r: &Reader, key: &str) -> Result<Option<String>, ConfigError> {
        self.get(key)
            .map(|v| r.string(v, &self.field(key)))
            .transpose()
    }

    pub fn req_string(&self, r: &Reader, key: &str) -> Result<String, ConfigError> {
        self.opt_string(r, key)?
            .ok_or_else(|| r.missing(&self.field(key)))
    }

    /// A required string that must not be empty.
    pub fn name(&self, r: &Reader, key: &str) -> Result<String, ConfigError> {
        let s = self.req_string(r, key)?;
        if s.is_empty() {
            return Err(r.invalid(&self.field(key), "must not be empty"));
        }
        Ok(s)
    }

    pub fn opt_bool(&self, r: &Reader, key: &str) -> Result<Option<bool>, ConfigError> {
        self.get(key)
            .map(|v| r.boolean(v, &self.field(key)))
            .transpose()
    }

    pub fn opt_int(
        &self,
        r: &Reader,
        key: &str,
        min: i64,
        max: i64,
    ) -> Result<Option<u64>, ConfigError> {
        self.get(key)
            .map(|v| r.int_in(v, &self.field(key), min, max))
            .transpose()
    }

    pub fn opt_strings(&self, r: &Reader, key: &str) -> Result<Vec<String>, ConfigError> {
        self.get(key)
            .map(|v| r.strings(v, &self.field(key)))
            .transpose()
            .map(Option::unwrap_or_default)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn reader(toml: bool) -> Reader {
        Reader::new(Path::new("/p/wrangler.toml"), toml)
    }

    #[test]
    fn field_paths_join_keys_and_indices() {
        assert_eq!(join("", "a"), "a");
        assert_eq!(join("env.x", "a"), "env.x.a");
        assert_eq!(index("kv", 2), "kv[2]");
    }

    #[test]
    fn wrong_type_names_file_field_expected_and_found() {
        let r = reader(true);
        let err = r
            .string(&json!(5), "kv_namespaces[0].binding")
            .expect_err("int");
        assert_eq!(
            err.to_string(),
            "wrangler.toml: field \"kv_namespaces[0].binding\": expected string, found integer"
        );
        let err = r.object(&json!([1]), "vars").expect_err("array");
        assert!(
            err.to_string().ends_with("expected table, found array"),
            "{err}"
        );
        let err = reader(false).string(&json!({}), "x").expect_err("obj");
        assert!(
            err.to_string().ends_with("expected string, found object"),
            "{err}"
        );
    }

    #[test]
    fn integers_are_range_checked() {
        let r = reader(true);
        assert_eq!(r.int_in(&json!(5), "x", 0, 10).expect("in range"), 5);
        assert!(matches!(
            r.int_in(&json!(11), "x", 0, 10),
            Err(ConfigError::OutOfRange {
                value: 11,
                max: 10,
                ..
            })
        ));
        assert!(matches!(
            r.int_in(&json!(1.5), "x", 0, 10),
            Err(ConfigError::WrongType { found: "float", .. })
        ));
        assert!(r.int_in(&json!(u64::MAX), "x", 0, 10).is_err());
    }

    #[test]
    fn unknown_keys_warn_with_their_full_path() {
        let mut r = reader(true);
        let v = json!({"binding": "A", "bogus": 1});
        let map = r.object(&v, "kv_namespaces[0]").expect("object");
        let map = map.clone();
        r.check_keys(&map, "kv_namespaces[0]", &["binding"]);
        assert_eq!(r.warnings.len(), 1);
        assert_eq!(
            r.warnings[0].to_string(),
            "wrangler.toml: field \"kv_namespaces[0].bogus\": unknown field, ignored"
        );
    }
}
