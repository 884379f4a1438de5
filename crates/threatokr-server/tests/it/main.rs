//! Router tests: every route through `tower::ServiceExt::oneshot`, the access matrix, the OpenAPI
//! document against the route table and the responses, hostile text, and one real socket.

mod access;
mod escaping;
mod openapi;
mod routes;
mod support;
