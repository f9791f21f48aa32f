//! What a column holds, across dialects, for a copy between two databases
//! (`db clone`): each dialect reads every kind as one portable text or
//! number form and writes it back ([`Facts::select_canonical`](super::Facts::select_canonical),
//! [`Facts::cast_parameter`](super::Facts::cast_parameter)).

/// The portable kinds of column a copy knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Whole numbers.
    Integer,
    /// Flags.
    Bool,
    /// Exact decimals.
    Decimal,
    /// Floating-point numbers.
    Float,
    /// Text.
    Text,
    /// Bytes.
    Binary,
    /// Calendar dates.
    Date,
    /// Times of day.
    Time,
    /// A date and time without a zone.
    Timestamp,
    /// A date and time with a zone or offset.
    TimestampTz,
    /// UUIDs.
    Uuid,
    /// JSON documents.
    Json,
    /// Anything else (enums, arrays, XML…): read as text and cast back to the
    /// same type, which works between two databases of one dialect.
    Other,
}

impl Kind {
    /// Whether the kind holds text a person may have written (the masking
    /// strategies that make up text apply to it).
    pub fn is_textual(self) -> bool {
        matches!(self, Kind::Text | Kind::Other | Kind::Json | Kind::Uuid)
    }

    /// Whether the kind holds numbers (integer, decimal or float).
    pub fn is_numeric(self) -> bool {
        matches!(self, Kind::Integer | Kind::Decimal | Kind::Float)
    }

    /// Whether the kind holds dates or date-times.
    pub fn is_temporal(self) -> bool {
        matches!(self, Kind::Date | Kind::Timestamp | Kind::TimestampTz)
    }
}
