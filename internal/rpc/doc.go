// Package rpc is what both halves of hulian need of Connect, the
// Protobuf-over-HTTP protocol of X-A3, and what neither owns: the one
// table between error kinds and Connect codes (both directions), strict
// codecs that refuse unknown fields, the options every service and client
// is built with, and the transport that signs a node's requests
// (rpc/reqsign). The platform's handlers live in internal/platform/api;
// the node's in internal/node/server; both build on this package, and
// neither imports the other.
package rpc
