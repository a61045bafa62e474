//! The websocket transport: the only file that knows the websocket crate (actix-ws).
//! It turns a socket into `Inbound` messages for an actor and drains a bounded `Outbound` queue.

use actix::{Actor, Addr, Context, Handler, Message};
use actix_web::{web, HttpRequest, HttpResponse};
use actix_ws::{CloseCode, CloseReason, Item, Message as Frame, ProtocolError};
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::{mpsc, Notify};

/// How many messages, and how many bytes, may wait for a client before it counts as too
/// slow and is dropped. Both bounds hold: many small events or a few huge drawings.
pub const OUTBOUND_QUEUE: usize = 256;
pub const OUTBOUND_BYTES: usize = 4 * 1024 * 1024;

/// What the socket delivers to the session actor.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub enum Inbound {
    /// A complete text message.
    Text(String),
    /// A binary message, which the protocol does not use.
    Binary,
    /// A pong or ping: the client is alive.
    Heard,
    /// The client sent a message over the size limit; the socket is no longer usable.
    TooLarge,
    /// The client broke the websocket protocol (`utf8`: a text frame that is not UTF-8);
    /// the socket is no longer usable.
    Broken { utf8: bool },
    /// The client closed the socket or the connection broke.
    Closed,
}

#[derive(Debug)]
enum Outgoing {
    /// Shared between all recipients of a broadcast: cloning is a reference count.
    Text(bytestring::ByteString),
    Ping,
    Pong(web::Bytes),
    Close(CloseReason),
}

/// Why a message could not be queued for the client.
#[derive(Debug, PartialEq, Eq)]
pub enum SendError {
    /// The queue is full: the client does not read fast enough.
    SlowClient,
    /// The socket is gone.
    Gone,
}

/// The sending half a session actor holds. Never blocks, never grows past `OUTBOUND_QUEUE`.
#[derive(Clone)]
pub struct Outbound {
    tx: mpsc::Sender<Outgoing>,
    kill: Arc<Notify>,
    /// Bytes of text queued and not yet handed to the socket.
    queued: Arc<AtomicUsize>,
}

impl Outbound {
    fn push(&self, m: Outgoing) -> Result<(), SendError> {
        let size = match &m {
            Outgoing::Text(t) => t.len(),
            _ => 0,
        };
        if size > 0 && self.queued.fetch_add(size, Ordering::SeqCst) + size > OUTBOUND_BYTES {
            self.queued.fetch_sub(size, Ordering::SeqCst);
            return Err(SendError::SlowClient);
        }
        self.tx.try_send(m).map_err(|e| {
            self.queued.fetch_sub(size, Ordering::SeqCst);
            match e {
                mpsc::error::TrySendError::Full(_) => SendError::SlowClient,
                mpsc::error::TrySendError::Closed(_) => SendError::Gone,
            }
        })
    }

    pub fn text(&self, json: bytestring::ByteString) -> Result<(), SendError> {
        self.push(Outgoing::Text(json))
    }

    pub fn ping(&self) -> Result<(), SendError> {
        self.push(Outgoing::Ping)
    }

    /// Sends a close frame after what is already queued (policy violation, size, going away).
    pub fn close(&self, code: CloseKind, description: &str) {
        let code = match code {
            CloseKind::Normal => CloseCode::Normal,
            CloseKind::Away => CloseCode::Away,
            CloseKind::TooBig => CloseCode::Size,
            CloseKind::Policy => CloseCode::Policy,
            CloseKind::InvalidData => CloseCode::Invalid,
            CloseKind::Protocol => CloseCode::Protocol,
        };
        if self
            .push(Outgoing::Close(CloseReason {
                code,
                description: Some(description.into()),
            }))
            .is_err()
        {
            self.kill();
        }
    }

    /// Drops the connection at once, without waiting for queued messages.
    pub fn kill(&self) {
        self.kill.notify_one();
    }
}

/// Close codes the session uses, so it does not need the websocket crate's types.
#[derive(Debug, Clone, Copy)]
pub enum CloseKind {
    Normal,
    Away,
    TooBig,
    Policy,
    /// 1007: a text frame that is not UTF-8.
    InvalidData,
    /// 1002: a frame the websocket protocol does not allow.
    Protocol,
}

