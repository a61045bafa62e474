//! Websocket messages in fragments (RFC 6455 5.4): joined under the same size limit as a
//! single frame, and answered `too_large` with close code 1009 when over it.

use crate::common::TestServer;
use actix_ws::Item;
use awc::ws::Message;
use futures_util::SinkExt;

const LIMIT: usize = 4096;

#[actix_rt::test]
async fn fragmented_messages_are_joined_and_held_to_the_limit() {
    let s = TestServer::start_with(|c| c.ws_max_frame = LIMIT).await;
    let mut ws = s.ws(Some("alice")).await;
    ws.recv_type("welcome").await;
    // Under the limit, in three parts: one message.
    let ping = br#"{"type":"ping","client_time":7}"#;
    for part in [
        Item::FirstText(ping[..10].to_vec().into()),
        Item::Continue(ping[10..20].to_vec().into()),
        Item::Last(ping[20..].to_vec().into()),
    ] {
        ws.framed.send(Message::Continuation(part)).await.unwrap();
    }
    assert_eq!(ws.recv_type("pong").await["client_time"], 7.0);
    // A character split between two parts is still one character.
    let join = r#"{"type":"join_room","media_id":"ééééééééééé","since_seq":null}"#.as_bytes();
    let cut = join.iter().position(|&b| b >= 0x80).unwrap() + 1;
    for part in [
        Item::FirstText(join[..cut].to_vec().into()),
        Item::Last(join[cut..].to_vec().into()),
    ] {
        ws.framed.send(Message::Continuation(part)).await.unwrap();
    }
    assert_eq!(ws.recv_type("error").await["code"], "not_found");

    // Over the limit in fragments that are each well under it: too_large and 1009, as for
    // one big frame (it was a bare TCP close).
    let pad = vec![b'x'; LIMIT / 3];
    ws.framed
        .send(Message::Continuation(Item::FirstText(
            [br#"{"type":"ping","pad":""#.as_slice(), &pad].concat().into(),
        )))
        .await
        .unwrap();
    for _ in 0..3 {
        // The server may close before the last part: a failed send is fine here.
        if ws
            .framed
            .send(Message::Continuation(Item::Continue(pad.clone().into())))
            .await
            .is_err()
        {
            break;
        }
    }
    let _ = ws
        .framed
        .send(Message::Continuation(Item::Last(br#""}"#.to_vec().into())))
        .await;
    assert_eq!(ws.recv_type("error").await["code"], "too_large");
    assert_eq!(ws.closed_within(5).await, Some(1009));
}
