//! SessionRejectReason(373) values and their standard texts.

/// Why a message was rejected at the session level, as SessionRejectReason(373) carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RejectReason {
    /// 0
    InvalidTagNumber,
    /// 1
    RequiredTagMissing,
    /// 2
    TagNotDefinedForMessageType,
    /// 3
    UndefinedTag,
    /// 4
    TagSpecifiedWithoutValue,
    /// 5
    ValueIsIncorrect,
    /// 6
    IncorrectDataFormat,
    /// 7
    DecryptionProblem,
    /// 8
    SignatureProblem,
    /// 9
    CompIdProblem,
    /// 10
    SendingTimeAccuracyProblem,
    /// 11
    InvalidMsgType,
    /// 12
    XmlValidationError,
    /// 13
    TagAppearsMoreThanOnce,
    /// 14
    TagSpecifiedOutOfRequiredOrder,
    /// 15
    RepeatingGroupFieldsOutOfOrder,
    /// 16
    IncorrectNumInGroupCount,
    /// 17
    NonDataValueIncludesFieldDelimiter,
    /// 99
    Other,
}

impl RejectReason {
    /// The SessionRejectReason(373) code.
    pub const fn code(self) -> u32 {
        match self {
            RejectReason::InvalidTagNumber => 0,
            RejectReason::RequiredTagMissing => 1,
            RejectReason::TagNotDefinedForMessageType => 2,
            RejectReason::UndefinedTag => 3,
            RejectReason::TagSpecifiedWithoutValue => 4,
            RejectReason::ValueIsIncorrect => 5,
            RejectReason::IncorrectDataFormat => 6,
            RejectReason::DecryptionProblem => 7,
            RejectReason::SignatureProblem => 8,
            RejectReason::CompIdProblem => 9,
            RejectReason::SendingTimeAccuracyProblem => 10,
            RejectReason::InvalidMsgType => 11,
            RejectReason::XmlValidationError => 12,
            RejectReason::TagAppearsMoreThanOnce => 13,
            RejectReason::TagSpecifiedOutOfRequiredOrder => 14,
            RejectReason::RepeatingGroupFieldsOutOfOrder => 15,
            RejectReason::IncorrectNumInGroupCount => 16,
            RejectReason::NonDataValueIncludesFieldDelimiter => 17,
            RejectReason::Other => 99,
        }
    }

    /// The standard Text(58) QuickFIX sends with this reason.
    pub const fn text(self) -> &'static str {
        match self {
            RejectReason::InvalidTagNumber => "Invalid tag number",
            RejectReason::RequiredTagMissing => "Required tag missing",
            RejectReason::TagNotDefinedForMessageType => "Tag not defined for this message type",
            RejectReason::UndefinedTag => "Undefined Tag",
            RejectReason::TagSpecifiedWithoutValue => "Tag specified without a value",
            RejectReason::ValueIsIncorrect => "Value is incorrect (out of range) for this tag",
            RejectReason::IncorrectDataFormat => "Incorrect data format for value",
            RejectReason::DecryptionProblem => "Decryption problem",
            RejectReason::SignatureProblem => "Signature problem",
            RejectReason::CompIdProblem => "CompID problem",
            RejectReason::SendingTimeAccuracyProblem => "SendingTime accuracy problem",
            RejectReason::InvalidMsgType => "Invalid MsgType",
            RejectReason::XmlValidationError => "XML Validation error",
            RejectReason::TagAppearsMoreThanOnce => "Tag appears more than once",
            RejectReason::TagSpecifiedOutOfRequiredOrder => "Tag specified out of required order",
            RejectReason::RepeatingGroupFieldsOutOfOrder => "Repeating group fields out of order",
            RejectReason::IncorrectNumInGroupCount => {
                "Incorrect NumInGroup count for repeating group"
            }
            RejectReason::NonDataValueIncludesFieldDelimiter => {
                "Non Data value includes field delimiter (SOH character)"
            }
            RejectReason::Other => "Other",
        }
    }
}

/// A validation verdict: the reason and, where one field is to blame, its tag (RefTagID(371)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rejection {
    /// SessionRejectReason(373).
    pub reason: RejectReason,
    /// RefTagID(371), when a single field is to blame.
    pub tag: Option<u32>,
}

impl Rejection {
    /// A rejection blaming `tag`.
    pub const fn tag(reason: RejectReason, tag: u32) -> Rejection {
        Rejection {
            reason,
            tag: Some(tag),
        }
    }

    /// A rejection of the message as a whole.
    pub const fn message(reason: RejectReason) -> Rejection {
        Rejection { reason, tag: None }
    }
}
