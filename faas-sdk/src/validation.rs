//! JSON Schema validation of payloads, before any user code runs.
//!
//! A payload type carries a schema in one of two ways:
//!
//! - **derived from the type**: `#[derive(schemars::JsonSchema)]` on it. The
//!   handler macro notices and validates every payload against the derived
//!   schema. Constraints come from `#[schemars(...)]` attributes
//!   (`range(min = 1)`, `regex(pattern = "^[A-Z]{3}$")`, `length(...)`).
//!   Derived schemas are JSON Schema draft 07: every constraint a Rust type
//!   derives to is expressible there, and compiling a draft-07 schema at
//!   start-up is about three times cheaper than 2020-12 (schemars' default),
//!   which matters on a cold start.
//! - **from a file**: `#[faas::handler(schema = "schemas/order.v1.json")]`,
//!   a path relative to the crate's `Cargo.toml`. The file is read at
//!   compile time (a missing or malformed file is a compile error) and
//!   compiled once at start-up, in the draft its `$schema` names (2020-12
//!   when it names none).
//!
//! A payload that violates its schema never reaches the handler: it is a
//! `bad_input` error listing *every* violation with its JSON pointer, where
//! serde would stop at the first. Over HTTP that is a `400` problem document.
//!
//! # Schema versions
//!
//! A schema names its version in a top-level `"version"` annotation (with
//! schemars: `#[schemars(extend("version" = "1"))]`); errors quote it, so a
//! client knows which contract rejected it. Contracts evolve without
//! breaking consumers when:
//!
//! - a change that accepts more (a new optional field, a looser bound) keeps
//!   the version: old senders still validate;
//! - a change that accepts less (a new required field, a removed or retyped
//!   field, a tighter bound) is a new version with a new type or file
//!   (`order.v2.json`); the function accepts both during the migration, for
//!   example with a `#[serde(untagged)] enum` of the two versions, whose
//!   derived schema is the `oneOf` of both;
//! - unknown fields are accepted (no `additionalProperties: false`) so that
//!   senders can upgrade before receivers.

use serde_json::Value;

use crate::error::{FunctionError, Violation};

/// Where a handler's payload schema comes from; built by the handler macro.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum SchemaSource {
    /// Derived from the payload type with `schemars`.
    Derived {
        /// The payload type's name.
        name: &'static str,
        /// Produces the schema.
        schema: fn() -> Value,
    },
    /// A schema file embedded at compile time.
    File {
        /// The path, as written in the attribute.
        path: &'static str,
        /// The file's text.
        text: &'static str,
    },
}

/// A schema that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("schema {name} is invalid: {reason}")]
pub struct SchemaError {
    name: String,
    reason: String,
}

/// A compiled JSON Schema.
///
/// ```
/// use faas::validation::Schema;
/// let schema = Schema::compile("order", &serde_json::json!({
///     "version": "1",
///     "type": "object",
///     "required": ["order_id", "amount_cents"],
///     "properties": {
///         "order_id": {"type": "string"},
///         "amount_cents": {"type": "integer", "minimum": 1}
///     }
/// })).unwrap();
/// let violations = schema.violations(&serde_json::json!({"amount_cents": 0}));
/// assert_eq!(violations.len(), 2);
/// assert_eq!(violations[0].pointer, "");
/// assert_eq!(violations[1].pointer, "/amount_cents");
/// ```
pub struct Schema {
    name: String,
    version: Option<String>,
    #[cfg(feature = "validation")]
    validator: jsonschema::Validator,
}

impl std::fmt::Debug for Schema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Schema")
            .field("name", &self.name)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

impl Schema {
    /// Compiles `schema`, naming it `name` in errors.
    pub fn compile(name: &str, schema: &Value) -> Result<Schema, SchemaError> {
        let version = match schema.get("version") {
            Some(Value::String(text)) => Some(text.clone()),
            Some(Value::Number(number)) => Some(number.to_string()),
            _ => None,
        };
        #[cfg(feature = "validation")]
        {
            let validator = jsonschema::validator_for(schema).map_err(|err| SchemaError {
                name: name.to_owned(),
                reason: err.to_string(),
            })?;
            Ok(Schema {
                name: name.to_owned(),
                version,
                validator,
            })
        }
        #[cfg(not(feature = "validation"))]
        {
            let _ = version;
            Err(SchemaError {
                name: name.to_owned(),
                reason: "schema validation needs the `validation` feature of faas-sdk".to_owned(),
            })
        }
    }

    /// Compiles a handler's schema source.
    pub fn from_source(source: SchemaSource) -> Result<Schema, SchemaError> {
        match source {
            SchemaSource::Derived { name, schema } => Schema::compile(name, &schema()),
            SchemaSource::File { path, text } => {
                let value: Value = serde_json::from_str(text).map_err(|err| SchemaError {
                    name: path.to_owned(),
                    reason: err.to_string(),
                })?;
                Schema::compile(path, &value)
            }
        }
    }

    /// The schema's name (the payload type, or the file path).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The schema's `version` annotation.
    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    /// Every way `instance` violates the schema; empty when it is valid.
    pub fn violations(&self, instance: &Value) -> Vec<Violation> {
        #[cfg(feature = "validation")]
        {
            self.validator
                .iter_errors(instance)
                .map(|err| Violation::new(err.instance_path().as_str(), err.to_string()))
                .collect()
        }
        #[cfg(not(feature = "validation"))]
        {
            let _ = instance;
            Vec::new()
        }
    }

