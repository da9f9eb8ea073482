//! Tag numbers and MsgType values the session layer itself reads or writes.

#![allow(missing_docs)]

pub const BEGIN_SEQ_NO: u32 = 7;
pub const BEGIN_STRING: u32 = 8;
pub const BODY_LENGTH: u32 = 9;
pub const CHECK_SUM: u32 = 10;
pub const CL_ORD_ID: u32 = 11;
pub const END_SEQ_NO: u32 = 16;
pub const MSG_SEQ_NUM: u32 = 34;
pub const MSG_TYPE: u32 = 35;
pub const NEW_SEQ_NO: u32 = 36;
pub const POSS_DUP_FLAG: u32 = 43;
pub const REF_SEQ_NUM: u32 = 45;
pub const SENDER_COMP_ID: u32 = 49;
pub const SENDER_SUB_ID: u32 = 50;
pub const SENDING_TIME: u32 = 52;
pub const TARGET_COMP_ID: u32 = 56;
pub const TARGET_SUB_ID: u32 = 57;
pub const TEXT: u32 = 58;
pub const SIGNATURE: u32 = 89;
pub const SECURE_DATA_LEN: u32 = 90;
pub const SECURE_DATA: u32 = 91;
pub const SIGNATURE_LENGTH: u32 = 93;
pub const RAW_DATA_LENGTH: u32 = 95;
pub const RAW_DATA: u32 = 96;
pub const POSS_RESEND: u32 = 97;
pub const ENCRYPT_METHOD: u32 = 98;
pub const HEART_BT_INT: u32 = 108;
pub const TEST_REQ_ID: u32 = 112;
pub const ON_BEHALF_OF_COMP_ID: u32 = 115;
pub const ON_BEHALF_OF_SUB_ID: u32 = 116;
pub const ORIG_SENDING_TIME: u32 = 122;
pub const GAP_FILL_FLAG: u32 = 123;
pub const DELIVER_TO_COMP_ID: u32 = 128;
pub const DELIVER_TO_SUB_ID: u32 = 129;
pub const RESET_SEQ_NUM_FLAG: u32 = 141;
pub const SENDER_LOCATION_ID: u32 = 142;
pub const TARGET_LOCATION_ID: u32 = 143;
pub const ON_BEHALF_OF_LOCATION_ID: u32 = 144;
pub const DELIVER_TO_LOCATION_ID: u32 = 145;
pub const XML_DATA_LEN: u32 = 212;
pub const XML_DATA: u32 = 213;
pub const REF_TAG_ID: u32 = 371;
pub const REF_MSG_TYPE: u32 = 372;
pub const SESSION_REJECT_REASON: u32 = 373;
pub const BUSINESS_REJECT_REF_ID: u32 = 379;
pub const BUSINESS_REJECT_REASON: u32 = 380;
pub const MAX_MESSAGE_SIZE: u32 = 383;
pub const TEST_MESSAGE_INDICATOR: u32 = 464;
pub const USERNAME: u32 = 553;
pub const PASSWORD: u32 = 554;
pub const NEXT_EXPECTED_MSG_SEQ_NUM: u32 = 789;
pub const APPL_VER_ID: u32 = 1128;
pub const DEFAULT_APPL_VER_ID: u32 = 1137;

/// Whether a tag belongs to the standard header (FIX.4.0 to FIXT.1.1).
#[inline]
pub fn is_header_tag(tag: u32) -> bool {
    matches!(
        tag,
        8 | 9
            | 34
            | 35
            | 43
            | 49
            | 50
            | 52
            | 56
            | 57
            | 90
            | 91
            | 97
            | 115
            | 116
            | 122
            | 128
            | 129
            | 142
            | 143
            | 144
            | 145
            | 212
            | 213
            | 347
            | 369
            | 370
            | 627
            | 628
            | 629
            | 630
            | 1128
            | 1129
            | 1156
    )
}

/// MsgType(35) values of the session layer.
pub mod msg_type {
    pub const HEARTBEAT: &[u8] = b"0";
    pub const TEST_REQUEST: &[u8] = b"1";
    pub const RESEND_REQUEST: &[u8] = b"2";
    pub const REJECT: &[u8] = b"3";
    pub const SEQUENCE_RESET: &[u8] = b"4";
    pub const LOGOUT: &[u8] = b"5";
    pub const LOGON: &[u8] = b"A";
    pub const BUSINESS_MESSAGE_REJECT: &[u8] = b"j";
    pub const NEW_ORDER_SINGLE: &[u8] = b"D";
    pub const EXECUTION_REPORT: &[u8] = b"8";

    /// Whether a MsgType belongs to the session layer (admin) rather than the application.
    pub fn is_admin(msg_type: &[u8]) -> bool {
        matches!(msg_type, b"0" | b"1" | b"2" | b"3" | b"4" | b"5" | b"A")
    }
}

/// The data tag whose length `tag` carries, if `tag` is a length tag: the length/data pairs
/// whose data value may contain SOH. The decoder asks this for every field, so it is a `match`
/// (a jump table) rather than a search.
#[inline]
pub fn data_tag_for_length(tag: u32) -> Option<u32> {
    // Almost no tag is a length tag: one bit test answers for them before the match.
    let word = LENGTH_TAG_BITS
        .get((tag / 64) as usize)
        .copied()
        .unwrap_or(0);
    if word & (1 << (tag % 64)) == 0 {
        return None;
    }
    Some(match tag {
        90 => 91,
        93 => 89,
        95 => 96,
        212 => 213,
        348 => 349,
        350 => 351,
        352 => 353,
        354 => 355,
        356 => 357,
        358 => 359,
        360 => 361,
        362 => 363,
        364 => 365,
        445 => 446,
        618 => 619,
        621 => 622,
        1277 => 1278,
        _ => return None,
    })
}

/// One bit per tag below 1280, set for the length tags `data_tag_for_length` knows.
pub(crate) const LENGTH_TAG_BITS: [u64; 20] = {
    let tags = [
        90u32, 93, 95, 212, 348, 350, 352, 354, 356, 358, 360, 362, 364, 445, 618, 621, 1277,
    ];
    let mut bits = [0u64; 20];
    let mut i = 0;
    while i < tags.len() {
        bits[(tags[i] / 64) as usize] |= 1 << (tags[i] % 64);
        i += 1;
    }
    bits
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_tags_and_only_them() {
        let found: Vec<(u32, u32)> = (0..5000)
            .filter_map(|t| data_tag_for_length(t).map(|d| (t, d)))
            .collect();
        assert_eq!(found.len(), 17);
        assert!(found.contains(&(95, 96)) && found.contains(&(1277, 1278)));
        assert!(found.contains(&(93, 89)) && found.contains(&(212, 213)));
    }
}
