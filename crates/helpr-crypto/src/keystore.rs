//! The in-memory key store: the KEK and every tenant's unwrapped DEKs, addressed by id.
//!
//! Tenant DEKs are random 32-byte AES-256-GCM keys, versioned per tenant, stored in the
//! vault only wrapped by the KEK (AAD = tenant | version). Callers seal and open by
//! `(tenant, record)`; the store picks the active version for new seals and the version
//! written in the record for opens, so rotation is O(1) and old records stay readable.

use std::collections::{BTreeMap, HashMap};
use std::sync::RwLock;

use aes_gcm::{Aes256Gcm, KeyInit};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::envelope::{self, RecordRef};
use crate::kek::{INFO_AUDIT, INFO_FINGERPRINT, INFO_INDEX, KEY_LEN};
use crate::{CryptoError, IndexCipher, Kek, SqlcipherKey};

/// A tenant's id (the vault's `tenants.id`).
pub type TenantId = i64;

/// A DEK sealed by the KEK: safe to store.
#[derive(Clone, PartialEq, Eq)]
pub struct WrappedKey(pub Vec<u8>);

impl std::fmt::Debug for WrappedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "WrappedKey({} bytes)", self.0.len())
    }
}

#[derive(Default)]
struct TenantKeys {
    active: Option<u32>,
    deks: BTreeMap<u32, Aes256Gcm>,
}

/// Holds the KEK and all unwrapped DEKs for one open vault.
pub struct KeyStore {
    kek: Kek,
    kek_cipher: Aes256Gcm,
    fingerprint_key: Zeroizing<[u8; KEY_LEN]>,
    audit_key: Zeroizing<[u8; KEY_LEN]>,
    tenants: RwLock<HashMap<TenantId, TenantKeys>>,
}

impl std::fmt::Debug for KeyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyStore([redacted])")
    }
}

fn wrap_aad(tenant: TenantId, version: u32) -> Vec<u8> {
    let mut aad = b"helpr-dek-v1".to_vec();
    aad.extend_from_slice(&tenant.to_be_bytes());
    aad.extend_from_slice(&version.to_be_bytes());
    aad
}

impl KeyStore {
    pub fn new(kek: Kek) -> Self {
        let kek_cipher = Aes256Gcm::new_from_slice(kek.expose()).expect("32-byte key");
        KeyStore {
            fingerprint_key: kek.derive(INFO_FINGERPRINT),
            audit_key: kek.derive(INFO_AUDIT),
            kek_cipher,
            kek,
            tenants: RwLock::new(HashMap::new()),
        }
    }

    /// The SQLCipher key of this vault.
    pub fn derive_sqlcipher_key(&self) -> SqlcipherKey {
        self.kek.derive_sqlcipher_key()
    }

    /// Makes a new random DEK for `tenant` at `version`, keeps it (inactive) and returns it
    /// wrapped for storage.
    pub fn make_tenant_key(&self, tenant: TenantId, version: u32) -> WrappedKey {
        let mut dek = Zeroizing::new([0u8; KEY_LEN]);
        rand::rngs::OsRng.fill_bytes(dek.as_mut());
        let wrapped = envelope::seal(
            &self.kek_cipher,
            version,
            &wrap_aad(tenant, version),
            dek.as_ref(),
        );
        self.insert(tenant, version, dek.as_ref());
        WrappedKey(wrapped)
    }

    /// Unwraps a stored DEK into the store. A wrong KEK or a tampered key is `Decrypt`.
    pub fn load_tenant_key(
        &self,
        tenant: TenantId,
        version: u32,
        wrapped: &WrappedKey,
    ) -> Result<(), CryptoError> {
        let dek = envelope::open(&self.kek_cipher, &wrap_aad(tenant, version), &wrapped.0)?;
        if dek.len() != KEY_LEN {
            return Err(CryptoError::Malformed("wrapped key length"));
        }
        self.insert(tenant, version, &dek);
        Ok(())
    }

    fn insert(&self, tenant: TenantId, version: u32, dek: &[u8]) {
        let cipher = Aes256Gcm::new_from_slice(dek).expect("32-byte key");
        let mut tenants = self.tenants.write().expect("key store lock");
        tenants
            .entry(tenant)
            .or_default()
            .deks
            .insert(version, cipher);
    }

