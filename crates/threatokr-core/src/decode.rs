//! Reading the spanned tree against a declared shape, collecting every problem.
//!
//! A `Shape` lists an object's fields with their types and docs. It is the single source of
//! truth for three things: which keys are known (unknown ones get "did you mean"), what type
//! each value must have (checked once, when a `MapReader` opens the object), and the JSON
//! Schema that `threatokr schema` publishes for editors.

use crate::diag::{Code, Diagnostic, FileId, Span, did_you_mean};
use crate::syntax::Node;
use serde_json::{Map, Value as Json, json};

/// The type of a field.
#[derive(Debug, Clone, Copy)]
pub enum Ty {
    /// Any text (numbers and booleans are accepted as written, so `name: 2027` works).
    Text,
    /// An identifier: text without surrounding whitespace or control characters.
    Id,
    /// A number.
    Number,
    /// A whole number at least 0.
    Count,
    /// `true` or `false`.
    Bool,
    /// A calendar date `YYYY-MM-DD`.
    Date,
    /// One of a closed list of names.
    Enum(fn() -> Vec<&'static str>),
    /// A CWE id: `79` or `CWE-79`.
    Cwe,
    /// A list of the inner type.
    List(&'static Self),
    /// One item or a list of them (`apps: checkout` or `apps: [a, b]`).
    OneOrList(&'static Self),
    /// A nested object with its own shape.
    Object(&'static Shape),
    /// A mapping from text keys to values of the inner type.
    MapOf(&'static Self),
    /// Anything: checked by the code that reads it.
    Any,
    /// A key result's `measure:`: a mapping checked against the metric catalogue when lowered;
    /// its JSON Schema is one alternative per metric, from the same catalogue.
    Measure,
}

/// One field of an object.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// The key.
    pub name: &'static str,
    /// Its type.
    pub ty: Ty,
    /// Whether it must be present.
    pub required: bool,
    /// One sentence for the schema and the docs.
    pub doc: &'static str,
}

/// A required field.
pub const fn req(name: &'static str, ty: Ty, doc: &'static str) -> Field {
    Field { name, ty, required: true, doc }
}

/// An optional field.
pub const fn opt(name: &'static str, ty: Ty, doc: &'static str) -> Field {
    Field { name, ty, required: false, doc }
}

/// The declared shape of an object.
#[derive(Debug)]
pub struct Shape {
    /// The name used in messages ("threat", "key result").
    pub name: &'static str,
    /// One sentence for the schema.
    pub doc: &'static str,
    /// The fields.
    pub fields: &'static [Field],
}

impl Shape {
    fn field(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == key)
    }
}

/// Collects diagnostics for one file while reading it, and the references to ids it makes,
/// which are checked once every file of the workspace is read.
#[derive(Debug)]
pub struct Decoder {
    /// The file being read.
    pub file: FileId,
    /// What was found so far.
    pub diagnostics: Vec<Diagnostic>,
    /// References to ids, with where they are written.
    pub references: Vec<Reference>,
}

/// What kind of thing a reference points at, and where it is looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    /// An element, flow or boundary of the same model.
    Element,
    /// A threat of the same model.
    LocalThreat,
    /// A threat of any model in the workspace.
    Threat,
    /// An objective in any cycle.
    Objective,
    /// A key result of the same OKR file.
    KeyResult,
    /// A person of the org.
    Person,
    /// A team of the org.
    Team,
    /// An app.
    App,
    /// A cycle.
    Cycle,
    /// A tag some app has (`apps: tag:<tag>` of a `measure:`).
    AppTag,
    /// An environment some app lists.
    Environment,
    /// A training course of `settings.courses` (checked only when courses are declared).
    Course,
}

impl Target {
    /// The noun used in messages.
    pub fn noun(self) -> &'static str {
        match self {
            Self::Element => "element",
            Self::LocalThreat | Self::Threat => "threat",
            Self::Objective => "objective",
            Self::KeyResult => "key result",
            Self::Person => "person",
            Self::Team => "team",
            Self::App => "app",
            Self::Cycle => "cycle",
            Self::AppTag => "app tag",
            Self::Environment => "environment",
            Self::Course => "course",
        }
    }
}

/// One reference to an id, recorded while reading.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    /// What it points at.
    pub target: Target,
    /// The id written.
    pub id: String,
    /// Where.
    pub file: FileId,
    /// The span of the id.
    pub span: Span,
    /// Who refers, for the message ("control `C-1`").
    pub from: String,
}

