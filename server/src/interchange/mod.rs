//! Post-production interchange: a media's notes out to the edit (CSV, CMX3600 EDL, FCPXML,
//! FCP 7 XML, Avid markers) and an edit's locators in (EDL import), all in source timecode.
//! Pure text in and out, but for the review report and comment stills (`report`, `render`,
//! `still`: ffmpeg grabs the frame); the routes in `api::interchange` fetch and authorize.

pub mod clock;
pub mod edl;
pub mod export;
pub mod render;
pub mod report;
pub mod still;

pub use clock::Clock;
