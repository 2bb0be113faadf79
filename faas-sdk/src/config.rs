//! Settings from the environment, read without panics.
//!
//! Platforms configure functions through environment variables. [`Config`]
//! is a snapshot of them taken once at start-up: `#[faas::init]` functions
//! read their settings from it, the SDK reads the platform's variables from
//! it, and tests build one from pairs instead of touching the process
//! environment.
//!
//! ```
//! use faas::Config;
//!
//! let cfg = Config::from_pairs([("TABLE", "orders"), ("BATCH_SIZE", "25")]);
//! assert_eq!(cfg.require("TABLE").unwrap(), "orders");
//! assert_eq!(cfg.parse_or("BATCH_SIZE", 10_u32).unwrap(), 25);
//! assert_eq!(cfg.parse_or("TIMEOUT_SECS", 30_u32).unwrap(), 30);
//! assert_eq!(
//!     cfg.require("API_KEY").unwrap_err().to_string(),
//!     "environment variable API_KEY is not set"
//! );
//! ```

use std::collections::HashMap;
use std::fmt::Display;
use std::str::FromStr;
use std::sync::Arc;

/// Why a setting could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A required variable is absent.
    #[error("environment variable {key} is not set")]
    Missing {
        /// The variable.
        key: String,
    },
    /// The variable is set but not valid Unicode.
    #[error("environment variable {key} is not valid UTF-8")]
    NotUnicode {
        /// The variable.
        key: String,
    },
    /// The variable's value does not parse.
    #[error("environment variable {key}={value:?} is invalid: {reason}")]
    Invalid {
        /// The variable.
        key: String,
        /// Its value.
        value: String,
        /// What the parser said.
        reason: String,
    },
}

/// A snapshot of environment variables.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// `None` marks a variable that is set but not valid UTF-8.
    vars: Arc<HashMap<String, Option<String>>>,
}

impl Config {
    /// Snapshots the process environment. Variables whose name is not
    /// valid UTF-8 are skipped; values that are not are reported by
    /// [`require`](Self::require) as [`ConfigError::NotUnicode`].
    pub fn from_env() -> Config {
        let vars = std::env::vars_os()
            .filter_map(|(key, value)| Some((key.into_string().ok()?, value.into_string().ok())))
            .collect();
        Config {
            vars: Arc::new(vars),
        }
    }

    /// A configuration holding exactly these pairs.
    pub fn from_pairs<K, V>(pairs: impl IntoIterator<Item = (K, V)>) -> Config
    where
        K: Into<String>,
        V: Into<String>,
    {
        let vars = pairs
            .into_iter()
            .map(|(key, value)| (key.into(), Some(value.into())))
            .collect();
        Config {
            vars: Arc::new(vars),
        }
    }

    /// The value of `key`, if set to valid UTF-8.
    ///
    /// ```
    /// let cfg = faas::Config::from_pairs([("REGION", "eu-west-1")]);
    /// assert_eq!(cfg.get("REGION"), Some("eu-west-1"));
    /// assert_eq!(cfg.get("ZONE"), None);
    /// ```
    pub fn get(&self, key: &str) -> Option<&str> {
        self.vars.get(key)?.as_deref()
    }

    /// The value of `key`, non-empty, or the first of `keys` that is set:
    /// platforms name the same fact differently.
    pub(crate) fn first_of(&self, keys: &[&str]) -> Option<&str> {
        keys.iter()
            .filter_map(|key| self.get(key))
            .find(|value| !value.is_empty())
    }

    /// The value of `key`, or an error saying it is missing.
    pub fn require(&self, key: &str) -> Result<&str, ConfigError> {
        match self.vars.get(key) {
            Some(Some(value)) => Ok(value),
            Some(None) => Err(ConfigError::NotUnicode { key: key.into() }),
            None => Err(ConfigError::Missing { key: key.into() }),
        }
    }

    /// The value of `key` parsed as `T`, or `default` when it is not set.
    ///
    /// ```
    /// let cfg = faas::Config::from_pairs([("PORT", "http")]);
    /// let err = cfg.parse_or("PORT", 8080_u16).unwrap_err();
    /// assert!(err.to_string().starts_with("environment variable PORT=\"http\" is invalid"));
    /// ```
    pub fn parse_or<T>(&self, key: &str, default: T) -> Result<T, ConfigError>
    where
        T: FromStr,
        T::Err: Display,
    {
        match self.require(key) {
            Ok(value) => value
                .trim()
                .parse()
                .map_err(|err: T::Err| ConfigError::Invalid {
                    key: key.into(),
                    value: value.into(),
                    reason: err.to_string(),
                }),
            Err(ConfigError::Missing { .. }) => Ok(default),
            Err(err) => Err(err),
        }
    }
}
