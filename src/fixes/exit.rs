//! How a fix's program ended, in words a person reads ("exit code 1", "killed by signal 9").

use crate::i18n::Lang;
use std::os::unix::process::ExitStatusExt;

/// The end of a fix's program: its exit code, or the signal that killed it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Exit {
    pub code: Option<i32>,
    pub signal: Option<i32>,
}

impl From<std::process::ExitStatus> for Exit {
    fn from(status: std::process::ExitStatus) -> Exit {
        Exit {
            code: status.code(),
            signal: status.signal(),
        }
    }
}

impl Exit {
    /// "exit code 1", "killed by signal 9 (SIGKILL)", or, when the program never ended on its
    /// own (a server that did not answer), "stopped by doctor".
    pub fn describe(self, lang: Lang) -> String {
        let ko = lang == Lang::Ko;
        match (self.code, self.signal) {
            (Some(code), _) if ko => format!("종료 코드 {code}"),
            (Some(code), _) => format!("exit code {code}"),
            (None, Some(signal)) => {
                let name = nix::sys::signal::Signal::try_from(signal)
                    .map(|s| format!(" ({})", s.as_str()))
                    .unwrap_or_default();
                if ko {
                    format!("시그널 {signal}{name}로 종료됨")
                } else {
                    format!("killed by signal {signal}{name}")
                }
            }
            (None, None) if ko => "doctor가 중지함".to_string(),
            (None, None) => "stopped by doctor".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exits_are_told_in_words() {
        let code = Exit {
            code: Some(1),
            signal: None,
        };
        assert_eq!(code.describe(Lang::En), "exit code 1");
        assert_eq!(code.describe(Lang::Ko), "종료 코드 1");
        let killed = Exit {
            code: None,
            signal: Some(9),
        };
        assert_eq!(killed.describe(Lang::En), "killed by signal 9 (SIGKILL)");
        assert_eq!(killed.describe(Lang::Ko), "시그널 9 (SIGKILL)로 종료됨");
        assert!(!Exit::default().describe(Lang::En).contains("None"));
    }

    #[test]
    fn a_real_status_keeps_its_signal() {
        let status = std::process::ExitStatus::from_raw(9);
        assert_eq!(
            Exit::from(status).describe(Lang::En),
            "killed by signal 9 (SIGKILL)"
        );
    }
}
