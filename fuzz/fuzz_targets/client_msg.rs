//! Client message decoding: any text either fails to parse or yields a message that
//! survives a JSON round trip unchanged, and whose drawings validate without panicking.
#![no_main]

use dailies_protocol::ClientMsg;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(msg) = serde_json::from_str::<ClientMsg>(text) else {
        return;
    };
    assert!(ClientMsg::TYPES.contains(&msg.type_name()));
    match &msg {
        ClientMsg::AddComment { drawing: Some(d), .. } | ClientMsg::EditComment { drawing: Some(d), .. } => {
            let _ = d.validate();
        }
        ClientMsg::LiveStroke { shape, .. } => {
            let _ = shape.validate();
        }
        _ => {}
    }
    let again = serde_json::to_string(&msg).expect("a decoded message serializes");
    let back: ClientMsg = serde_json::from_str(&again).expect("what we print we can read");
    assert_eq!(back, msg, "round trip changed the message: {again}");
});