impl Decoder {
    /// A decoder for a file.
    pub fn new(file: FileId) -> Self {
        Self { file, diagnostics: Vec::new(), references: Vec::new() }
    }

    /// Records the ids of a field (one id or a list) as references and returns them parsed.
    pub fn references<T: std::str::FromStr>(
        &mut self,
        reader: &MapReader<'_>,
        key: &str,
        target: Target,
        from: &str,
    ) -> Vec<T> {
        let Some(node) = reader.get(key) else {
            return Vec::new();
        };
        let items: Vec<&Node> = match node.as_seq() {
            Some(items) => items.iter().collect(),
            None => vec![node],
        };
        let mut out = Vec::new();
        for item in items {
            if let Some(text) = item.scalar_text()
                && let Ok(id) = text.parse()
            {
                self.references.push(Reference {
                    target,
                    id: text.to_owned(),
                    file: self.file,
                    span: item.span,
                    from: from.to_owned(),
                });
                out.push(id);
            }
        }
        out
    }

    /// Records a diagnostic at a span.
    pub fn report(
        &mut self,
        code: Code,
        span: Span,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        self.diagnostics.push(Diagnostic::new(code, self.file, span, message));
        self.diagnostics.last_mut().expect("just pushed")
    }

    /// Opens an object: checks that `node` is a mapping, reports unknown keys, missing required
    /// fields and wrongly typed values. Returns `None` (after a diagnostic) when it is not a mapping.
    pub fn object<'n>(&mut self, node: &'n Node, shape: &'static Shape) -> Option<MapReader<'n>> {
        let Some(entries) = node.as_map() else {
            self.report(
                Code::WrongType,
                node.span,
                format!(
                    "expected a mapping for the {}, found {}",
                    shape.name,
                    node.value.kind_name()
                ),
            );
            return None;
        };
        let mut valid = Vec::with_capacity(entries.len());
        for (key, value) in entries {
            match shape.field(&key.text) {
                None => {
                    let names = shape.fields.iter().map(|f| f.name);
                    let diagnostic = self.report(
                        Code::UnknownKey,
                        key.span,
                        format!("unknown key `{}` in the {}", key.text, shape.name),
                    );
                    diagnostic.help = Some(match did_you_mean(&key.text, names) {
                        Some(suggestion) => format!("did you mean `{suggestion}`?"),
                        None => format!(
                            "known keys: {}",
                            shape.fields.iter().map(|f| f.name).collect::<Vec<_>>().join(", ")
                        ),
                    });
                    valid.push(false);
                }
                Some(field) => valid.push(
                    value.is_null() && !field.required || self.check(value, field.ty, field.name),
                ),
            }
        }
        for field in shape.fields.iter().filter(|f| f.required) {
            if !entries.iter().any(|(k, v)| k.text == field.name && !v.is_null()) {
                let at = Span::new(node.span.start as usize, node.span.start as usize);
                self.report(
                    Code::MissingField,
                    at,
                    format!("the {} has no `{}`", shape.name, field.name),
                )
                .help = Some(format!("`{}`: {}", field.name, field.doc));
            }
        }
        Some(MapReader { node, entries, valid, shape })
    }

