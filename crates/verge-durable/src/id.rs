//! Durable Object ids: 32 bytes shown as 64 lower-case hex digits.
//!
//! The first 24 bytes identify the object (derived from the name for `idFromName`, random for
//! `newUniqueId`); the last 8 are a tag binding the id to its namespace, so `idFromString`
//! rejects malformed ids and ids of other namespaces.

use sha2::{Digest, Sha256};

/// A namespace's secret-free key: the SHA-256 of the worker and (original) class name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NamespaceKey([u8; 32]);

impl NamespaceKey {
    /// The key for class `class` of worker `worker`.
    pub fn new(worker: &str, class: &str) -> Self {
        let mut h = Sha256::new();
        h.update(b"verge-durable-namespace\0");
        h.update(worker.as_bytes());
        h.update([0]);
        h.update(class.as_bytes());
        NamespaceKey(h.finalize().into())
    }

    fn tag(&self, body: &[u8]) -> [u8; 8] {
        let mut h = Sha256::new();
        h.update(self.0);
        h.update(b"tag");
        h.update(body);
        let d = h.finalize();
        let mut t = [0u8; 8];
        t.copy_from_slice(&d[..8]);
        t
    }

    fn with_body(&self, body: [u8; 24]) -> String {
        let mut all = [0u8; 32];
        all[..24].copy_from_slice(&body);
        all[24..].copy_from_slice(&self.tag(&body));
        hex(&all)
    }

    /// The deterministic id for `name`.
    pub fn id_from_name(&self, name: &str) -> String {
        let mut h = Sha256::new();
        h.update(self.0);
        h.update(b"name");
        h.update(name.as_bytes());
        let d = h.finalize();
        let mut body = [0u8; 24];
        body.copy_from_slice(&d[..24]);
        self.with_body(body)
    }

    /// A new random id.
    pub fn new_unique_id(&self) -> String {
        let mut body = [0u8; 24];
        if getrandom::fill(&mut body).is_err() {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            body[..16].copy_from_slice(&nanos.to_le_bytes());
        }
        self.with_body(body)
    }

    /// Checks that `s` is an id of this namespace; returns it lower-cased.
    pub fn validate(&self, s: &str) -> Result<String, IdError> {
        if s.len() != 64 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(IdError::Malformed);
        }
        let lower = s.to_ascii_lowercase();
        let bytes: Vec<u8> = (0..32)
            .map(|i| u8::from_str_radix(&lower[2 * i..2 * i + 2], 16).unwrap_or(0))
            .collect();
        if bytes[24..] != self.tag(&bytes[..24]) {
            return Err(IdError::WrongNamespace);
        }
        Ok(lower)
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Why `idFromString` refused an id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// Not 64 hex digits.
    #[error("Invalid Durable Object ID: must be 64 hex digits")]
    Malformed,
    /// Valid shape, but made by another namespace.
    #[error("Durable Object ID is not valid for this namespace.")]
    WrongNamespace,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_map_to_stable_ids_per_namespace() {
        let a = NamespaceKey::new("w", "Counter");
        let b = NamespaceKey::new("w", "Room");
        assert_eq!(a.id_from_name("x"), a.id_from_name("x"));
        assert_ne!(a.id_from_name("x"), a.id_from_name("y"));
        assert_ne!(a.id_from_name("x"), b.id_from_name("x"));
        assert_eq!(a.id_from_name("x").len(), 64);
    }

    #[test]
    fn validation_rejects_malformed_and_foreign_ids() {
        let a = NamespaceKey::new("w", "Counter");
        let b = NamespaceKey::new("w", "Room");
        let id = a.new_unique_id();
        assert_eq!(a.validate(&id.to_uppercase()).unwrap(), id);
        assert_eq!(b.validate(&id), Err(IdError::WrongNamespace));
        assert_eq!(a.validate("abc"), Err(IdError::Malformed));
        assert_ne!(a.new_unique_id(), id);
    }
}
