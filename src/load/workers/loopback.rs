//! `--expect-workers N` without `--master-bind`: the master would listen on 127.0.0.1, which
//! no other host can reach, and the run would wait for workers that can never join. Said at
//! once, with this machine's addresses to bind instead.

use crate::i18n::Text;
use crate::t;
use std::collections::BTreeSet;
use std::net::IpAddr;

/// Why the run cannot wait for remote workers, or None when it can.
pub fn master_unreachable(
    expect_workers: Option<u32>,
    master_bind: Option<&str>,
    local: &BTreeSet<IpAddr>,
) -> Option<Text> {
    let expected = expect_workers.filter(|n| *n > 0)?;
    if master_bind.is_some() {
        return None;
    }
    let reachable: Vec<String> = local
        .iter()
        // Link-local IPv6 needs a scope to bind: not one to offer.
        .filter(|ip| {
            !ip.is_loopback()
                && !matches!(ip, IpAddr::V6(v6) if v6.segments()[0] & 0xffc0 == 0xfe80)
        })
        .map(IpAddr::to_string)
        .collect();
    let example = reachable
        .first()
        .cloned()
        .unwrap_or_else(|| "0.0.0.0".into());
    Some(if reachable.is_empty() {
        t!(
            "--expect-workers {expected} without --master-bind: the master would listen on 127.0.0.1 (loopback), which no other host can reach, and this machine has no other address. Workers on this machine: use --workers {expected}";
            "--master-bind 없이 --expect-workers {expected}: 마스터가 127.0.0.1(루프백)에서만 대기하므로 다른 호스트가 접속할 수 없고, 이 머신에는 다른 주소가 없음. 이 머신의 워커: --workers {expected} 사용"
        )
    } else {
        let list = reachable.join(", ");
        t!(
            "--expect-workers {expected} without --master-bind: the master would listen on 127.0.0.1 (loopback), which no other host can reach. This machine's addresses: {list}. Pass the one the load hosts reach, e.g. --master-bind {example} (0.0.0.0: every interface)";
            "--master-bind 없이 --expect-workers {expected}: 마스터가 127.0.0.1(루프백)에서만 대기하므로 다른 호스트가 접속할 수 없음. 이 머신의 주소: {list}. 부하 호스트가 닿는 주소를 지정, 예: --master-bind {example} (0.0.0.0: 모든 인터페이스)"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_master_is_refused_with_the_addresses() {
        let local: BTreeSet<IpAddr> = ["127.0.0.1", "10.0.0.5", "::1", "fe80::1"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        let text = master_unreachable(Some(2), None, &local).unwrap();
        assert!(
            text.en.contains("This machine's addresses: 10.0.0.5."),
            "{}",
            text.en
        );
        assert!(text.en.contains("--master-bind 10.0.0.5"), "{}", text.en);
        assert!(text.ko.contains("10.0.0.5"), "{}", text.ko);
        assert!(master_unreachable(Some(2), Some("10.0.0.5"), &local).is_none());
        assert!(master_unreachable(None, None, &local).is_none());
        let only_loopback: BTreeSet<IpAddr> = ["127.0.0.1".parse().unwrap()].into();
        let text = master_unreachable(Some(1), None, &only_loopback).unwrap();
        assert!(text.en.contains("--workers 1"), "{}", text.en);
    }
}
