//! What the masking file says about one column: keep it, or replace it by
//! one of the masking strategies.

use std::fmt;

use super::kind::Kind;
use crate::history::Value;

/// How one column crosses to the destination.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    /// The real value, unchanged. A column that looks personal needs a
    /// reason (`{ keep = "why" }`).
    Keep {
        /// Why keeping the real value is safe; required for a column that
        /// looks personal.
        reason: Option<String>,
    },
    /// A value made up from the real one.
    Mask(Strategy),
}

/// A way of making up a value. Every strategy but `null` and `constant` is
/// keyed: the same real value and key give the same made-up value, in every
/// table and every run; NULL stays NULL.
#[derive(Debug, Clone, PartialEq)]
pub enum Strategy {
    /// NULL (for a nullable column).
    Null,
    /// One value for every row.
    Constant(Value),
    /// `first.last42@example.com` (reserved domains only; case-insensitive:
    /// `Ada@X.org` and `ada@x.org` give the same address).
    Email,
    /// `First Last`.
    Name,
    /// A made-up first name.
    FirstName,
    /// A made-up last name.
    LastName,
    /// `first_last42`.
    Username,
    /// `+1-555-…`, in the 555 exchange kept for fiction.
    Phone,
    /// `1428 Maple Avenue, Springfield`.
    Address,
    /// As many characters as the real text: letters for letters (keeping
    /// case), digits for digits, everything else as it was.
    Text,
    /// The keyed HMAC-SHA256 of the value, in hex (cut to the column's length).
    Hash,
    /// A whole number from `min` to `max`.
    NumberRange {
        /// The smallest value.
        min: i64,
        /// The largest value.
        max: i64,
    },
    /// The date moved by up to `days` days either way, by the same amount
    /// for every date of one row (so their order and intervals stay), or for
    /// every row with the same value of column `by`.
    DateShift {
        /// The largest shift, in days either way.
        days: u32,
        /// The column whose value picks the shift, so that rows with the same
        /// value shift alike; `None`: each row picks its own.
        by: Option<String>,
    },
}

impl Strategy {
    /// The name the masking file uses.
    pub fn name(&self) -> &'static str {
        match self {
            Strategy::Null => "null",
            Strategy::Constant(_) => "constant",
            Strategy::Email => "email",
            Strategy::Name => "name",
            Strategy::FirstName => "first_name",
            Strategy::LastName => "last_name",
            Strategy::Username => "username",
            Strategy::Phone => "phone",
            Strategy::Address => "address",
            Strategy::Text => "text",
            Strategy::Hash => "hash",
            Strategy::NumberRange { .. } => "number_range",
            Strategy::DateShift { .. } => "date_shift",
        }
    }

    /// The strategies written as a bare name (`email = "email"`).
    pub(crate) fn from_bare_name(name: &str) -> Option<Strategy> {
        Some(match name {
            "null" => Strategy::Null,
            "email" => Strategy::Email,
            "name" => Strategy::Name,
            "first_name" => Strategy::FirstName,
            "last_name" => Strategy::LastName,
            "username" => Strategy::Username,
            "phone" => Strategy::Phone,
            "address" => Strategy::Address,
            "text" => Strategy::Text,
            "hash" => Strategy::Hash,
            _ => return None,
        })
    }

    /// Every strategy name, for messages.
    pub(crate) const NAMES: &'static str =
        "keep, null, constant, email, name, first_name, last_name, username, phone, address, text, hash, \
         number_range, date_shift";

    /// The label that keys the strategy's values: two columns masked with
    /// the same label give the same made-up value for the same real one,
    /// which is what keeps joins on masked columns matching.
    pub(crate) fn domain(&self) -> String {
        match self {
            Strategy::NumberRange { min, max } => format!("number_range:{min}:{max}"),
            Strategy::DateShift { days, .. } => format!("date_shift:{days}"),
            other => other.name().to_owned(),
        }
    }

    /// Whether the made-up value depends only on the real value (and the
    /// key), so that a foreign key masked this way still finds its row.
    pub(crate) fn is_function_of_value(&self) -> bool {
        !matches!(self, Strategy::DateShift { .. } | Strategy::Null | Strategy::Constant(_))
    }

    /// Whether the strategy's made-up values must differ from every real
    /// value of the columns it masks (see `masker.rs`): those that make up
    /// text; not numbers and dates, which no strategy can keep apart from
    /// a real column full of them, nor `null` and `constant`.
    pub(crate) fn avoids_real_values(&self) -> bool {
        matches!(
            self,
            Strategy::Email
                | Strategy::Name
                | Strategy::FirstName
                | Strategy::LastName
                | Strategy::Username
                | Strategy::Phone
                | Strategy::Address
                | Strategy::Text
                | Strategy::Hash
        )
    }

    /// Why the strategy cannot fill a column of `kind`, if it cannot.
    pub(crate) fn unfit_for(&self, kind: Kind, nullable: bool) -> Option<String> {
        let textual = kind.is_textual();
        match self {
            Strategy::Null if !nullable => Some("the column is NOT NULL".to_owned()),
            Strategy::Null | Strategy::Constant(_) => None,
            Strategy::NumberRange { min, max } if min > max => Some(format!("min {min} is above max {max}")),
            Strategy::NumberRange { .. } if kind.is_numeric() || textual => None,
            Strategy::NumberRange { .. } => Some(format!("the column holds {kind:?}, not numbers")),
            Strategy::DateShift { days: 0, .. } => Some("days must be at least 1".to_owned()),
            Strategy::DateShift { .. } if kind.is_temporal() || kind == Kind::Text => None,
            Strategy::DateShift { .. } => Some(format!("the column holds {kind:?}, not dates")),
            Strategy::Hash if textual || kind == Kind::Binary => None,
            _ if textual => None,
            _ => Some(format!("{} makes up text, and the column holds {kind:?}", self.name())),
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::Keep { .. } => f.write_str("keep"),
            Rule::Mask(strategy) => f.write_str(strategy.name()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unfit_for_refuses_null_on_not_null_and_text_on_numbers() {
        assert!(Strategy::Null.unfit_for(Kind::Text, false).is_some());
        assert!(Strategy::Null.unfit_for(Kind::Text, true).is_none());
        assert!(Strategy::Email.unfit_for(Kind::Integer, true).is_some());
        assert!(Strategy::Email.unfit_for(Kind::Text, true).is_none());
        assert!(Strategy::NumberRange { min: 5, max: 1 }.unfit_for(Kind::Integer, true).is_some());
        assert!(Strategy::DateShift { days: 30, by: None }.unfit_for(Kind::Timestamp, true).is_none());
    }
}