    /// Checks a value against a type, reporting what is wrong. Returns whether it is usable.
    fn check(&mut self, node: &Node, ty: Ty, what: &str) -> bool {
        let ok = match ty {
            Ty::Any => true,
            Ty::Text => node.scalar_text().is_some(),
            Ty::Id => match node.scalar_text() {
                Some(text) => match crate::model::ThreatId::from_str_checked(text) {
                    Ok(()) => true,
                    Err(e) => {
                        self.report(Code::InvalidId, node.span, format!("`{what}`: {e}"));
                        return false;
                    }
                },
                None => false,
            },
            Ty::Number => node.as_f64().is_some(),
            Ty::Count => match node.as_f64() {
                Some(v) if v >= 0.0 && v.fract() == 0.0 => true,
                Some(v) => {
                    self.report(
                        Code::InvalidValue,
                        node.span,
                        format!("`{what}` must be a whole number of at least 0, found {v}"),
                    );
                    return false;
                }
                None => false,
            },
            Ty::Bool => node.as_bool().is_some(),
            Ty::Date => match node.scalar_text() {
                Some(text) => {
                    if parse_date(text).is_none() {
                        self.report(
                            Code::InvalidDate,
                            node.span,
                            format!("`{what}`: `{text}` is not a date in the form YYYY-MM-DD"),
                        );
                        return false;
                    }
                    true
                }
                None => false,
            },
            Ty::Enum(names) => match node.scalar_text() {
                Some(text) => {
                    let names = names();
                    if !names.contains(&text) {
                        let diagnostic = self.report(
                            Code::InvalidValue,
                            node.span,
                            format!("`{what}`: `{text}` is not one of {}", names.join(", ")),
                        );
                        if let Some(suggestion) = did_you_mean(text, names.iter().copied()) {
                            diagnostic.help = Some(format!("did you mean `{suggestion}`?"));
                        }
                        return false;
                    }
                    true
                }
                None => false,
            },
            Ty::Cwe => match node.scalar_text() {
                Some(text) => {
                    if parse_cwe(text).is_none() {
                        self.report(
                            Code::InvalidCwe,
                            node.span,
                            format!("`{text}` is not a CWE id (write `79` or `CWE-79`)"),
                        );
                        return false;
                    }
                    true
                }
                None => false,
            },
            Ty::List(inner) => match node.as_seq() {
                Some(items) => {
                    let mut all = true;
                    for item in items {
                        all &= self.check_item(item, *inner, what);
                    }
                    // Each bad item was reported on its own; the list itself is fine.
                    return all;
                }
                None => false,
            },
            Ty::OneOrList(inner) => match node.as_seq() {
                Some(items) => {
                    // Not `all()`: every bad item must be reported, not only the first.
                    let mut all = true;
                    for item in items {
                        all &= self.check_item(item, *inner, what);
                    }
                    return all;
                }
                None => return self.check(node, *inner, what),
            },
            // Nested objects are checked when they are opened, so each gets its own shape's messages.
            Ty::Object(_) | Ty::Measure => node.as_map().is_some(),
            Ty::MapOf(inner) => match node.as_map() {
                Some(entries) => {
                    let mut all = true;
                    for (_, value) in entries {
                        all &= self.check(value, *inner, what);
                    }
                    return all;
                }
                None => false,
            },
        };
        if !ok {
            self.report(
                Code::WrongType,
                node.span,
                format!("`{what}` must be {}, found {}", describe(ty), node.value.kind_name()),
            );
        }
        ok
    }

    fn check_item(&mut self, item: &Node, inner: Ty, what: &str) -> bool {
        // Objects inside lists are checked (and skipped if broken) when they are read.
        if let Ty::Object(_) = inner {
            item.as_map().is_some() || self.check(item, inner, what)
        } else {
            self.check(item, inner, what)
        }
    }
}

/// Reads the fields of one object after `Decoder::object` checked them.
/// Accessors return `None` for absent, null or invalid values: their problems were already reported.
#[derive(Debug)]
pub struct MapReader<'n> {
    /// The object's node, for spans of "missing" problems.
    pub node: &'n Node,
    entries: &'n [(crate::syntax::Key, Node)],
    valid: Vec<bool>,
    shape: &'static Shape,
}

