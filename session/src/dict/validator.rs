//! Message validation against a transport and an application dictionary.
//!
//! The checks and their order are QuickFIX C++ 1.15.1's (`DataDictionary::validate`), so the
//! first problem reported, and its RefTagID, is the one a QuickFIX peer would report:
//!
//! 1. fields out of their section (14, the first misplaced tag), if `fields_out_of_order`;
//! 2. MsgType not in the application dictionary (11);
//! 3. required body fields (1), ascending by tag, then required members of the instances of
//!    required groups;
//! 4. header fields (BeginString, BodyLength, MsgType, then ascending), trailer fields, body
//!    fields (ascending), each in turn: repeated (13), empty (4, if `fields_have_values`), data
//!    format (6), enum value (5), tag undefined (0), not in this message type (2), NumInGroup
//!    count (16). The last three are skipped per `allow_unknown_msg_fields` (tags < 5000) and
//!    `user_defined_fields` (tags >= 5000).
//!
//! Like QuickFIX, the members of repeating groups are only counted, not checked; the opt-in
//! `group_members` option checks them too (after everything above, in wire order).

use std::cell::RefCell;
use std::sync::Arc;

use crate::codec::tags::msg_type::is_admin;
use crate::codec::tags::APPL_VER_ID;
use crate::codec::{Field, Message};
use crate::reject::{RejectReason, Rejection};

use super::format;
use super::sort::std_sort;
use super::tables::{Dictionary, GroupDef, GroupId, MessageDef};
use super::walk::{classify, direct_members, Instances, Scratch, Top};

/// Tags from here up are user-defined (QuickFIX's `FIELD::UserMin`).
pub const USER_DEFINED_MIN: u32 = 5000;

/// What to check. Field names follow the QuickFIX settings they mirror; `Default` is QuickFIX's
/// defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidationOptions {
    /// `ValidateIncomingMessage` (default on): off makes [`Validator::validate`] accept all.
    pub validate_incoming: bool,
    /// `ValidateFieldsOutOfOrder` (default on): header fields after the body, body fields
    /// after the trailer are rejected (14).
    pub fields_out_of_order: bool,
    /// `ValidateFieldsHaveValues` (default on): empty values are rejected (4).
    pub fields_have_values: bool,
    /// `ValidateUserDefinedFields` (default on): tags >= 5000 must be defined and allowed.
    pub user_defined_fields: bool,
    /// `AllowUnknownMsgFields` (default off): tags < 5000 need not be defined or allowed.
    pub allow_unknown_msg_fields: bool,
    /// spinfix extension (default off): check the members of repeating group instances too
    /// (order 15, values 4/5/6, required members 1, nested counts 16).
    pub group_members: bool,
    /// spinfix extension (default off): also check the formats QuickFIX leaves unchecked
    /// (LocalMktDate, MonthYear, DayOfMonth, TZ times, Currency, Country; real calendar days).
    pub strict_formats: bool,
}

