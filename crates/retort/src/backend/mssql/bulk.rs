//! Bulk load: many rows into one table in one request, TDS's bulk-load
//! protocol (what `bcp` and ADO.NET's `SqlBulkCopy` send), through
//! tiberius's `bulk_insert_with_options`.
//!
//! The rows come as [`Value`]s in `db clone`'s portable forms (integers,
//! flags, and text: `YYYY-MM-DD[ HH:MM:SS[.f]][+hh:mm]`, lowercase hex for
//! bytes; see `clone::kind`). A bulk load sends every value in its
//! column's own wire type, so each column's type is read from the server
//! (`SELECT TOP 0`, once per table) and each value converted here. Where
//! that cannot be done — a column type this does not send (`xml`,
//! `sql_variant`, `image`, CLR types; on Babelfish `decimal` and `time`, see
//! `flavour`), or a value not in its portable form — the load is
//! [`BulkError::Unsupported`] before anything is written, and the caller
//! inserts with statements, whose `CAST`s let the server decide.
//!
//! The load runs in the session's open transaction (`begin` is sent first)
//! with `KEEP_NULLS` (NULL stays NULL where the column has a default, as
//! with INSERT), `CHECK_CONSTRAINTS` (checks and foreign keys checked as for
//! INSERT, and left trusted), `FIRE_TRIGGERS` (as INSERT does), `TABLOCK`
//! (a bulk-update lock: the copy is the only writer) and the identity
//! column's values kept (the copied ids; tiberius keeps the column in the
//! list, as `SqlBulkCopyOptions.KeepIdentity` does).

use std::borrow::BorrowMut;

use futures_util::io::{AsyncRead, AsyncWrite};
use tiberius::numeric::Numeric;
use tiberius::time::{Date, DateTime, DateTime2, DateTimeOffset, SmallDateTime, Time};
use tiberius::{ColumnData, FixedLenType, SqlBulkCopyOption, TokenRow, TypeInfo, VarLenType};

use super::errors::{database_error, Failure};
use super::MssqlBackend;
use crate::backend::{BackendError, BulkError, BulkInsert, RunError, Session, StatementError};
use crate::history::Value;
use crate::{Dialect, Flavour};

impl<S: AsyncRead + AsyncWrite + Unpin + Send, C: BorrowMut<tiberius::Client<S>>> MssqlBackend<S, C> {
    /// See [`Backend::bulk_insert`](crate::Backend::bulk_insert) and the module documentation.
    pub(super) async fn bulk_load(&mut self, load: &BulkInsert<'_>) -> Result<u64, BulkError> {
        let failed = |error: BackendError| BulkError::Failed(RunError::Backend(error));
        let flavour = self.flavour().await.map_err(failed)?;
        let table = Dialect::Mssql.quote_qualified(load.schema, load.table);
        // Babelfish leaves the identity where it was after a load with
        // explicit ids; `reseed` moves it, and its DBCC CHECKIDENT reads only
        // plain names in the default schema.
        let plain = load.schema.is_none_or(|s| s.eq_ignore_ascii_case("dbo")) && plain_name(load.table);
        let reseed = match load.identity {
            Some(column) if flavour == Flavour::Babelfish && plain => Some(reseed_sql(load.table, column)),
            Some(_) if flavour == Flavour::Babelfish => {
                return Err(BulkError::Unsupported(format!(
                    "Babelfish could not move the identity of {table} past the loaded ids (its DBCC CHECKIDENT \
                     reads only plain names in dbo)"
                )))
            }
            _ => None,
        };
        self.open_pending().await.map_err(failed)?;
        let columns: Vec<String> = load.columns.iter().map(|c| Dialect::Mssql.quote_ident(c)).collect();
        let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
        let wires = self.wires(&table, &columns, load.columns, flavour).await?;
        let mut rows = Vec::with_capacity(load.rows.len());
        for row in load.rows {
            if row.len() != wires.len() {
                return Err(BulkError::Unsupported(format!(
                    "a row has {} values for {} columns",
                    row.len(),
                    wires.len()
                )));
            }
            let mut cells = TokenRow::with_capacity(wires.len());
            for ((wire, value), column) in wires.iter().zip(row).zip(load.columns) {
                cells.push(cell(*wire, value).ok_or_else(|| {
                    BulkError::Unsupported(format!(
                        "column {column} holds a value that is not in the form a bulk load sends for its type, or \
                         does not fit it"
                    ))
                })?);
            }
            rows.push(cells);
        }
        let options = SqlBulkCopyOption::KeepIdentity
            | SqlBulkCopyOption::KeepNulls
            | SqlBulkCopyOption::CheckConstraints
            | SqlBulkCopyOption::FireTriggers
            | SqlBulkCopyOption::TableLock;
        // tiberius reads the columns again, sends INSERT BULK, then the rows.
        self.requests += 3;
        let loaded = async {
            let mut request = self.tds().bulk_insert_with_options(&table, &columns, options, &[]).await?;
            for row in rows {
                request.send(row).await?;
            }
            request.finalize().await.map(|done| done.total())
        }
        .await
        .map_err(|error| BulkError::Failed(load_error(&table, &error)))?;
        if let Some(sql) = reseed {
            self.batch(&sql).await.map_err(|e| failed(database_error("moving the identity past the loaded ids")(e)))?;
        }
        Ok(loaded)
    }

