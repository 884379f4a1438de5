//! A small spanned XML tree for `.tm7` files, built with quick-xml under budgets.
//!
//! Names are local (namespace prefixes dropped): `.tm7` files spell the same element with
//! different prefixes depending on where the data-contract serializer declared them. A syntax
//! error stops reading with a positioned diagnostic; everything read before it stays in the tree.

use quick_xml::events::Event;
use quick_xml::reader::Reader;

use crate::diag::{Code, Diagnostic, FileId, Span};

/// Deepest nesting read; real `.tm7` files nest about 12 levels.
const MAX_DEPTH: usize = 256;
/// Most elements read; a large real model has tens of thousands.
const MAX_ELEMENTS: usize = 2_000_000;
/// Largest file read, as for the YAML and JSON readers.
const MAX_BYTES: usize = 64 << 20;

/// One XML element.
#[derive(Debug, Clone, Default)]
pub(super) struct XmlElement {
    /// Local name.
    pub(super) name: String,
    /// Attributes by local name (`i:type` is `type`).
    pub(super) attributes: Vec<(String, String)>,
    /// Child elements in order.
    pub(super) children: Vec<Self>,
    /// The text directly inside, entity references resolved.
    pub(super) text: String,
    /// From `<` of the start tag to `>` of the end tag.
    pub(super) span: Span,
}

impl XmlElement {
    /// The first child with this local name.
    pub(super) fn child(&self, name: &str) -> Option<&Self> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The children with this local name.
    pub(super) fn children_named<'e>(
        &'e self,
        name: &'e str,
    ) -> impl Iterator<Item = &'e Self> + 'e {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// Follows a path of child names.
    pub(super) fn path(&self, names: &[&str]) -> Option<&Self> {
        names.iter().try_fold(self, |element, name| element.child(name))
    }

    /// The trimmed text of a child, `None` when absent, nil or blank.
    pub(super) fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.trim()).filter(|t| !t.is_empty())
    }

    /// An attribute by local name.
    pub(super) fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// Parses XML text into its root element, with diagnostics for what could not be read.
pub(super) fn parse(text: &str, file: FileId) -> (Option<XmlElement>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    if text.len() > MAX_BYTES {
        diagnostics.push(Diagnostic::new(
            Code::InputBudget,
            file,
            Span::new(0, 0),
            format!("the file is {} bytes; the limit is {MAX_BYTES} bytes", text.len()),
        ));
        return (None, diagnostics);
    }
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<XmlElement> = Vec::new();
    let mut root: Option<XmlElement> = None;
    let mut count = 0usize;
    loop {
        let before = offset(reader.buffer_position());
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(error) => {
                let at = offset(reader.error_position());
                diagnostics.push(
                    Diagnostic::new(Code::XmlSyntax, file, Span::new(at, at), format!("the XML is malformed here: {error}"))
                        .with_help("everything before this point was imported; fix the file in the Threat Modeling Tool or an XML editor"),
                );
                break;
            }
        };
        let after = offset(reader.buffer_position());
        match event {
            Event::Start(start) | Event::Empty(start)
                if stack.len() >= MAX_DEPTH || count >= MAX_ELEMENTS =>
            {
                let _ = start;
                diagnostics.push(Diagnostic::new(
                    Code::InputBudget,
                    file,
                    Span::new(before, after),
                    "the XML nests too deep or has too many elements; the rest was not read",
                ));
                break;
            }
            Event::Start(start) => {
                count += 1;
                stack.push(XmlElement {
                    name: local_name(start.local_name().as_ref()),
                    attributes: attributes(&start),
                    span: Span::new(before, after),
                    ..XmlElement::default()
                });
            }
            Event::Empty(start) => {
                count += 1;
                let element = XmlElement {
                    name: local_name(start.local_name().as_ref()),
                    attributes: attributes(&start),
                    span: Span::new(before, after),
                    ..XmlElement::default()
                };
                attach(&mut stack, &mut root, element);
            }
            Event::End(_) => {
                if let Some(mut element) = stack.pop() {
                    element.span = Span::new(element.span.start as usize, after);
                    attach(&mut stack, &mut root, element);
                }
            }
            Event::Text(content) => push_text(&mut stack, &content.xml10_content()),
            Event::CData(content) => push_text(&mut stack, &content.into_inner()),
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => match &*reference {
                        "lt" => "<".to_owned(),
                        "gt" => ">".to_owned(),
                        "amp" => "&".to_owned(),
                        "apos" => "'".to_owned(),
                        "quot" => "\"".to_owned(),
                        other => format!("&{other};"),
                    },
                };
                push_text(&mut stack, &resolved);
            }
            Event::Eof => {
                if let Some(open) = stack.last() {
                    let at = text.len();
                    diagnostics.push(
                        Diagnostic::new(
                            Code::XmlSyntax,
                            file,
                            Span::new(at, at),
                            format!(
                                "the XML ends before `<{}>` is closed; the file looks cut off",
                                open.name
                            ),
                        )
                        .with_secondary(file, open.span, "opened here"),
                    );
                }
                break;
            }
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    // Close whatever a cut-off or broken file left open, so that its sound parts are kept.
    while let Some(mut element) = stack.pop() {
        element.span = Span::new(element.span.start as usize, text.len());
        attach(&mut stack, &mut root, element);
    }
    (root, diagnostics)
}

fn offset(position: u64) -> usize {
    usize::try_from(position).unwrap_or(usize::MAX)
}

fn local_name(name: &str) -> String {
    name.to_owned()
}

fn attributes(start: &quick_xml::events::BytesStart<'_>) -> Vec<(String, String)> {
    start
        .attributes()
        .filter_map(Result::ok)
        .filter_map(|attribute| {
            let name = local_name(attribute.key.local_name().as_ref());
            attribute
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()
                .map(|value| (name, value.into_owned()))
        })
        .collect()
}

fn push_text(stack: &mut [XmlElement], text: &str) {
    if let Some(open) = stack.last_mut() {
        open.text.push_str(text);
    }
}

/// Adds a finished element to its parent, or makes it the root (only the first top-level
/// element counts).
fn attach(stack: &mut [XmlElement], root: &mut Option<XmlElement>, element: XmlElement) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(element),
        None => {
            if root.is_none() {
                *root = Some(element);
            }
        }
    }
}