impl<'n> MapReader<'n> {
    /// The value of a field when it is present, non-null and valid.
    pub fn get(&self, key: &str) -> Option<&'n Node> {
        debug_assert!(
            self.shape.field(key).is_some(),
            "`{key}` is read but not declared in the {} shape",
            self.shape.name
        );
        self.entries
            .iter()
            .zip(&self.valid)
            .find(|((k, _), _)| k.text == key)
            .filter(|(_, ok)| **ok)
            .map(|((_, v), _)| v)
            .filter(|v| !v.is_null())
    }

    /// The span of a key's value, or of the object when absent.
    pub fn span_of(&self, key: &str) -> Span {
        self.entries.iter().find(|(k, _)| k.text == key).map_or(self.node.span, |(_, v)| v.span)
    }

    /// Text (numbers as written).
    pub fn text(&self, key: &str) -> Option<String> {
        self.get(key).and_then(Node::scalar_text).map(str::to_owned)
    }

    /// A number.
    pub fn number(&self, key: &str) -> Option<f64> {
        self.get(key).and_then(Node::as_f64)
    }

    /// A boolean.
    pub fn bool(&self, key: &str) -> Option<bool> {
        self.get(key).and_then(Node::as_bool)
    }

    /// A date.
    pub fn date(&self, key: &str) -> Option<jiff::civil::Date> {
        self.get(key).and_then(Node::scalar_text).and_then(parse_date)
    }

    /// A value of a closed vocabulary (checked already, so parsing succeeds).
    pub fn parse<T: std::str::FromStr>(&self, key: &str) -> Option<T> {
        self.get(key).and_then(Node::scalar_text).and_then(|t| t.parse().ok())
    }

    /// A list of texts; a single text counts as a list of one.
    pub fn texts(&self, key: &str) -> Vec<String> {
        match self.get(key) {
            None => Vec::new(),
            Some(node) => match node.as_seq() {
                Some(items) => {
                    items.iter().filter_map(Node::scalar_text).map(str::to_owned).collect()
                }
                None => node.scalar_text().map(|t| vec![t.to_owned()]).unwrap_or_default(),
            },
        }
    }

    /// The items of a list field with their nodes (for per-item spans).
    pub fn items(&self, key: &str) -> &'n [Node] {
        self.get(key).and_then(Node::as_seq).unwrap_or(&[])
    }

    /// CWE ids of a list field.
    pub fn cwes(&self, key: &str) -> Vec<u32> {
        self.texts(key).iter().filter_map(|t| parse_cwe(t)).collect()
    }

    /// Whether the key is written at all (even as null).
    pub fn has(&self, key: &str) -> bool {
        self.entries.iter().any(|(k, _)| k.text == key)
    }
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Option<jiff::civil::Date> {
    let text = text.trim();
    if text.len() != 10 {
        return None;
    }
    text.parse().ok()
}

/// Parses `79`, `CWE-79` or `cwe-079`.
pub fn parse_cwe(text: &str) -> Option<u32> {
    let text = text.trim();
    let digits = text.strip_prefix("CWE-").or_else(|| text.strip_prefix("cwe-")).unwrap_or(text);
    digits.parse::<u32>().ok().filter(|&n| n > 0)
}

/// A type in words, for messages and generated documentation ("text or a list of them").
pub fn describe(ty: Ty) -> String {
    match ty {
        Ty::Text => "text".into(),
        Ty::Id => "an id".into(),
        Ty::Number => "a number".into(),
        Ty::Count => "a whole number".into(),
        Ty::Bool => "true or false".into(),
        Ty::Date => "a date (YYYY-MM-DD)".into(),
        Ty::Enum(names) => format!("one of {}", names().join(", ")),
        Ty::Cwe => "a CWE id".into(),
        Ty::List(Ty::Object(shape)) => format!("a list of {} mappings", shape.name),
        Ty::List(inner) => format!("a list of {}", describe(*inner)),
        Ty::OneOrList(inner) => format!("{} or a list of them", describe(*inner)),
        Ty::Object(shape) => format!("a {} mapping", shape.name),
        Ty::MapOf(inner) => format!("a mapping of {}", describe(*inner)),
        Ty::Any => "a value".into(),
        Ty::Measure => "a `measure:` mapping (`metric:` and its parameters)".into(),
    }
}

