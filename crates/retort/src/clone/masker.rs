//! Making up values: HMAC-SHA256 of the real value under the masking key
//! picks the made-up one, so the same real value gives the same made-up
//! value in every table and every run with that key, and nobody without
//! the key can tell which real value a made-up one came from.
//!
//! Columns that must stay unique (a primary key, a unique constraint or
//! index) make their strategy's values one-to-one: a made-up value already
//! given to another real value is a collision, resolved by deriving again
//! with a counter in the HMAC (`email` then adds a keyed number, `text`
//! stays the same length). Only fingerprints are remembered, never a real
//! value. Which of two colliding values keeps the first choice depends on
//! the order they are read in, which is the primary key's: the same rows
//! give the same values run after run.
//!
//! A made-up value never equals a real one of the columns masked with the
//! same strategy: the fake names are real names too, and a copy in which a
//! search for a customer's real name finds another customer gives that
//! name away. Before anything is copied, every value of those columns in
//! the source is read into [`RealValues`], and a made-up value found there
//! is drawn again with the next counter (the same way for the same real
//! value, so joins on a masked column still match). This holds for the
//! strategies that make up text (email, names, username, phone, address,
//! text, hash); not for `number_range` and `date_shift`, whose values are
//! numbers and dates any real column is full of, nor for `null` and
//! `constant`, which the masking file chose. Values are compared as SQL
//! Server compares them: trimmed, in lower case.

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};

use hmac::{KeyInit, Mac};
use sha2::Sha256;

use super::key::MaskKey;
use super::strategy::Strategy;
use super::words;
use crate::calendar::{civil_from_days, days_from_civil};
use crate::history::Value;

type HmacSha256 = hmac::Hmac<Sha256>;

/// Attempts at a fresh value before a one-to-one strategy gives up (the
/// column's values outnumber what the strategy can make, e.g. a unique
/// `number_range` narrower than the table).
const MAX_ATTEMPTS: u32 = 64;

/// Why a value could not be masked. Never holds the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum MaskError {
    /// The value is not what the strategy reads (`date_shift` of text that
    /// is no date).
    Unreadable(&'static str),
    /// A strategy ran out of values that are no real value (and, one to
    /// one, no other real value's).
    Exhausted { domain: String },
}

/// The keyed value maker of one clone.
pub(crate) struct Masker {
    keyed: HmacSha256,
    /// Strategies (by domain) whose values must be one-to-one.
    one_to_one: HashMap<String, Assignments>,
    /// The source's values of the columns masked by each strategy (by
    /// domain) whose made-up values must differ from every real one.
    real: HashMap<String, RealValues>,
}

/// The real values a strategy's made-up values must differ from, in
/// bounded memory: a Bloom filter, which never misses a value it holds (so
/// a made-up value equal to a real one is always drawn again) and may
/// claim a few it does not hold (a value drawn again for nothing, the same
/// way every run: which ones depends only on the source's values).
///
/// It takes 16 bits a value, up to 32 MiB per strategy: past about 16
/// million values it claims more values it does not hold, so more are
/// drawn again (`MAX_ATTEMPTS` bounds that), and none equals a real one
/// still. Its hash is FNV-1a's, spread by SplitMix64's finaliser: the same
/// in every build, and cheap enough for every value of a large table.
pub(crate) struct RealValues {
    bits: Vec<u64>,
    /// The number of bits, less one (a power of two, less one).
    mask: u64,
    probes: u64,
}

const BITS_PER_VALUE: u64 = 16;
const MIN_BITS: u64 = 1 << 12;
const MAX_BITS: u64 = 1 << 28;

impl RealValues {
    /// A filter sized for `values` values.
    pub fn with_capacity(values: u64) -> Self {
        let bits = values.saturating_mul(BITS_PER_VALUE).clamp(MIN_BITS, MAX_BITS).next_power_of_two();
        // ln 2 × bits per value probes is the fewest false claims.
        let probes = (bits / values.max(1)).saturating_mul(693) / 1000;
        RealValues { bits: vec![0; (bits / 64) as usize], mask: bits - 1, probes: probes.clamp(1, 12) }
    }

