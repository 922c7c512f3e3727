//! Command-line handling: finds the data directory among the process arguments.
//!
//! Deliberately lenient: unknown arguments are skipped because WebDriver and desktop launchers
//! add their own. Only `--data-dir DIR` and `--data-dir=DIR` mean anything here.

use std::ffi::OsString;
use std::path::PathBuf;

const FLAG: &str = "--data-dir";

/// The data directory from `--data-dir` (last one wins), else from `env` (`$HELPR_DATA_DIR`).
/// `None` means "use the platform default". Empty values count as absent.
pub fn data_dir(
    args: impl IntoIterator<Item = OsString>,
    env: Option<OsString>,
) -> Option<PathBuf> {
    let mut found = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == FLAG {
            found = args.next();
        } else if let Some(value) = arg.to_str().and_then(|a| a.strip_prefix("--data-dir=")) {
            found = Some(OsString::from(value));
        }
    }
    found
        .or(env)
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn flag_with_separate_value() {
        let dir = data_dir(os(&["--automation", "--data-dir", "/tmp/v"]), None);
        assert_eq!(dir, Some(PathBuf::from("/tmp/v")));
    }

    #[test]
    fn flag_with_equals_value_and_last_wins() {
        let dir = data_dir(os(&["--data-dir", "/a", "--data-dir=/b"]), None);
        assert_eq!(dir, Some(PathBuf::from("/b")));
    }

    #[test]
    fn flag_beats_environment() {
        let dir = data_dir(os(&["--data-dir", "/flag"]), Some("/env".into()));
        assert_eq!(dir, Some(PathBuf::from("/flag")));
    }

    #[test]
    fn environment_when_no_flag() {
        let dir = data_dir(os(&["--automation"]), Some("/env".into()));
        assert_eq!(dir, Some(PathBuf::from("/env")));
    }

    #[test]
    fn nothing_or_empty_means_default() {
        assert_eq!(data_dir(os(&[]), None), None);
        assert_eq!(data_dir(os(&[]), Some(OsString::new())), None);
        assert_eq!(data_dir(os(&["--data-dir"]), None), None);
    }
}
