//! Upload names from the outside: tus `Upload-Metadata` and the percent-encoded
//! `X-File-Name`. Whatever comes in, the stored file name and the title are never a path.
#![no_main]

use dailies_server::api::tus::{metadata_filename_of, parse_upload_metadata};
use dailies_server::api::upload::percent_decode;
use dailies_server::storage::{original_file_name, title_from_name};
use libfuzzer_sys::fuzz_target;

fn check_name(uploaded: &str) {
    let stored = original_file_name(uploaded);
    assert!(stored == "original" || stored.starts_with("original."), "{stored:?}");
    assert!(
        stored.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.'),
        "{stored:?}"
    );
    let title = title_from_name(uploaded);
    assert!(!title.is_empty() && title.chars().count() <= 200);
    assert!(!title.contains('/') && !title.contains('\\'), "{title:?}");
    assert!(!title.chars().any(char::is_control), "{title:?}");
    assert!(title != "." && title != "..");
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Some(pairs) = parse_upload_metadata(text) {
        for (key, _) in &pairs {
            assert!(!key.is_empty() && !key.contains(','));
        }
    }
    if let Some(name) = metadata_filename_of(text) {
        check_name(&name);
    }
    // Escapes that are not UTF-8 are refused (400) before any name is made.
    if let Ok(name) = percent_decode(text) {
        check_name(&name);
    }
});
