//! What a websocket session does with one text frame before acting on it: decode it, or
//! build the `bad_message` reply. It must return for any text, and the reply stays small.
#![no_main]

use dailies_protocol::ServerMsg;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The transport hands the session only valid UTF-8 (others close the socket).
    let Ok(text) = std::str::from_utf8(data) else { return };
    match dailies_server::session::decode_client_text(text) {
        Ok(msg) => {
            let _ = msg.type_name();
        }
        Err(reply) => {
            assert!(matches!(*reply, ServerMsg::Error { .. }));
            let json = serde_json::to_string(&reply).expect("the reply serializes");
            assert!(json.len() < 1024, "error reply of {} bytes", json.len());
        }
    }
});
