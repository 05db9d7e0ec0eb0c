//! The cookie-charter audit: collectors that turn what a browser stores into observations, and
//! the reports of the core's judgement of them (spec §12).
//!
//! - [`har`]: a HAR 1.2 file exported with cookies, read offline;
//! - [`scan`]: Debian's Chromium driven over the DevTools protocol through every scenario;
//! - [`report`]: the versioned JSON report; [`render`]: Markdown, HTML and JUnit XML;
//! - [`allow`]: accepted findings; [`diff`]: two reports compared; [`hints`]: suggestions for
//!   undeclared cookies from the Open Cookie Database.

#![forbid(unsafe_code)]
pub mod allow;
mod cdp;
pub mod diff;
pub mod error;
pub mod har;
pub mod hints;
pub mod render;
pub mod report;
pub mod scan;
pub mod time;

pub use error::{Error, Result};
