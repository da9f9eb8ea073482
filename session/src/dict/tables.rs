//! The loaded dictionary: flat tables built once at startup and read on the message path.
//!
//! Lookups the validator makes per field are O(1) or a binary search over a small sorted slice:
//! a dense table indexed by tag (a hash map only beyond [`DENSE_TAGS`]), per-message bitsets
//! over field ids, sorted MsgType keys. Nothing here allocates after loading.

use std::collections::HashMap;

use super::types::FieldType;

/// Tags below this are looked up in a dense table; larger ones in a hash map.
pub const DENSE_TAGS: u32 = 8192;

/// Index of a field definition in [`Dictionary::fields`].
pub type FieldId = u32;

/// Index of a repeating group definition in the dictionary's group arena.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GroupId(pub(crate) u32);

/// The header fields QuickFIX treats as header whatever the dictionary says (its
/// `Message::isHeaderField`). They decide where a message's header ends, so they must agree
/// with QuickFIX for the out-of-order checks to agree.
pub const STANDARD_HEADER_TAGS: [u32; 29] = [
    8, 9, 35, 34, 43, 49, 50, 52, 56, 57, 90, 97, 115, 116, 122, 128, 129, 142, 143, 144, 145, 212,
    213, 347, 369, 370, 627, 1128, 1129,
];

/// The trailer fields QuickFIX treats as trailer whatever the dictionary says.
pub const STANDARD_TRAILER_TAGS: [u32; 3] = [10, 89, 93];

/// The enum values of a field: one-byte values in a bitmap, longer ones sorted.
#[derive(Debug, Clone, Default)]
pub struct ValueSet {
    single: [u64; 4],
    multi: Vec<Box<[u8]>>,
}

impl ValueSet {
    pub(crate) fn insert(&mut self, v: &[u8]) {
        if let [b] = v {
            self.single[usize::from(*b >> 6)] |= 1u64 << (b & 63);
        } else if let Err(at) = self.multi.binary_search_by(|e| e.as_ref().cmp(v)) {
            self.multi.insert(at, v.into());
        }
    }

