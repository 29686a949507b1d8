//! What the executed locustfile did with the answers it got: the account it ran as, and the keys
//! it read from each JSON answer (and whether the answer had them). Plain facts from the helper.

use serde::Deserialize;

/// The account the locustfile was executed as. When the first pick did not exist and some of
/// the pool do, doctor answered the random call with one that exists (`steered`).
#[derive(Clone, Debug, Deserialize, Default, PartialEq)]
pub struct ExecutedAs {
    #[serde(default)]
    pub username: String,
    /// None: doctor could not ask the user table.
    #[serde(default)]
    pub exists: Option<bool>,
    /// How many accounts of the pool exist.
    #[serde(default)]
    pub existing: Option<u64>,
    #[serde(default)]
    pub pool_size: Option<u64>,
    #[serde(default)]
    pub steered: bool,
    /// The account the locustfile picked first, when doctor steered away from it.
    #[serde(default)]
    pub instead_of: Option<String>,
    /// An account of the pool that exists (the first), when any does.
    #[serde(default)]
    pub an_existing: Option<String>,
}

/// One key the locustfile read from a JSON answer: `token.access` for `["token"]["access"]`.
#[derive(Clone, Debug, Deserialize, Default, PartialEq)]
pub struct Read {
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub found: bool,
    #[serde(default)]
    pub line: Option<usize>,
}

/// A request of a task that was never sent: the task stopped on an earlier line.
#[derive(Clone, Debug, Deserialize, Default, PartialEq)]
pub struct Unsent {
    #[serde(default)]
    pub method: String,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub line: Option<usize>,
}
