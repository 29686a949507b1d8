//! One campaign per parser that reads outside input, grouped by where the input comes from.

mod config;
mod helpers;
mod locust;
mod procfs;
mod text;
