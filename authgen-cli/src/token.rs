//! `authgen token`: a fresh token on stdout (and nothing else there), for curl and
//! scripts. A token from an earlier run is reused while it is fresh: it is kept in a
//! cache file readable by its owner only, and handed to the session as a restored
//! token, so the session's own expiry rules decide whether it is still good.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use auth_runtime::__private::WireValue;
use auth_runtime::description::{Description, DynamicError, DynamicValues};
use auth_runtime::{SecretString, Session, StoredToken};
use serde_json::{Value, json};

use crate::live::{REFUSED, Started, Target, UNREACHABLE, USAGE, exit_code, fail};

pub(crate) fn run(target: &Target, cache: Option<PathBuf>, no_cache: bool) -> ExitCode {
    let Started {
        description,
        provider,
        credentials,
        runtime,
    } = match target.start() {
        Ok(started) => started,
        Err(exit) => return exit,
    };
    let cache = if no_cache {
        None
    } else {
        match cache.or_else(default_cache) {
            Some(path) => Some(Cache {
                key: cache_key(description, target, &credentials),
                path,
            }),
            None => {
                eprintln!(
                    "authgen token: no cache directory (set XDG_CACHE_HOME or HOME, or give --cache FILE)"
                );
                None
            }
        }
    };
    let mut builder =
        Session::builder(provider, credentials).timeout(Duration::from_secs(target.timeout.max(1)));
    if let Some(cache) = &cache
        && let Some(stored) = cache.load()
    {
        builder = builder.restore(stored);
    }
    let logged_in = Arc::new(AtomicBool::new(false));
    if let Some(cache) = cache.clone() {
        let logged_in = Arc::clone(&logged_in);
        builder = builder.on_token(move |token| {
            logged_in.store(true, Ordering::Release);
            if let Err(e) = cache.save(token) {
                eprintln!(
                    "authgen token: cannot write the cache `{}`: {e}",
                    cache.path.display()
                );
            }
        });
    }
    let session = match builder.build() {
        Ok(session) => session,
        Err(e) => return fail(USAGE, &format!("error: {e}")),
    };
    match runtime.block_on(session.token()) {
        Ok(token) => {
            if cache.is_some() && !logged_in.load(Ordering::Acquire) {
                eprintln!("authgen token: a cached token, still fresh");
            }
            let mut out = std::io::stdout().lock();
            match writeln!(out, "{}", token.expose_secret()).and_then(|()| out.flush()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
                Err(e) => fail(USAGE, &format!("error: cannot write to stdout: {e}")),
            }
        }
        Err(error) => {
            let code = match &error {
                DynamicError::Runtime(error) => exit_code(error),
                DynamicError::Refused { .. } => REFUSED,
                _ => UNREACHABLE,
            };
            fail(code, &format!("authgen token: {error}"))
        }
    }
}

/// `$XDG_CACHE_HOME/authgen/tokens.json`, else `$HOME/.cache/authgen/tokens.json`.
fn default_cache() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|home| PathBuf::from(home).join(".cache"))
        })?;
    Some(base.join("authgen").join("tokens.json"))
}

/// The cache entry's name: the vendor, where its requests go, and the credentials'
/// plain (not secret) values; a secret never goes into the file as a key.
fn cache_key(description: &Description, target: &Target, credentials: &DynamicValues) -> String {
    let fields = description.credentials.fields();
    let plain: Vec<String> = fields
        .iter()
        .zip(credentials.values())
        .filter_map(|(field, value)| match value {
            Some(WireValue::Plain(text)) => Some(format!("{}={text}", field.name())),
            _ => None,
        })
        .collect();
    let place = match &target.base {
        Some(base) => base.clone(),
        None => target
            .settings
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join(","),
    };
    format!(
        "{} {} {} {}",
        description.vendor,
        description.base,
        place,
        plain.join(",")
    )
}

#[derive(Clone)]
struct Cache {
    key: String,
    path: PathBuf,
}

impl Cache {
    fn entries(path: &Path) -> BTreeMap<String, Value> {
        std::fs::read(path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// The cached token of this key; anything unreadable is no token.
    fn load(&self) -> Option<StoredToken> {
        let entries = Self::entries(&self.path);
        let entry = entries.get(&self.key)?;
        let token = entry.get("token")?.as_str()?;
        let expires_at = entry
            .get("expires_at")
            .and_then(Value::as_u64)
            .map(|secs| UNIX_EPOCH + Duration::from_secs(secs));
        let refresh_token = entry
            .get("refresh_token")
            .and_then(Value::as_str)
            .map(SecretString::from);
        let api_base = entry
            .get("api_base")
            .and_then(Value::as_str)
            .map(str::to_owned);
        Some(StoredToken {
            token: SecretString::from(token),
            expires_at,
            refresh_token,
            api_base,
        })
    }

    /// Keeps `token` under this key, in a file only its owner can read.
    fn save(&self, token: &StoredToken) -> std::io::Result<()> {
        use auth_runtime::ExposeSecret as _;
        let mut entries = Self::entries(&self.path);
        let expires_at = token
            .expires_at
            .and_then(|at| at.duration_since(UNIX_EPOCH).ok())
            .map(|d| d.as_secs());
        entries.insert(
            self.key.clone(),
            json!({
                "token": token.token.expose_secret(),
                "expires_at": expires_at,
                "refresh_token": token.refresh_token.as_ref().map(|t| t.expose_secret().to_owned()),
                "api_base": token.api_base,
                "saved_at": SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0),
            }),
        );
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let text = serde_json::to_vec_pretty(&entries).map_err(std::io::Error::other)?;
        // Written beside, then renamed: a reader never sees half a file.
        let partial = self.path.with_extension("json.partial");
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        let mut file = options.open(&partial)?;
        file.write_all(&text)?;
        file.sync_all()?;
        std::fs::rename(&partial, &self.path)
    }
}
