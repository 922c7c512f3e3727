//! Senders whose remote images are loaded without asking ("always for this sender"). Stored as
//! keyed fingerprints of the lower-cased address (the fingerprint key, kind `image_sender`), so
//! the list finds a sender without holding one address.

use rusqlite::{params, OptionalExtension};

use crate::error::Result;
use crate::{now, Vault};

impl Vault {
    fn image_sender_fp(&self, tenant: i64, address: &str) -> Vec<u8> {
        self.keys()
            .fingerprint(
                tenant,
                "image_sender",
                address.trim().to_lowercase().as_bytes(),
            )
            .to_vec()
    }

    /// Remembers that `address`'s remote images load without asking.
    pub fn allow_images_from(&self, tenant: i64, address: &str) -> Result<()> {
        let fp = self.image_sender_fp(tenant, address);
        self.write(|tx| {
            tx.execute(
                "INSERT INTO image_senders (tenant_id, sender_fp, created_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT DO NOTHING",
                params![tenant, fp, now()],
            )?;
            Ok(())
        })
    }

    /// Whether `address`'s remote images load without asking.
    pub fn images_allowed_from(&self, tenant: i64, address: &str) -> Result<bool> {
        let fp = self.image_sender_fp(tenant, address);
        self.read(|c| {
            Ok(c.query_row(
                "SELECT 1 FROM image_senders WHERE tenant_id = ?1 AND sender_fp = ?2",
                params![tenant, fp],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::test_support::TestVault;

    #[test]
    fn a_sender_is_found_in_any_case_and_only_in_its_tenant() {
        let t = TestVault::new();
        let tenant = t.scope.tenant;
        assert!(!t
            .vault
            .images_allowed_from(tenant, "news@shop.example")
            .unwrap());
        t.vault
            .allow_images_from(tenant, "News@Shop.example")
            .unwrap();
        t.vault
            .allow_images_from(tenant, "news@shop.example")
            .unwrap();
        assert!(t
            .vault
            .images_allowed_from(tenant, " news@SHOP.example")
            .unwrap());
        assert!(!t
            .vault
            .images_allowed_from(tenant, "other@shop.example")
            .unwrap());
        let other = t.other_tenant();
        assert!(!t
            .vault
            .images_allowed_from(other.tenant, "news@shop.example")
            .unwrap());
    }
}