    /// Makes `version` the one new records are sealed with.
    pub fn set_active(&self, tenant: TenantId, version: u32) -> Result<(), CryptoError> {
        let mut tenants = self.tenants.write().expect("key store lock");
        let keys = tenants
            .get_mut(&tenant)
            .filter(|k| k.deks.contains_key(&version))
            .ok_or(CryptoError::UnknownKey { tenant, version })?;
        keys.active = Some(version);
        Ok(())
    }

    /// The version new records of `tenant` are sealed with.
    pub fn active_version(&self, tenant: TenantId) -> Result<u32, CryptoError> {
        let tenants = self.tenants.read().expect("key store lock");
        tenants
            .get(&tenant)
            .and_then(|k| k.active)
            .ok_or(CryptoError::NoActiveKey(tenant))
    }

    /// Drops a DEK from memory (after its version is retired).
    pub fn forget_tenant_key(&self, tenant: TenantId, version: u32) {
        let mut tenants = self.tenants.write().expect("key store lock");
        if let Some(keys) = tenants.get_mut(&tenant) {
            keys.deks.remove(&version);
            if keys.active == Some(version) {
                keys.active = None;
            }
        }
    }

    /// Seals `plaintext` for `rec` under the tenant's active key.
    pub fn seal(
        &self,
        tenant: TenantId,
        rec: RecordRef<'_>,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        let tenants = self.tenants.read().expect("key store lock");
        let keys = tenants
            .get(&tenant)
            .ok_or(CryptoError::NoActiveKey(tenant))?;
        let version = keys.active.ok_or(CryptoError::NoActiveKey(tenant))?;
        let cipher = keys
            .deks
            .get(&version)
            .ok_or(CryptoError::UnknownKey { tenant, version })?;
        Ok(envelope::seal(
            cipher,
            version,
            &envelope::aad(tenant, &rec, version),
            plaintext,
        ))
    }

    /// Opens a sealed value of `rec` with the key version written in it.
    pub fn open(
        &self,
        tenant: TenantId,
        rec: RecordRef<'_>,
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let version = envelope::sealed_version(sealed)?;
        let tenants = self.tenants.read().expect("key store lock");
        let cipher = tenants
            .get(&tenant)
            .and_then(|k| k.deks.get(&version))
            .ok_or(CryptoError::UnknownKey { tenant, version })?;
        envelope::open(cipher, &envelope::aad(tenant, &rec, version), sealed)
    }

