//! The probe kinds a check file may name, with the `[params]` and `[thresholds]` keys each
//! reads. The list lives with the check model so that loading a check file can refuse an
//! unknown kind or key without knowing the probes; `probes` implements every kind listed here.

/// Every probe kind a check file may name, with the `[params]` and `[thresholds]` keys it reads:
/// a check file with any other key is refused when it loads, naming the file and line.
pub const KINDS: &[(&str, &[&str], &[&str])] = &[
    ("port", &[], &[]),
    (
        "http",
        &["path", "method", "expect_status", "expect_json", "auth"],
        &["latency_warn_ms"],
    ),
    ("login", &[], &["token_lifetime_warn_s"]),
    ("users", &[], &[]),
    (
        "stock",
        &[],
        &[
            "available_warn_below",
            "run_requests_per_min",
            "run_minutes",
            "reserve_share",
            "units_per_reservation",
        ],
    ),
    ("resources", &[], &["cpu_percent_max", "memory_percent_max"]),
    ("db_connections", &[], &["used_ratio_max"]),
    ("sql", &["query", "label"], &["min", "max"]),
    ("locustfile", &[], &["run_seconds"]),
    ("settings", &[], &[]),
    ("reserve", &[], &[]),
    ("requests", &[], &[]),
    ("readiness", &["aspect"], &["min_open_files"]),
    ("server_fresh", &[], &[]),
];

/// The names of all probe kinds.
pub fn kind_names() -> Vec<&'static str> {
    KINDS.iter().map(|k| k.0).collect()
}
