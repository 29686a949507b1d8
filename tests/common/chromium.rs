//! Headless Chromium (Debian's `chromium`) for the tests of report.html: a page rendered to a
//! screenshot and a DOM in its own process group, what it logged on its console, and the text a
//! reader sees in the DOM.

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use std::fs::{self, File};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

fn chromium() -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|d| d.join("chromium"))
            .find(|p| p.is_file())
    });
    match found {
        Some(p) => p,
        None => panic!(
            "chromium is not installed: run scripts/test.sh (it installs Debian's chromium), or: apt-get install -y --no-install-recommends chromium"
        ),
    }
}

pub struct Browser {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

/// Headless Chromium on `page` with `args`, in its own process group (killed by that id after
/// 60 s, and its leftovers when it exits), with a fresh profile folder.
pub fn run_chromium(dir: &Path, page: &Path, args: &[String]) -> Browser {
    let profile = tempfile::tempdir().unwrap();
    let (out_path, err_path) = (dir.join("chromium.stdout"), dir.join("chromium.stderr"));
    let mut child = Command::new(chromium())
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--enable-logging=stderr",
            "--v=0",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(File::create(&out_path).unwrap())
        .stderr(File::create(&err_path).unwrap())
        .process_group(0)
        .spawn()
        .expect("start chromium");
    let group = Pid::from_raw(child.id() as i32);
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = killpg(group, Signal::SIGKILL);
            let _ = child.wait();
            panic!(
                "chromium did not finish within 60 s (killed); stderr:\n{}",
                fs::read_to_string(&err_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    // Helpers it left behind (its process group): gone too.
    let _ = killpg(group, Signal::SIGKILL);
    Browser {
        status,
        stdout: fs::read_to_string(&out_path).unwrap_or_default(),
        stderr: fs::read_to_string(&err_path).unwrap_or_default(),
    }
}

/// What the page said on its console: Chromium logs every console message and uncaught error
/// as `…:INFO:CONSOLE:12] "message", source: file:///… (12)` (older: `CONSOLE(12)`), whatever
/// its level; report.html logs nothing, so every such line is an error.
pub fn console_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught") || l.contains("console.error"))
        .collect()
}

/// Width and height from a PNG's IHDR.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "not a PNG ({} bytes)",
        bytes.len()
    );
    let be = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap());
    (be(16), be(20))
}

/// Screenshot and DOM of `page`; asserts a clean render and returns the DOM.
pub fn render_in_chromium(dir: &Path, page: &Path, shot: &str) -> String {
    let png = dir.join(shot);
    let run = run_chromium(
        dir,
        page,
        &[
            format!("--screenshot={}", png.display()),
            "--window-size=1280,2400".into(),
        ],
    );
    assert!(
        run.status.success(),
        "chromium --screenshot: {:?}\n{}",
        run.status,
        run.stderr
    );
    assert_eq!(
        console_lines(&run.stderr),
        Vec::<&str>::new(),
        "console output"
    );
    let bytes = fs::read(&png).unwrap_or_else(|e| panic!("no screenshot {}: {e}", png.display()));
    assert_eq!(png_size(&bytes), (1280, 2400));
    assert!(
        bytes.len() > 60_000,
        "a nearly empty screenshot: {} bytes",
        bytes.len()
    );
    eprintln!("screenshot: {}", png.display());

    let run = run_chromium(dir, page, &["--dump-dom".into()]);
    assert!(
        run.status.success(),
        "chromium --dump-dom: {:?}\n{}",
        run.status,
        run.stderr
    );
    assert_eq!(
        console_lines(&run.stderr),
        Vec::<&str>::new(),
        "console output"
    );
    assert!(run.stdout.contains("</html>"), "no DOM: {}", run.stdout);
    run.stdout
}

/// The text a reader sees in a DOM: no tags, no style sheet, no `<code>` (names, paths, SQL).
pub fn visible_text(dom: &str) -> String {
    let dom = match (dom.find("<style>"), dom.find("</style>")) {
        (Some(a), Some(b)) => format!("{}{}", &dom[..a], &dom[b..]),
        _ => dom.to_string(),
    };
    let (mut text, mut tag, mut in_tag, mut code) = (String::new(), String::new(), false, 0i32);
    for c in dom.chars() {
        match c {
            '<' => {
                in_tag = true;
                tag.clear();
            }
            '>' if in_tag => {
                in_tag = false;
                if tag.starts_with("code") {
                    code += 1;
                } else if tag.starts_with("/code") {
                    code -= 1;
                }
                text.push(if tag.starts_with('/') || tag.starts_with("br") {
                    '\n'
                } else {
                    ' '
                });
            }
            c if in_tag => tag.push(c),
            c if code == 0 => text.push(c),
            _ => {}
        }
    }
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}