    /// Each column's wire type, read from the server once per table and
    /// column list.
    async fn wires(
        &mut self,
        table: &str,
        quoted: &[&str],
        names: &[String],
        flavour: Flavour,
    ) -> Result<Vec<Wire>, BulkError> {
        let key = format!("{table} ({})", quoted.join(", "));
        if let Some((cached, wires)) = &self.bulk_columns {
            if *cached == key {
                return Ok(wires.clone());
            }
        }
        self.requests += 1;
        let metadata = match self.tds().column_metadata(table, quoted).await {
            Ok(metadata) => metadata,
            // tiberius checks names before it sends them.
            Err(tiberius::error::Error::BulkInput(why)) => {
                return Err(BulkError::Unsupported(format!("tiberius refuses its name: {why}")))
            }
            Err(error) => return Err(BulkError::Failed(load_error(table, &error))),
        };
        if metadata.len() != names.len() {
            return Err(BulkError::Unsupported(format!(
                "the server describes {} columns for the {} named",
                metadata.len(),
                names.len()
            )));
        }
        let mut wires = Vec::with_capacity(names.len());
        for (column, name) in metadata.iter().zip(names) {
            // tiberius leaves out of the load the columns the server says
            // cannot be written, which would shift every value after them.
            if !(column.base().is_updateable() || column.base().is_identity()) {
                return Err(BulkError::Unsupported(format!("column {name} cannot be written (computed or rowversion)")));
            }
            wires.push(wire(&column.base().ty, flavour).map_err(|why| BulkError::Unsupported(format!("column {name}: {why}")))?);
        }
        self.bulk_columns = Some((key, wires.clone()));
        Ok(wires)
    }
}

/// A bulk load's failure, without the values tiberius may quote.
fn load_error(table: &str, error: &tiberius::error::Error) -> RunError {
    use tiberius::error::Error;
    match Failure::from(error) {
        Failure::Server(server) => RunError::Statement(StatementError {
            unit: 0,
            statement: None,
            line: None,
            sql: format!("INSERT BULK {table}"),
            code: Some(server.code.to_string()),
            message: format!("{} (state {}, severity {})", server.message.trim_end(), server.state, server.class),
        }),
        _ if matches!(error, Error::BulkInput(_) | Error::Encoding(_) | Error::Conversion(_)) => {
            RunError::Backend(BackendError::Database {
                context: "bulk-loading rows",
                message: format!("tiberius could not send a value of a row of {table} as its column's type"),
            })
        }
        other => RunError::Backend(BackendError::Database { context: "bulk-loading rows", message: other.to_string() }),
    }
}

/// Moves the identity of `table` (a [`plain_name`] in dbo) past the ids in
/// its `column`, on Babelfish: there `RESEED` without a value does nothing
/// to an identity that never generated a value, and `RESEED, n` makes the
/// next value `n` then, or `n + increment` once it has. So it reseeds to
/// the value after the last id whenever the identity is not past it
/// already; at worst one value is skipped.
fn reseed_sql(table: &str, column: &str) -> String {
    let column = Dialect::Mssql.quote_ident(column);
    format!(
        "DECLARE @increment bigint = IDENT_INCR('{table}');\n\
         DECLARE @next bigint = (SELECT CASE WHEN @increment > 0 THEN MAX({column}) ELSE MIN({column}) END FROM [{table}]) + @increment;\n\
         IF @next IS NOT NULL AND ((@increment > 0 AND IDENT_CURRENT('{table}') < @next) OR (@increment < 0 AND IDENT_CURRENT('{table}') > @next))\n\
         BEGIN\n    DECLARE @reseed nvarchar(400) = N'DBCC CHECKIDENT (''{table}'', RESEED, ' + CAST(@next AS nvarchar(30)) + N') WITH NO_INFOMSGS';\n    EXEC (@reseed);\nEND;"
    )
}