    pub fn insert(&mut self, value: &str) {
        let positions: Vec<u64> = self.positions(value).collect();
        for bit in positions {
            self.bits[(bit / 64) as usize] |= 1 << (bit % 64);
        }
    }

    /// Whether `value` may be one of the real values (surely, when it is).
    pub fn may_hold(&self, value: &str) -> bool {
        self.positions(value).all(|bit| self.bits[(bit / 64) as usize] & (1 << (bit % 64)) != 0)
    }

    /// The bits of a value, by double hashing (Kirsch and Mitzenmacher).
    fn positions(&self, value: &str) -> impl Iterator<Item = u64> + '_ {
        let hash = folded_hash(value);
        let (first, step) = (spread(hash), spread(hash ^ 0x9E37_79B9_7F4A_7C15) | 1);
        (0..self.probes).map(move |i| first.wrapping_add(i.wrapping_mul(step)) & self.mask)
    }
}

/// FNV-1a of the UTF-8 of a value as the comparison sees it: trimmed, in
/// lower case (ASCII text, most of it, byte by byte).
fn folded_hash(value: &str) -> u64 {
    let step = |hash: u64, byte: u8| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    let mut hash = 0xcbf2_9ce4_8422_2325_u64;
    let value = value.trim();
    if value.is_ascii() {
        return value.bytes().fold(hash, |hash, byte| step(hash, byte.to_ascii_lowercase()));
    }
    let mut buffer = [0u8; 4];
    for c in value.chars().flat_map(char::to_lowercase) {
        hash = c.encode_utf8(&mut buffer).bytes().fold(hash, step);
    }
    hash
}

