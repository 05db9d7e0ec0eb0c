//! The signing keys, read from a file or an environment variable (the core parses them: see
//! [`ConsentKeys::parse`]).

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cookie_charter::{ConsentKeys, KeyId};

/// Why keys could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The file cannot be read.
    #[error("cannot read the key file `{path}`: {error}")]
    Io {
        /// The file.
        path: String,
        /// What went wrong.
        error: std::io::Error,
    },
    /// The environment variable is not set, or not UTF-8.
    #[error("the environment variable `{0}` is not set")]
    MissingVariable(String),
    /// The keys do not parse.
    #[error("{0}")]
    Invalid(#[from] cookie_charter::Error),
    /// No randomness for a new key.
    #[error("no randomness for a new key: {0}")]
    Random(String),
}

/// Reads keys from a file: one `<key id>:<base64url secret>` per line, the signing key first.
pub fn from_file(path: impl AsRef<Path>) -> Result<ConsentKeys, KeyError> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|error| KeyError::Io {
        path: path.display().to_string(),
        error,
    })?;
    Ok(ConsentKeys::parse(&text)?)
}

/// Reads keys from an environment variable: entries separated by newlines or commas.
pub fn from_env(name: &str) -> Result<ConsentKeys, KeyError> {
    let text = std::env::var(name).map_err(|_| KeyError::MissingVariable(name.to_owned()))?;
    Ok(ConsentKeys::parse(&text)?)
}

/// A new key line, `<key id>:<32 random bytes in base64url>`, to put first in the key file.
pub fn generate(key_id: &str) -> Result<String, KeyError> {
    let id = KeyId::new(key_id)?;
    let mut secret = [0_u8; 32];
    getrandom::fill(&mut secret).map_err(|e| KeyError::Random(e.to_string()))?;
    Ok(format!("{id}:{}", URL_SAFE_NO_PAD.encode(secret)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_parse_and_differ() {
        let a = generate("2026a").unwrap();
        let b = generate("2026a").unwrap();
        assert_ne!(a, b);
        let keys = ConsentKeys::parse(&format!("{a}\n")).unwrap();
        assert_eq!(keys.signing_key_id().as_str(), "2026a");
        assert!(generate("bad id").is_err());
    }

    #[test]
    fn a_missing_file_or_variable_is_a_clear_error() {
        let err = from_file("/nonexistent/keys").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("cannot read the key file `/nonexistent/keys`")
        );
        let err = from_env("COOKIE_CHARTER_TEST_NO_SUCH_VARIABLE").unwrap_err();
        assert_eq!(
            err.to_string(),
            "the environment variable `COOKIE_CHARTER_TEST_NO_SUCH_VARIABLE` is not set"
        );
    }
}
