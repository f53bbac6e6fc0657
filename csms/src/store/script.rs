//! Statements built at run time (multi-row `VALUES` lists of any length) and run in order: on
//! SQLite as one script, a single round trip to the thread that owns the connection; on
//! PostgreSQL, whose protocol takes one statement with parameters at a time, one by one.

use sqlx::{Any, AnyConnection, Connection, any::AnyArguments, query::Query};

use super::StoreError;

/// A parameter of a statement.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Param<'a> {
    Text(&'a str),
    MaybeText(Option<&'a str>),
    Int(i64),
    MaybeInt(Option<i64>),
}

/// Statements with their parameters, in the order they must run.
#[derive(Debug)]
pub(crate) struct Script<'a> {
    /// SQLite takes anonymous `?` parameters, numbered on across a script's statements; the
    /// others `$1…` per statement.
    anonymous: bool,
    statements: Vec<(String, Vec<Param<'a>>)>,
}

impl<'a> Script<'a> {
    /// A script for the database behind `conn`.
    pub(crate) fn new(conn: &AnyConnection) -> Script<'a> {
        Script {
            anonymous: conn.backend_name() == "SQLite",
            statements: Vec::new(),
        }
    }

    /// Multi-row statements, one per `per` rows: `sql` turns a chunk's `VALUES` list into the
    /// statement, and each row brings its parameters.
    pub(crate) fn push_rows<const N: usize>(
        &mut self,
        per: usize,
        rows: impl IntoIterator<Item = [Param<'a>; N]>,
        sql: impl Fn(&str) -> String,
    ) {
        let rows: Vec<[Param<'a>; N]> = rows.into_iter().collect();
        for chunk in rows.chunks(per) {
            let values = self.value_rows(chunk.len(), N);
            let params = chunk.iter().flatten().copied().collect();
            self.statements.push((sql(&values), params));
        }
    }

    /// The `VALUES` rows of a multi-row statement: `rows` parenthesised lists of `cols`
    /// parameters. (SQLite finds a numbered parameter by walking the statement's list of names,
    /// so binding n of them would cost n² comparisons: it gets anonymous ones.)
    fn value_rows(&self, rows: usize, cols: usize) -> String {
        use std::fmt::Write;
        let mut sql = String::with_capacity(rows * cols * 5);
        for r in 0..rows {
            sql.push_str(if r == 0 { "(" } else { ", (" });
            for c in 0..cols {
                if c > 0 {
                    sql.push_str(", ");
                }
                if self.anonymous {
                    sql.push('?');
                } else {
                    write!(sql, "${}", r * cols + c + 1).expect("writing to a String");
                }
            }
            sql.push(')');
        }
        sql
    }

    /// Runs the statements inside whatever database transaction `conn` is in.
    pub(crate) async fn run(&self, conn: &mut AnyConnection) -> Result<(), StoreError> {
        for (sql, params) in &self.statements {
            bound(sqlx::query(sql), params).execute(&mut *conn).await?;
        }
        Ok(())
    }

    /// Runs the statements in a database transaction of their own and commits it. On SQLite
    /// that is one call, `BEGIN; …; COMMIT`; should it fail part-way, the connection is left
    /// inside the transaction, and the caller must drop it (which rolls back).
    pub(crate) async fn commit(&self, conn: &mut AnyConnection) -> Result<(), StoreError> {
        if self.statements.is_empty() {
            return Ok(());
        }
        if !self.anonymous {
            let mut tx = Connection::begin(conn).await?;
            self.run(&mut tx).await?;
            tx.commit().await?;
            return Ok(());
        }
        let length = self
            .statements
            .iter()
            .map(|(s, _)| s.len() + 2)
            .sum::<usize>();
        let mut sql = String::with_capacity(length + 16);
        sql.push_str("BEGIN;\n");
        for (statement, _) in &self.statements {
            sql.push_str(statement);
            sql.push_str(";\n");
        }
        sql.push_str("COMMIT");
        let params: Vec<Param<'_>> = self
            .statements
            .iter()
            .flat_map(|(_, params)| params.iter().copied())
            .collect();
        // A one-off text: kept out of the connection's cache of prepared statements.
        bound(sqlx::query(&sql).persistent(false), &params)
            .execute(conn)
            .await?;
        Ok(())
    }
}

fn bound<'q>(
    mut query: Query<'q, Any, AnyArguments<'q>>,
    params: &[Param<'q>],
) -> Query<'q, Any, AnyArguments<'q>> {
    for param in params {
        query = match *param {
            Param::Text(v) => query.bind(v),
            Param::MaybeText(v) => query.bind(v),
            Param::Int(v) => query.bind(v),
            Param::MaybeInt(v) => query.bind(v),
        };
    }
    query
}