/// SplitMix64's finaliser: every bit of the input moves every bit out.
fn spread(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// What a one-to-one domain has handed out, as fingerprints.
#[derive(Default)]
struct Assignments {
    /// Fingerprint of a made-up value (lowercased, since SQL Server compares
    /// case-insensitively) → fingerprint of the real value it went to.
    taken: HashMap<u64, u128>,
    /// Real values whose first choice was taken: the attempt they got.
    moved: HashMap<u128, u32>,
}

impl Masker {
    /// A masker for `key` whose `one_to_one` domains never give two real
    /// values the same made-up value.
    pub fn new(key: &MaskKey, one_to_one: impl IntoIterator<Item = String>) -> Self {
        // A key of any length is valid for HMAC; `MaskKey` refuses short ones.
        let keyed = <HmacSha256 as KeyInit>::new_from_slice(key.bytes()).unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        Self {
            keyed,
            one_to_one: one_to_one.into_iter().map(|domain| (domain, Assignments::default())).collect(),
            real: HashMap::new(),
        }
    }

    /// Makes room for `count` real values of the columns masked with
    /// `strategy`, if its made-up values must differ from them.
    pub fn expect_real_values(&mut self, strategy: &Strategy, count: u64) {
        if strategy.avoids_real_values() {
            self.real.insert(strategy.domain(), RealValues::with_capacity(count));
        }
    }

    /// A real value of a column masked with `strategy`, which no made-up
    /// value of the strategy may equal. NULL is none.
    pub fn add_real_value(&mut self, strategy: &Strategy, value: &Value) {
        let Some(real) = self.real.get_mut(&strategy.domain()) else { return };
        match value {
            Value::Text(text) => real.insert(text),
            Value::Int(number) => real.insert(&number.to_string()),
            Value::Bool(flag) => real.insert(&flag.to_string()),
            Value::Null => {}
        }
    }

    fn digest(&self, domain: &str, input: &[u8], attempt: u32) -> [u8; 32] {
        let mut mac = self.keyed.clone();
        mac.update(domain.as_bytes());
        mac.update(&[0]);
        mac.update(input);
        if attempt > 0 {
            mac.update(&attempt.to_le_bytes());
        }
        mac.finalize().into_bytes().into()
    }

    /// The made-up value of `value` under `strategy`, for a column of at
    /// most `max_chars` characters. `row_key` identifies the row (or the
    /// `by` column's value) for `date_shift`. NULL stays NULL.
    pub fn mask(
        &mut self,
        strategy: &Strategy,
        value: &Value,
        row_key: &[u8],
        max_chars: Option<usize>,
    ) -> Result<Value, MaskError> {
        if *value == Value::Null {
            return Ok(Value::Null);
        }
        let input = match value {
            Value::Text(text) => text.clone(),
            Value::Int(number) => number.to_string(),
            Value::Bool(flag) => flag.to_string(),
            Value::Null => String::new(),
        };
        let domain = strategy.domain();
        Ok(match strategy {
            Strategy::Null => Value::Null,
            Strategy::Constant(constant) => constant.clone(),
            Strategy::DateShift { days, .. } => {
                let digest = self.digest(&domain, row_key, 0);
                let mut rng = Rng::new(&digest);
                let magnitude = 1 + rng.below(u64::from(*days)) as i64;
                let offset = if rng.next() & 1 == 0 { magnitude } else { -magnitude };
                Value::Text(shift_date(&input, offset).ok_or(MaskError::Unreadable("is not a date (YYYY-MM-DD…)"))?)
            }
            Strategy::NumberRange { min, max } => {
                let span = (*max as i128 - *min as i128 + 1) as u128;
                let text = self.one_to_one_value(&domain, input.as_bytes(), |digest, _| {
                    let pick = u128::from(Rng::new(digest).next()) % span;
                    ((*min as i128) + pick as i128).to_string()
                })?;
                Value::Int(text.parse().unwrap_or(*min))
            }
            Strategy::Email => {
                let canonical = input.trim().to_lowercase();
                Value::Text(self.one_to_one_value(&domain, canonical.as_bytes(), |digest, attempt| {
                    fit_email(&email(digest, attempt), max_chars)
                })?)
            }
            _ => Value::Text(self.one_to_one_value(&domain, input.as_bytes(), |digest, attempt| {
                let made = match strategy {
                    Strategy::Name => name(digest, attempt),
                    Strategy::FirstName => numbered(pick(words::FIRST_NAMES, digest, 0).to_owned(), digest, attempt),
                    Strategy::LastName => numbered(pick(words::LAST_NAMES, digest, 1).to_owned(), digest, attempt),
                    Strategy::Username => username(digest),
                    Strategy::Phone => phone(digest),
                    Strategy::Address => address(digest),
                    Strategy::Text => same_length_text(&input, digest),
                    _ => hex(digest),
                };
                fit(&made, max_chars)
            })?),
        })
    }

    /// `make(digest, attempt)` for the value: the first attempt that is
    /// no real value of the domain's columns and, when the domain must be
    /// one-to-one, no other real value's.
    fn one_to_one_value(
        &mut self,
        domain: &str,
        input: &[u8],
        make: impl Fn(&[u8; 32], u32) -> String,
    ) -> Result<String, MaskError> {
        let first = self.digest(domain, input, 0);
        let is_real = |this: &Self, made: &str| this.real.get(domain).is_some_and(|real| real.may_hold(made));
        if !self.one_to_one.contains_key(domain) {
            for attempt in 0..MAX_ATTEMPTS {
                let digest = if attempt == 0 { first } else { self.digest(domain, input, attempt) };
                let made = make(&digest, attempt);
                if !is_real(self, &made) {
                    return Ok(made);
                }
            }
            return Err(MaskError::Exhausted { domain: domain.to_owned() });
        }
        let real = u128::from_le_bytes(first[..16].try_into().unwrap_or([0; 16]));
        let moved = self.one_to_one.get(domain).and_then(|a| a.moved.get(&real).copied());
        if let Some(attempt) = moved {
            return Ok(make(&self.digest(domain, input, attempt), attempt));
        }
        for attempt in 0..MAX_ATTEMPTS {
            let digest = if attempt == 0 { first } else { self.digest(domain, input, attempt) };
            let made = make(&digest, attempt);
            if is_real(self, &made) {
                continue;
            }
            let fingerprint = fingerprint(&made);
            let Some(assignments) = self.one_to_one.get_mut(domain) else { break };
            match assignments.taken.get(&fingerprint) {
                None => {
                    assignments.taken.insert(fingerprint, real);
                    if attempt > 0 {
                        assignments.moved.insert(real, attempt);
                    }
                    return Ok(made);
                }
                Some(owner) if *owner == real => return Ok(made),
                Some(_) => {}
            }
        }
        Err(MaskError::Exhausted { domain: domain.to_owned() })
    }
}

/// A fingerprint of a made-up value for collision checks, case folded.
fn fingerprint(value: &str) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    value.to_lowercase().hash(&mut hasher);
    hasher.finish()
}