/// Upgrades the request and starts the actor made by `make` on the socket.
pub fn serve<A, F>(req: &HttpRequest, body: web::Payload, max_frame: usize, make: F) -> actix_web::Result<HttpResponse>
where
    A: Actor<Context = Context<A>> + Handler<Inbound>,
    F: FnOnce(Outbound) -> A,
{
    let (response, mut ws, stream) = actix_ws::handle(req, body)?;
    // Fragments are joined here rather than by actix-ws's aggregation, which reports a
    // message over its limit as a plain I/O error, indistinguishable from a broken link.
    let mut stream = stream.max_frame_size(max_frame);
    let mut fragments = Fragments::new(max_frame);
    let (tx, mut rx) = mpsc::channel::<Outgoing>(OUTBOUND_QUEUE);
    let kill = Arc::new(Notify::new());
    let queued = Arc::new(AtomicUsize::new(0));
    let out = Outbound {
        tx,
        kill: kill.clone(),
        queued: queued.clone(),
    };
    let pong_out = out.clone();
    let addr: Addr<A> = make(out).start();

    // Writer: drains the queue into the socket; dropping `ws` ends the response stream,
    // which closes the connection.
    actix_web::rt::spawn(async move {
        loop {
            let next = tokio::select! {
                biased;
                _ = kill.notified() => return,
                m = rx.recv() => m,
            };
            let send = async {
                match next {
                    Some(Outgoing::Text(t)) => {
                        queued.fetch_sub(t.len(), Ordering::SeqCst);
                        ws.text(t).await.is_ok()
                    }
                    Some(Outgoing::Ping) => ws.ping(b"").await.is_ok(),
                    Some(Outgoing::Pong(b)) => ws.pong(&b).await.is_ok(),
                    Some(Outgoing::Close(reason)) => {
                        let _ = ws.clone().close(Some(reason)).await;
                        false
                    }
                    None => false,
                }
            };
            // A client that stops reading blocks the send: a kill must still get through.
            let ok = tokio::select! {
                biased;
                _ = kill.notified() => return,
                ok = send => ok,
            };
            if !ok {
                return;
            }
        }
    });

    // Reader: one message at a time, waiting for the actor, so a fast sender is slowed
    // down instead of filling the actor's mailbox.
    actix_web::rt::spawn(async move {
        while let Some(item) = stream.recv().await {
            let inbound = match item {
                Ok(Frame::Text(t)) => fragments.whole().map(|()| Inbound::Text(t.to_string())),
                Ok(Frame::Binary(_)) => fragments.whole().map(|()| Inbound::Binary),
                Ok(Frame::Continuation(part)) => match fragments.push(part) {
                    Ok(None) => continue,
                    Ok(Some(Assembled::Text(t))) => Ok(Inbound::Text(t)),
                    Ok(Some(Assembled::Binary)) => Ok(Inbound::Binary),
                    Err(refused) => Err(refused),
                },
                Ok(Frame::Ping(b)) => {
                    let _ = pong_out.push(Outgoing::Pong(b));
                    Ok(Inbound::Heard)
                }
                Ok(Frame::Pong(_)) => Ok(Inbound::Heard),
                Ok(Frame::Nop) => continue,
                Ok(Frame::Close(_)) => break,
                Err(ProtocolError::Overflow) => Err(Inbound::TooLarge),
                // The connection itself broke: nobody is left to tell.
                Err(ProtocolError::Io(e)) if e.kind() != io::ErrorKind::InvalidData => {
                    tracing::debug!("websocket connection error: {e}");
                    break;
                }
                // A text frame that is not UTF-8 (the only InvalidData the stream reports),
                // an unmasked frame, a bad opcode…: say so with a close code (RFC 6455 7.4.1).
                Err(e) => {
                    tracing::debug!("websocket protocol error: {e}");
                    let utf8 = matches!(&e, ProtocolError::Io(_));
                    Err(Inbound::Broken { utf8 })
                }
            };
            match inbound {
                Ok(m) => {
                    if addr.send(m).await.is_err() {
                        return;
                    }
                }
                // The socket cannot be read on from here: tell the actor, which closes it.
                Err(fatal) => {
                    let _ = addr.send(fatal).await;
                    return;
                }
            }
        }
        let _ = addr.send(Inbound::Closed).await;
    });

    Ok(response)
}

/// A message that arrived in fragments (RFC 6455 5.4), once its last fragment is in.
#[derive(Debug, PartialEq, Eq)]
enum Assembled {
    Text(String),
    /// The protocol has no binary messages: only their size is counted.
    Binary,
}

/// Joins continuation frames into one message, refusing it as soon as the parts together
/// exceed the limit a single frame has, so a fragmented message is no way around it.
struct Fragments {
    limit: usize,
    /// The message being assembled, if one is.
    current: Option<Partial>,
    size: usize,
}

enum Partial {
    Text(Vec<u8>),
    Binary,
}

