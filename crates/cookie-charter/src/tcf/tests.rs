//! Unit tests of TC-string decoding.
