//! Mutations of seed inputs, byte- and line-wise, plus the values parsers get wrong most:
//! numbers past every type's range, deep nesting, control characters, broken UTF-8.

use proptest::prelude::Rng;
use proptest::test_runner::TestRng;

/// Numbers that overflow, underflow or are no number at all, in the spellings formats use.
const ODD_NUMBERS: &[&str] = &[
    "1e308",
    "1e309",
    "-1e308",
    "1e-400",
    "-1",
    "-0",
    "0",
    "nan",
    "NaN",
    "-nan",
    "inf",
    "-inf",
    "Infinity",
    "18446744073709551616",
    "18446744073709551615",
    "9223372036854775807",
    "-9223372036854775808",
    "-9223372036854775809",
    "4294967295",
    "4294967296",
    "2147483648",
    "65535",
    "65536",
    "99999999999999999999999999999",
    "0x7fffffff",
    "1_000",
    "0.000000000000000000001",
    "1.7976931348623157e308",
];

const ODD_BYTES: &[u8] = &[
    0, 0xff, b'\n', b'\r', b'"', b'\'', b'\\', b'[', b'{', b'(', b'#', 0x7f, 0x1b, b'%', b'=',
];

/// Control characters and text that terminals, Python and TOML treat specially.
const CONTROL: &[&[u8]] = &[
    b"\0",
    b"\r\n",
    b"\t",
    b"\x1b[31m",
    b"\x08",
    b"\x0b\x0c",
    "\u{2028}".as_bytes(),
    "\u{feff}".as_bytes(),
    "\u{202e}".as_bytes(),
    b"\\u0000",
    b"\\ud800",
];

/// Byte sequences that are not UTF-8: a lone continuation, a cut sequence, a surrogate, overlong.
const NOT_UTF8: &[&[u8]] = &[
    b"\x80",
    b"\xc3",
    b"\xe2\x82",
    b"\xed\xa0\x80",
    b"\xc0\xaf",
    b"\xff\xfe",
];

const PUNCTUATION: &[&str] = &[
    "=", "\"", "'", "[", "]", "{", "}", "(", ")", ":", ",", ".", "/", "-", "@", "#", "\n", " ",
    "    ", "\"\"\"", "[[", "]]", "null", "true", "false",
];

pub fn below(rng: &mut TestRng, n: usize) -> usize {
    if n == 0 {
        0
    } else {
        (rng.next_u64() % n as u64) as usize
    }
}

pub fn pick<'a, T>(rng: &mut TestRng, items: &'a [T]) -> &'a T {
    &items[below(rng, items.len())]
}

/// Words of the seeds (keys, names, values) to insert: mutations that stay near the format.
pub fn words(seeds: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = PUNCTUATION.iter().map(|p| p.as_bytes().to_vec()).collect();
    for seed in seeds {
        for word in seed.split(|b| !(b.is_ascii_alphanumeric() || *b == b'_' || *b == b'.')) {
            if (2..=40).contains(&word.len()) && !out.iter().any(|w| w == word) && out.len() < 800 {
                out.push(word.to_vec());
            }
        }
    }
    out
}

/// The head of one input and the tail of another.
pub fn splice(rng: &mut TestRng, a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = a[..below(rng, a.len() + 1)].to_vec();
    out.extend_from_slice(&b[below(rng, b.len() + 1)..]);
    out
}

fn insert(input: &mut Vec<u8>, at: usize, bytes: &[u8]) {
    input.splice(at..at, bytes.iter().copied());
}

fn range(rng: &mut TestRng, len: usize) -> (usize, usize) {
    let start = below(rng, len + 1);
    let end = (start + 1 + below(rng, 64)).min(len);
    (start, end)
}

fn lines(input: &[u8]) -> Vec<Vec<u8>> {
    input
        .split_inclusive(|b| *b == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

/// Spans that look like numbers (`-12.5e3`), to replace with odd ones.
fn number_spans(input: &[u8]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut i = 0;
    while i < input.len() {
        if input[i].is_ascii_digit() {
            let start = if i > 0 && input[i - 1] == b'-' {
                i - 1
            } else {
                i
            };
            let mut end = i;
            while end < input.len() && (input[end].is_ascii_digit() || b".eE".contains(&input[end]))
            {
                end += 1;
            }
            spans.push((start, end));
            i = end;
        } else {
            i += 1;
        }
    }
    spans
}

/// One random change to `input`.
pub fn once(
    rng: &mut TestRng,
    input: &mut Vec<u8>,
    seeds: &[Vec<u8>],
    words: &[Vec<u8>],
    nesting: &[(&str, &str)],
) {
    let len = input.len();
    let at = below(rng, len + 1);
    match below(rng, 17) {
        0 if len > 0 => input[at.min(len - 1)] ^= 1 << below(rng, 8),
        1 if len > 0 => input[at.min(len - 1)] = *pick(rng, ODD_BYTES),
        2 => {
            let bytes: Vec<u8> = (0..1 + below(rng, 8))
                .map(|_| rng.next_u64() as u8)
                .collect();
            insert(input, at, &bytes);
        }
        3 => {
            let (start, end) = range(rng, len);
            input.drain(start..end);
        }
        4 => {
            let (start, end) = range(rng, len);
            let copy = input[start..end].to_vec();
            for _ in 0..1 + below(rng, 4) {
                insert(input, end, &copy);
            }
        }
        5..=8 => mutate_lines(rng, input, seeds),
        9 => input.truncate(at),
        10 | 11 => {
            let spans = number_spans(input);
            let odd = pick(rng, ODD_NUMBERS).as_bytes();
            match spans.get(below(rng, spans.len())) {
                Some(&(start, end)) => {
                    input.splice(start..end, odd.iter().copied());
                }
                None => insert(input, at, odd),
            }
        }
        12 => insert(input, at, pick::<Vec<u8>>(rng, words)),
        13 if !nesting.is_empty() => {
            let (open, close) = *pick(rng, nesting);
            let depth = 1 + below(rng, 3000);
            let closed = rng.next_u64().is_multiple_of(2);
            let mut deep = open.repeat(depth);
            if closed {
                deep.push_str(&close.repeat(depth));
            }
            insert(input, at, deep.as_bytes());
        }
        14 => insert(input, at, pick::<&[u8]>(rng, NOT_UTF8)),
        _ => insert(input, at, pick::<&[u8]>(rng, CONTROL)),
    }
}

/// Line-wise: insert a seed's line, delete one, repeat one, swap two.
fn mutate_lines(rng: &mut TestRng, input: &mut Vec<u8>, seeds: &[Vec<u8>]) {
    let mut rows = lines(input);
    let n = rows.len();
    let at = below(rng, n + 1);
    match below(rng, 4) {
        0 => {
            let donor = lines(pick::<Vec<u8>>(rng, seeds));
            if let Some(line) = donor.get(below(rng, donor.len())) {
                rows.insert(at, line.clone());
            }
        }
        1 if n > 0 => {
            rows.remove(at.min(n - 1));
        }
        2 if n > 0 => {
            let line = rows[at.min(n - 1)].clone();
            for _ in 0..1 + below(rng, 50) {
                rows.insert(at.min(n - 1), line.clone());
            }
        }
        _ if n > 1 => rows.swap(at.min(n - 1), below(rng, n)),
        _ => {}
    }
    *input = rows.concat();
}
