//! Client message decoding: any text either fails to parse or yields a message that
//! survives a JSON round trip unchanged once its drawings validate.
#![no_main]

use dailies_protocol::ClientMsg;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(msg) = serde_json::from_str::<ClientMsg>(text) else {
        return;
    };
    assert!(ClientMsg::TYPES.contains(&msg.type_name()));
    // Every coordinate and width is an f32: a number too big for one decodes as infinity,
    // which prints as null. Validation is what refuses it (fuzzing found this), so only a
    // valid drawing must survive the round trip.
    let valid = match &msg {
        ClientMsg::AddComment { drawing: Some(d), .. } | ClientMsg::EditComment { drawing: Some(d), .. } => {
            d.validate().is_ok()
        }
        ClientMsg::LiveStroke { shape, .. } => shape.validate().is_ok(),
        _ => true,
    };
    if !valid {
        return;
    }
    let again = serde_json::to_string(&msg).expect("a decoded message serializes");
    let back: ClientMsg = serde_json::from_str(&again).expect("what we print we can read");
    assert_eq!(back, msg, "round trip changed the message: {again}");
});
