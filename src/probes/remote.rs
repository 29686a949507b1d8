//! A server on another host: checks that read this machine say why they skip, and checks
//! that read the project's files here say so.

use crate::checks::result::{Outcome, Status};
use crate::i18n::Text;
use crate::net::url_host;
use crate::t;

/// Why a check that reads this machine says nothing of the server: it runs on `host`.
pub fn remote_reason(host: &str) -> Text {
    t!(
        "the server runs on {host}, not on this machine";
        "서버가 이 컴퓨터가 아닌 {host}에서 실행 중"
    )
}

/// The same reason for a URL (its host, or the URL itself when it has none).
pub fn remote_reason_for(url: &str) -> Text {
    remote_reason(&url_host(url).unwrap_or_else(|| url.to_string()))
}

/// Evidence of a check that reads the project's files here while the server runs elsewhere.
pub fn read_here_note(host: &str) -> String {
    format!("read from the project here; the server at {host} may run other code")
}

/// A check that read the project's files (settings, models, the database through Django) on
/// this machine while the server runs on another host: its summary says so in the user's words,
/// and its evidence names the folder read (`read_from`) and the server's host (`server_at`).
/// Unchanged when the server runs here, or when the check did not run (skip).
pub async fn note_read_here(
    mut outcome: Outcome,
    config: &std::sync::Arc<crate::config::Config>,
) -> Outcome {
    if outcome.status == Some(Status::Skip) {
        return outcome;
    }
    let remote = {
        let config = config.clone();
        tokio::task::spawn_blocking(move || config.remote_host())
            .await
            .ok()
            .flatten()
    };
    let Some(host) = remote else {
        return outcome;
    };
    let (en, ko) = (&outcome.summary.en, &outcome.summary.ko);
    outcome.summary = t!(
        "{en} ({})", read_here_note(&host);
        "{ko} (이 컴퓨터의 프로젝트에서 읽음; {host}의 서버는 다른 코드로 실행 중일 수 있음)"
    );
    let folder = config
        .project_dir
        .value
        .as_ref()
        .map(|d| d.display().to_string())
        .unwrap_or_else(|| "-".into());
    outcome.with("read_from", folder).with("server_at", host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons() {
        let reason = remote_reason("10.1.2.3");
        assert_eq!(
            reason.en,
            "the server runs on 10.1.2.3, not on this machine"
        );
        assert!(reason.ko.contains("10.1.2.3"));
        assert_eq!(remote_reason_for("http://10.1.2.3:8000").en, reason.en);
    }
}