impl Default for ValidationOptions {
    fn default() -> Self {
        ValidationOptions {
            validate_incoming: true,
            fields_out_of_order: true,
            fields_have_values: true,
            user_defined_fields: true,
            allow_unknown_msg_fields: false,
            group_members: false,
            strict_formats: false,
        }
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Validates decoded messages of one session against its dictionaries.
///
/// For FIX.4.x one dictionary serves both roles ([`Validator::new`]). For FIXT.1.1 the transport
/// dictionary (FIXT11) judges the header, the trailer and the admin messages, and the application
/// dictionary (FIX50*) judges the body of application messages ([`Validator::fixt`]); a message's
/// ApplVerID(1128) selects among those added with [`Validator::with_application`].
#[derive(Debug, Clone)]
pub struct Validator {
    transport: Arc<Dictionary>,
    default_app: Arc<Dictionary>,
    apps: Vec<(Box<[u8]>, Arc<Dictionary>)>,
    fixt: bool,
    options: ValidationOptions,
}

fn reject(reason: RejectReason, tag: u32) -> Rejection {
    Rejection::tag(reason, tag)
}

/// QuickFIX's header order: BeginString, BodyLength, MsgType, then ascending.
fn header_less(a: u32, b: u32) -> bool {
    let rank = |t: u32| match t {
        8 => 1,
        9 => 2,
        35 => 3,
        _ => 0,
    };
    match (rank(a), rank(b)) {
        (0, 0) => a < b,
        (0, _) => false,
        (_, 0) => true,
        (x, y) => x < y,
    }
}

/// QuickFIX's trailer order: ascending with CheckSum last.
fn trailer_less(a: u32, b: u32) -> bool {
    if a == 10 {
        false
    } else if b == 10 {
        true
    } else {
        a < b
    }
}

/// QuickFIX's integer reading of a NumInGroup value (wrapping, as its `IntConvertor`).
fn parse_count(v: &[u8]) -> Option<i64> {
    let (neg, digits) = match v.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, v),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = digits.iter().fold(0i32, |n, &b| {
        n.wrapping_mul(10).wrapping_add(i32::from(b - b'0'))
    });
    Some(i64::from(if neg { n.wrapping_neg() } else { n }))
}

impl Validator {
    /// A validator for FIX.4.0–4.4: `dict` is both transport and application dictionary.
    pub fn new(dict: Arc<Dictionary>, options: ValidationOptions) -> Validator {
        Validator {
            transport: dict.clone(),
            default_app: dict,
            apps: Vec::new(),
            fixt: false,
            options,
        }
    }

    /// A validator for FIXT.1.1: `transport` (FIXT11) and the application dictionary used when a
    /// message carries no ApplVerID(1128) (the session's DefaultApplVerID).
    pub fn fixt(
        transport: Arc<Dictionary>,
        default_app: Arc<Dictionary>,
        options: ValidationOptions,
    ) -> Validator {
        Validator {
            transport,
            default_app,
            apps: Vec::new(),
            fixt: true,
            options,
        }
    }

    /// Adds the application dictionary for messages whose ApplVerID(1128) is `appl_ver_id`
    /// (e.g. `9` for FIX.5.0SP2). Messages with an ApplVerID not added use the default.
    pub fn with_application(mut self, appl_ver_id: &[u8], dict: Arc<Dictionary>) -> Validator {
        self.apps.retain(|(id, _)| id.as_ref() != appl_ver_id);
        self.apps.push((appl_ver_id.into(), dict));
        self
    }

    /// The options in force.
    pub fn options(&self) -> &ValidationOptions {
        &self.options
    }

    /// Changes the options.
    pub fn set_options(&mut self, options: ValidationOptions) {
        self.options = options;
    }

    /// Whether this validates FIXT.1.1 (transport and application split).
    pub fn is_fixt(&self) -> bool {
        self.fixt
    }

    /// The transport (session) dictionary.
    pub fn transport(&self) -> &Dictionary {
        &self.transport
    }

    /// The default application dictionary.
    pub fn application(&self) -> &Dictionary {
        &self.default_app
    }

    /// The dictionary that judges the body of a message of `msg_type` carrying `appl_ver_id`.
    pub fn body_dictionary(&self, msg_type: &[u8], appl_ver_id: Option<&[u8]>) -> &Dictionary {
        if !self.fixt || is_admin(msg_type) {
            return &self.transport;
        }
        appl_ver_id
            .and_then(|v| self.apps.iter().find(|(id, _)| id.as_ref() == v))
            .map_or(&*self.default_app, |(_, d)| d)
    }

    /// Whether `begin_string` is the transport dictionary's (QuickFIX answers a mismatch with
    /// a Logout, not a Reject, so [`Validator::validate`] leaves it to the session).
    pub fn is_begin_string_supported(&self, begin_string: &[u8]) -> bool {
        self.transport.begin_string().as_bytes() == begin_string
    }

    /// Whether `msg_type` is defined (admin types by the transport dictionary, others by the
    /// default application dictionary).
    pub fn is_msg_type_defined(&self, msg_type: &[u8]) -> bool {
        self.body_dictionary(msg_type, None)
            .is_msg_type_defined(msg_type)
    }

    /// Whether `tag` belongs in the header, as the message parser sees it.
    pub fn is_header_tag(&self, tag: u32) -> bool {
        self.transport.is_header_tag(tag)
    }

