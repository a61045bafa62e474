//! One connection type for both databases. Queries are written once against `Conn` with
//! diesel's DSL; the few that need what the common subset lacks (`ON CONFLICT`, raw SQL)
//! match on the variant and run the same query on the concrete connection.

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::result::Error;

#[derive(diesel::MultiConnection)]
pub enum Conn {
    Pg(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

/// Which database a connection talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

impl Conn {
    pub fn kind(&self) -> Kind {
        match self {
            Conn::Pg(_) => Kind::Postgres,
            Conn::Sqlite(_) => Kind::Sqlite,
        }
    }

    /// A transaction that holds the write lock from its first statement on SQLite (`BEGIN
    /// IMMEDIATE`: a read-then-write inside it cannot fail to upgrade its lock), an ordinary
    /// transaction on PostgreSQL, whose row locks do that work.
    pub fn immediate_transaction<T, E, F>(&mut self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut Conn) -> Result<T, E>,
        E: From<Error>,
    {
        let Conn::Sqlite(c) = self else {
            return diesel::Connection::transaction(self, f);
        };
        AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
        let out = f(self);
        let Conn::Sqlite(c) = self else {
            unreachable!("the variant does not change")
        };
        match out {
            Ok(v) => match AnsiTransactionManager::commit_transaction(c) {
                Ok(()) => Ok(v),
                Err(e) => {
                    let _ = AnsiTransactionManager::rollback_transaction(c);
                    Err(e.into())
                }
            },
            Err(e) => {
                AnsiTransactionManager::rollback_transaction(c)?;
                Err(e)
            }
        }
    }
}

/// Runs `$body` with `$c` bound to the concrete connection of either database: for
/// queries outside the common subset of the two (upserts, raw SQL).
#[macro_export]
macro_rules! on_backend {
    ($conn:expr, $c:ident => $body:expr) => {
        match &mut *$conn {
            $crate::db::Conn::Pg($c) => $body,
            $crate::db::Conn::Sqlite($c) => $body,
        }
    };
}
