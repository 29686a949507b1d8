//! What one stack means, one file per question: whose code a frame is ([`paths`]), the view
//! it ran under ([`view`]), whether a thread waits and on what ([`waits`]), what skews a load
//! test ([`skew`]), and a method's class when py-spy gave only its bare name ([`qualify`]).
//! Pure, apart from reading a source file (cached) for that last one.

mod paths;
mod qualify;
mod skew;
mod view;
mod waits;
mod within;

#[cfg(test)]
pub(crate) mod fixtures;

pub use paths::{bare_name, display_path, is_project, short_function};
pub use qualify::Qualifier;
pub use skew::skew;
pub use view::view_index;
pub use waits::{DbWait, db_wait, looks_idle, wait_driver};
pub use within::{is_autoreloader, within};