    /// Whether `tag` belongs in the trailer.
    pub fn is_trailer_tag(&self, tag: u32) -> bool {
        self.transport.is_trailer_tag(tag)
    }

    /// Validates `msg`; the first problem, QuickFIX's way. Uses a per-thread scratch, so it
    /// allocates nothing once the thread has seen a message of similar size.
    pub fn validate(&self, msg: &Message<'_>) -> Result<(), Rejection> {
        if !self.options.validate_incoming {
            return Ok(());
        }
        SCRATCH.with(|s| match s.try_borrow_mut() {
            Ok(mut scratch) => self.validate_with(msg, &mut scratch),
            Err(_) => self.validate_with(msg, &mut Scratch::default()),
        })
    }

    /// [`Validator::validate`] with caller-owned working memory.
    pub fn validate_with(&self, msg: &Message<'_>, scratch: &mut Scratch) -> Result<(), Rejection> {
        if !self.options.validate_incoming {
            return Ok(());
        }
        let fields = msg.fields();
        let msg_type = msg.msg_type();
        let session = &*self.transport;
        let app = if self.fixt && !is_admin(msg_type) {
            self.body_dictionary(msg_type, msg.get(APPL_VER_ID))
        } else {
            session
        };
        let message = app.message(msg_type);
        let misplaced = classify(fields, session, app, message, scratch);
        if let (true, Some(tag)) = (self.options.fields_out_of_order, misplaced) {
            return Err(reject(RejectReason::TagSpecifiedOutOfRequiredOrder, tag));
        }
        let Some(message) = message else {
            return Err(Rejection::message(RejectReason::InvalidMsgType));
        };
        std_sort(&mut scratch.body, |a, b| a.tag < b.tag);
        self.check_required(app, message, fields, &scratch.body)?;
        std_sort(&mut scratch.header, |a, b| header_less(a.tag, b.tag));
        std_sort(&mut scratch.trailer, |a, b| trailer_less(a.tag, b.tag));
        self.check_fields(session, None, msg, &scratch.header)?;
        self.check_fields(session, None, msg, &scratch.trailer)?;
        self.check_fields(app, Some(message), msg, &scratch.body)?;
        if self.options.group_members {
            for top in scratch.body.iter() {
                if let Some(g) = top.group {
                    self.check_members(app, g, msg, top.idx as usize + 1)?;
                }
            }
        }
        Ok(())
    }

    fn should_check_tag(&self, tag: u32) -> bool {
        if tag < USER_DEFINED_MIN {
            !self.options.allow_unknown_msg_fields
        } else {
            self.options.user_defined_fields
        }
    }

    /// Required top-level fields, then required members of required groups' instances.
    fn check_required(
        &self,
        dict: &Dictionary,
        message: &MessageDef,
        fields: &[Field],
        body: &[Top],
    ) -> Result<(), Rejection> {
        let mut j = 0;
        for &r in message.required.iter() {
            while j < body.len() && body[j].tag < r {
                j += 1;
            }
            if j == body.len() || body[j].tag != r {
                return Err(reject(RejectReason::RequiredTagMissing, r));
            }
        }
        if message.groups_require {
            for top in body {
                if let Some(g) = top.group {
                    required_in_group(dict, dict.group(g), fields, top.idx as usize + 1)?;
                }
            }
        }
        Ok(())
    }

    /// One section's top-level fields, sorted as QuickFIX sorts them.
    /// `body` is the message definition when `tops` is the body; header and trailer fields
    /// are not held to a message type (QuickFIX skips them: they are header/trailer fields of
    /// the dictionary judging them, by construction of the sections).
    fn check_fields(
        &self,
        dict: &Dictionary,
        body: Option<&MessageDef>,
        msg: &Message<'_>,
        tops: &[Top],
    ) -> Result<(), Rejection> {
        let fields = msg.fields();
        let mut last = None;
        for (k, top) in tops.iter().enumerate() {
            let tag = top.tag;
            if last == Some(tag) {
                return Err(reject(RejectReason::TagAppearsMoreThanOnce, tag));
            }
            last = Some(tag);
            let value = msg.value_of(&fields[top.idx as usize]);
            let id = dict.field_id(tag);
            self.check_value(dict, id, tag, value)?;
            if !self.should_check_tag(tag) {
                continue;
            }
            let Some(id) = id else {
                return Err(reject(RejectReason::InvalidTagNumber, tag));
            };
            let Some(message) = body else {
                continue;
            };
            if !message.fields.contains(id) {
                return Err(reject(RejectReason::TagNotDefinedForMessageType, tag));
            }
            if top.group.is_some() {
                let actual: i64 = tops[k..]
                    .iter()
                    .take_while(|t| t.tag == tag)
                    .map(|t| i64::from(t.instances))
                    .sum();
                if parse_count(value) != Some(actual) {
                    return Err(reject(RejectReason::IncorrectNumInGroupCount, tag));
                }
            }
        }
        Ok(())
    }

