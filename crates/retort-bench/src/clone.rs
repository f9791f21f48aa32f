//! `db clone` into and out of SQL Server: a table of 100,000 rows, masked,
//! cloned SQLite → SQL Server and then SQL Server → SQLite, next to what the
//! server itself takes to read those rows in one query and to bulk-load
//! them (the floors: no masking, no paging, typed values sent by tiberius).

use std::time::{Duration, Instant};

use retort::clone::{clone_database, CloneOptions, CloneReport, MaskFile, MaskKey};
use retort::op::{Operations, Type};
use retort::testing::TestDatabase;
use retort::{
    Body, Checksum, DatabaseUrl, HistoryTable, Migrations, Migrator, MssqlBackend, Revision, Target,
};
use tiberius::time::{Date, DateTime2, Time};
use tiberius::{ColumnData, SqlBulkCopyOption, TokenRow};

use crate::report::{Report, RowId, Section};
use crate::Bench;

/// The one revision: a table with the kinds of column a clone meets most.
static MIGRATIONS: Migrations = Migrations::new(&[Revision {
    id: "c10e00b3c401",
    parents: &[],
    depends_on: &[],
    branch_labels: &[],
    message: "people",
    checksum: Checksum([7; 32]),
    transactional: true,
    irreversible: None,
    lock_timeout: None,
    source: "migrations/c10e00b3c401_people.rs",
    body: Body::Rust {
        upgrade: people,
        downgrade: None,
    },
}]);

fn people(op: &mut Operations) {
    op.create_table("people", |t| {
        t.column("id", Type::Int).identity().primary_key();
        t.column("email", Type::String(100)).not_null();
        t.column("name", Type::String(100));
        t.column("born", Type::Date);
        t.column("active", Type::Bool).not_null();
        t.column("created_at", Type::DateTime);
        t.column("score", Type::Float);
        t.column("note", Type::Text);
    });
}

const MASK: &str = r#"
[tables.people]
id = "keep"
email = "email"
name = "first_name"
born = { strategy = "date_shift", days = 30 }
active = "keep"
created_at = { keep = "when the row was created, not personal" }
score = "keep"
note = "text"
"#;

/// The columns the floors write and read, in table order.
const COLUMNS: [&str; 8] = [
    "id",
    "email",
    "name",
    "born",
    "active",
    "created_at",
    "score",
    "note",
];

struct Rows {
    into_mssql: RowId,
    into_mssql_copy: RowId,
    inserts_into_mssql: RowId,
    inserts_into_mssql_copy: RowId,
    out_of_mssql: RowId,
    out_of_mssql_copy: RowId,
    bulk_floor: RowId,
    read_floor: RowId,
}

impl Rows {
    fn declare(report: &mut Report, rows: u64) -> Self {
        let row = |report: &mut Report, label: &str| {
            let id = report.row(label, Section::Clone);
            report.rate(id, rows);
            id
        };
        Rows {
            into_mssql: row(
                report,
                "SQLite → SQL Server: db clone, whole (recreate, upgrade, copy)",
            ),
            into_mssql_copy: row(report, "SQLite → SQL Server: copying the table (bulk load)"),
            inserts_into_mssql: row(
                report,
                "SQLite → SQL Server: db clone, whole, INSERT statements only",
            ),
            inserts_into_mssql_copy: row(
                report,
                "SQLite → SQL Server: copying the table (INSERT statements)",
            ),
            out_of_mssql: row(report, "SQL Server → SQLite: db clone, whole"),
            out_of_mssql_copy: row(report, "SQL Server → SQLite: copying the table"),
            bulk_floor: row(
                report,
                "floor: tiberius bulk load of the same rows, typed, one request",
            ),
            read_floor: row(report, "floor: reading the rows from SQL Server, one query"),
        }
    }

    fn all(&self) -> [RowId; 8] {
        [
            self.into_mssql,
            self.into_mssql_copy,
            self.inserts_into_mssql,
            self.inserts_into_mssql_copy,
            self.out_of_mssql,
            self.out_of_mssql_copy,
            self.bulk_floor,
            self.read_floor,
        ]
    }
}

