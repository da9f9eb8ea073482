//! FIX field types as the XML dictionaries name them.

/// A field's type, from the `type` attribute of its `<field>` definition.
///
/// Every type the shipped dictionaries use has a variant so tools can tell them apart, but only
/// some are checked on the wire (see [`FieldType::is_checked_by_default`]): the rest have no
/// format QuickFIX C++ 1.15.1 enforces, and spinfix rejects exactly what it rejects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldType {
    /// `STRING`; also `CHAR` in FIX.4.0 and FIX.4.1, whose CHAR fields carry multi-byte values.
    String,
    /// `CHAR`: exactly one byte.
    Char,
    /// `PRICE`.
    Price,
    /// `INT`.
    Int,
    /// `AMT`.
    Amt,
    /// `QTY`.
    Qty,
    /// `CURRENCY`.
    Currency,
    /// `MULTIPLEVALUESTRING`: space-separated enum values.
    MultipleValueString,
    /// `MULTIPLESTRINGVALUE`: space-separated enum values.
    MultipleStringValue,
    /// `MULTIPLECHARVALUE`: space-separated enum values.
    MultipleCharValue,
    /// `EXCHANGE`.
    Exchange,
    /// `UTCTIMESTAMP`, and FIX.4.0/4.1 `TIME`.
    UtcTimestamp,
    /// `BOOLEAN`: `Y` or `N`.
    Boolean,
    /// `LOCALMKTDATE`.
    LocalMktDate,
    /// `DATA`: raw bytes whose length a preceding field carries.
    Data,
    /// `FLOAT`.
    Float,
    /// `PRICEOFFSET`.
    PriceOffset,
    /// `MONTHYEAR`.
    MonthYear,
    /// `DAYOFMONTH`.
    DayOfMonth,
    /// `UTCDATE` / `UTCDATEONLY`.
    UtcDateOnly,
    /// `UTCTIMEONLY`.
    UtcTimeOnly,
    /// `NUMINGROUP`.
    NumInGroup,
    /// `PERCENTAGE`.
    Percentage,
    /// `SEQNUM`.
    SeqNum,
    /// `LENGTH`.
    Length,
    /// `COUNTRY`.
    Country,
    /// `TZTIMEONLY`.
    TzTimeOnly,
    /// `TZTIMESTAMP`.
    TzTimestamp,
    /// `XMLDATA`.
    XmlData,
    /// `LANGUAGE`.
    Language,
    /// `LOCALMKTTIME`.
    LocalMktTime,
    /// `TAGNUM`.
    TagNum,
    /// `XID`.
    Xid,
    /// `XIDREF`.
    XidRef,
    /// `DATE` (FIX.4.0/4.1).
    Date,
    /// Any other name: accepted at load, never checked.
    Unknown,
}

impl FieldType {
    /// The type named by a dictionary's `type` attribute. `CHAR` before FIX.4.2 is a string,
    /// as QuickFIX reads it.
    pub fn from_xml(name: &str, before_fix42: bool) -> FieldType {
        match name {
            "STRING" => FieldType::String,
            "CHAR" if before_fix42 => FieldType::String,
            "CHAR" => FieldType::Char,
            "PRICE" => FieldType::Price,
            "INT" => FieldType::Int,
            "AMT" => FieldType::Amt,
            "QTY" => FieldType::Qty,
            "CURRENCY" => FieldType::Currency,
            "MULTIPLEVALUESTRING" => FieldType::MultipleValueString,
            "MULTIPLESTRINGVALUE" => FieldType::MultipleStringValue,
            "MULTIPLECHARVALUE" => FieldType::MultipleCharValue,
            "EXCHANGE" => FieldType::Exchange,
            "UTCTIMESTAMP" | "TIME" => FieldType::UtcTimestamp,
            "BOOLEAN" => FieldType::Boolean,
            "LOCALMKTDATE" => FieldType::LocalMktDate,
            "DATA" => FieldType::Data,
            "FLOAT" => FieldType::Float,
            "PRICEOFFSET" => FieldType::PriceOffset,
            "MONTHYEAR" => FieldType::MonthYear,
            "DAYOFMONTH" => FieldType::DayOfMonth,
            "UTCDATE" | "UTCDATEONLY" => FieldType::UtcDateOnly,
            "UTCTIMEONLY" => FieldType::UtcTimeOnly,
            "NUMINGROUP" => FieldType::NumInGroup,
            "PERCENTAGE" => FieldType::Percentage,
            "SEQNUM" => FieldType::SeqNum,
            "LENGTH" => FieldType::Length,
            "COUNTRY" => FieldType::Country,
            "TZTIMEONLY" => FieldType::TzTimeOnly,
            "TZTIMESTAMP" => FieldType::TzTimestamp,
            "XMLDATA" => FieldType::XmlData,
            "LANGUAGE" => FieldType::Language,
            "LOCALMKTTIME" => FieldType::LocalMktTime,
            "TAGNUM" => FieldType::TagNum,
            "XID" => FieldType::Xid,
            "XIDREF" => FieldType::XidRef,
            "DATE" => FieldType::Date,
            _ => FieldType::Unknown,
        }
    }

    /// Whether values are lists of space-separated enum values.
    pub const fn is_multiple_value(self) -> bool {
        matches!(
            self,
            FieldType::MultipleValueString
                | FieldType::MultipleStringValue
                | FieldType::MultipleCharValue
        )
    }

    /// Whether values are integers (`-?[0-9]+`).
    pub const fn is_integer(self) -> bool {
        matches!(
            self,
            FieldType::Int | FieldType::NumInGroup | FieldType::SeqNum | FieldType::Length
        )
    }

    /// Whether values are decimals (`-?[0-9]*(.[0-9]*)?` with at least one digit).
    pub const fn is_decimal(self) -> bool {
        matches!(
            self,
            FieldType::Price
                | FieldType::Amt
                | FieldType::Qty
                | FieldType::Float
                | FieldType::PriceOffset
                | FieldType::Percentage
        )
    }

    /// Whether the default (QuickFIX-compatible) validation checks this type's format.
    pub const fn is_checked_by_default(self) -> bool {
        self.is_integer()
            || self.is_decimal()
            || matches!(
                self,
                FieldType::Char
                    | FieldType::Boolean
                    | FieldType::UtcTimestamp
                    | FieldType::UtcTimeOnly
                    | FieldType::UtcDateOnly
            )
    }
}