    /// Whether `v` is one of the values.
    #[inline]
    pub fn contains(&self, v: &[u8]) -> bool {
        match v {
            [b] => self.single[usize::from(*b >> 6)] & (1u64 << (b & 63)) != 0,
            _ => self.multi.binary_search_by(|e| e.as_ref().cmp(v)).is_ok(),
        }
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.single
            .iter()
            .map(|w| w.count_ones() as usize)
            .sum::<usize>()
            + self.multi.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One `<field>` definition.
#[derive(Debug, Clone)]
pub struct FieldDef {
    pub(crate) tag: u32,
    pub(crate) name: Box<str>,
    pub(crate) xml_type: Box<str>,
    pub(crate) ty: FieldType,
    pub(crate) values: Option<ValueSet>,
}

impl FieldDef {
    /// The tag number.
    pub fn tag(&self) -> u32 {
        self.tag
    }
    /// The name, e.g. `ClOrdID`.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The type as written in the dictionary, e.g. `PRICE`.
    pub fn xml_type(&self) -> &str {
        &self.xml_type
    }
    /// The type as validated.
    pub fn field_type(&self) -> FieldType {
        self.ty
    }
    /// The enum values, when the dictionary lists any.
    pub fn values(&self) -> Option<&ValueSet> {
        self.values.as_ref()
    }
    /// Whether `v` is acceptable as far as the enum goes (always true without an enum). Multiple
    /// value types split on single spaces, every piece must be a listed value.
    #[inline]
    pub fn is_value_allowed(&self, v: &[u8]) -> bool {
        match &self.values {
            None => true,
            Some(set) if self.ty.is_multiple_value() => {
                v.split(|&b| b == b' ').all(|p| set.contains(p))
            }
            Some(set) => set.contains(v),
        }
    }
}

/// A set of field ids as a bitset.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub(crate) struct FieldSet(Vec<u64>);

impl FieldSet {
    pub(crate) fn with_capacity(n: usize) -> FieldSet {
        FieldSet(vec![0; n.div_ceil(64)])
    }
    pub(crate) fn insert(&mut self, id: FieldId) {
        let i = id as usize / 64;
        if i >= self.0.len() {
            self.0.resize(i + 1, 0);
        }
        self.0[i] |= 1u64 << (id % 64);
    }
    #[inline]
    pub(crate) fn contains(&self, id: FieldId) -> bool {
        self.0
            .get(id as usize / 64)
            .is_some_and(|w| w & (1u64 << (id % 64)) != 0)
    }
}

/// A repeating group: its NumInGroup tag, the delimiter that starts every instance, the fields an
/// instance may hold and the groups nested in it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GroupDef {
    pub(crate) counter: u32,
    pub(crate) delimiter: u32,
    /// Direct members (fields, component fields, nested counters), sorted for lookup.
    pub(crate) members: Box<[u32]>,
    /// Direct members in dictionary order, for the member-order check.
    pub(crate) order: Box<[u32]>,
    /// Members every instance must hold (QuickFIX: only when the group itself is required).
    pub(crate) required: Box<[u32]>,
    /// Members a present instance must hold according to the dictionary, whatever the group's
    /// own requiredness (checked only with `validate_group_members`).
    pub(crate) declared_required: Box<[u32]>,
    /// Nested groups by counter tag, sorted.
    pub(crate) groups: Box<[(u32, GroupId)]>,
    /// Whether this group or one nested in it has `required` members.
    pub(crate) any_required: bool,
}

impl GroupDef {
    /// The NumInGroup tag.
    pub fn counter(&self) -> u32 {
        self.counter
    }
    /// The tag that must open every instance.
    pub fn delimiter(&self) -> u32 {
        self.delimiter
    }
    /// Whether `tag` may appear directly in an instance.
    #[inline]
    pub fn contains(&self, tag: u32) -> bool {
        self.members.binary_search(&tag).is_ok()
    }
    /// Direct members in dictionary order.
    pub fn member_order(&self) -> &[u32] {
        &self.order
    }
    /// Members every instance must hold, as QuickFIX enforces them.
    pub fn required(&self) -> &[u32] {
        &self.required
    }
    /// Members the dictionary marks required.
    pub fn declared_required(&self) -> &[u32] {
        &self.declared_required
    }
    /// Position of `tag` in dictionary order.
    #[inline]
    pub(crate) fn position(&self, tag: u32) -> Option<usize> {
        self.order.iter().position(|&t| t == tag)
    }
    /// The nested group whose counter is `tag`.
    #[inline]
    pub fn nested(&self, tag: u32) -> Option<GroupId> {
        find_group(&self.groups, tag)
    }
    /// Nested groups as (counter tag, id), by tag.
    pub fn nested_groups(&self) -> &[(u32, GroupId)] {
        &self.groups
    }
}

#[inline]
pub(crate) fn find_group(groups: &[(u32, GroupId)], tag: u32) -> Option<GroupId> {
    groups
        .binary_search_by_key(&tag, |g| g.0)
        .ok()
        .map(|i| groups[i].1)
}

/// One `<message>`: the fields allowed at its top level, the required ones, its groups.
#[derive(Debug, Clone)]
pub struct MessageDef {
    pub(crate) msg_type: Box<[u8]>,
    pub(crate) name: Box<str>,
    pub(crate) admin: bool,
    pub(crate) fields: FieldSet,
    pub(crate) tags: Box<[u32]>,
    pub(crate) required: Box<[u32]>,
    pub(crate) groups: Box<[(u32, GroupId)]>,
    /// Field ids of the group counters, to skip the group search for every other field.
    pub(crate) counters: FieldSet,
    pub(crate) groups_require: bool,
}

impl MessageDef {
    /// The MsgType(35) value.
    pub fn msg_type(&self) -> &[u8] {
        &self.msg_type
    }
    /// The name, e.g. `NewOrderSingle`.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Whether the dictionary files it under `msgcat='admin'`.
    pub fn is_admin(&self) -> bool {
        self.admin
    }
    /// Tags allowed at the top level of the body, sorted.
    pub fn field_tags(&self) -> &[u32] {
        &self.tags
    }
    /// Required top-level body tags, ascending (the order QuickFIX reports them in).
    pub fn required(&self) -> &[u32] {
        &self.required
    }
    /// Top-level groups as (counter tag, id), by tag.
    pub fn groups(&self) -> &[(u32, GroupId)] {
        &self.groups
    }
    /// The top-level group whose counter is `tag`.
    #[inline]
    pub fn group(&self, tag: u32) -> Option<GroupId> {
        find_group(&self.groups, tag)
    }

