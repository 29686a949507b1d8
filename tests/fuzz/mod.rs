//! The fuzz campaign's machinery: one run per target over its corpus, mutations of the corpus
//! and random strings, each call guarded so a panic is kept with its input.

pub mod engine;
mod mutate;
mod random;
mod regressions;
pub mod targets;
