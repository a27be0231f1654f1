//! Durable Object migrations (`[[migrations]]`): which storage a class's objects use, and
//! applying `deleted_classes` once, in order, with the applied tags recorded by the backend.

use verge_store::durable::DurableBackend;

/// One `[[migrations]]` entry, as the deployment hands it over.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Migration {
    /// The migration's tag.
    pub tag: String,
    /// Classes created with SQLite-backed storage (`new_sqlite_classes`).
    pub new_sqlite_classes: Vec<String>,
    /// `(from, to)` renames.
    pub renamed_classes: Vec<(String, String)>,
    /// Classes whose objects are deleted.
    pub deleted_classes: Vec<String>,
}

/// Why migrations could not be applied.
#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    /// The configured list no longer starts with what was applied.
    #[error(
        "migrations were reordered or edited after being applied (applied tag {tag:?} at position {index}); add new migrations at the end instead"
    )]
    Reordered {
        /// The applied tag.
        tag: String,
        /// Its position.
        index: usize,
    },
    /// The backend failed.
    #[error("{0}")]
    Store(#[from] verge_store::StoreError),
}

/// The name a class's objects are stored under: its first name before any
/// `renamed_classes`, so a rename keeps the objects.
pub fn storage_class(migrations: &[Migration], class: &str) -> String {
    let mut name = class.to_string();
    for m in migrations.iter().rev() {
        for (from, to) in &m.renamed_classes {
            if *to == name {
                name = from.clone();
            }
        }
    }
    name
}

/// True when `class` was created SQLite-backed (the SQL API is available).
pub fn is_sqlite_class(migrations: &[Migration], class: &str) -> bool {
    let storage = storage_class(migrations, class);
    migrations
        .iter()
        .any(|m| m.new_sqlite_classes.contains(&storage))
}

/// Applies the migrations not applied before (deleting the objects of `deleted_classes`) and
/// records every applied tag. Returns the tags applied now.
pub fn apply(
    backend: &dyn DurableBackend,
    migrations: &[Migration],
) -> Result<Vec<String>, MigrationError> {
    let mut applied = backend.applied_migrations()?;
    for (index, tag) in applied.iter().enumerate() {
        if migrations.get(index).map(|m| &m.tag) != Some(tag) {
            return Err(MigrationError::Reordered {
                tag: tag.clone(),
                index,
            });
        }
    }
    let mut now = Vec::new();
    for m in migrations.iter().skip(applied.len()) {
        for class in &m.deleted_classes {
            backend.delete_class(&storage_class(migrations, class))?;
        }
        applied.push(m.tag.clone());
        now.push(m.tag.clone());
    }
    if !now.is_empty() {
        backend.record_migrations(&applied)?;
    }
    Ok(now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use verge_store::durable::ObjectBatch;
    use verge_store::sqlite::SqliteDurableBackend;

    fn m(tag: &str) -> Migration {
        Migration {
            tag: tag.into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_renamed_class_keeps_its_first_name_for_storage() {
        let ms = vec![
            Migration {
                new_sqlite_classes: vec!["A".into()],
                ..m("v1")
            },
            Migration {
                renamed_classes: vec![("A".into(), "B".into())],
                ..m("v2")
            },
            Migration {
                renamed_classes: vec![("B".into(), "C".into())],
                ..m("v3")
            },
        ];
        assert_eq!(storage_class(&ms, "C"), "A");
        assert!(is_sqlite_class(&ms, "C"));
        assert!(!is_sqlite_class(&ms, "Other"));
    }

    #[test]
    fn deleted_classes_are_deleted_once_and_tags_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let b = SqliteDurableBackend::open(dir.path().to_path_buf()).unwrap();
        let store = b.open_object("Gone", "01").unwrap();
        store
            .commit(&ObjectBatch {
                writes: vec![verge_store::durable::ObjectWrite::Put(
                    "k".into(),
                    b"v".to_vec(),
                )],
                alarm: None,
            })
            .unwrap();
        drop(store);
        let ms = vec![
            m("v1"),
            Migration {
                deleted_classes: vec!["Gone".into()],
                ..m("v2")
            },
        ];
        assert_eq!(apply(&b, &ms).unwrap(), ["v1", "v2"]);
        assert_eq!(
            b.open_object("Gone", "01").unwrap().kv_get("k").unwrap(),
            None
        );
        assert!(apply(&b, &ms).unwrap().is_empty(), "nothing applied twice");
        assert_eq!(b.applied_migrations().unwrap(), ["v1", "v2"]);
    }

    #[test]
    fn reordering_applied_migrations_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let b = SqliteDurableBackend::open(dir.path().to_path_buf()).unwrap();
        apply(&b, &[m("v1"), m("v2")]).unwrap();
        let e = apply(&b, &[m("v2"), m("v1")]).unwrap_err().to_string();
        assert!(e.contains("\"v1\" at position 0"), "{e}");
    }
}
