//! Reading a QuickFIX-format XML dictionary into [`Dictionary`] tables.
//!
//! Components are expanded where they are used, exactly as QuickFIX C++ 1.15.1 expands them,
//! including its rules on requiredness (a required component makes its required fields required;
//! a component nested in a component answers to its own `required`; inside a group, fields are
//! required only when the group itself is), so that a message QuickFIX accepts is accepted here.

use std::collections::HashMap;

use roxmltree::{Document, Node};

use super::error::DictError;
use super::tables::{
    Dictionary, FieldDef, FieldId, FieldSet, GroupDef, GroupId, MessageDef, SectionDef, ValueSet,
    Version, DENSE_TAGS, HEADER, PLACEMENT_TAGS, STANDARD_HEADER_TAGS, STANDARD_TRAILER_TAGS,
    TRAILER,
};
use super::types::FieldType;

/// Component nesting deeper than this is taken for a cycle.
const MAX_DEPTH: usize = 64;

/// Fields, groups and requirements collected for one message, group or header.
#[derive(Default)]
struct Scope {
    order: Vec<u32>,
    required: Vec<u32>,
    declared_required: Vec<u32>,
    groups: Vec<(u32, GroupId)>,
}

struct Loader<'a, 'input> {
    file: &'a str,
    doc: &'a Document<'input>,
    names: HashMap<&'a str, (u32, FieldId)>,
    by_tag: HashMap<u32, FieldId>,
    components: HashMap<&'a str, Node<'a, 'input>>,
    groups: Vec<GroupDef>,
    interned: HashMap<GroupDef, GroupId>,
}

fn is(node: &Node<'_, '_>, name: &str) -> bool {
    node.is_element() && node.tag_name().name() == name
}

fn yes(node: &Node<'_, '_>) -> bool {
    matches!(node.attribute("required"), Some("Y" | "y"))
}

impl<'a, 'input> Loader<'a, 'input> {
    fn line(&self, node: &Node<'_, '_>) -> u32 {
        self.doc.text_pos_at(node.range().start).row
    }

