//! Secrets the database must keep but must not show to whoever reads it (a
//! second factor's secret, a password link waiting in the outbox): sealed with ChaCha20-Poly1305 under a key kept
//! outside the database (`security.secrets_key`, or a key file beside it).
//! Stored as `v1:` and the hex of a fresh nonce and the ciphertext; a value
//! without the prefix is one stored before sealing, read as it is and sealed
//! the next time it is written (or by `songjiao user rekey`).

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};

use crate::config::Settings;

const PREFIX: &str = "v1:";

/// The current key, and the one before a rotation.
pub struct Keys {
    current: Key,
    previous: Option<Key>,
}

fn read_key(text: &str, setting: &str) -> Result<Key, String> {
    let text = text.trim();
    let mut key = [0u8; 32];
    let read = text.len() == 64
        && key.iter_mut().enumerate().all(|(i, byte)| {
            text.get(2 * i..2 * i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                .map(|value| *byte = value)
                .is_some()
        });
    read.then(|| Key::from(key))
        .ok_or_else(|| format!("{setting} is not 64 hex digits"))
}

/// Writes a new random key to `file`, whole or not at all: two processes
/// starting together (the server and the daemon) both end up reading the one
/// that was linked first.
fn make_key_file(file: &std::path::Path) -> Result<(), String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the system random generator works");
    let text: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let folder = file
        .parent()
        .filter(|f| !f.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    std::fs::create_dir_all(folder)
        .map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
    let draft = folder.join(format!(
        ".secrets.key.{}.{}",
        std::process::id(),
        &text[..8]
    ));
    crate::private_file::write(&draft, text.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", draft.display()))?;
    let linked = std::fs::hard_link(&draft, file);
    std::fs::remove_file(&draft).ok();
    match linked {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => {
            Err(format!("cannot write {}: {e}", file.display()))
        }
        _ => Ok(()),
    }
}

impl Keys {
    /// The keys the settings name; without `security.secrets_key`, the key file
    /// beside the database, made (readable by its owner only) the first time.
    pub fn of(settings: &Settings) -> Result<Keys, String> {
        let security = &settings.security;
        let current = if security.secrets_key.expose().trim().is_empty() {
            let file = settings.secrets_key_file();
            if !file.exists() {
                make_key_file(&file)?;
            }
            let text = std::fs::read_to_string(&file)
                .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            read_key(&text, &file.display().to_string())?
        } else {
            read_key(security.secrets_key.expose(), "security.secrets_key")?
        };
        let previous = match security.previous_secrets_key.expose().trim() {
            "" => None,
            text => Some(read_key(text, "security.previous_secrets_key")?),
        };
        Ok(Keys { current, previous })
    }

    /// `plain` sealed under the current key.
    pub fn seal(&self, plain: &str) -> String {
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).expect("the system random generator works");
        let sealed = ChaCha20Poly1305::new(&self.current)
            .encrypt(&Nonce::from(nonce), plain.as_bytes())
            .expect("sealing a short text cannot fail");
        let hex: String = nonce
            .iter()
            .chain(&sealed)
            .map(|b| format!("{b:02x}"))
            .collect();
        format!("{PREFIX}{hex}")
    }

    /// The plain text of a stored value: opened with the current key, else the
    /// previous one; a value stored before sealing as it is.
    pub fn open(&self, stored: &str) -> Result<String, String> {
        let Some(hex) = stored.strip_prefix(PREFIX) else {
            return Ok(stored.to_string());
        };
        let unreadable = || {
            "a sealed secret opens with neither security.secrets_key nor \
             security.previous_secrets_key (was the key changed without a rotation?)"
                .to_string()
        };
        let bytes: Vec<u8> = (0..hex.len() / 2)
            .map(|i| u8::from_str_radix(hex.get(2 * i..2 * i + 2).unwrap_or("zz"), 16))
            .collect::<Result<_, _>>()
            .map_err(|_| unreadable())?;
        if bytes.len() < 12 {
            return Err(unreadable());
        }
        let (nonce, sealed) = bytes.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| unreadable())?;
        let nonce = Nonce::from(nonce);
        std::iter::once(&self.current)
            .chain(&self.previous)
            .find_map(|key| ChaCha20Poly1305::new(key).decrypt(&nonce, sealed).ok())
            .and_then(|plain| String::from_utf8(plain).ok())
            .ok_or_else(unreadable)
    }
}

impl Keys {
    /// A key for `purpose` derived from the current key (HMAC-SHA256), and the one
    /// derived from the key before a rotation: one secret, no key used twice.
    pub fn derived(&self, purpose: &str) -> ([u8; 32], Option<[u8; 32]>) {
        let derive = |key: &Key| -> [u8; 32] {
            let mut mac = <hmac::Hmac<sha2::Sha256> as hmac::KeyInit>::new_from_slice(&key[..])
                .expect("HMAC takes a key of any length");
            hmac::Mac::update(&mut mac, purpose.as_bytes());
            hmac::Mac::finalize(mac).into_bytes().into()
        };
        (derive(&self.current), self.previous.as_ref().map(derive))
    }
}

/// Where a password link's secret begins in an email's text.
pub const PASSWORD_LINK: &str = "/password/";

impl Keys {
    /// `text` with every sealed password-link secret opened, as the email is sent.
    pub fn open_password_links(&self, text: &str) -> Result<String, String> {
        let sealed_link = format!("{PASSWORD_LINK}{PREFIX}");
        let mut opened = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(at) = rest.find(&sealed_link) {
            let (before, after) = rest.split_at(at + PASSWORD_LINK.len());
            opened.push_str(before);
            let end = after[PREFIX.len()..]
                .find(|c: char| !c.is_ascii_hexdigit())
                .map_or(after.len(), |n| n + PREFIX.len());
            opened.push_str(&self.open(&after[..end])?);
            rest = &after[end..];
        }
        opened.push_str(rest);
        Ok(opened)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(current: &str, previous: &str) -> Keys {
        let mut settings = Settings::defaults();
        settings.security.secrets_key = serde_json::from_value(current.into()).unwrap();
        settings.security.previous_secrets_key = serde_json::from_value(previous.into()).unwrap();
        Keys::of(&settings).unwrap()
    }

    #[test]
    fn a_secret_is_sealed_opened_and_read_after_a_rotation() {
        let (old, new) = ("1".repeat(64), "2".repeat(64));
        let sealed = keys(&old, "").seal("JBSWY3DPEHPK3PXP");
        assert!(sealed.starts_with("v1:") && !sealed.contains("JBSWY3DPEHPK3PXP"));
        assert_ne!(
            sealed,
            keys(&old, "").seal("JBSWY3DPEHPK3PXP"),
            "a fresh nonce each time"
        );
        assert_eq!(keys(&old, "").open(&sealed).unwrap(), "JBSWY3DPEHPK3PXP");
        assert_eq!(keys(&new, &old).open(&sealed).unwrap(), "JBSWY3DPEHPK3PXP");
        assert!(
            keys(&new, "").open(&sealed).is_err(),
            "the old key is needed"
        );
        assert_eq!(keys(&new, "").open("LEGACY").unwrap(), "LEGACY");
        let text = format!(
            "打开 https://x.example/password/{} 设置密码",
            keys(&new, "").seal("abc123")
        );
        assert_eq!(
            keys(&new, "").open_password_links(&text).unwrap(),
            "打开 https://x.example/password/abc123 设置密码"
        );
    }
}
