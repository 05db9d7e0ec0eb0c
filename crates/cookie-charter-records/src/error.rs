//! What can go wrong with a store.

/// A store could not do what was asked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The store cannot be reached or is busy beyond its timeout: the database server is down,
    /// the file cannot be opened, another process holds the lock.
    #[error("the consent store is unavailable: {0}")]
    Unavailable(String),
    /// The store has no room left (disk full, size limit).
    #[error("the consent store is full: {0}")]
    Full(String),
    /// The store holds something it should not: not a database, a truncated file, a row that
    /// does not read back.
    #[error("the consent store is corrupt: {0}")]
    Corrupt(String),
    /// The store refused a write that would break the log (an update, a deletion outside the
    /// purge, a chain that does not follow).
    #[error("the consent store refused the change: {0}")]
    Refused(String),
    /// The store's address or settings are wrong.
    #[error("{0}")]
    Config(String),
}

impl StoreError {
    /// A stable code: `store_unavailable`, `store_full`, `store_corrupt`, `store_refused`,
    /// `store_config`.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Unavailable(_) => "store_unavailable",
            Self::Full(_) => "store_full",
            Self::Corrupt(_) => "store_corrupt",
            Self::Refused(_) => "store_refused",
            Self::Config(_) => "store_config",
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ffi::ErrorCode;
        let text = e.to_string();
        match e.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => Self::Full(text),
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => Self::Corrupt(text),
            Some(ErrorCode::ConstraintViolation) => Self::Refused(text),
            Some(ErrorCode::ReadOnly) => Self::Refused(text),
            _ if text.contains("append-only") || text.contains("anchor") => Self::Refused(text),
            _ => Self::Unavailable(text),
        }
    }
}

#[cfg(feature = "postgres")]
impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> Self {
        use postgres::error::SqlState;
        let Some(db) = e.as_db_error() else {
            // No answer from the server: it is down, or the connection dropped.
            return Self::Unavailable(e.to_string());
        };
        let text = format!("{}: {}", db.code().code(), db.message());
        let code = db.code();
        if *code == SqlState::DISK_FULL
            || *code == SqlState::OUT_OF_MEMORY
            || *code == SqlState::INSUFFICIENT_RESOURCES
            || *code == SqlState::PROGRAM_LIMIT_EXCEEDED
        {
            Self::Full(text)
        } else if *code == SqlState::DATA_CORRUPTED || *code == SqlState::INDEX_CORRUPTED {
            Self::Corrupt(text)
        } else if *code == SqlState::RAISE_EXCEPTION
            || code.code().starts_with("23")
            || *code == SqlState::INSUFFICIENT_PRIVILEGE
        {
            Self::Refused(text)
        } else {
            Self::Unavailable(text)
        }
    }
}
