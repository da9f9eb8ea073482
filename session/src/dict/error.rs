//! Why a dictionary failed to load: which file, which element, which value.

use thiserror::Error;

/// A dictionary that cannot be loaded. Every variant names the file (or the label the caller
/// gave to an in-memory document) so a misconfigured session says where to look.
#[derive(Debug, Error)]
pub enum DictError {
    /// The file could not be read.
    #[error("data dictionary {path}: cannot read: {source}")]
    Io {
        /// The path as given.
        path: String,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The document is not well-formed XML.
    #[error("data dictionary {file}: malformed XML: {reason}")]
    Xml {
        /// The file.
        file: String,
        /// The XML parser's reason, with its position.
        reason: String,
    },
    /// The root element is not `<fix>`.
    #[error("data dictionary {file}: root element is <{found}>, expected <fix>")]
    NotFix {
        /// The file.
        file: String,
        /// The root element found.
        found: String,
    },
    /// A required section (`<fields>`, `<header>`, `<trailer>`, `<messages>`) is absent.
    #[error("data dictionary {file}: <{section}> section not found")]
    MissingSection {
        /// The file.
        file: String,
        /// The section's element name.
        section: &'static str,
    },
    /// An element lacks an attribute it must have.
    #[error("data dictionary {file} line {line}: <{element}> has no {attribute} attribute")]
    MissingAttribute {
        /// The file.
        file: String,
        /// 1-based line of the element.
        line: u32,
        /// The element's name.
        element: String,
        /// The missing attribute.
        attribute: &'static str,
    },
    /// An attribute's value is not acceptable.
    #[error("data dictionary {file} line {line}: <{element}> {attribute}={value:?} is invalid")]
    BadAttribute {
        /// The file.
        file: String,
        /// 1-based line of the element.
        line: u32,
        /// The element's name.
        element: String,
        /// The attribute.
        attribute: &'static str,
        /// Its value.
        value: String,
    },
    /// A field is referenced by a name the `<fields>` section does not define.
    #[error("data dictionary {file} line {line}: field {name:?} (in {context}) is not defined in <fields>")]
    UnknownField {
        /// The file.
        file: String,
        /// 1-based line of the reference.
        line: u32,
        /// The name used.
        name: String,
        /// Where it was used, e.g. `message D` or `component Instrument`.
        context: String,
    },
    /// A component is referenced that `<components>` does not define.
    #[error("data dictionary {file} line {line}: component {name:?} (in {context}) is not defined in <components>")]
    UnknownComponent {
        /// The file.
        file: String,
        /// 1-based line of the reference.
        line: u32,
        /// The name used.
        name: String,
        /// Where it was used.
        context: String,
    },
    /// Components that include themselves, directly or not.
    #[error(
        "data dictionary {file}: component {name:?} includes itself (nesting deeper than {depth})"
    )]
    ComponentCycle {
        /// The file.
        file: String,
        /// The component where the nesting limit was hit.
        name: String,
        /// The limit.
        depth: usize,
    },
    /// Two `<field>` definitions share a name.
    #[error("data dictionary {file} line {line}: field name {name:?} is defined twice")]
    DuplicateFieldName {
        /// The file.
        file: String,
        /// 1-based line of the second definition.
        line: u32,
        /// The name.
        name: String,
    },
    /// Two `<field>` definitions share a number.
    #[error("data dictionary {file} line {line}: field number {number} is defined twice ({first} and {second})")]
    DuplicateFieldNumber {
        /// The file.
        file: String,
        /// 1-based line of the second definition.
        line: u32,
        /// The tag.
        number: u32,
        /// The first definition's name.
        first: String,
        /// The second definition's name.
        second: String,
    },
    /// Two `<component>` definitions share a name.
    #[error("data dictionary {file} line {line}: component {name:?} is defined twice")]
    DuplicateComponent {
        /// The file.
        file: String,
        /// 1-based line of the second definition.
        line: u32,
        /// The name.
        name: String,
    },
    /// Two `<message>` definitions share a MsgType.
    #[error("data dictionary {file} line {line}: msgtype {msg_type:?} is defined twice")]
    DuplicateMsgType {
        /// The file.
        file: String,
        /// 1-based line of the second definition.
        line: u32,
        /// The MsgType.
        msg_type: String,
    },
}
