//! Command-line handling: finds the data directory, the Gmail configuration file and the
//! downloads folder among the process arguments.
//!
//! Deliberately lenient: unknown arguments are skipped because WebDriver and desktop launchers
//! add their own. Only `--data-dir DIR`, `--gmail-config FILE` and `--download-dir DIR` (or
//! `--flag=VALUE`) mean anything here.

use std::ffi::OsString;
use std::path::PathBuf;

/// The value of `--data-dir` (last one wins), else `env` (`$HELPR_DATA_DIR`). `None` means
/// "use the platform default". Empty values count as absent.
pub fn data_dir(
    args: impl IntoIterator<Item = OsString>,
    env: Option<OsString>,
) -> Option<PathBuf> {
    path_flag("--data-dir", args, env)
}

/// The value of `--gmail-config` (last one wins), else `env` (`$HELPR_GMAIL_CONFIG`).
pub fn gmail_config(
    args: impl IntoIterator<Item = OsString>,
    env: Option<OsString>,
) -> Option<PathBuf> {
    path_flag("--gmail-config", args, env)
}

/// The value of `--download-dir` (last one wins), else `env` (`$HELPR_DOWNLOAD_DIR`).
pub fn download_dir(
    args: impl IntoIterator<Item = OsString>,
    env: Option<OsString>,
) -> Option<PathBuf> {
    path_flag("--download-dir", args, env)
}

fn path_flag(
    flag: &str,
    args: impl IntoIterator<Item = OsString>,
    env: Option<OsString>,
) -> Option<PathBuf> {
    let with_equals = format!("{flag}=");
    let mut found = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == flag {
            found = args.next();
        } else if let Some(value) = arg.to_str().and_then(|a| a.strip_prefix(&with_equals)) {
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
    fn gmail_config_has_its_own_flag_and_environment() {
        let args = os(&["--data-dir", "/d", "--gmail-config=/g.toml"]);
        assert_eq!(
            gmail_config(args.clone(), None),
            Some(PathBuf::from("/g.toml"))
        );
        assert_eq!(data_dir(args, None), Some(PathBuf::from("/d")));
        assert_eq!(
            gmail_config(os(&["--data-dir", "/d"]), Some("/env.toml".into())),
            Some(PathBuf::from("/env.toml"))
        );
        assert_eq!(gmail_config(os(&["--data-dir", "/d"]), None), None);
    }

    #[test]
    fn nothing_or_empty_means_default() {
        assert_eq!(data_dir(os(&[]), None), None);
        assert_eq!(data_dir(os(&[]), Some(OsString::new())), None);
        assert_eq!(data_dir(os(&["--data-dir"]), None), None);
    }
}
