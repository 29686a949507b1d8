//! Small text parsers of flags and outputs: durations, `--stages`, `--master-bind`, URLs and
//! `locust --version`.

use crate::fuzz::engine::{PLAIN_NESTING, Target, campaign, text};
use doctor::config::run::parse_duration;
use doctor::load::plan::{parse_master_bind, parse_stages};
use doctor::load::workers::join::parse_version;
use doctor::net::{split_credentials, url_host, url_port, with_credentials};

const fn short(name: &'static str) -> Target {
    Target {
        name,
        corpus: name,
        max_len: 4096,
        share: 1.0,
        nesting: PLAIN_NESTING,
    }
}

#[test]
fn duration() {
    campaign(&short("duration"), |input| {
        let text = text(input);
        match parse_duration(&text) {
            Ok(secs) if secs.is_nan() && !text.to_lowercase().contains("nan") => {
                Err(format!("\"{text}\" read as NaN seconds"))
            }
            _ => Ok(()),
        }
    });
}

#[test]
fn stages() {
    campaign(&short("stages"), |input| match parse_stages(&text(input)) {
        Ok(stages) if stages.is_empty() || stages.contains(&0) => {
            Err(format!("accepted stages {stages:?}"))
        }
        _ => Ok(()),
    });
}

#[test]
fn master_bind() {
    campaign(&short("master_bind"), |input| {
        let text = text(input);
        match parse_master_bind(&text) {
            Ok(ip) if ip.to_string().parse() != Ok(ip) => Err(format!("{ip} does not read back")),
            _ => Ok(()),
        }
    });
}

#[test]
fn url() {
    campaign(&short("url"), |input| {
        let url = text(input);
        url_host(&url);
        url_port(&url);
        let (bare, credentials) = split_credentials(&url);
        if let Some(userinfo) = &credentials
            && url_host(&bare) != url_host(&url)
        {
            return Err(format!(
                "taking out {userinfo:?} changed the host of {url:?}"
            ));
        }
        let again = with_credentials(&bare, credentials.as_deref());
        if url.contains("://") && again != url {
            return Err(format!("{url:?} split and put back gave {again:?}"));
        }
        Ok(())
    });
}

#[test]
fn locust_version() {
    campaign(&short("locust_version"), |input| {
        match parse_version(&text(input)) {
            Some(v) if !v.starts_with(|c: char| c.is_ascii_digit()) => {
                Err(format!("version {v:?}"))
            }
            _ => Ok(()),
        }
    });
}
