//! Progress bars and spinners for long commands (indicatif), on standard error.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar on a terminal; nothing when output is not a terminal (cli.md).
#[allow(clippy::expect_used, reason = "a constant template")]
pub fn progress(len: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({per_sec}, ETA {eta})").expect("valid template").progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}

/// A counter for work whose size is not known in advance; hidden when not on a terminal.
#[allow(clippy::expect_used, reason = "a constant template")]
pub fn spinner(what: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    bar.set_style(ProgressStyle::with_template("{spinner} {msg} {pos} ({per_sec})").expect("valid template"));
    bar.set_message(what.to_string());
    bar
}

pub fn progress_printer() -> impl Fn(&str, u64, u64) + Sync {
    let bar = crate::progress::progress(0, "核对 checking");
    move |stage: &str, done: u64, total: u64| {
        bar.set_message(stage.to_string());
        bar.set_length(total.max(done));
        bar.set_position(done);
    }
}
