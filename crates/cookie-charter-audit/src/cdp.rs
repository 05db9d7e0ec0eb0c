//! A small client of the Chrome DevTools protocol over its WebSocket: commands with ids, events
//! queued while a command waits, flat sessions (`sessionId`). Every wait has a deadline.

use std::collections::VecDeque;
use std::io::ErrorKind;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tungstenite::{Message, WebSocket};

use crate::error::{Error, Result};

/// An event of the protocol.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    /// Its method, such as `Network.requestWillBeSent`.
    pub method: String,
    /// The session it belongs to (`None`: the browser's).
    pub session: Option<String>,
    /// Its parameters.
    pub params: Value,
}

/// A connection to a browser.
pub(crate) struct Cdp {
    socket: WebSocket<TcpStream>,
    next_id: u64,
    events: VecDeque<Event>,
}

fn browser(why: impl std::fmt::Display) -> Error {
    Error::Browser(why.to_string())
}

impl Cdp {
    /// Connects to the browser's WebSocket URL (`ws://127.0.0.1:PORT/devtools/browser/ID`).
    pub fn connect(url: &str) -> Result<Self> {
        let parsed = url::Url::parse(url).map_err(browser)?;
        let host = parsed.host_str().unwrap_or("127.0.0.1");
        let port = parsed.port().unwrap_or(80);
        let stream = TcpStream::connect((host, port)).map_err(browser)?;
        stream.set_nodelay(true).map_err(browser)?;
        let (socket, _) = tungstenite::client(url, stream).map_err(browser)?;
        Ok(Self {
            socket,
            next_id: 1,
            events: VecDeque::new(),
        })
    }

    /// Sends a command and waits for its result, queueing the events that arrive meanwhile.
    pub fn call(
        &mut self,
        session: Option<&str>,
        method: &str,
        params: Value,
        deadline: Instant,
    ) -> Result<Value> {
        let id = self.next_id;
        self.next_id += 1;
        let mut message = json!({"id": id, "method": method, "params": params});
        if let (Some(session), Some(object)) = (session, message.as_object_mut()) {
            object.insert("sessionId".to_owned(), Value::String(session.to_owned()));
        }
        self.socket
            .send(Message::text(message.to_string()))
            .map_err(browser)?;
        loop {
            let Some(reply) = self.read(deadline)? else {
                return Err(Error::Browser(format!("no answer to `{method}` in time")));
            };
            if reply.get("id").and_then(Value::as_u64) == Some(id) {
                if let Some(error) = reply.get("error") {
                    let text = error
                        .get("message")
                        .and_then(Value::as_str)
                        .unwrap_or("unknown error");
                    return Err(Error::Browser(format!("`{method}` failed: {text}")));
                }
                return Ok(reply.get("result").cloned().unwrap_or(Value::Null));
            }
            self.queue(reply);
        }
    }

    /// The next event, waiting until `deadline`; `None` when none came in time.
    pub fn next_event(&mut self, deadline: Instant) -> Result<Option<Event>> {
        loop {
            if let Some(event) = self.events.pop_front() {
                return Ok(Some(event));
            }
            match self.read(deadline)? {
                Some(message) => self.queue(message),
                None => return Ok(None),
            }
        }
    }

    /// The next event already received, without waiting.
    pub fn pending_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    fn queue(&mut self, message: Value) {
        let Some(method) = message.get("method").and_then(Value::as_str) else {
            return;
        };
        self.events.push_back(Event {
            method: method.to_owned(),
            session: message
                .get("sessionId")
                .and_then(Value::as_str)
                .map(str::to_owned),
            params: message.get("params").cloned().unwrap_or(Value::Null),
        });
    }

    /// The next message, or `None` at the deadline.
    fn read(&mut self, deadline: Instant) -> Result<Option<Value>> {
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            self.socket
                .get_mut()
                .set_read_timeout(Some(left.max(Duration::from_millis(1))))
                .map_err(browser)?;
            match self.socket.read() {
                Ok(Message::Text(text)) => {
                    return serde_json::from_str(text.as_str())
                        .map(Some)
                        .map_err(browser);
                }
                Ok(Message::Close(_)) => {
                    return Err(Error::Browser(
                        "the browser closed the connection".to_owned(),
                    ));
                }
                Ok(_) => {}
                Err(tungstenite::Error::Io(e))
                    if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e) => return Err(browser(e)),
            }
        }
    }
}