/// A name DBCC CHECKIDENT reads on Babelfish: letters, digits and `_`,
/// not starting with a digit.
fn plain_name(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// How one column's values go on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Wire {
    TinyInt,
    SmallInt,
    Int,
    BigInt,
    Bit,
    Real,
    Float,
    /// `money` (`small`: `smallmoney`), four decimal places.
    Money { small: bool },
    Decimal { precision: u8, scale: u8 },
    Date,
    /// `time(scale)`.
    Time { scale: u8 },
    /// `datetime2(scale)`.
    DateTime2 { scale: u8 },
    /// `datetimeoffset(scale)`.
    DateTimeOffset { scale: u8 },
    DateTime,
    SmallDateTime,
    Guid,
    /// Text; `max_bytes` as the column declares (`None`: `max` or legacy
    /// `text`); `unicode` for `nchar`/`nvarchar`/`ntext`.
    Text { max_bytes: Option<usize>, unicode: bool },
    /// Bytes; `max_bytes` as the column declares (`None`: `max`).
    Binary { max_bytes: Option<usize> },
}

/// The wire type of a column of type `ty`, or why it cannot be bulk-loaded.
pub(super) fn wire(ty: &TypeInfo, flavour: Flavour) -> Result<Wire, String> {
    let babelfish_lacks = |what: &str| {
        Err(format!(
            "Babelfish misreads bulk-loaded {what} values (see retort's flavour table)"
        ))
    };
    let wire = match ty {
        TypeInfo::FixedLen(fixed) => match fixed {
            FixedLenType::Int1 => Wire::TinyInt,
            FixedLenType::Int2 => Wire::SmallInt,
            FixedLenType::Int4 => Wire::Int,
            FixedLenType::Int8 => Wire::BigInt,
            FixedLenType::Bit => Wire::Bit,
            FixedLenType::Float4 => Wire::Real,
            FixedLenType::Float8 => Wire::Float,
            FixedLenType::Money => Wire::Money { small: false },
            FixedLenType::Money4 => Wire::Money { small: true },
            FixedLenType::Datetime => Wire::DateTime,
            FixedLenType::Datetime4 => Wire::SmallDateTime,
            FixedLenType::Null => return Err("its type is reported as NULL".to_owned()),
        },
        TypeInfo::VarLenSized(context) => {
            let len = context.len();
            // 0xFFFF: `max`.
            let declared = (len != 0xFFFF).then_some(len);
            match (context.r#type(), len) {
                (VarLenType::Intn, 1) => Wire::TinyInt,
                (VarLenType::Intn, 2) => Wire::SmallInt,
                (VarLenType::Intn, 4) => Wire::Int,
                (VarLenType::Intn, 8) => Wire::BigInt,
                (VarLenType::Bitn, _) => Wire::Bit,
                (VarLenType::Floatn, 4) => Wire::Real,
                (VarLenType::Floatn, 8) => Wire::Float,
                (VarLenType::Money, 4) => Wire::Money { small: true },
                (VarLenType::Money, 8) => Wire::Money { small: false },
                (VarLenType::Datetimen, 4) => Wire::SmallDateTime,
                (VarLenType::Datetimen, 8) => Wire::DateTime,
                (VarLenType::Daten, _) => Wire::Date,
                (VarLenType::Timen, _) if flavour == Flavour::Babelfish => return babelfish_lacks("time"),
                (VarLenType::Timen, scale) => Wire::Time { scale: scale as u8 },
                (VarLenType::Datetime2, scale) => Wire::DateTime2 { scale: scale as u8 },
                (VarLenType::DatetimeOffsetn, scale) => Wire::DateTimeOffset { scale: scale as u8 },
                (VarLenType::Guid, _) => Wire::Guid,
                (VarLenType::NVarchar | VarLenType::NChar, _) => Wire::Text { max_bytes: declared, unicode: true },
                (VarLenType::BigVarChar | VarLenType::BigChar, _) => Wire::Text { max_bytes: declared, unicode: false },
                (VarLenType::NText, _) => Wire::Text { max_bytes: None, unicode: true },
                (VarLenType::Text, _) => Wire::Text { max_bytes: None, unicode: false },
                (VarLenType::BigVarBin | VarLenType::BigBinary, _) => Wire::Binary { max_bytes: declared },
                (other, _) => return Err(format!("tiberius does not bulk-load its type ({other:?})")),
            }
        }
        TypeInfo::VarLenSizedPrecision { ty: VarLenType::Numericn | VarLenType::Decimaln, .. }
            if flavour == Flavour::Babelfish =>
        {
            return babelfish_lacks("decimal");
        }
        TypeInfo::VarLenSizedPrecision { ty: VarLenType::Numericn | VarLenType::Decimaln, precision, scale, .. } => {
            Wire::Decimal { precision: *precision, scale: *scale }
        }
        TypeInfo::VarLenSizedPrecision { ty, .. } => return Err(format!("tiberius does not bulk-load its type ({ty:?})")),
        TypeInfo::Xml { .. } => return Err("xml is not bulk-loaded".to_owned()),
        TypeInfo::Udt(info) => return Err(format!("its CLR type {} is not bulk-loaded", info.type_name)),
    };
    Ok(wire)
}

