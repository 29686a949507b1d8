//! The fuzz campaign: every parser of outside input (doctor.toml, check files, locustfiles,
//! Locust's and the listener's JSON, /proc, the Python helpers' answers, flags and URLs) fed
//! its corpus, mutations of it and random strings, `DOCTOR_FUZZ_CASES` cases per target
//! (seed: `DOCTOR_FUZZ_SEED`). `scripts/fuzz.sh` runs it longer in release.

mod fuzz;
