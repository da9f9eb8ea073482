//! Where each field of a message belongs: header, body or trailer, top level or inside which
//! repeating group instance.
//!
//! The rules are QuickFIX C++'s message parser's, because they decide what the validator sees:
//! a field is header if the session dictionary (or the standard list) says so, trailer likewise,
//! body otherwise; a NumInGroup field of the message swallows the fields that follow while they
//! are members of its group, and a new instance starts at the delimiter, at the first member,
//! or at a member the current instance already holds.

use crate::codec::Field;

use super::tables::{find_group, Dictionary, GroupDef, GroupId, MessageDef, HEADER, TRAILER};

/// A top-level field of one section, with the extent of its group when it is a NumInGroup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Top {
    pub tag: u32,
    /// Index in the message's fields.
    pub idx: u32,
    /// One past its last group member (idx + 1 when not a group).
    pub end: u32,
    /// Group instances found after it.
    pub instances: u32,
    /// Its group, when the dictionary defines one for it here.
    pub group: Option<GroupId>,
}

/// Reusable working memory for validation: the top-level fields of each section. Keep one per
/// thread or per session; after the first few messages it never grows again.
#[derive(Debug, Default)]
pub struct Scratch {
    pub(crate) header: Vec<Top>,
    pub(crate) trailer: Vec<Top>,
    pub(crate) body: Vec<Top>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Header,
    Body,
    Trailer,
}

/// Sorts `fields` into `scratch`; returns the first field out of its section's place (a header
/// field after the body or trailer began, a body field after the trailer began).
pub(crate) fn classify(
    fields: &[Field],
    session: &Dictionary,
    app: &Dictionary,
    message: Option<&MessageDef>,
    scratch: &mut Scratch,
) -> Option<u32> {
    scratch.header.clear();
    scratch.trailer.clear();
    scratch.body.clear();
    let mut state = Section::Header;
    let mut out_of_order = None;
    let mut i = 0;
    while i < fields.len() {
        let tag = fields[i].tag;
        let placement = session.placement(tag);
        let (section, dict, group) = if placement & HEADER != 0 {
            if state != Section::Header {
                out_of_order = out_of_order.or(Some(tag));
            }
            (
                Section::Header,
                session,
                find_group(&session.header.groups, tag),
            )
        } else if placement & TRAILER != 0 {
            state = Section::Trailer;
            (
                Section::Trailer,
                session,
                find_group(&session.trailer.groups, tag),
            )
        } else {
            if state == Section::Trailer {
                out_of_order = out_of_order.or(Some(tag));
            }
            state = Section::Body;
            let group = message.and_then(|m| m.group_of(tag, app.field_id(tag)));
            (Section::Body, app, group)
        };
        let (end, instances) = match group {
            Some(g) => consume(fields, i + 1, dict, dict.group(g)),
            None => (i + 1, 0),
        };
        let top = Top {
            tag,
            idx: i as u32,
            end: end as u32,
            instances,
            group,
        };
        match section {
            Section::Header => scratch.header.push(top),
            Section::Body => scratch.body.push(top),
            Section::Trailer => scratch.trailer.push(top),
        }
        i = end;
    }
    out_of_order
}

/// Skips the group members starting at `pos`; returns where they end and how many instances
/// they form.
pub(crate) fn consume(
    fields: &[Field],
    pos: usize,
    dict: &Dictionary,
    g: &GroupDef,
) -> (usize, u32) {
    let mut end = pos;
    let mut count = 0;
    for (_, e) in Instances::new(fields, pos, dict, g) {
        end = e;
        count += 1;
    }
    (end, count)
}

/// The position after the direct member at `pos`, past the members of its nested group if any.
#[inline]
pub(crate) fn next_direct(fields: &[Field], pos: usize, dict: &Dictionary, g: &GroupDef) -> usize {
    match g.nested(fields[pos].tag) {
        Some(n) => consume(fields, pos + 1, dict, dict.group(n)).0,
        None => pos + 1,
    }
}

/// Direct members of one instance `[start, end)`, as field indices.
pub(crate) fn direct_members<'a>(
    fields: &'a [Field],
    start: usize,
    end: usize,
    dict: &'a Dictionary,
    g: &'a GroupDef,
) -> impl Iterator<Item = usize> + 'a {
    let mut pos = start;
    std::iter::from_fn(move || {
        if pos >= end {
            return None;
        }
        let at = pos;
        pos = next_direct(fields, pos, dict, g);
        Some(at)
    })
}

/// The instances of one group occurrence, as `[start, end)` ranges of field indices.
pub(crate) struct Instances<'a> {
    fields: &'a [Field],
    dict: &'a Dictionary,
    g: &'a GroupDef,
    pos: usize,
    first: bool,
    done: bool,
}

impl<'a> Instances<'a> {
    pub(crate) fn new(
        fields: &'a [Field],
        pos: usize,
        dict: &'a Dictionary,
        g: &'a GroupDef,
    ) -> Self {
        Instances {
            fields,
            dict,
            g,
            pos,
            first: true,
            done: false,
        }
    }

    /// Whether `tag` is already a direct member of the instance `[start, end)`.
    fn holds(&self, start: usize, end: usize, tag: u32) -> bool {
        direct_members(self.fields, start, end, self.dict, self.g)
            .any(|i| self.fields[i].tag == tag)
    }
}

impl Iterator for Instances<'_> {
    type Item = (usize, usize);

    fn next(&mut self) -> Option<(usize, usize)> {
        if self.done || self.pos >= self.fields.len() {
            return None;
        }
        let start = self.pos;
        let tag = self.fields[start].tag;
        // Only the first instance may open with a member other than the delimiter; later ones
        // are opened by the loop below.
        if self.first && tag != self.g.delimiter && !self.g.contains(tag) {
            self.done = true;
            return None;
        }
        self.first = false;
        let mut pos = next_direct(self.fields, start, self.dict, self.g);
        while pos < self.fields.len() {
            let tag = self.fields[pos].tag;
            if tag == self.g.delimiter {
                break;
            }
            if !self.g.contains(tag) {
                self.done = true;
                break;
            }
            if self.holds(start, pos, tag) {
                break;
            }
            pos = next_direct(self.fields, pos, self.dict, self.g);
        }
        self.pos = pos;
        Some((start, pos))
    }
}