    /// Empty (4), format (6), enum (5).
    #[inline]
    fn check_value(
        &self,
        dict: &Dictionary,
        id: Option<u32>,
        tag: u32,
        value: &[u8],
    ) -> Result<(), Rejection> {
        if self.options.fields_have_values && value.is_empty() {
            return Err(reject(RejectReason::TagSpecifiedWithoutValue, tag));
        }
        if let Some(def) = id.and_then(|id| dict.field_by_id(id)) {
            if !format::is_valid(def.ty, value, self.options.strict_formats) {
                return Err(reject(RejectReason::IncorrectDataFormat, tag));
            }
            if !def.is_value_allowed(value) {
                return Err(reject(RejectReason::ValueIsIncorrect, tag));
            }
        }
        Ok(())
    }

    /// The opt-in checks of one group occurrence's members, in wire order.
    fn check_members(
        &self,
        dict: &Dictionary,
        g: GroupId,
        msg: &Message<'_>,
        start: usize,
    ) -> Result<(), Rejection> {
        let fields = msg.fields();
        let def = dict.group(g);
        for (s, e) in Instances::new(fields, start, dict, def) {
            if fields[s].tag != def.delimiter {
                return Err(reject(
                    RejectReason::RepeatingGroupFieldsOutOfOrder,
                    fields[s].tag,
                ));
            }
            let mut last_position = 0;
            for i in direct_members(fields, s, e, dict, def) {
                let tag = fields[i].tag;
                let position = def.position(tag).unwrap_or(usize::MAX);
                if position < last_position {
                    return Err(reject(RejectReason::RepeatingGroupFieldsOutOfOrder, tag));
                }
                last_position = position;
                let value = msg.value_of(&fields[i]);
                self.check_value(dict, dict.field_id(tag), tag, value)?;
                if let Some(nested) = def.nested(tag) {
                    let (_, count) = super::walk::consume(fields, i + 1, dict, dict.group(nested));
                    if parse_count(value) != Some(i64::from(count)) {
                        return Err(reject(RejectReason::IncorrectNumInGroupCount, tag));
                    }
                    self.check_members(dict, nested, msg, i + 1)?;
                }
            }
            for &r in def.declared_required.iter() {
                if !direct_members(fields, s, e, dict, def).any(|i| fields[i].tag == r) {
                    return Err(reject(RejectReason::RequiredTagMissing, r));
                }
            }
        }
        Ok(())
    }
}

/// QuickFIX's required-member check of one group occurrence: per instance, its own required
/// members (ascending), then its nested groups by counter tag.
fn required_in_group(
    dict: &Dictionary,
    g: &GroupDef,
    fields: &[Field],
    start: usize,
) -> Result<(), Rejection> {
    if !g.any_required {
        return Ok(());
    }
    for (s, e) in Instances::new(fields, start, dict, g) {
        for &r in g.required.iter() {
            if !direct_members(fields, s, e, dict, g).any(|i| fields[i].tag == r) {
                return Err(reject(RejectReason::RequiredTagMissing, r));
            }
        }
        for &(counter, nested) in g.groups.iter() {
            let nested = dict.group(nested);
            if !nested.any_required {
                continue;
            }
            for i in direct_members(fields, s, e, dict, g) {
                if fields[i].tag == counter {
                    required_in_group(dict, nested, fields, i + 1)?;
                }
            }
        }
    }
    Ok(())
}