pub async fn run(bench: &Bench, rows: usize, batch: usize) -> Report {
    let mut report = Report::new(format!(
        "db clone: {rows} rows of one table, {batch} rows per read and write, {} sample(s)",
        bench.samples
    ));
    let ids = Rows::declare(&mut report, rows as u64);
    if std::env::var_os(crate::mssql::URL_ENV).is_none() {
        eprintln!(
            "\n!!! db clone into and out of SQL Server was NOT benchmarked: {} is not set and no \
             $RETORT_TDS_HOME/test-url was found\n",
            crate::mssql::URL_ENV
        );
        for id in ids.all() {
            report.missing(id, "NOT MEASURED: no SQL Server");
        }
        return report;
    }
    report.note("every row masked as in a real clone (email, first name, date shift, text); the floors do neither masking nor paging");
    let source = match seeded_sqlite(rows).await {
        Ok(source) => source,
        Err(error) => {
            for id in ids.all() {
                report.record(id, Err(error.clone()));
            }
            return report;
        }
    };
    for sample in 1..=bench.samples {
        eprintln!("clone: sample {sample}/{}", bench.samples);
        match clone_sample(&source, rows, batch).await {
            Ok(times) => {
                report.record(ids.into_mssql, Ok(times.into_mssql.elapsed));
                report.record(ids.into_mssql_copy, Ok(copy_time(&times.into_mssql)));
                report.record(ids.inserts_into_mssql, Ok(times.inserts_into_mssql.elapsed));
                report.record(
                    ids.inserts_into_mssql_copy,
                    Ok(copy_time(&times.inserts_into_mssql)),
                );
                report.record(ids.out_of_mssql, Ok(times.out_of_mssql.elapsed));
                report.record(ids.out_of_mssql_copy, Ok(copy_time(&times.out_of_mssql)));
                report.record(ids.read_floor, Ok(times.read_floor));
            }
            Err(error) => {
                for id in [
                    ids.into_mssql,
                    ids.into_mssql_copy,
                    ids.inserts_into_mssql,
                    ids.inserts_into_mssql_copy,
                    ids.out_of_mssql,
                    ids.out_of_mssql_copy,
                    ids.read_floor,
                ] {
                    report.record(id, Err(error.clone()));
                }
            }
        }
        if report.is_live(ids.bulk_floor) {
            report.record(ids.bulk_floor, bulk_floor_sample(rows).await);
        }
    }
    report
}

/// The time the clone spent copying the table (its report's own time).
fn copy_time(report: &CloneReport) -> Duration {
    report.tables.iter().map(|t| t.elapsed).sum()
}