    /// Opens a sealed UTF-8 string.
    pub fn open_string(
        &self,
        tenant: TenantId,
        rec: RecordRef<'_>,
        sealed: &[u8],
    ) -> Result<String, CryptoError> {
        let bytes = self.open(tenant, rec, sealed)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| CryptoError::Malformed("not UTF-8"))
    }

    /// A keyed fingerprint (HMAC-SHA256) for equality lookups without storing the value,
    /// e.g. Message-IDs for de-duplication and threading. Domain-separated per tenant.
    pub fn fingerprint(&self, tenant: TenantId, domain: &str, data: &[u8]) -> [u8; 32] {
        self.mac(&self.fingerprint_key, tenant, domain, data)
    }

    /// A keyed identifier for audit records (redacted identifiers, DESIGN §2).
    pub fn audit_mac(&self, tenant: TenantId, domain: &str, data: &[u8]) -> [u8; 32] {
        self.mac(&self.audit_key, tenant, domain, data)
    }

    fn mac(&self, key: &[u8; KEY_LEN], tenant: TenantId, domain: &str, data: &[u8]) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("any key length");
        mac.update(&tenant.to_be_bytes());
        mac.update(&(domain.len() as u32).to_be_bytes());
        mac.update(domain.as_bytes());
        mac.update(data);
        mac.finalize().into_bytes().into()
    }

    /// The search-index cipher of this vault (HKDF-SHA256 `helpr/index/v1` from the KEK).
    pub fn derive_index_cipher(&self) -> IndexCipher {
        IndexCipher::from_key(self.kek.derive(INFO_INDEX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store_with_key() -> (KeyStore, WrappedKey) {
        let store = KeyStore::new(Kek::make());
        let wrapped = store.make_tenant_key(1, 1);
        store.set_active(1, 1).unwrap();
        (store, wrapped)
    }

    #[test]
    fn seal_open_round_trip() {
        let (store, _) = store_with_key();
        let rec = RecordRef::new("message", 7, "subject");
        let sealed = store.seal(1, rec, b"hello").unwrap();
        assert_eq!(&store.open(1, rec, &sealed).unwrap()[..], b"hello");
        assert_eq!(envelope::sealed_version(&sealed).unwrap(), 1);
        assert!(!sealed.windows(5).any(|w| w == b"hello"));
    }

    #[test]
    fn nonces_are_never_reused() {
        let (store, _) = store_with_key();
        let rec = RecordRef::new("message", 7, "subject");
        let a = store.seal(1, rec, b"same").unwrap();
        let b = store.seal(1, rec, b"same").unwrap();
        assert_ne!(a[5..17], b[5..17]);
    }

    #[test]
    fn every_flipped_bit_fails() {
        let (store, _) = store_with_key();
        let rec = RecordRef::new("message", 7, "text");
        let sealed = store.seal(1, rec, b"body text").unwrap();
        for i in 0..sealed.len() {
            for bit in 0..8 {
                let mut t = sealed.clone();
                t[i] ^= 1 << bit;
                assert!(store.open(1, rec, &t).is_err(), "byte {i} bit {bit}");
            }
        }
    }

    #[test]
    fn moved_ciphertext_fails() {
        let (store, _) = store_with_key();
        store.make_tenant_key(2, 1);
        store.set_active(2, 1).unwrap();
        let rec = RecordRef::new("message", 7, "subject");
        let sealed = store.seal(1, rec, b"x").unwrap();
        for other in [
            RecordRef::new("message", 8, "subject"),
            RecordRef::new("message", 7, "snippet"),
            RecordRef::new("attachment", 7, "subject"),
        ] {
            assert_eq!(store.open(1, other, &sealed), Err(CryptoError::Decrypt));
        }
        assert_eq!(store.open(2, rec, &sealed), Err(CryptoError::Decrypt));
    }

    #[test]
    fn wrong_kek_cannot_unwrap() {
        let (_, wrapped) = store_with_key();
        let other = KeyStore::new(Kek::make());
        assert_eq!(
            other.load_tenant_key(1, 1, &wrapped),
            Err(CryptoError::Decrypt)
        );
        // The wrapped key is bound to its tenant and version too.
        let (store, wrapped) = store_with_key();
        assert_eq!(
            store.load_tenant_key(1, 2, &wrapped),
            Err(CryptoError::Decrypt)
        );
        assert_eq!(
            store.load_tenant_key(2, 1, &wrapped),
            Err(CryptoError::Decrypt)
        );
    }

    #[test]
    fn rotation_keeps_old_versions_readable() {
        let (store, _) = store_with_key();
        let rec = RecordRef::new("message", 1, "subject");
        let old = store.seal(1, rec, b"old").unwrap();
        store.make_tenant_key(1, 2);
        store.set_active(1, 2).unwrap();
        let new = store.seal(1, rec, b"new").unwrap();
        assert_eq!(envelope::sealed_version(&new).unwrap(), 2);
        assert_eq!(&store.open(1, rec, &old).unwrap()[..], b"old");
        store.forget_tenant_key(1, 1);
        assert_eq!(
            store.open(1, rec, &old),
            Err(CryptoError::UnknownKey {
                tenant: 1,
                version: 1
            })
        );
    }

    #[test]
    fn version_field_cannot_be_rewritten() {
        let (store, _) = store_with_key();
        store.make_tenant_key(1, 2);
        let rec = RecordRef::new("message", 1, "subject");
        let mut sealed = store.seal(1, rec, b"v1").unwrap();
        sealed[1..5].copy_from_slice(&2u32.to_be_bytes());
        assert_eq!(store.open(1, rec, &sealed), Err(CryptoError::Decrypt));
    }

    #[test]
    fn fingerprints_are_keyed_and_domain_separated() {
        let (store, _) = store_with_key();
        let a = store.fingerprint(1, "mid", b"<a@b>");
        assert_eq!(a, store.fingerprint(1, "mid", b"<a@b>"));
        assert_ne!(a, store.fingerprint(2, "mid", b"<a@b>"));
        assert_ne!(a, store.fingerprint(1, "raw", b"<a@b>"));
        let other = KeyStore::new(Kek::make());
        assert_ne!(a, other.fingerprint(1, "mid", b"<a@b>"));
    }
}
