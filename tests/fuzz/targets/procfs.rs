//! /proc as doctor reads it: a process's environment and stat line, the machine's
//! /proc/stat, and the auxiliary vector. Another process's files can hold anything.

use crate::fuzz::engine::{PLAIN_NESTING, Target, campaign, text};
use doctor::server::machine::parse_procs_running;
use doctor::server::procfs::{parse_auxv_clk_tck, parse_btime, parse_environ, parse_stat};

const fn proc(name: &'static str) -> Target {
    Target {
        name,
        corpus: name,
        max_len: 16 * 1024,
        share: 1.0,
        nesting: PLAIN_NESTING,
    }
}

#[test]
fn proc_environ() {
    campaign(&proc("proc_environ"), |input| {
        for (key, _) in parse_environ(input) {
            if key.is_empty() || key.contains('\0') {
                return Err(format!("variable named {key:?}"));
            }
        }
        Ok(())
    });
}

#[test]
fn proc_pid_stat() {
    campaign(&proc("proc_pid_stat"), |input| {
        parse_stat(&text(input));
        Ok(())
    });
}

#[test]
fn proc_stat() {
    campaign(&proc("proc_stat"), |input| {
        let text = text(input);
        parse_btime(&text);
        match parse_procs_running(&text) {
            Some(n) if !text.contains("procs_running") => Err(format!("{n} from nothing")),
            _ => Ok(()),
        }
    });
}

#[test]
fn proc_auxv() {
    campaign(&proc("proc_auxv"), |input| {
        parse_auxv_clk_tck(input);
        Ok(())
    });
}
