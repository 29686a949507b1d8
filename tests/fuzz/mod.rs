//! The fuzz campaign's machinery: one run per target over its corpus, mutations of the corpus
//! and random strings, each call guarded so a panic is kept with its input.

pub mod engine;
mod regressions;
mod mutate;
mod random;
pub mod targets;