/// `value` as `wire` sends it, or `None` when it is not in its portable form
/// for that type (or does not fit): the rows then go in with statements,
/// where the server's own conversion decides.
pub(super) fn cell(wire: Wire, value: &Value) -> Option<ColumnData<'static>> {
    if *value == Value::Null {
        return Some(null(wire));
    }
    let text = || match value {
        Value::Text(text) => Some(text.as_str()),
        _ => None,
    };
    let int = || match value {
        Value::Int(n) => Some(*n),
        Value::Bool(b) => Some(i64::from(*b)),
        _ => None,
    };
    Some(match wire {
        Wire::TinyInt => ColumnData::U8(Some(u8::try_from(int()?).ok()?)),
        Wire::SmallInt => ColumnData::I16(Some(i16::try_from(int()?).ok()?)),
        Wire::Int => ColumnData::I32(Some(i32::try_from(int()?).ok()?)),
        Wire::BigInt => ColumnData::I64(Some(int()?)),
        Wire::Bit => ColumnData::Bit(Some(match value {
            Value::Bool(b) => *b,
            Value::Int(0) => false,
            Value::Int(1) => true,
            _ => return None,
        })),
        Wire::Float => ColumnData::F64(Some(finite(text()?)?)),
        Wire::Real => {
            let x = finite(text()?)? as f32;
            ColumnData::F32(Some(x.is_finite().then_some(x)?))
        }
        Wire::Money { small } => {
            let units = decimal(text()?, 4)?;
            let limit = if small { i128::from(i32::MAX) } else { i128::from(i64::MAX) };
            if units.abs() > limit {
                return None;
            }
            ColumnData::Numeric(Some(Numeric::new_with_scale(units, 4)))
        }
        Wire::Decimal { precision, scale } => {
            let units = decimal(text()?, scale)?;
            if units.unsigned_abs() >= 10u128.checked_pow(u32::from(precision))? {
                return None;
            }
            ColumnData::Numeric(Some(Numeric::new_with_scale(units, scale)))
        }
        Wire::Date => ColumnData::Date(Some(Date::new(days(text()?)?))),
        Wire::Time { scale } => {
            let ticks = time_of_day(text()?)?;
            ColumnData::Time(Some(Time::new(round_ticks(ticks, scale).filter(|t| *t < day_at(scale))?, scale)))
        }
        Wire::DateTime2 { scale } => {
            let (days, ticks, _) = timestamp(text()?, false)?;
            ColumnData::DateTime2(Some(datetime2(days, ticks, scale)?))
        }
        Wire::DateTimeOffset { scale } => {
            let (days, ticks, offset) = timestamp(text()?, true)?;
            // On the wire: the time in UTC, and the offset.
            let utc = i64::from(days) * TICKS_PER_DAY + ticks as i64 - i64::from(offset) * 60 * 10_000_000;
            let (days, ticks) = (u32::try_from(utc.div_euclid(TICKS_PER_DAY)).ok()?, utc.rem_euclid(TICKS_PER_DAY) as u64);
            ColumnData::DateTimeOffset(Some(DateTimeOffset::new(datetime2(days, ticks, scale)?, offset)))
        }
        Wire::DateTime => {
            let (days, ticks, _) = timestamp(text()?, false)?;
            // 1/300 s, rounded; 1753-01-01 to 9999-12-31 counted from 1900.
            let fragments = (u128::from(ticks) * 300 + 5_000_000) / 10_000_000;
            let (days, fragments) = carry(days, fragments as u64, 300 * 86_400)?;
            let days = i32::try_from(i64::from(days) - i64::from(DAYS_TO_1900)).ok()?;
            if !(DAYS_1753_FROM_1900..=DAYS_9999_FROM_1900).contains(&days) {
                return None;
            }
            ColumnData::DateTime(Some(DateTime::new(days, u32::try_from(fragments).ok()?)))
        }
        Wire::SmallDateTime => {
            let (days, ticks, _) = timestamp(text()?, false)?;
            // Whole minutes: 29.998 s or less rounds down, as SQL Server
            // does; 1900-01-01 to 2079-06-06.
            const MINUTE: u64 = 600_000_000;
            let minutes = ticks / MINUTE + u64::from(ticks % MINUTE >= 299_990_000);
            let (days, minutes) = carry(days, minutes, 24 * 60)?;
            let days = u16::try_from(days.checked_sub(DAYS_TO_1900)?).ok()?;
            ColumnData::SmallDateTime(Some(SmallDateTime::new(days, u16::try_from(minutes).ok()?)))
        }
        Wire::Guid => ColumnData::Guid(Some(tiberius::Uuid::parse_str(text()?).ok()?)),
        Wire::Text { max_bytes, unicode } => {
            let text = match value {
                Value::Text(text) => text.clone(),
                Value::Int(n) => n.to_string(),
                Value::Bool(b) => if *b { "1" } else { "0" }.to_owned(),
                Value::Null => return Some(null(wire)),
            };
            // Checked here so that tiberius never refuses a value half-way
            // through a load. A non-unicode column gets ASCII only: other
            // characters depend on its code page, which statements let the
            // server apply.
            let bytes = if unicode { text.encode_utf16().count() * 2 } else { text.len() };
            if (!unicode && !text.is_ascii()) || max_bytes.is_some_and(|max| bytes > max) {
                return None;
            }
            ColumnData::String(Some(text.into()))
        }
        Wire::Binary { max_bytes } => {
            let bytes = hex(text()?)?;
            if max_bytes.is_some_and(|max| bytes.len() > max) {
                return None;
            }
            ColumnData::Binary(Some(bytes.into()))
        }
    })
}