/// A small generator seeded from a digest (SplitMix64): the digest is the
/// secret part, this only spreads it over several picks.
struct Rng(u64);

impl Rng {
    fn new(digest: &[u8; 32]) -> Self {
        let mut seed = [0u8; 8];
        seed.copy_from_slice(&digest[..8]);
        Rng(u64::from_le_bytes(seed))
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
}

/// Word `slot` of a digest picked from `list`.
fn pick<'a>(list: &[&'a str], digest: &[u8; 32], slot: usize) -> &'a str {
    let at = 8 + slot * 4;
    let mut bytes = [0u8; 4];
    bytes.copy_from_slice(&digest[at..at + 4]);
    list[u32::from_le_bytes(bytes) as usize % list.len()]
}

/// After a few fresh picks, a keyed number makes the value distinct.
fn numbered(base: String, digest: &[u8; 32], attempt: u32) -> String {
    if attempt < 4 {
        base
    } else {
        format!("{base} {}", 2 + Rng::new(digest).below(9998))
    }
}

fn name(digest: &[u8; 32], attempt: u32) -> String {
    let full = format!("{} {}", pick(words::FIRST_NAMES, digest, 0), pick(words::LAST_NAMES, digest, 1));
    numbered(full, digest, attempt)
}

fn username(digest: &[u8; 32]) -> String {
    let number = Rng::new(digest).below(1000);
    format!("{}_{}{number}", pick(words::FIRST_NAMES, digest, 0), pick(words::LAST_NAMES, digest, 1)).to_lowercase()
}

fn email(digest: &[u8; 32], attempt: u32) -> String {
    let mut rng = Rng::new(digest);
    let number = rng.below(if attempt == 0 { 10_000 } else { 1_000_000 });
    format!(
        "{}.{}{number}@{}",
        pick(words::FIRST_NAMES, digest, 0),
        pick(words::LAST_NAMES, digest, 1),
        pick(words::EMAIL_DOMAINS, digest, 2)
    )
    .to_lowercase()
}

fn phone(digest: &[u8; 32]) -> String {
    let mut rng = Rng::new(digest);
    format!("+1-555-{:03}-{:04}", rng.below(1000), rng.below(10_000))
}

fn address(digest: &[u8; 32]) -> String {
    let number = 1 + Rng::new(digest).below(9999);
    format!(
        "{number} {} {}, {}",
        pick(words::STREETS, digest, 0),
        pick(words::STREET_TYPES, digest, 1),
        pick(words::CITIES, digest, 2)
    )
}

/// Letters for letters (keeping case), digits for digits, the rest kept:
/// the same number of characters as the real text.
fn same_length_text(input: &str, digest: &[u8; 32]) -> String {
    let mut rng = Rng::new(digest);
    input
        .chars()
        .map(|c| {
            if c.is_ascii_digit() {
                char::from(b'0' + rng.below(10) as u8)
            } else if c.is_uppercase() {
                char::from(b'A' + rng.below(26) as u8)
            } else if c.is_alphabetic() {
                char::from(b'a' + rng.below(26) as u8)
            } else {
                c
            }
        })
        .collect()
}

