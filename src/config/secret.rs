//! A value that must never be printed in full (passwords, tokens, URLs with passwords).

use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The real value, for the one place that must send it (a login body, a DB connection).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&mask(&self.0))
    }
}

/// Serialized masked, like every other way of showing it.
impl serde::Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&mask(&self.0))
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&mask(&self.0))
    }
}

/// `********` with the length hidden too; empty stays visibly empty.
pub fn mask(value: &str) -> String {
    if value.is_empty() {
        "(empty)".into()
    } else {
        "********".into()
    }
}

/// A token shortened to its first characters, enough to tell two apart.
pub fn abbreviate_token(token: &str) -> String {
    let head: String = token.chars().take(8).collect();
    format!("{head}… ({} chars)", token.chars().count())
}

/// `postgres://user:pw@host/db` → `postgres://user:********@host/db` (a user alone stays).
pub fn redact_url(url: &str) -> String {
    let (bare, credentials) = crate::net::split_credentials(url);
    match credentials.as_deref().and_then(|c| c.split_once(':')) {
        Some((user, _)) => crate::net::with_credentials(&bare, Some(&format!("{user}:********"))),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_shows_the_secret() {
        let s = Secret::new("hunter2");
        assert!(!format!("{s} {s:?}").contains("hunter2"));
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn redacts_url_password_only() {
        assert_eq!(
            redact_url("postgres://app:s3cret@127.0.0.1:5432/db"),
            "postgres://app:********@127.0.0.1:5432/db"
        );
        assert_eq!(redact_url("sqlite:///tmp/x.db"), "sqlite:///tmp/x.db");
        assert_eq!(
            redact_url("postgres://app@host/db"),
            "postgres://app@host/db"
        );
    }

    #[test]
    fn abbreviates_tokens() {
        let short = abbreviate_token("eyJhbGciOiJIUzI1NiJ9.payload.signature");
        assert!(short.starts_with("eyJhbGci"));
        assert!(!short.contains("signature"));
    }
}