/// NULL in the column's wire type.
fn null(wire: Wire) -> ColumnData<'static> {
    match wire {
        Wire::TinyInt => ColumnData::U8(None),
        Wire::SmallInt => ColumnData::I16(None),
        Wire::Int => ColumnData::I32(None),
        Wire::BigInt => ColumnData::I64(None),
        Wire::Bit => ColumnData::Bit(None),
        Wire::Real => ColumnData::F32(None),
        Wire::Float => ColumnData::F64(None),
        Wire::Money { .. } | Wire::Decimal { .. } => ColumnData::Numeric(None),
        Wire::Date => ColumnData::Date(None),
        Wire::Time { .. } => ColumnData::Time(None),
        Wire::DateTime2 { .. } => ColumnData::DateTime2(None),
        Wire::DateTimeOffset { .. } => ColumnData::DateTimeOffset(None),
        Wire::DateTime => ColumnData::DateTime(None),
        Wire::SmallDateTime => ColumnData::SmallDateTime(None),
        Wire::Guid => ColumnData::Guid(None),
        Wire::Text { .. } => ColumnData::String(None),
        Wire::Binary { .. } => ColumnData::Binary(None),
    }
}

/// 100 ns ticks in a day.
const TICKS_PER_DAY: i64 = 864_000_000_000;
/// Days from 0001-01-01 to 1900-01-01 (`datetime` counts from there).
const DAYS_TO_1900: u32 = 693_595;
/// `datetime`'s first and last days (1753-01-01, 9999-12-31), counted from 1900-01-01.
const DAYS_1753_FROM_1900: i32 = -53_690;
const DAYS_9999_FROM_1900: i32 = 2_958_463;

/// A finite number written in text.
fn finite(text: &str) -> Option<f64> {
    text.trim().parse::<f64>().ok().filter(|x| x.is_finite())
}

/// `[-]digits[.digits]` as an integer of `scale` decimal places, rounded
/// half away from zero as SQL Server's `CAST` does.
fn decimal(text: &str, scale: u8) -> Option<i128> {
    let text = text.trim();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() && fraction.is_empty()
        || !whole.bytes().chain(fraction.bytes()).all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let mut units: i128 = 0;
    for b in whole.bytes().chain(fraction.bytes().chain(std::iter::repeat(b'0')).take(usize::from(scale))) {
        units = units.checked_mul(10)?.checked_add(i128::from(b - b'0'))?;
    }
    if fraction.as_bytes().get(usize::from(scale)).is_some_and(|b| *b >= b'5') {
        units = units.checked_add(1)?;
    }
    Some(if negative { -units } else { units })
}

