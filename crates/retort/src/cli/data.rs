//! `seed` and `db reset`: a safe local database for development, from the
//! migrations and the project's seed code — never from another database.

use std::process::ExitCode;

use crate::database_url::not_local_reason;
use super::output::Printer;
use super::{Format, Project};
use crate::seed::Seeder;
use crate::{connect, recreate_database, Session, MigrateError, Migrations, Migrator, Target};

/// `seed`: fill the database with the project's development data.
#[derive(Debug, clap::Args)]
pub struct SeedArgs {
    /// Which data set the seed code writes.
    #[arg(long, default_value = "dev")]
    pub profile: String,
    /// The database; defaults as for `migrate`.
    #[arg(long)]
    pub database_url: Option<String>,
    /// Seed a database that does not look local (another host, or a name like `prod`).
    #[arg(long)]
    pub allow_remote: bool,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    /// Print the result as text or as JSON.
    pub format: Format,
    #[arg(long, short)]
    /// Print nothing but errors.
    pub quiet: bool,
}

/// `db …`: development database chores.
#[derive(Debug, clap::Args)]
pub struct DbArgs {
    #[command(subcommand)]
    /// The chore to run.
    pub command: DbCommand,
}

#[derive(Debug, clap::Subcommand)]
/// The `db` chores.
pub enum DbCommand {
    /// Drop and recreate the database (delete the SQLite file), then upgrade to head.
    Reset {
        #[arg(long)]
        /// The database; defaults to `DATABASE_URL` (environment or `.env`),
        /// then to the project's embedded SQLite database.
        database_url: Option<String>,
        /// Reset a database that does not look local.
        #[arg(long)]
        allow_remote: bool,
        #[arg(long, short)]
        /// Print nothing but errors.
        quiet: bool,
    },
    /// Replace the local database with a masked copy of another one (all of
    /// it, or a subset), as retort-mask.toml says.
    Clone(super::clone::CloneArgs),
}

/// Why a data command refused or failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    #[error(transparent)]
    /// Upgrading the database failed.
    Migrate(#[from] MigrateError),
    #[error(
        "refusing to {action} {database}: {reason}. Point DATABASE_URL at a local database, or pass \
         --allow-remote if you are sure"
    )]
    /// The database does not look local, and `--allow-remote` was not
    /// given.
    NotLocal {
        /// What was refused (`reset`, `seed`).
        action: &'static str,
        /// The database, without its password.
        database: String,
        /// Why it does not look local.
        reason: String,
    },
    #[error(
        "the database is not at head ({state}); seed data is written for the latest schema. Run `{}` first",
        crate::hint::MIGRATE_UPGRADE
    )]
    /// Seeding needs the database at head.
    NotAtHead {
        /// Why it is not: revisions pending, or drifted, unknown or
        /// unresolved ones.
        state: String,
    },
    #[error("the seed code failed: {0}")]
    /// The project's seed code returned an error; nothing was written.
    SeedCode(String),
    #[error("seeding failed, nothing was written: {0}")]
    /// Writing the seed rows failed; nothing was written.
    Write(String),
}

impl DataError {
    /// The exit code: a `Migrate` error's (2 for a URL that cannot be
    /// read), else 1.
    fn exit_code(&self) -> u8 {
        match self {
            DataError::Migrate(error) => super::output::exit_code(error),
            _ => super::output::EXIT_ERROR,
        }
    }
}

/// The seed code a project gives: record rows for `profile` on the seeder.
pub type SeedFn = fn(&mut Seeder, &str) -> Result<(), String>;

/// Runs the project's seed code against the database, in one transaction.
pub fn seed(migrations: &'static Migrations, project: &Project, args: SeedArgs, seed: SeedFn) -> ExitCode {
    super::init_tracing();
    let out = Printer::new(args.format, args.quiet);
    let result = super::block_on(async {
        let url = project.database_url(args.database_url.as_deref(), args.quiet || args.format == Format::Json)?;
        if let (false, Some(reason)) = (args.allow_remote, not_local_reason(&url)) {
            return Err(DataError::NotLocal { action: "seed", database: url.to_string(), reason });
        }
        let mut db = connect(&url).await.map_err(MigrateError::from)?;
        let status = Migrator::new(migrations).status(&mut db).await?;
        if !status.is_clean() {
            let state = if status.pending.is_empty() {
                format!("drifted, unknown or unresolved revisions; see `{}`", crate::hint::MIGRATE_CHECK)
            } else {
                format!("{} revision(s) pending", status.pending.len())
            };
            return Err(DataError::NotAtHead { state });
        }
        let mut seeder = Seeder::new(db.dialect());
        seed(&mut seeder, &args.profile).map_err(DataError::SeedCode)?;
        crate::sequence::execute_in_transaction(&mut db, seeder.statements()).await.map_err(|e| DataError::Write(e.to_string()))?;
        Ok(seeder.statements().len())
    });
    let code = match result {
        Ok(Ok(count)) => {
            match args.format {
                Format::Json => println!("{}", serde_json::json!({ "seeded": true, "profile": args.profile, "statements": count })),
                Format::Text => out.line(&format!("seeded profile {} ({count} rows checked or inserted)", args.profile)),
            }
            ExitCode::SUCCESS
        }
        Ok(Err(error)) => out.failure(&error.to_string(), error.exit_code()),
        Err(code) => code,
    };
    super::output::finish(code)
}

/// `db reset`: drop, recreate and upgrade to head.
pub fn db(migrations: &'static Migrations, project: &Project, args: DbArgs) -> ExitCode {
    super::init_tracing();
    let (database_url, allow_remote, quiet) = match args.command {
        DbCommand::Reset { database_url, allow_remote, quiet } => (database_url, allow_remote, quiet),
        DbCommand::Clone(clone) => return super::clone::clone(migrations, project, clone),
    };
    let out = Printer::new(Format::Text, quiet);
    let result = super::block_on(async {
        let url = project.database_url(database_url.as_deref(), quiet)?;
        if let (false, Some(reason)) = (allow_remote, not_local_reason(&url)) {
            return Err(DataError::NotLocal { action: "reset", database: url.to_string(), reason });
        }
        recreate_database(&url).await.map_err(MigrateError::from)?;
        let mut db = connect(&url).await.map_err(MigrateError::from)?;
        let steps = Migrator::new(migrations).upgrade(&mut db, &Target::Head).await?;
        Ok(steps)
    });
    let code = match result {
        Ok(Ok(steps)) => out.steps(crate::Direction::Up, steps.as_slice(), false),
        Ok(Err(error)) => out.failure(&error.to_string(), error.exit_code()),
        Err(code) => code,
    };
    super::output::finish(code)
}
