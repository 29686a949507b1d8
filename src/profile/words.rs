//! The verdict's sentences from a stage's profile, in both languages, with the figures.

use super::summary::{FuncStat, SkewFactor, StageProfile, WaitSite};
use crate::i18n::Text;
use crate::t;

fn pct(share: f64) -> String {
    format!("{:.0} %", share * 100.0)
}

fn place(stat: &FuncStat) -> String {
    format!("{} ({}:{})", stat.function, stat.file, stat.line)
}

/// Password hashing: what a login spends its time on.
fn is_hashing(stat: &FuncStat) -> bool {
    stat.file.ends_with("hashers.py")
        || ["pbkdf2", "bcrypt", "argon2", "scrypt", "hashpw"]
            .iter()
            .any(|h| stat.function.to_lowercase().contains(h))
}

/// Is this view the login? By its name (`TokenObtainPairView`, `LoginView`, `login`), by the
/// last part of the login URL (`/api/signin/` → `SignInView`), or simplejwt's shared base
/// view spending its time hashing a password (only the login does; py-spy names the class
/// that defines `post`, `TokenViewBase`, not the URL's `TokenObtainPairView`).
pub fn is_login_view(view: &str, hot: &FuncStat, login_path: &str) -> bool {
    let class = view.rsplit_once('.').map(|(c, _)| c).unwrap_or(view);
    if view.contains("TokenObtainPair") || view.contains("Login") || view.contains("login") {
        return true;
    }
    let segment = login_path
        .trim_matches('/')
        .rsplit('/')
        .find(|s| !s.is_empty())
        .unwrap_or("")
        .replace(['-', '_'], "")
        .to_lowercase();
    if segment.len() >= 4 && segment != "token" && class.to_lowercase().contains(&segment) {
        return true;
    }
    class == "TokenViewBase" && is_hashing(hot)
}

/// "61 % of the server's busy time in pbkdf2 (django/utils/crypto.py:77) under
/// TokenViewBase.post — logins". None when nothing was busy.
pub fn hot_spot_sentence(profile: &StageProfile, login_path: &str) -> Option<Text> {
    let hot = profile.top_self.first()?;
    let share = pct(hot.share);
    let place = place(hot);
    let mut text = t!("{share} of the server's busy time in {place}"; "서버가 바쁜 시간의 {share}가 {place}에서 쓰임");
    // Inside a panel or a third party's middleware: that is where the time goes, not the view.
    if let Some(within) = &hot.within {
        return Some(
            t!("{share} of the server's busy time in {place}, inside {within}"; "서버가 바쁜 시간의 {share}가 {within} 안의 {place}에서 쓰임"),
        );
    }
    if let Some(view) = &hot.view {
        let login = is_login_view(view, hot, login_path);
        let (en_tail, ko_tail) = if login {
            (" — logins", " — 로그인")
        } else {
            ("", "")
        };
        text = t!("{share} of the server's busy time in {place} under {view}{en_tail}";
                  "서버가 바쁜 시간의 {share}가 {place}에서 쓰임 ({view} 아래){ko_tail}");
    }
    Some(text)
}

/// The project's own busiest line, when the top of the list is a library's.
pub fn project_sentence(profile: &StageProfile) -> Option<Text> {
    if profile.top_self.first().is_none_or(|s| s.project) {
        return None;
    }
    let own = profile.top_self.iter().find(|s| s.project)?;
    let (share, place) = (pct(own.share), place(own));
    Some(
        t!("the project's own code: {share} in {place}"; "프로젝트 자체 코드: {place}에서 {share}"),
    )
}

/// "request threads waited on the database at reserve_stock (apps/products/services.py:22):
/// 14 on average, psycopg".
pub fn wait_sentence(site: &WaitSite) -> Text {
    let place = format!("{} ({}:{})", site.function, site.file, site.line);
    let threads = if site.threads_avg >= 10.0 {
        format!("{:.0}", site.threads_avg)
    } else {
        format!("{:.1}", site.threads_avg)
    };
    let driver = &site.driver;
    t!("request threads waited on the database at {place}: {threads} on average, {driver}";
       "요청 스레드가 {place}에서 데이터베이스를 기다림: 평균 {threads}개, {driver}")
}