    /// [`MessageDef::group`] for a field whose id in `dict` is already known.
    #[inline]
    pub(crate) fn group_of(&self, tag: u32, id: Option<FieldId>) -> Option<GroupId> {
        match id {
            Some(id) if self.counters.contains(id) => find_group(&self.groups, tag),
            _ => None,
        }
    }
}

/// A header or trailer definition.
#[derive(Debug, Clone, Default)]
pub struct SectionDef {
    pub(crate) tags: Vec<u32>,
    pub(crate) required: Vec<u32>,
    pub(crate) groups: Vec<(u32, GroupId)>,
}

impl SectionDef {
    /// Tags in dictionary order.
    pub fn tags(&self) -> &[u32] {
        &self.tags
    }
    /// Tags marked `required='Y'` (QuickFIX does not enforce them; the session checks its own).
    pub fn required(&self) -> &[u32] {
        &self.required
    }
    /// Groups as (counter tag, id), by tag.
    pub fn groups(&self) -> &[(u32, GroupId)] {
        &self.groups
    }
}

/// The kind and version a dictionary describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    /// `FIX` or `FIXT`.
    pub kind: String,
    /// Major version.
    pub major: u32,
    /// Minor version.
    pub minor: u32,
    /// Service pack (0 when absent).
    pub service_pack: u32,
}

/// A loaded FIX data dictionary. Build with [`Dictionary::from_file`] or
/// [`Dictionary::from_xml`]; share between sessions behind an `Arc`.
#[derive(Debug, Clone)]
pub struct Dictionary {
    pub(crate) source: String,
    pub(crate) version: Version,
    pub(crate) begin_string: String,
    pub(crate) fields: Vec<FieldDef>,
    pub(crate) dense: Vec<u32>,
    pub(crate) sparse: HashMap<u32, FieldId>,
    pub(crate) names: HashMap<Box<str>, FieldId>,
    pub(crate) header: SectionDef,
    pub(crate) trailer: SectionDef,
    /// Bit per tag below 4096: 1 = header (standard or dictionary), 2 = trailer.
    pub(crate) placement: Vec<u8>,
    pub(crate) messages: Vec<MessageDef>,
    pub(crate) msg_index: Vec<(Box<[u8]>, u32)>,
    /// Message index + 1 by single-byte MsgType (0 = none), the common case.
    pub(crate) msg_by_byte: Vec<u32>,
    pub(crate) groups: Vec<GroupDef>,
}

pub(crate) const PLACEMENT_TAGS: u32 = 4096;
pub(crate) const HEADER: u8 = 1;
pub(crate) const TRAILER: u8 = 2;

