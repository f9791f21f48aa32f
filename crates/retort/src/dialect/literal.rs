//! Typed values written into SQL text: column defaults and the rows of
//! `bulk_insert`.
//!
//! A revision is rendered to SQL text (offline scripts must be able to show
//! it), so values cannot travel as parameters here. Instead every value is
//! typed and rendered by one function per kind ([`Dialect::literal`](super::Dialect::literal)):
//! text only through the dialect's quoting, numbers only from Rust numbers,
//! bytes as hex.

/// A typed value.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Literal {
    /// SQL `NULL`.
    Null,
    /// A flag (`TRUE`/`FALSE`, or `1`/`0` where the dialect has no boolean).
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A finite floating-point number (NaN and infinities are refused when rendered).
    Float(f64),
    /// An exact decimal, as text: an optional `-`, digits, optionally `.` and digits.
    Decimal(String),
    /// Text, quoted and escaped for the dialect.
    Text(String),
    /// Bytes, written as a hex literal.
    Bytes(Vec<u8>),
}

impl Literal {
    /// An exact decimal such as `"12.50"`; checked when rendered.
    pub fn decimal(text: impl Into<String>) -> Self {
        Literal::Decimal(text.into())
    }
}

/// Whether `text` is an exact decimal as [`Literal::Decimal`] holds it.
pub(crate) fn is_decimal(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    !whole.is_empty()
        && !fraction.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

macro_rules! literal_from {
    ($($ty:ty => $variant:ident via $convert:expr),* $(,)?) => {
        $(impl From<$ty> for Literal {
            fn from(value: $ty) -> Self {
                Literal::$variant($convert(value))
            }
        })*
    };
}

literal_from!(
    bool => Bool via |v| v,
    i8 => Int via i64::from,
    i16 => Int via i64::from,
    i32 => Int via i64::from,
    i64 => Int via |v| v,
    u8 => Int via i64::from,
    u16 => Int via i64::from,
    u32 => Int via i64::from,
    f32 => Float via f64::from,
    f64 => Float via |v| v,
    &str => Text via str::to_owned,
    String => Text via |v| v,
    Vec<u8> => Bytes via |v| v,
);

impl<T: Into<Literal>> From<Option<T>> for Literal {
    fn from(value: Option<T>) -> Self {
        value.map_or(Literal::Null, Into::into)
    }
}