/// Days from 0001-01-01 to `YYYY-MM-DD` (proleptic Gregorian, as
/// `datetime2` counts), for years 1 to 9999.
fn days(text: &str) -> Option<u32> {
    let mut parts = text.split('-');
    let (y, m, d) = (number(parts.next()?, 4)?, number(parts.next()?, 2)?, number(parts.next()?, 2)?);
    if parts.next().is_some() || !(1..=9999).contains(&y) || !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    let (y, m, d) = (i64::from(y), i64::from(m), i64::from(d));
    // Howard Hinnant's days_from_civil, counted from 0001-01-01 rather than 1970.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    u32::try_from(era * 146_097 + day_of_era - 306).ok()
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        2 if y.is_multiple_of(4) && (!y.is_multiple_of(100) || y.is_multiple_of(400)) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Exactly `width` ASCII digits.
fn number(text: &str, width: usize) -> Option<u32> {
    (text.len() == width && text.bytes().all(|b| b.is_ascii_digit())).then(|| text.parse().ok())?
}

/// 100 ns ticks since midnight of `HH:MM:SS[.fffffff]`.
fn time_of_day(text: &str) -> Option<u64> {
    let (clock, fraction) = text.split_once('.').unwrap_or((text, ""));
    let mut parts = clock.split(':');
    let (h, m, s) = (number(parts.next()?, 2)?, number(parts.next()?, 2)?, number(parts.next()?, 2)?);
    if parts.next().is_some() || h > 23 || m > 59 || s > 59 || fraction.len() > 7 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let fraction: u64 = if fraction.is_empty() { 0 } else { format!("{fraction:0<7}").parse().ok()? };
    Some(((u64::from(h) * 60 + u64::from(m)) * 60 + u64::from(s)) * 10_000_000 + fraction)
}

/// `YYYY-MM-DD[ HH:MM:SS[.f]][±hh:mm]` as days, ticks since midnight and the
/// offset in minutes; an offset only where `offset` allows one (none is
/// +00:00, as SQL Server reads it).
fn timestamp(text: &str, offset: bool) -> Option<(u32, u64, i16)> {
    let text = text.trim();
    let (date, rest) = text.split_once(' ').unwrap_or((text, ""));
    let (clock, zone) = match rest.find(['+', '-']) {
        Some(at) => (&rest[..at], Some(&rest[at..])),
        None => (rest, None),
    };
    let minutes = match zone {
        None => 0,
        Some(_) if !offset => return None,
        Some(zone) => {
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            let (h, m) = zone[1..].split_once(':')?;
            let (h, m) = (number(h, 2)?, number(m, 2)?);
            if h > 14 || m > 59 {
                return None;
            }
            sign * i16::try_from(h * 60 + m).ok()?
        }
    };
    let ticks = if clock.is_empty() { 0 } else { time_of_day(clock)? };
    Some((days(date)?, ticks, minutes))
}

/// Ticks (100 ns) in increments of `10^-scale` s, rounded half up.
fn round_ticks(ticks: u64, scale: u8) -> Option<u64> {
    let factor = 10u64.checked_pow(7u32.checked_sub(u32::from(scale))?)?;
    Some((ticks + factor / 2) / factor)
}

/// How many increments of `10^-scale` s a day has.
fn day_at(scale: u8) -> u64 {
    86_400 * 10u64.pow(u32::from(scale.min(7)))
}

/// `datetime2(scale)` of a day and its ticks, the rounding carried into the
/// next day.
fn datetime2(days: u32, ticks: u64, scale: u8) -> Option<DateTime2> {
    let (days, increments) = carry(days, round_ticks(ticks, scale)?, day_at(scale))?;
    // 9999-12-31 is the last day.
    (days <= 3_652_058).then(|| DateTime2::new(Date::new(days), Time::new(increments, scale)))
}

/// A time of day that rounded up to midnight, as the next day.
fn carry(days: u32, units: u64, per_day: u64) -> Option<(u32, u64)> {
    if units >= per_day {
        Some((days.checked_add(1)?, units - per_day))
    } else {
        Some((days, units))
    }
}

/// Lowercase or uppercase hex digits as bytes.
fn hex(text: &str) -> Option<Vec<u8>> {
    let digits = text.as_bytes();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    let nibble = |b: u8| char::from(b).to_digit(16);
    digits
        .chunks(2)
        .map(|pair| Some((nibble(pair[0])? * 16 + nibble(pair[1])?) as u8))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(t: &str) -> Value {
        Value::Text(t.to_owned())
    }

    #[test]
    fn days_counts_from_the_first_day_of_year_one_and_refuses_impossible_dates() {
        assert_eq!(days("0001-01-01"), Some(0));
        assert_eq!(days("1900-01-01"), Some(DAYS_TO_1900));
        assert_eq!(days("2024-01-02"), Some(738_886));
        assert_eq!(days("2024-02-29"), Some(738_944));
        assert_eq!(days("9999-12-31"), Some(3_652_058));
        for wrong in ["2023-02-29", "2024-13-01", "2024-1-02", "24-01-02", "2024-01-02 03:04", "0000-01-01", ""] {
            assert_eq!(days(wrong), None, "{wrong}");
        }
    }

    #[test]
    fn decimal_rounds_half_away_from_zero_at_the_scale() {
        assert_eq!(decimal("1.235", 2), Some(124));
        assert_eq!(decimal("-1.235", 2), Some(-124));
        assert_eq!(decimal("1.234", 2), Some(123));
        assert_eq!(decimal("42", 2), Some(4200));
        assert_eq!(decimal(".5", 0), Some(1));
        assert_eq!(decimal("12.", 1), Some(120));
        for wrong in ["", "-", ".", "1e5", "1.2.3", "abc", "1,5"] {
            assert_eq!(decimal(wrong, 2), None, "{wrong}");
        }
    }

    #[test]
    fn cell_sends_each_portable_value_as_its_column_type() {
        assert_eq!(cell(Wire::TinyInt, &Value::Int(255)), Some(ColumnData::U8(Some(255))));
        assert_eq!(cell(Wire::TinyInt, &Value::Int(256)), None, "out of range");
        assert_eq!(cell(Wire::Int, &Value::Null), Some(ColumnData::I32(None)));
        assert_eq!(cell(Wire::Bit, &Value::Bool(true)), Some(ColumnData::Bit(Some(true))));
        assert_eq!(cell(Wire::Float, &text("0.25")), Some(ColumnData::F64(Some(0.25))));
        assert_eq!(cell(Wire::Float, &text("inf")), None);
        assert_eq!(
            cell(Wire::Decimal { precision: 5, scale: 2 }, &text("-123.455")),
            Some(ColumnData::Numeric(Some(Numeric::new_with_scale(-12346, 2))))
        );
        assert_eq!(cell(Wire::Decimal { precision: 5, scale: 2 }, &text("1000")), None, "too many digits");
        assert_eq!(cell(Wire::Money { small: true }, &text("214748.3648")), None, "past smallmoney");
        assert_eq!(cell(Wire::Date, &text("2024-01-02")), Some(ColumnData::Date(Some(Date::new(738_886)))));
        assert_eq!(
            cell(Wire::Guid, &text("a1b2c3d4-0000-4000-8000-000000000001")),
            Some(ColumnData::Guid(tiberius::Uuid::parse_str("a1b2c3d4-0000-4000-8000-000000000001").ok()))
        );
        assert_eq!(cell(Wire::Binary { max_bytes: Some(3) }, &text("0102ff")), Some(ColumnData::Binary(Some(vec![1, 2, 255].into()))));
        assert_eq!(cell(Wire::Binary { max_bytes: Some(2) }, &text("0102ff")), None, "longer than the column");
        assert_eq!(cell(Wire::Binary { max_bytes: None }, &text("0g")), None);
    }

    #[test]
    fn cell_checks_text_against_the_column_before_tiberius_would_refuse_it() {
        let nvarchar = Wire::Text { max_bytes: Some(6), unicode: true };
        assert_eq!(cell(nvarchar, &text("日本語")), Some(ColumnData::String(Some("日本語".into()))));
        assert_eq!(cell(nvarchar, &text("abcd")), None, "four characters in nvarchar(3)");
        assert_eq!(cell(nvarchar, &text("😀😀")), None, "an emoji takes two UTF-16 units");
        let varchar = Wire::Text { max_bytes: None, unicode: false };
        assert_eq!(cell(varchar, &text("plain")), Some(ColumnData::String(Some("plain".into()))));
        assert_eq!(cell(varchar, &text("héllo")), None, "the code page decides: statements");
    }

    #[test]
    fn cell_rounds_times_at_the_column_scale_and_carries_into_the_next_day() {
        let at = |days: u32, increments: u64, scale: u8| DateTime2::new(Date::new(days), Time::new(increments, scale));
        assert_eq!(
            cell(Wire::DateTime2 { scale: 7 }, &text("2024-01-02 03:04:05.1234567")),
            Some(ColumnData::DateTime2(Some(at(738_886, 110_451_234_567, 7))))
        );
        assert_eq!(
            cell(Wire::DateTime2 { scale: 3 }, &text("2024-01-02 23:59:59.9996")),
            Some(ColumnData::DateTime2(Some(at(738_887, 0, 3))))
        );
        assert_eq!(
            cell(Wire::DateTime2 { scale: 0 }, &text("2024-01-02")),
            Some(ColumnData::DateTime2(Some(at(738_886, 0, 0))))
        );
        assert_eq!(cell(Wire::DateTime2 { scale: 7 }, &text("2024-01-02 03:04:05+01:00")), None, "a zone where none is kept");
        assert_eq!(cell(Wire::Time { scale: 3 }, &text("23:59:59.9999")), None, "rounds past midnight");
        assert_eq!(cell(Wire::Time { scale: 3 }, &text("01:02:03.456")), Some(ColumnData::Time(Some(Time::new(3_723_456, 3)))));
    }

    #[test]
    fn cell_sends_datetimeoffset_in_utc_with_its_offset() {
        let value = cell(Wire::DateTimeOffset { scale: 7 }, &text("2024-01-02 00:30:00+01:00"));
        let utc = DateTime2::new(Date::new(738_885), Time::new(23 * 36_000_000_000 + 30 * 600_000_000, 7));
        assert_eq!(value, Some(ColumnData::DateTimeOffset(Some(DateTimeOffset::new(utc, 60)))));
        let plain = cell(Wire::DateTimeOffset { scale: 0 }, &text("2024-01-02 00:00:00"));
        assert_eq!(plain, Some(ColumnData::DateTimeOffset(Some(DateTimeOffset::new(DateTime2::new(Date::new(738_886), Time::new(0, 0)), 0)))));
    }

    #[test]
    fn cell_rounds_datetime_to_three_hundredths_and_smalldatetime_to_minutes() {
        let day = 738_886 - DAYS_TO_1900;
        assert_eq!(
            cell(Wire::DateTime, &text("2024-01-02 00:00:00.005")),
            Some(ColumnData::DateTime(Some(DateTime::new(day as i32, 2))))
        );
        assert_eq!(cell(Wire::DateTime, &text("1752-12-31 00:00:00")), None, "before datetime's first day");
        assert_eq!(
            cell(Wire::SmallDateTime, &text("2024-01-02 00:00:29.998")),
            Some(ColumnData::SmallDateTime(Some(SmallDateTime::new(day as u16, 0))))
        );
        assert_eq!(
            cell(Wire::SmallDateTime, &text("2024-01-02 23:59:30")),
            Some(ColumnData::SmallDateTime(Some(SmallDateTime::new(day as u16 + 1, 0))))
        );
    }

    #[test]
    fn wire_refuses_what_babelfish_misreads_and_what_tiberius_cannot_send() {
        use tiberius::VarLenContext;
        let decimal = TypeInfo::VarLenSizedPrecision { ty: VarLenType::Decimaln, size: 17, precision: 10, scale: 2 };
        assert_eq!(wire(&decimal, Flavour::Standard), Ok(Wire::Decimal { precision: 10, scale: 2 }));
        assert!(wire(&decimal, Flavour::Babelfish).is_err_and(|why| why.contains("Babelfish")));
        let time = TypeInfo::VarLenSized(VarLenContext::new(VarLenType::Timen, 3, None));
        assert_eq!(wire(&time, Flavour::Standard), Ok(Wire::Time { scale: 3 }));
        assert!(wire(&time, Flavour::Babelfish).is_err());
        let image = TypeInfo::VarLenSized(VarLenContext::new(VarLenType::Image, 2_147_483_647, None));
        assert!(wire(&image, Flavour::Standard).is_err());
        let nvarchar_max = TypeInfo::VarLenSized(VarLenContext::new(VarLenType::NVarchar, 0xFFFF, None));
        assert_eq!(wire(&nvarchar_max, Flavour::Babelfish), Ok(Wire::Text { max_bytes: None, unicode: true }));
        assert_eq!(wire(&TypeInfo::FixedLen(FixedLenType::Int4), Flavour::Standard), Ok(Wire::Int));
    }

    #[test]
    fn plain_name_is_what_babelfish_dbcc_reads() {
        assert!(plain_name("people"));
        assert!(plain_name("_t1"));
        assert!(!plain_name("1t"));
        assert!(!plain_name("we ird"));
        assert!(!plain_name(""));
    }
}
