//! The schema files of each version, embedded at build time by `build.rs`: `V16` and `V201`,
//! each a list of `(file stem, file text)` sorted by file name.

include!(concat!(env!("OUT_DIR"), "/schemas.rs"));