/// A SQLite database at the revision, holding `rows` people.
async fn seeded_sqlite(rows: usize) -> Result<TestDatabase, String> {
    let db = TestDatabase::sqlite().map_err(|e| e.to_string())?;
    let url = DatabaseUrl::parse(db.url()).map_err(|e| e.to_string())?;
    let mut backend = retort::connect(&url).await.map_err(|e| e.to_string())?;
    Migrator::new(&MIGRATIONS)
        .upgrade(&mut backend, &Target::Heads)
        .await
        .map_err(|e| e.to_string())?;
    drop(backend);
    let path = db
        .sqlite_path()
        .ok_or("the SQLite test database has no file")?;
    let mut connection = rusqlite::Connection::open(path).map_err(|e| e.to_string())?;
    let transaction = connection.transaction().map_err(|e| e.to_string())?;
    {
        let mut insert = transaction
            .prepare(
                "INSERT INTO people (id, email, name, born, active, created_at, score, note) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .map_err(|e| e.to_string())?;
        for n in 1..=rows {
            let person = Person::new(n);
            insert
                .execute(rusqlite::params![
                    n as i64,
                    person.email,
                    person.name,
                    person.born,
                    person.active,
                    person.created_at,
                    person.score,
                    person.note,
                ])
                .map_err(|e| e.to_string())?;
        }
    }
    transaction.commit().map_err(|e| e.to_string())?;
    Ok(db)
}

/// Row `n`'s values, the same for the SQLite source and the bulk floor.
struct Person {
    email: String,
    name: Option<String>,
    born: String,
    active: bool,
    created_at: String,
    score: f64,
    note: Option<String>,
}

impl Person {
    fn new(n: usize) -> Self {
        Person {
            email: format!("person{n}@example.test"),
            name: (!n.is_multiple_of(10)).then(|| format!("Person Number {n}")),
            born: format!("{}-{:02}-{:02}", 1950 + n % 50, 1 + n % 12, 1 + n % 28),
            active: !n.is_multiple_of(3),
            created_at: format!(
                "2024-{:02}-{:02} {:02}:{:02}:{:02}.{:06}",
                1 + n % 12,
                1 + n % 28,
                n % 24,
                n % 60,
                (n / 60) % 60,
                n % 1_000_000
            ),
            score: n as f64 / 7.0,
            note: n.is_multiple_of(2).then(|| {
                format!("Note about person {n}: called about the invoice, will call back.")
            }),
        }
    }
}

fn options(
    source: &str,
    destination: &str,
    batch: usize,
    bulk_load: bool,
) -> Result<CloneOptions, String> {
    Ok(CloneOptions {
        migrations: &MIGRATIONS,
        source: DatabaseUrl::parse(source).map_err(|e| e.to_string())?,
        destination: DatabaseUrl::parse(destination).map_err(|e| e.to_string())?,
        mask: MaskFile::parse(MASK)?,
        key: MaskKey::new("the-benchmark-masking-key").map_err(|e| e.to_string())?,
        subset: None,
        batch_rows: batch,
        history: HistoryTable::default(),
        allow_remote: false,
        bulk_load,
    })
}

struct CloneTimes {
    into_mssql: CloneReport,
    inserts_into_mssql: CloneReport,
    out_of_mssql: CloneReport,
    read_floor: Duration,
}

/// SQLite → a new SQL Server database by bulk load, and → another by INSERT
/// statements only; then the first → a new SQLite one, then the read floor
/// on the SQL Server copy.
async fn clone_sample(
    source: &TestDatabase,
    rows: usize,
    batch: usize,
) -> Result<CloneTimes, String> {
    let mssql = TestDatabase::mssql().map_err(|e| e.to_string())?;
    let into_mssql = clone(&options(source.url(), mssql.url(), batch, true)?, rows).await?;
    if !into_mssql.tables.iter().all(|t| t.bulk_loaded) {
        return Err("the clone into SQL Server did not bulk-load every table".to_owned());
    }
    let inserted = TestDatabase::mssql().map_err(|e| e.to_string())?;
    let inserts_into_mssql =
        clone(&options(source.url(), inserted.url(), batch, false)?, rows).await?;
    drop(inserted);
    let sqlite = TestDatabase::sqlite().map_err(|e| e.to_string())?;
    let out_of_mssql = clone(&options(mssql.url(), sqlite.url(), batch, true)?, rows).await?;
    let read_floor = read_floor_sample(mssql.url(), rows).await?;
    Ok(CloneTimes {
        into_mssql,
        inserts_into_mssql,
        out_of_mssql,
        read_floor,
    })
}

async fn clone(options: &CloneOptions, rows: usize) -> Result<CloneReport, String> {
    let report = clone_database(options, &mut |_| {})
        .await
        .map_err(|e| e.to_string())?;
    if report.rows() != rows as u64 {
        return Err(format!(
            "the clone copied {} rows, expected {rows}",
            report.rows()
        ));
    }
    Ok(report)
}

/// Every row of the table in one query, as the clone would read them
/// without pages.
async fn read_floor_sample(url: &str, rows: usize) -> Result<Duration, String> {
    let url = DatabaseUrl::parse(url).map_err(|e| e.to_string())?;
    let mut backend = MssqlBackend::connect(&url)
        .await
        .map_err(|e| e.to_string())?;
    let sql = format!("SELECT {} FROM people ORDER BY id", COLUMNS.join(", "));
    // A new session's first query pays for warming the server's caches
    // (long on Babelfish); the clone's sessions are warm when they copy.
    backend
        .client()
        .simple_query("SELECT TOP 1 id FROM people")
        .await
        .map_err(|e| e.to_string())?
        .into_results()
        .await
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    let read = backend
        .client()
        .simple_query(sql)
        .await
        .map_err(|e| e.to_string())?
        .into_first_result()
        .await
        .map_err(|e| e.to_string())?;
    let elapsed = started.elapsed();
    if read.len() != rows {
        return Err(format!("read {} rows, expected {rows}", read.len()));
    }
    Ok(elapsed)
}

/// The rows, typed as the table's columns, bulk-loaded by tiberius into a
/// new database at the revision: what the server takes to store them.
async fn bulk_floor_sample(rows: usize) -> Result<Duration, String> {
    let db = TestDatabase::mssql().map_err(|e| e.to_string())?;
    let url = DatabaseUrl::parse(db.url()).map_err(|e| e.to_string())?;
    let mut backend = MssqlBackend::connect(&url)
        .await
        .map_err(|e| e.to_string())?;
    Migrator::new(&MIGRATIONS)
        .upgrade(&mut backend, &Target::Heads)
        .await
        .map_err(|e| e.to_string())?;
    let people: Vec<Person> = (1..=rows).map(Person::new).collect();
    let columns: Vec<String> = COLUMNS.iter().map(|c| format!("[{c}]")).collect();
    let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
    let client = backend.client();
    let started = Instant::now();
    let mut load = client
        .bulk_insert_with_options(
            "[dbo].[people]",
            &columns,
            SqlBulkCopyOption::KeepIdentity | SqlBulkCopyOption::KeepNulls,
            &[],
        )
        .await
        .map_err(|e| e.to_string())?;
    for (n, person) in people.iter().enumerate() {
        let mut row = TokenRow::new();
        row.push(ColumnData::I32(Some(n as i32 + 1)));
        row.push(ColumnData::String(Some(person.email.as_str().into())));
        row.push(ColumnData::String(person.name.as_deref().map(Into::into)));
        row.push(ColumnData::Date(Some(Date::new(days(&person.born)?))));
        row.push(ColumnData::Bit(Some(person.active)));
        let (date, micros) = person.created_at.split_once(' ').ok_or("no time")?;
        row.push(ColumnData::DateTime2(Some(DateTime2::new(
            Date::new(days(date)?),
            Time::new(ticks(micros)?, 7),
        ))));
        row.push(ColumnData::F64(Some(person.score)));
        row.push(ColumnData::String(person.note.as_deref().map(Into::into)));
        load.send(row).await.map_err(|e| e.to_string())?;
    }
    let loaded = load.finalize().await.map_err(|e| e.to_string())?.total();
    let elapsed = started.elapsed();
    if loaded != rows as u64 {
        return Err(format!("bulk-loaded {loaded} rows, expected {rows}"));
    }
    Ok(elapsed)
}

/// Days from 0001-01-01 to `YYYY-MM-DD` (the floor's own dates only).
fn days(date: &str) -> Result<u32, String> {
    let mut parts = date.split('-').map(str::parse::<i64>);
    let (Some(Ok(y)), Some(Ok(m)), Some(Ok(d))) = (parts.next(), parts.next(), parts.next()) else {
        return Err(format!("not a date: {date}"));
    };
    // Days from civil (Howard Hinnant), shifted from 1970-01-01 to 0001-01-01.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Ok((era * 146_097 + doe - 306) as u32)
}

/// 100 ns ticks since midnight of `HH:MM:SS.ffffff`.
fn ticks(time: &str) -> Result<u64, String> {
    let (hms, fraction) = time.split_once('.').unwrap_or((time, "0"));
    let mut parts = hms.split(':').map(str::parse::<u64>);
    let (Some(Ok(h)), Some(Ok(m)), Some(Ok(s))) = (parts.next(), parts.next(), parts.next()) else {
        return Err(format!("not a time: {time}"));
    };
    let micros: u64 = format!("{fraction:0<6}")[..6]
        .parse()
        .map_err(|_| format!("not a time: {time}"))?;
    Ok(((h * 60 + m) * 60 + s) * 10_000_000 + micros * 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_counts_from_the_first_of_january_of_year_one() {
        assert_eq!(days("0001-01-01"), Ok(0));
        assert_eq!(days("2024-01-02"), Ok(738_886));
    }
}