fn hex(digest: &[u8; 32]) -> String {
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The value cut to `max` characters.
fn fit(value: &str, max: Option<usize>) -> String {
    match max {
        Some(max) if value.chars().count() > max => value.chars().take(max).collect(),
        _ => value.to_owned(),
    }
}

/// An address cut to `max` characters by shortening its local part.
fn fit_email(address: &str, max: Option<usize>) -> String {
    let Some(max) = max.filter(|max| address.chars().count() > *max) else { return address.to_owned() };
    match address.split_once('@') {
        Some((local, domain)) if domain.len() + 2 <= max => {
            let keep = max - domain.len() - 1;
            format!("{}@{domain}", local.chars().rev().take(keep).collect::<Vec<_>>().into_iter().rev().collect::<String>())
        }
        _ => fit(address, Some(max)),
    }
}

/// `YYYY-MM-DD…` moved by `days`, the rest of the text (a time, an offset)
/// unchanged.
fn shift_date(text: &str, days: i64) -> Option<String> {
    let date = text.get(..10)?;
    let mut parts = date.split('-');
    let (year, month, day): (i64, u32, u32) =
        (parts.next()?.parse().ok()?, parts.next()?.parse().ok()?, parts.next()?.parse().ok()?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || date.as_bytes()[4] != b'-' {
        return None;
    }
    let (y, m, d) = civil_from_days(days_from_civil(year, month, day) + days);
    Some(format!("{y:04}-{m:02}-{d:02}{}", &text[10..]))
}

/// The one-to-one domains among `strategies` that must be: a strategy
/// used on any column that has to stay unique.
pub(crate) fn one_to_one_domains<'a>(strategies: impl IntoIterator<Item = (&'a Strategy, bool)>) -> HashSet<String> {
    strategies
        .into_iter()
        .filter(|(strategy, unique)| *unique && strategy.is_function_of_value())
        .map(|(strategy, _)| strategy.domain())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> MaskKey {
        MaskKey::new(text).unwrap()
    }

    fn text(value: &str) -> Value {
        Value::Text(value.to_owned())
    }

    #[test]
    fn mask_gives_the_same_value_for_the_same_key_and_another_for_another_key() {
        let mut one = Masker::new(&key("key-number-one-0123456789"), []);
        let mut again = Masker::new(&key("key-number-one-0123456789"), []);
        let mut other = Masker::new(&key("key-number-two-0123456789"), []);
        for strategy in [Strategy::Email, Strategy::Name, Strategy::Phone, Strategy::Hash, Strategy::Address] {
            let real = text("ada.lovelace@analytical.org");
            let a = one.mask(&strategy, &real, b"", None).unwrap();
            assert_eq!(a, again.mask(&strategy, &real, b"", None).unwrap());
            assert_ne!(a, other.mask(&strategy, &real, b"", None).unwrap());
            assert_ne!(a, real);
        }
    }

    #[test]
    fn mask_treats_emails_case_insensitively_and_uses_reserved_domains() {
        let mut masker = Masker::new(&key("key-number-one-0123456789"), []);
        let a = masker.mask(&Strategy::Email, &text("Ada@Example.ORG "), b"", None).unwrap();
        let b = masker.mask(&Strategy::Email, &text("ada@example.org"), b"", None).unwrap();
        assert_eq!(a, b);
        let Value::Text(address) = a else { panic!("text expected") };
        assert!(words::EMAIL_DOMAINS.iter().any(|domain| address.ends_with(&format!("@{domain}"))), "{address}");
    }

    #[test]
    fn mask_keeps_one_to_one_domains_unique_when_values_collide() {
        let mut masker = Masker::new(&key("key-number-one-0123456789"), ["first_name".to_owned()]);
        let mut seen = HashSet::new();
        // Far more real values than first names: collisions are certain.
        for n in 0..500 {
            let made = masker.mask(&Strategy::FirstName, &text(&format!("person {n}")), b"", None).unwrap();
            assert!(seen.insert(format!("{made:?}").to_lowercase()), "{made:?} given twice");
        }
        // And the same real value still gets its own value back.
        let first = masker.mask(&Strategy::FirstName, &text("person 7"), b"", None).unwrap();
        assert_eq!(first, masker.mask(&Strategy::FirstName, &text("person 7"), b"", None).unwrap());
    }

    #[test]
    fn mask_never_gives_back_a_real_value_of_its_columns_when_every_fake_name_is_real() {
        for one_to_one in [false, true] {
            let domains: Vec<String> = if one_to_one { vec!["first_name".to_owned()] } else { Vec::new() };
            let mut masker = Masker::new(&key("key-number-one-0123456789"), domains);
            masker.expect_real_values(&Strategy::FirstName, words::FIRST_NAMES.len() as u64);
            for name in words::FIRST_NAMES {
                // As a database holds them, in any case.
                masker.add_real_value(&Strategy::FirstName, &text(&name.to_uppercase()));
            }
            let mut made = Vec::new();
            for name in words::FIRST_NAMES {
                let Value::Text(value) = masker.mask(&Strategy::FirstName, &text(name), b"", None).unwrap() else { panic!() };
                let clash = words::FIRST_NAMES.iter().any(|real| real.eq_ignore_ascii_case(value.trim()));
                assert!(!clash, "{name} was masked as {value}, a real first name");
                made.push(value);
            }
            // The same real value still gets the same made-up one.
            let again = masker.mask(&Strategy::FirstName, &text(words::FIRST_NAMES[7]), b"", None).unwrap();
            assert_eq!(again, text(&made[7]));
        }
    }

    #[test]
    fn folded_hash_is_the_same_for_a_value_in_any_case_and_with_blanks() {
        assert_eq!(folded_hash(" Ada "), folded_hash("ada"));
        assert_eq!(folded_hash("ÉLODIE"), folded_hash("élodie"));
        assert_ne!(folded_hash("ada"), folded_hash("adb"));
    }

    #[test]
    fn real_values_hold_every_value_inserted_and_few_others() {
        let mut real = RealValues::with_capacity(10_000);
        for n in 0..10_000 {
            real.insert(&format!("Value {n}"));
        }
        assert!((0..10_000).all(|n| real.may_hold(&format!(" value {n}"))));
        let claimed = (0..10_000).filter(|n| real.may_hold(&format!("other {n}"))).count();
        assert!(claimed < 50, "{claimed} false claims in 10,000");
    }

    #[test]
    fn mask_fails_when_a_unique_range_is_too_narrow() {
        let strategy = Strategy::NumberRange { min: 1, max: 3 };
        let mut masker = Masker::new(&key("key-number-one-0123456789"), [strategy.domain()]);
        let results: Vec<_> = (0..10).map(|n| masker.mask(&strategy, &Value::Int(n), b"", None)).collect();
        assert!(results.iter().any(|r| matches!(r, Err(MaskError::Exhausted { .. }))));
    }

    #[test]
    fn mask_shifts_dates_of_one_row_by_one_amount() {
        let mut masker = Masker::new(&key("key-number-one-0123456789"), []);
        let strategy = Strategy::DateShift { days: 30, by: None };
        let created = masker.mask(&strategy, &text("2024-02-28 10:00:00"), b"row 1", None).unwrap();
        let updated = masker.mask(&strategy, &text("2024-03-01 10:00:00"), b"row 1", None).unwrap();
        let (Value::Text(created), Value::Text(updated)) = (created, updated) else { panic!("text expected") };
        assert!(created < updated, "{created} {updated}");
        assert!(created.ends_with(" 10:00:00") && !created.starts_with("2024-02-28"), "{created}");
        assert!(masker.mask(&strategy, &text("not a date"), b"row 1", None).is_err());
    }

    #[test]
    fn mask_keeps_text_length_and_fits_the_column() {
        let mut masker = Masker::new(&key("key-number-one-0123456789"), []);
        let made = masker.mask(&Strategy::Text, &text("Call me at 555, Ada."), b"", None).unwrap();
        let Value::Text(made) = made else { panic!("text expected") };
        assert_eq!(made.chars().count(), 20);
        assert_eq!(&made[4..5], " ");
        let Value::Text(short) = masker.mask(&Strategy::Email, &text("a@b.c"), b"", Some(16)).unwrap() else { panic!() };
        assert!(short.chars().count() <= 16 && short.contains('@'), "{short}");
    }

    #[test]
    fn shift_date_crosses_a_leap_day() {
        assert_eq!(shift_date("2024-02-28", 2).as_deref(), Some("2024-03-01"));
    }
}
