//! Development seed data, as the cloning guide recommends instead of copying
//! production: 10 users (the first an admin) and 50 todos spread over them,
//! with fake names and text and really hashed passwords.
//!
//! The fake data comes from a fixed random seed, and every row is inserted
//! only if its natural key is absent, so seeding twice leaves the same rows.

use argon2::password_hash::PasswordHasher;
use argon2::Argon2;
use fake::faker::lorem::en::{Sentence, Words};
use fake::faker::name::en::{FirstName, LastName};
use fake::Fake;
use rand::rngs::StdRng;
use rand::SeedableRng;
use retort::seed::{lookup, Seeder};

/// The profiles `cargo xtask seed --profile` accepts.
pub const PROFILES: [&str; 1] = ["dev"];

/// The password every seeded user has, for logging in during development.
pub const DEV_PASSWORD: &str = "password123";

/// Records the seed rows of `profile`.
pub fn seed(seeder: &mut Seeder, profile: &str) -> Result<(), String> {
    if !PROFILES.contains(&profile) {
        return Err(format!("unknown seed profile {profile:?}: the profiles are {}", PROFILES.join(", ")));
    }
    let mut rng = StdRng::seed_from_u64(7);
    let hasher = Argon2::default();
    for i in 1..=10 {
        let email = format!("user{i}@example.com");
        let first: String = FirstName().fake_with_rng(&mut rng);
        let last: String = LastName().fake_with_rng(&mut rng);
        // A fresh salt each time; the row is only inserted once, so the
        // stored hash does not change between runs.
        let hashed = hasher
            .hash_password(DEV_PASSWORD.as_bytes())
            .map_err(|e| format!("hashing the password of {email}: {e}"))?
            .to_string();
        seeder.insert_unless_exists(
            "users",
            &["email"],
            &[
                ("email", email.as_str().into()),
                ("username", format!("testuser{i}").into()),
                ("first_name", first.into()),
                ("last_name", last.into()),
                ("hashed_password", hashed.into()),
                ("role", if i == 1 { "admin" } else { "user" }.into()),
                ("status", "active".into()),
            ],
        );
    }
    for i in 1..=50i64 {
        let words: Vec<String> = Words(2..5).fake_with_rng(&mut rng);
        let description: String = Sentence(4..10).fake_with_rng(&mut rng);
        let owner = format!("user{}@example.com", i % 10 + 1);
        seeder.insert_unless_exists(
            "todos",
            &["owner_id", "title"],
            &[
                ("title", format!("Todo {i}: {}", words.join(" ")).into()),
                ("description", description.into()),
                ("priority", (i % 5 + 1).into()),
                ("complete", (i % 3 == 0).into()),
                ("owner_id", lookup("users", "id", "email", owner.as_str())),
            ],
        );
    }
    Ok(())
}