    /// Checks every payload of a unit; a `bad_input` error listing all
    /// violations if any. Pointers of batch records start with the record index.
    pub(crate) fn check(&self, unit: &impl crate::contract::Unit) -> Result<(), FunctionError> {
        let mut violations = Vec::new();
        unit.visit_payloads(&mut |record, payload| {
            let prefix = record.map(|index| format!("/{index}")).unwrap_or_default();
            match payload.json() {
                Ok(value) => {
                    violations.extend(self.violations(value).into_iter().map(|v| Violation {
                        pointer: format!("{prefix}{}", v.pointer),
                        message: v.message,
                    }))
                }
                Err(err) => violations.push(Violation::new(prefix, err.reason())),
            }
        });
        if violations.is_empty() {
            return Ok(());
        }
        let version = self
            .version
            .as_deref()
            .map(|v| format!(" version {v}"))
            .unwrap_or_default();
        let count = violations.len();
        let noun = if count == 1 {
            "violation"
        } else {
            "violations"
        };
        Err(FunctionError::bad_input(format!(
            "the payload does not match schema {}{version}: {count} {noun}",
            self.name
        ))
        .with_violations(violations))
    }
}

/// Finds, at compile time, whether a payload type derives `JsonSchema`.
///
/// Rust has no specialization; the handler macro calls
/// `(&Probe::<T>::new()).schema_source()` on a concrete `T`, and method
/// lookup picks `DerivedSchema` when `T: JsonSchema` and falls back to
/// `NoSchema` (one more auto-reference away) otherwise.
#[doc(hidden)]
pub mod probe {
    use std::marker::PhantomData;

    use super::SchemaSource;

    pub struct Probe<T>(PhantomData<T>);

    impl<T> Probe<T> {
        pub const fn new() -> Self {
            Probe(PhantomData)
        }
    }

    impl<T> Default for Probe<T> {
        fn default() -> Self {
            Probe::new()
        }
    }

    pub trait NoSchema {
        fn schema_source(&self) -> Option<SchemaSource> {
            None
        }
    }

    impl<T> NoSchema for &Probe<T> {}

    #[cfg(feature = "validation")]
    pub trait DerivedSchema {
        fn schema_source(&self) -> Option<SchemaSource>;
    }

    #[cfg(feature = "validation")]
    impl<T: schemars::JsonSchema> DerivedSchema for Probe<T> {
        fn schema_source(&self) -> Option<SchemaSource> {
            // Draft 07 rather than schemars' default 2020-12: it expresses
            // everything a Rust type derives to, and checking a schema
            // against the draft-07 meta-schema at start-up costs about a
            // third of 2020-12's (0.5 vs 1.7 ms on the cold-start path).
            fn derive<T: schemars::JsonSchema>() -> serde_json::Value {
                schemars::generate::SchemaSettings::draft07()
                    .into_generator()
                    .into_root_schema_for::<T>()
                    .to_value()
            }
            Some(SchemaSource::Derived {
                name: std::any::type_name::<T>()
                    .rsplit("::")
                    .next()
                    .unwrap_or("payload"),
                schema: derive::<T>,
            })
        }
    }

    /// Without the `validation` feature nothing is derived.
    #[cfg(not(feature = "validation"))]
    pub trait DerivedSchema {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payload::Payload;

    #[derive(schemars::JsonSchema)]
    #[allow(dead_code)]
    #[schemars(extend("version" = "2"))]
    struct Order {
        #[schemars(range(min = 1))]
        amount_cents: u64,
        #[schemars(regex(pattern = "^[A-Z]{3}$"))]
        currency: String,
    }

    struct Plain;

    #[test]
    #[allow(clippy::needless_borrow)] // the borrow is what lets the fallback apply
    fn the_probe_finds_derived_schemas_only_where_they_exist() {
        use probe::{DerivedSchema as _, NoSchema as _, Probe};
        assert!((&Probe::<Order>::new()).schema_source().is_some());
        assert!((&Probe::<Plain>::new()).schema_source().is_none());
    }

    #[test]
    #[allow(clippy::needless_borrow)]
    fn every_violation_is_listed_with_its_pointer_and_the_version() {
        use probe::{DerivedSchema as _, Probe};
        let schema =
            Schema::from_source((&Probe::<Order>::new()).schema_source().unwrap()).unwrap();
        assert_eq!(schema.version(), Some("2"));
        let unit = Payload::from(r#"{"amount_cents": 0, "currency": "eur"}"#);
        let err = schema.check(&unit).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the payload does not match schema Order version 2: 2 violations"
        );
        let pointers: Vec<_> = err
            .violations()
            .iter()
            .map(|v| v.pointer.as_str())
            .collect();
        assert_eq!(pointers, ["/amount_cents", "/currency"]);
    }

    #[test]
    fn a_payload_that_is_not_json_is_one_violation() {
        let schema = Schema::compile("any", &serde_json::json!({"type": "object"})).unwrap();
        let err = schema.check(&Payload::from("{oops")).unwrap_err();
        assert_eq!(err.violations().len(), 1);
        assert_eq!(err.violations()[0].pointer, "");
    }

    #[test]
    fn a_broken_schema_is_a_start_up_error() {
        let err =
            Schema::compile("broken", &serde_json::json!({"type": "no-such-type"})).unwrap_err();
        assert!(
            err.to_string().starts_with("schema broken is invalid"),
            "{err}"
        );
    }
}
