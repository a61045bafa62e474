//! Inputs that fuzzing (`fuzz/`, `scripts/fuzz.sh`) turned up, fed to the same code in the
//! normal test suite so they stay fixed. The raw inputs are kept in `fuzz/regressions/`.

use dailies_protocol::{ClientMsg, ServerMsg};
use dailies_server::session::decode_client_text;

fn regression(name: &str) -> String {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/regressions")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// client_msg: a coordinate too large for an f32 decodes as infinity (and would print as
/// null); validation must refuse it before it reaches a room or the database.
#[test]
fn an_f32_overflow_in_a_stroke_is_refused_by_validation() {
    let text = regression("client_msg-f32-overflow.json");
    let Ok(ClientMsg::LiveStroke { shape, .. }) = decode_client_text(&text) else {
        panic!("the input decodes as a live stroke");
    };
    assert!(shape.points[0].y.is_infinite());
    assert!(shape.validate().unwrap_err().contains("finite"));
    // The same number in a comment's drawing and as a width.
    let comment = text
        .replace("\"live_stroke\"", "\"add_comment\"")
        .replace(
            "\"shape\": {",
            "\"text\": \"\", \"frame\": 0, \"drawing\": {\"shapes\": [{",
        )
        .replace("0.005}}", "0.005}]}}");
    let Ok(ClientMsg::AddComment { drawing: Some(d), .. }) = decode_client_text(&comment) else {
        panic!("{comment} decodes as a comment with a drawing");
    };
    assert!(d.validate().is_err());
    let wide = text.replace("\"width\": 0.005", "\"width\": 1e39");
    let Ok(ClientMsg::LiveStroke { shape, .. }) = decode_client_text(&wide) else {
        panic!()
    };
    assert!(shape.validate().is_err());
}

/// Found while writing the session_text target (by reading, not by the fuzzer): serde quotes
/// an unknown tag in its error; cutting that message at a fixed
/// byte count could land inside a two-byte character and panic the session.
#[test]
fn a_non_ascii_unknown_type_is_answered() {
    for n in [149, 150, 151, 200, 1000] {
        let text = format!(r#"{{"type":"{}"}}"#, "é".repeat(n));
        match decode_client_text(&text).map_err(|e| *e) {
            Err(ServerMsg::Error { message, .. }) => assert!(message.len() < 400),
            other => panic!("{other:?}"),
        }
    }
}