impl Dictionary {
    /// The file (or label) it was loaded from.
    pub fn source(&self) -> &str {
        &self.source
    }
    /// Kind and version from the `<fix>` element.
    pub fn version(&self) -> &Version {
        &self.version
    }
    /// `FIX.4.4`, `FIXT.1.1`, `FIX.5.0` (QuickFIX ignores the service pack here too).
    pub fn begin_string(&self) -> &str {
        &self.begin_string
    }
    /// All field definitions, in file order.
    pub fn fields(&self) -> &[FieldDef] {
        &self.fields
    }
    /// The id of the field numbered `tag`.
    #[inline]
    pub fn field_id(&self, tag: u32) -> Option<FieldId> {
        if tag < DENSE_TAGS {
            match self.dense.get(tag as usize) {
                Some(&0) | None => None,
                Some(&id) => Some(id - 1),
            }
        } else {
            self.sparse.get(&tag).copied()
        }
    }
    /// The definition of the field numbered `tag`.
    #[inline]
    pub fn field(&self, tag: u32) -> Option<&FieldDef> {
        self.field_id(tag).map(|id| &self.fields[id as usize])
    }
    /// The definition of field number `id` (as [`Dictionary::field_id`] returns).
    pub fn field_by_id(&self, id: FieldId) -> Option<&FieldDef> {
        self.fields.get(id as usize)
    }
    /// The definition of the field named `name`.
    pub fn field_by_name(&self, name: &str) -> Option<&FieldDef> {
        self.names.get(name).map(|&id| &self.fields[id as usize])
    }
    /// Whether `tag` is defined.
    #[inline]
    pub fn is_field_defined(&self, tag: u32) -> bool {
        self.field_id(tag).is_some()
    }
    /// The type of `tag`, if defined.
    #[inline]
    pub fn field_type(&self, tag: u32) -> Option<FieldType> {
        self.field(tag).map(|f| f.ty)
    }
    /// Whether `tag` is a DATA field (its value may hold SOH; its length precedes it).
    pub fn is_data_field(&self, tag: u32) -> bool {
        self.field_type(tag) == Some(FieldType::Data)
    }
    /// The header definition.
    pub fn header(&self) -> &SectionDef {
        &self.header
    }
    /// The trailer definition.
    pub fn trailer(&self) -> &SectionDef {
        &self.trailer
    }
    /// `HEADER` and/or `TRAILER` bits for `tag`.
    #[inline]
    pub(crate) fn placement(&self, tag: u32) -> u8 {
        match self.placement.get(tag as usize) {
            Some(&p) => p,
            None => {
                let header = STANDARD_HEADER_TAGS.contains(&tag) || self.header.tags.contains(&tag);
                let trailer = self.trailer.tags.contains(&tag);
                (u8::from(header) * HEADER) | (u8::from(trailer) * TRAILER)
            }
        }
    }

    /// Whether `tag` belongs in the header: the dictionary's header fields plus the standard ones
    /// QuickFIX always treats as header ([`STANDARD_HEADER_TAGS`]).
    #[inline]
    pub fn is_header_tag(&self, tag: u32) -> bool {
        self.placement(tag) & HEADER != 0
    }
    /// Whether `tag` belongs in the trailer (dictionary trailer plus 10, 89, 93).
    #[inline]
    pub fn is_trailer_tag(&self, tag: u32) -> bool {
        self.placement(tag) & TRAILER != 0
    }
    /// All messages, in file order.
    pub fn messages(&self) -> &[MessageDef] {
        &self.messages
    }
    /// The message whose MsgType(35) is `msg_type`.
    #[inline]
    pub fn message(&self, msg_type: &[u8]) -> Option<&MessageDef> {
        if let [b] = msg_type {
            return match self.msg_by_byte.get(usize::from(*b)) {
                Some(&i) if i > 0 => Some(&self.messages[i as usize - 1]),
                _ => None,
            };
        }
        self.msg_index
            .binary_search_by(|e| e.0.as_ref().cmp(msg_type))
            .ok()
            .map(|i| &self.messages[self.msg_index[i].1 as usize])
    }
    /// Whether `msg_type` is defined (QuickFIX's "Invalid MsgType" test).
    #[inline]
    pub fn is_msg_type_defined(&self, msg_type: &[u8]) -> bool {
        self.message(msg_type).is_some()
    }
    /// Whether `tag` may appear at the top level of the body of `msg_type`.
    #[inline]
    pub fn is_msg_field(&self, msg_type: &[u8], tag: u32) -> bool {
        match (self.message(msg_type), self.field_id(tag)) {
            (Some(m), Some(id)) => m.fields.contains(id),
            _ => false,
        }
    }
    /// A group definition by id.
    #[inline]
    pub fn group(&self, id: GroupId) -> &GroupDef {
        &self.groups[id.0 as usize]
    }
    /// The group whose counter is `counter` at the top level of `msg_type`'s body.
    pub fn message_group(&self, msg_type: &[u8], counter: u32) -> Option<&GroupDef> {
        self.message(msg_type)
            .and_then(|m| m.group(counter))
            .map(|id| self.group(id))
    }
    /// The header group whose counter is `counter` (e.g. NoHops).
    pub fn header_group(&self, counter: u32) -> Option<&GroupDef> {
        find_group(&self.header.groups, counter).map(|id| self.group(id))
    }
    /// Number of distinct group definitions (identical groups are shared).
    pub fn group_count(&self) -> usize {
        self.groups.len()
    }
}