/// The JSON Schema (draft 2020-12) of a shape, for editors.
pub fn json_schema(shape: &'static Shape, id: &str, title: &str) -> Json {
    let mut definitions = Map::new();
    let mut root = object_schema(shape, &mut definitions);
    root["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
    root["$id"] = json!(id);
    root["title"] = json!(title);
    if !definitions.is_empty() {
        root["$defs"] = Json::Object(definitions);
    }
    root
}

fn object_schema(shape: &'static Shape, definitions: &mut Map<String, Json>) -> Json {
    let mut properties = Map::new();
    for field in shape.fields {
        let mut schema = type_schema(field.ty, definitions);
        schema["description"] = json!(field.doc);
        properties.insert(field.name.to_owned(), schema);
    }
    let required: Vec<&str> = shape.fields.iter().filter(|f| f.required).map(|f| f.name).collect();
    json!({"type": "object", "description": shape.doc, "properties": properties, "required": required, "additionalProperties": false})
}

fn type_schema(ty: Ty, definitions: &mut Map<String, Json>) -> Json {
    match ty {
        Ty::Text => json!({"type": ["string", "number", "boolean"]}),
        Ty::Id => json!({"type": ["string", "number"], "minLength": 1}),
        Ty::Number => json!({"type": "number"}),
        Ty::Count => json!({"type": "integer", "minimum": 0}),
        Ty::Bool => json!({"type": "boolean"}),
        Ty::Date => json!({"type": "string", "format": "date"}),
        Ty::Enum(names) => json!({"enum": names()}),
        Ty::Cwe => json!({"type": ["integer", "string"], "pattern": "^(CWE-)?[0-9]+$"}),
        Ty::List(inner) => json!({"type": "array", "items": type_schema(*inner, definitions)}),
        Ty::OneOrList(inner) => {
            let item = type_schema(*inner, definitions);
            json!({"anyOf": [item.clone(), {"type": "array", "items": item}]})
        }
        Ty::Object(shape) => {
            let name = shape.name.replace(' ', "_");
            if !definitions.contains_key(&name) {
                // Insert a placeholder first so recursive shapes terminate.
                definitions.insert(name.clone(), json!({}));
                let schema = object_schema(shape, definitions);
                definitions.insert(name.clone(), schema);
            }
            json!({"$ref": format!("#/$defs/{name}")})
        }
        Ty::MapOf(inner) => {
            json!({"type": "object", "additionalProperties": type_schema(*inner, definitions)})
        }
        Ty::Any => json!({}),
        Ty::Measure => measure_schema(definitions),
    }
}

/// One alternative per metric of the catalogue: `metric` fixed to its name, its parameters typed,
/// nothing else allowed.
fn measure_schema(definitions: &mut Map<String, Json>) -> Json {
    let alternatives: Vec<Json> = crate::metrics::CATALOGUE
        .iter()
        .map(|metric| {
            let mut properties = Map::new();
            properties.insert("metric".into(), json!({"const": metric.name}));
            for param in crate::metrics::params_of(metric) {
                let mut schema = type_schema(param.ty, definitions);
                schema["description"] = json!(param.doc);
                properties.insert(param.name.to_owned(), schema);
            }
            json!({"type": "object", "description": metric.doc, "properties": properties, "required": ["metric"], "additionalProperties": false})
        })
        .collect();
    json!({"oneOf": alternatives})
}

#[cfg(test)]
mod tests;