impl Fragments {
    fn new(limit: usize) -> Self {
        Fragments {
            limit,
            current: None,
            size: 0,
        }
    }

    /// A whole (unfragmented) data frame arrived: only allowed between fragmented messages.
    fn whole(&self) -> Result<(), Inbound> {
        match self.current {
            None => Ok(()),
            Some(_) => Err(Inbound::Broken { utf8: false }),
        }
    }

    /// Takes one fragment; the complete message after its last one, or why the socket
    /// must close (`Inbound::TooLarge` or `Inbound::Broken`).
    fn push(&mut self, part: Item) -> Result<Option<Assembled>, Inbound> {
        let (bytes, first, last) = match part {
            Item::FirstText(b) => (b, Some(Partial::Text(Vec::new())), false),
            Item::FirstBinary(b) => (b, Some(Partial::Binary), false),
            Item::Continue(b) => (b, None, false),
            Item::Last(b) => (b, None, true),
        };
        match (&self.current, first) {
            // A new message inside another, or a continuation of nothing.
            (Some(_), Some(_)) | (None, None) => return Err(Inbound::Broken { utf8: false }),
            (None, Some(kind)) => {
                self.current = Some(kind);
                self.size = 0;
            }
            (Some(_), None) => {}
        }
        self.size += bytes.len();
        if self.size > self.limit {
            return Err(Inbound::TooLarge);
        }
        if let Some(Partial::Text(text)) = &mut self.current {
            text.extend_from_slice(&bytes);
        }
        if !last {
            return Ok(None);
        }
        match self.current.take() {
            Some(Partial::Text(text)) => String::from_utf8(text)
                .map(|t| Some(Assembled::Text(t)))
                .map_err(|_| Inbound::Broken { utf8: true }),
            _ => Ok(Some(Assembled::Binary)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::web::Bytes;

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    #[test]
    fn fragments_join_under_the_limit() {
        let mut f = Fragments::new(10);
        assert!(matches!(f.push(Item::FirstText(b("ab"))), Ok(None)));
        assert!(matches!(f.push(Item::Continue(b("cd"))), Ok(None)));
        assert_eq!(
            f.push(Item::Last(b("é"))).unwrap(),
            Some(Assembled::Text("abcdé".into()))
        );
        // The next message starts from zero.
        assert!(f.whole().is_ok());
        assert!(matches!(f.push(Item::FirstBinary(b("0123456789"))), Ok(None)));
        assert_eq!(f.push(Item::Last(b(""))).unwrap(), Some(Assembled::Binary));
    }

    #[test]
    fn fragments_over_the_limit_are_too_large() {
        let mut f = Fragments::new(10);
        assert!(matches!(f.push(Item::FirstText(b("012345"))), Ok(None)));
        assert!(matches!(f.push(Item::Continue(b("6789"))), Ok(None)));
        assert!(matches!(f.push(Item::Continue(b("x"))), Err(Inbound::TooLarge)));
        let mut f = Fragments::new(10);
        assert!(matches!(f.push(Item::FirstBinary(b("012345"))), Ok(None)));
        assert!(matches!(f.push(Item::Last(b("67890"))), Err(Inbound::TooLarge)));
    }

    #[test]
    fn fragments_out_of_order_or_not_utf8_are_refused() {
        let broken = |r: Result<Option<Assembled>, Inbound>| matches!(r, Err(Inbound::Broken { utf8: false }));
        assert!(broken(Fragments::new(10).push(Item::Continue(b("x")))));
        assert!(broken(Fragments::new(10).push(Item::Last(b("x")))));
        let mut f = Fragments::new(10);
        assert!(matches!(f.push(Item::FirstText(b("x"))), Ok(None)));
        assert!(matches!(f.whole(), Err(Inbound::Broken { utf8: false })));
        assert!(broken(f.push(Item::FirstText(b("y")))));
        // A character split across fragments is fine; bytes that never make one are not.
        let mut f = Fragments::new(10);
        let e = "é".as_bytes();
        assert!(matches!(
            f.push(Item::FirstText(Bytes::copy_from_slice(&e[..1]))),
            Ok(None)
        ));
        assert_eq!(
            f.push(Item::Last(Bytes::copy_from_slice(&e[1..]))).unwrap(),
            Some(Assembled::Text("é".into()))
        );
        let mut f = Fragments::new(10);
        assert!(matches!(f.push(Item::FirstText(Bytes::from_static(b"\xff"))), Ok(None)));
        assert!(matches!(f.push(Item::Last(b(""))), Err(Inbound::Broken { utf8: true })));
    }
}
