//! Inputs made from nothing: proptest's strings and bytes, and soups of the corpus's words.

use super::mutate::{below, pick};
use proptest::collection::vec;
use proptest::prelude::{BoxedStrategy, Rng, Strategy, any};
use proptest::strategy::ValueTree;
use proptest::test_runner::{TestRng, TestRunner};

/// Any Unicode text, printable ASCII with line breaks, raw bytes, and format punctuation.
pub fn strings() -> BoxedStrategy<Vec<u8>> {
    proptest::prop_oneof![
        any::<String>().prop_map(String::into_bytes),
        proptest::string::string_regex("[ -~\t\n]{0,300}")
            .expect("valid regex")
            .prop_map(String::into_bytes),
        vec(any::<u8>(), 0..300),
        proptest::string::string_regex("[0-9a-z.,:=\\[\\]{}\"\n -]{0,120}")
            .expect("valid regex")
            .prop_map(String::into_bytes),
    ]
    .boxed()
}

pub fn string(strategy: &BoxedStrategy<Vec<u8>>, runner: &mut TestRunner) -> Vec<u8> {
    strategy
        .new_tree(runner)
        .expect("strings can always be generated")
        .current()
}

/// The corpus's words and punctuation in random order: text that is nearly the format.
pub fn token_soup(rng: &mut TestRng, words: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..below(rng, 60) {
        out.extend_from_slice(pick::<Vec<u8>>(rng, words));
        if rng.next_u64().is_multiple_of(3) {
            out.push(if rng.next_u64().is_multiple_of(2) {
                b' '
            } else {
                b'\n'
            });
        }
    }
    out
}