/// One sentence per skew factor with at least 5 % of the busy time, largest first.
pub fn skew_sentences(profile: &StageProfile) -> Vec<Text> {
    profile
        .skew
        .iter()
        .filter(|s| s.share >= 0.05)
        .map(|s| {
            let share = pct(s.share);
            let at = s
                .top
                .as_ref()
                .map(|top| format!(" ({}:{})", top.file, top.line))
                .unwrap_or_default();
            match s.factor {
                SkewFactor::Silk => t!(
                    "{share} of the server's busy time in Silk's middleware writing request rows{at}";
                    "서버가 바쁜 시간의 {share}가 Silk 미들웨어의 요청 기록 저장에 쓰임{at}"
                ),
                SkewFactor::DebugToolbar => t!(
                    "{share} of the server's busy time in django-debug-toolbar's panels{at}";
                    "서버가 바쁜 시간의 {share}가 `django-debug-toolbar` 패널에 쓰임{at}"
                ),
                SkewFactor::Logging => t!(
                    "{share} of the server's busy time writing log lines (logging at DEBUG){at}";
                    "서버가 바쁜 시간의 {share}가 로그 기록(DEBUG 수준 로깅)에 쓰임{at}"
                ),
                SkewFactor::DebugSql => t!(
                    "{share} of the server's busy time in DEBUG=True recording every SQL query{at}";
                    "서버가 바쁜 시간의 {share}가 DEBUG=True의 모든 SQL 쿼리 기록에 쓰임{at}"
                ),
                SkewFactor::Runserver => t!(
                    "{share} of the server's busy time in runserver's own request handling{at}: a development server, not what production runs";
                    "서버가 바쁜 시간의 {share}가 runserver 자체의 요청 처리에 쓰임{at}: 운영 환경과 다른 개발용 서버"
                ),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::english_fragments;
    use crate::profile::summary::SkewShare;

    fn stat(function: &str, file: &str, line: u32, share: f64, project: bool) -> FuncStat {
        FuncStat {
            function: function.into(),
            file: file.into(),
            line,
            project,
            samples: (share * 1000.0) as u64,
            share,
            view: None,
            within: None,
        }
    }

    fn profile() -> StageProfile {
        let mut hot = stat("pbkdf2", "django/utils/crypto.py", 77, 0.61, false);
        hot.view = Some("TokenViewBase.post".into());
        let own = stat("reserve_stock", "apps/products/services.py", 22, 0.12, true);
        let every = [
            SkewFactor::Silk,
            SkewFactor::DebugToolbar,
            SkewFactor::Logging,
            SkewFactor::DebugSql,
            SkewFactor::Runserver,
        ];
        let mut skew: Vec<SkewShare> = every
            .iter()
            .map(|f| SkewShare {
                factor: *f,
                share: 0.23,
                top: Some(stat(
                    "SilkyMiddleware._process_response",
                    "silk/middleware.py",
                    160,
                    0.2,
                    false,
                )),
            })
            .collect();
        skew.push(SkewShare {
            factor: SkewFactor::Runserver,
            share: 0.04,
            top: None,
        });
        StageProfile {
            top_self: vec![hot, own],
            waits: vec![WaitSite {
                function: "reserve_stock".into(),
                file: "apps/products/services.py".into(),
                line: 22,
                project: true,
                driver: "psycopg".into(),
                samples: 1400,
                threads_avg: 14.2,
                view: None,
            }],
            skew,
            ..StageProfile::default()
        }
    }

    fn no_english(text: &Text) {
        assert_eq!(
            english_fragments(&text.ko),
            Vec::<String>::new(),
            "{}",
            text.ko
        );
    }

    #[test]
    fn the_hot_spot_names_the_login() {
        let p = profile();
        let text = hot_spot_sentence(&p, "/api/token/").unwrap();
        assert_eq!(
            text.en,
            "61 % of the server's busy time in pbkdf2 (django/utils/crypto.py:77) under TokenViewBase.post — logins"
        );
        assert_eq!(
            text.ko,
            "서버가 바쁜 시간의 61 %가 pbkdf2 (django/utils/crypto.py:77)에서 쓰임 (TokenViewBase.post 아래) — 로그인"
        );
        no_english(&text);
        // Another view: no tail.
        let mut other = p.clone();
        other.top_self[0].view = Some("ProductViewSet.list".into());
        let text = hot_spot_sentence(&other, "/api/token/").unwrap();
        assert!(
            text.en.ends_with("under ProductViewSet.list"),
            "{}",
            text.en
        );
        // The login URL's last part names the view.
        other.top_self[0].view = Some("SignInView.post".into());
        assert!(
            hot_spot_sentence(&other, "/api/sign-in/")
                .unwrap()
                .en
                .ends_with("— logins")
        );
        // No view on the stack.
        other.top_self[0].view = None;
        assert_eq!(
            hot_spot_sentence(&other, "").unwrap().en,
            "61 % of the server's busy time in pbkdf2 (django/utils/crypto.py:77)"
        );
        assert_eq!(hot_spot_sentence(&StageProfile::default(), ""), None);
    }

    #[test]
    fn the_project_s_own_line_and_waits() {
        let p = profile();
        let text = project_sentence(&p).unwrap();
        assert_eq!(
            text.en,
            "the project's own code: 12 % in reserve_stock (apps/products/services.py:22)"
        );
        no_english(&text);
        let mut top_is_own = p.clone();
        top_is_own.top_self.remove(0);
        assert_eq!(project_sentence(&top_is_own), None);
        let text = wait_sentence(&p.waits[0]);
        assert_eq!(
            text.en,
            "request threads waited on the database at reserve_stock (apps/products/services.py:22): 14 on average, psycopg"
        );
        no_english(&text);
    }

    #[test]
    fn skew_sentences_from_five_percent() {
        let texts = skew_sentences(&profile());
        assert_eq!(texts.len(), 5);
        assert_eq!(
            texts[0].en,
            "23 % of the server's busy time in Silk's middleware writing request rows (silk/middleware.py:160)"
        );
        for text in &texts {
            no_english(text);
        }
    }
}