    fn attr(&self, node: &Node<'a, 'input>, attribute: &'static str) -> Result<&'a str, DictError> {
        node.attribute(attribute)
            .ok_or_else(|| DictError::MissingAttribute {
                file: self.file.to_owned(),
                line: self.line(node),
                element: node.tag_name().name().to_owned(),
                attribute,
            })
    }

    fn bad(&self, node: &Node<'_, '_>, attribute: &'static str, value: &str) -> DictError {
        DictError::BadAttribute {
            file: self.file.to_owned(),
            line: self.line(node),
            element: node.tag_name().name().to_owned(),
            attribute,
            value: value.to_owned(),
        }
    }

    /// The tag of the field a `<field>` or `<group>` reference names.
    fn tag_of(&self, node: &Node<'a, 'input>, context: &str) -> Result<u32, DictError> {
        let name = self.attr(node, "name")?;
        self.names
            .get(name)
            .map(|&(tag, _)| tag)
            .ok_or_else(|| DictError::UnknownField {
                file: self.file.to_owned(),
                line: self.line(node),
                name: name.to_owned(),
                context: context.to_owned(),
            })
    }

    /// Expands a `<component>` reference into `scope`; returns the first field or group tag
    /// directly in the component (QuickFIX's delimiter candidate), 0 if none.
    fn expand_component(
        &mut self,
        reference: &Node<'a, 'input>,
        scope: &mut Scope,
        top_required: &mut Vec<u32>,
        component_required: bool,
        in_group: bool,
        depth: usize,
    ) -> Result<u32, DictError> {
        let name = self.attr(reference, "name")?;
        let Some(&def) = self.components.get(name) else {
            return Err(DictError::UnknownComponent {
                file: self.file.to_owned(),
                line: self.line(reference),
                name: name.to_owned(),
                context: format!("line {}", self.line(reference)),
            });
        };
        if depth > MAX_DEPTH {
            return Err(DictError::ComponentCycle {
                file: self.file.to_owned(),
                name: name.to_owned(),
                depth: MAX_DEPTH,
            });
        }
        let context = format!("component {name}");
        let mut first = 0;
        for child in def.children().filter(Node::is_element) {
            match child.tag_name().name() {
                "field" | "group" => {
                    let tag = self.tag_of(&child, &context)?;
                    if first == 0 {
                        first = tag;
                    }
                    if yes(&child) && component_required {
                        // QuickFIX adds these to the message, even from inside a group.
                        top_required.push(tag);
                    }
                    if yes(&child) && component_required && in_group {
                        scope.declared_required.push(tag);
                    }
                    scope.order.push(tag);
                    if is(&child, "group") {
                        let group_required = yes(&child);
                        if let Some(id) =
                            self.build_group(&child, top_required, group_required, depth + 1)?
                        {
                            scope.groups.push((tag, id));
                        }
                    }
                }
                "component" => {
                    self.expand_component(
                        &child,
                        scope,
                        top_required,
                        yes(&child),
                        in_group,
                        depth + 1,
                    )?;
                }
                _ => {}
            }
        }
        Ok(first)
    }

    /// Builds the group a `<group>` element defines; `None` if it has no member (QuickFIX then
    /// does not register it).
    fn build_group(
        &mut self,
        node: &Node<'a, 'input>,
        top_required: &mut Vec<u32>,
        group_required: bool,
        depth: usize,
    ) -> Result<Option<GroupId>, DictError> {
        let counter = self.tag_of(node, "group")?;
        let context = format!("group {}", self.attr(node, "name")?);
        let mut scope = Scope::default();
        let mut delimiter = 0;
        let mut field = 0;
        for child in node.children().filter(Node::is_element) {
            match child.tag_name().name() {
                "field" | "group" => {
                    field = self.tag_of(&child, &context)?;
                    scope.order.push(field);
                    if yes(&child) {
                        scope.declared_required.push(field);
                        if group_required {
                            scope.required.push(field);
                        }
                    }
                    if is(&child, "group") {
                        if let Some(id) =
                            self.build_group(&child, top_required, yes(&child), depth + 1)?
                        {
                            scope.groups.push((field, id));
                        }
                    }
                }
                "component" => {
                    let mut inner = Scope::default();
                    field = self.expand_component(
                        &child,
                        &mut inner,
                        top_required,
                        false,
                        true,
                        depth + 1,
                    )?;
                    if yes(&child) {
                        // Declared requiredness of a required component's fields, for the
                        // opt-in group member checks.
                        let mut probe = Vec::new();
                        let mut declared = Scope::default();
                        self.expand_component(
                            &child,
                            &mut declared,
                            &mut probe,
                            true,
                            true,
                            depth + 1,
                        )?;
                        scope.declared_required.extend(declared.declared_required);
                    }
                    scope.order.extend(inner.order);
                    scope.groups.extend(inner.groups);
                }
                _ => {}
            }
            if delimiter == 0 {
                delimiter = field;
            }
        }
        if delimiter == 0 {
            return Ok(None);
        }
        Ok(Some(self.intern(counter, delimiter, scope)))
    }

    fn intern(&mut self, counter: u32, delimiter: u32, scope: Scope) -> GroupId {
        let mut members = scope.order.clone();
        members.sort_unstable();
        members.dedup();
        let mut order = Vec::with_capacity(scope.order.len());
        for t in scope.order {
            if !order.contains(&t) {
                order.push(t);
            }
        }
        let groups = sorted_groups(scope.groups);
        let any_required = !scope.required.is_empty()
            || groups
                .iter()
                .any(|&(_, id)| self.groups[id.0 as usize].any_required);
        let def = GroupDef {
            counter,
            delimiter,
            members: members.into(),
            order: order.into(),
            required: sorted(scope.required).into(),
            declared_required: sorted(scope.declared_required).into(),
            groups: groups.into(),
            any_required,
        };
        if let Some(&id) = self.interned.get(&def) {
            return id;
        }
        let id = GroupId(self.groups.len() as u32);
        self.groups.push(def.clone());
        self.interned.insert(def, id);
        id
    }

    fn section(
        &mut self,
        root: &Node<'a, 'input>,
        name: &'static str,
    ) -> Result<SectionDef, DictError> {
        let node = child(root, name).ok_or_else(|| DictError::MissingSection {
            file: self.file.to_owned(),
            section: name,
        })?;
        let mut section = SectionDef::default();
        let mut ignored = Vec::new();
        for c in node.children().filter(Node::is_element) {
            if !(is(&c, "field") || is(&c, "group")) {
                continue;
            }
            let tag = self.tag_of(&c, name)?;
            section.tags.push(tag);
            if yes(&c) {
                section.required.push(tag);
            }
            if is(&c, "group") {
                if let Some(id) = self.build_group(&c, &mut ignored, yes(&c), 0)? {
                    section.groups.push((tag, id));
                }
            }
        }
        section.groups = sorted_groups(std::mem::take(&mut section.groups));
        Ok(section)
    }

    fn message(
        &mut self,
        node: &Node<'a, 'input>,
        field_count: usize,
    ) -> Result<MessageDef, DictError> {
        let msg_type = self.attr(node, "msgtype")?;
        if msg_type.is_empty() {
            return Err(self.bad(node, "msgtype", msg_type));
        }
        let context = format!("message {msg_type}");
        let mut scope = Scope::default();
        let mut required = Vec::new();
        for c in node.children().filter(Node::is_element) {
            match c.tag_name().name() {
                "field" | "group" => {
                    let tag = self.tag_of(&c, &context)?;
                    scope.order.push(tag);
                    if yes(&c) {
                        required.push(tag);
                    }
                    if is(&c, "group") {
                        if let Some(id) = self.build_group(&c, &mut required, yes(&c), 0)? {
                            scope.groups.push((tag, id));
                        }
                    }
                }
                "component" => {
                    self.expand_component(&c, &mut scope, &mut required, yes(&c), false, 0)?;
                }
                _ => {}
            }
        }
        let mut fields = FieldSet::with_capacity(field_count);
        for &t in &scope.order {
            if let Some(&id) = self.by_tag.get(&t) {
                fields.insert(id);
            }
        }
        let mut tags = scope.order;
        tags.sort_unstable();
        tags.dedup();
        let groups = sorted_groups(scope.groups);
        let mut counters = FieldSet::with_capacity(field_count);
        for &(t, _) in &groups {
            if let Some(&id) = self.by_tag.get(&t) {
                counters.insert(id);
            }
        }
        let groups_require = groups
            .iter()
            .any(|&(_, id)| self.groups[id.0 as usize].any_required);
        Ok(MessageDef {
            msg_type: msg_type.as_bytes().into(),
            name: node.attribute("name").unwrap_or_default().into(),
            admin: node.attribute("msgcat") == Some("admin"),
            fields,
            tags: tags.into(),
            required: sorted(required).into(),
            groups: groups.into(),
            counters,
            groups_require,
        })
    }
}

fn child<'a, 'input>(node: &Node<'a, 'input>, name: &str) -> Option<Node<'a, 'input>> {
    node.children().find(|c| is(c, name))
}

fn sorted(mut v: Vec<u32>) -> Vec<u32> {
    v.sort_unstable();
    v.dedup();
    v
}

/// Groups by counter tag; a counter defined twice keeps its last definition, as QuickFIX does.
fn sorted_groups(v: Vec<(u32, GroupId)>) -> Vec<(u32, GroupId)> {
    let mut out: Vec<(u32, GroupId)> = Vec::with_capacity(v.len());
    for (tag, id) in v {
        match out.iter_mut().find(|g| g.0 == tag) {
            Some(g) => g.1 = id,
            None => out.push((tag, id)),
        }
    }
    out.sort_unstable_by_key(|g| g.0);
    out
}

/// Parses dictionary `text`; `file` names it in errors.
pub(crate) fn load(file: &str, text: &str) -> Result<Dictionary, DictError> {
    let doc = Document::parse(text).map_err(|e| DictError::Xml {
        file: file.to_owned(),
        reason: e.to_string(),
    })?;
    let root = doc.root_element();
    if root.tag_name().name() != "fix" {
        return Err(DictError::NotFix {
            file: file.to_owned(),
            found: root.tag_name().name().to_owned(),
        });
    }
    let mut loader = Loader {
        file,
        doc: &doc,
        names: HashMap::new(),
        by_tag: HashMap::new(),
        components: HashMap::new(),
        groups: Vec::new(),
        interned: HashMap::new(),
    };
    let kind = root.attribute("type").unwrap_or("FIX");
    if kind != "FIX" && kind != "FIXT" {
        return Err(loader.bad(&root, "type", kind));
    }
    let major_s = loader.attr(&root, "major")?;
    let minor_s = loader.attr(&root, "minor")?;
    let major: u32 = major_s
        .parse()
        .map_err(|_| loader.bad(&root, "major", major_s))?;
    let minor: u32 = minor_s
        .parse()
        .map_err(|_| loader.bad(&root, "minor", minor_s))?;
    let service_pack = match root.attribute("servicepack") {
        None => 0,
        Some(s) => s.parse().map_err(|_| loader.bad(&root, "servicepack", s))?,
    };
    let before_fix42 = kind == "FIX" && (major, minor) < (4, 2);

    // Fields.
    let fields_node = child(&root, "fields").ok_or_else(|| DictError::MissingSection {
        file: file.to_owned(),
        section: "fields",
    })?;
    let mut fields: Vec<FieldDef> = Vec::new();
    for node in fields_node.children().filter(|n| is(n, "field")) {
        let name = loader.attr(&node, "name")?;
        let number = loader.attr(&node, "number")?;
        let ty = loader.attr(&node, "type")?;
        let tag: u32 = match number.parse() {
            Ok(t) if t > 0 => t,
            _ => return Err(loader.bad(&node, "number", number)),
        };
        let id = fields.len() as FieldId;
        if loader.names.contains_key(name) {
            return Err(DictError::DuplicateFieldName {
                file: file.to_owned(),
                line: loader.line(&node),
                name: name.to_owned(),
            });
        }
        if let Some(&first) = loader.by_tag.get(&tag) {
            return Err(DictError::DuplicateFieldNumber {
                file: file.to_owned(),
                line: loader.line(&node),
                number: tag,
                first: fields[first as usize].name.to_string(),
                second: name.to_owned(),
            });
        }
        let mut values: Option<ValueSet> = None;
        for v in node.children().filter(|n| is(n, "value")) {
            let e = loader.attr(&v, "enum")?;
            values
                .get_or_insert_with(ValueSet::default)
                .insert(e.as_bytes());
        }
        loader.names.insert(name, (tag, id));
        loader.by_tag.insert(tag, id);
        fields.push(FieldDef {
            tag,
            name: name.into(),
            xml_type: ty.into(),
            ty: FieldType::from_xml(ty, before_fix42),
            values,
        });
    }

    // Components, looked up by name as they are used.
    if let Some(components) = child(&root, "components") {
        for node in components.children().filter(|n| is(n, "component")) {
            let name = loader.attr(&node, "name")?;
            if loader.components.insert(name, node).is_some() {
                return Err(DictError::DuplicateComponent {
                    file: file.to_owned(),
                    line: loader.line(&node),
                    name: name.to_owned(),
                });
            }
        }
    }

    // Header and trailer: FIX.5.0 application dictionaries have none (FIXT carries them).
    let (header, trailer) = if kind == "FIXT" || major < 5 {
        (
            loader.section(&root, "header")?,
            loader.section(&root, "trailer")?,
        )
    } else {
        (SectionDef::default(), SectionDef::default())
    };

    // Messages.
    let messages_node = child(&root, "messages").ok_or_else(|| DictError::MissingSection {
        file: file.to_owned(),
        section: "messages",
    })?;
    let mut messages: Vec<MessageDef> = Vec::new();
    let mut msg_index: Vec<(Box<[u8]>, u32)> = Vec::new();
    for node in messages_node.children().filter(|n| is(n, "message")) {
        let def = loader.message(&node, fields.len())?;
        match msg_index.binary_search_by(|e| e.0.as_ref().cmp(&def.msg_type)) {
            Ok(_) => {
                return Err(DictError::DuplicateMsgType {
                    file: file.to_owned(),
                    line: loader.line(&node),
                    msg_type: String::from_utf8_lossy(&def.msg_type).into_owned(),
                })
            }
            Err(at) => msg_index.insert(at, (def.msg_type.clone(), messages.len() as u32)),
        }
        messages.push(def);
    }

    let mut dense = vec![0u32; DENSE_TAGS as usize];
    let mut sparse = HashMap::new();
    for (id, f) in fields.iter().enumerate() {
        if f.tag < DENSE_TAGS {
            dense[f.tag as usize] = id as u32 + 1;
        } else {
            sparse.insert(f.tag, id as u32);
        }
    }
    let mut placement = vec![0u8; PLACEMENT_TAGS as usize];
    for &t in STANDARD_HEADER_TAGS.iter().chain(&header.tags) {
        if t < PLACEMENT_TAGS {
            placement[t as usize] |= HEADER;
        }
    }
    for &t in STANDARD_TRAILER_TAGS.iter().chain(&trailer.tags) {
        if t < PLACEMENT_TAGS {
            placement[t as usize] |= TRAILER;
        }
    }
    let names = loader
        .names
        .iter()
        .map(|(&n, &(_, id))| (Box::<str>::from(n), id))
        .collect();
    let groups = std::mem::take(&mut loader.groups);
    let mut msg_by_byte = vec![0u32; 256];
    for (i, m) in messages.iter().enumerate() {
        if let [b] = m.msg_type.as_ref() {
            msg_by_byte[usize::from(*b)] = i as u32 + 1;
        }
    }
    Ok(Dictionary {
        source: file.to_owned(),
        version: Version {
            kind: kind.to_owned(),
            major,
            minor,
            service_pack,
        },
        begin_string: format!("{kind}.{major_s}.{minor_s}"),
        fields,
        dense,
        sparse,
        names,
        header,
        trailer,
        placement,
        messages,
        msg_index,
        msg_by_byte,
        groups,
    })
}
