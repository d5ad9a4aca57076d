//! Server-Sent Events as the gateway sends them (`GET /v1/events`): blocks
//! of `field: value` lines ended by a blank line; `:` lines are keep-alive
//! comments. Only what `kiln upload --wait` needs: each event's name and
//! data, from a byte stream cut anywhere.

/// One event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// `event:` (`message` when absent).
    pub name: String,
    /// The `data:` lines, joined with `\n`.
    pub data: String,
}

/// Turns chunks of the response body into events.
#[derive(Debug, Default)]
pub struct Parser {
    /// Bytes of an unfinished line.
    partial: Vec<u8>,
    name: Option<String>,
    data: Option<String>,
}

impl Parser {
    /// Feeds a chunk; returns the events it completed.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<Event> {
        let mut events = Vec::new();
        for &b in chunk {
            if b != b'\n' {
                self.partial.push(b);
                continue;
            }
            let mut line = std::mem::take(&mut self.partial);
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            if let Some(e) = self.line(&String::from_utf8_lossy(&line)) {
                events.push(e);
            }
        }
        events
    }

    fn line(&mut self, line: &str) -> Option<Event> {
        if line.is_empty() {
            let data = self.data.take();
            let name = self.name.take();
            return data.map(|data| Event {
                name: name.unwrap_or_else(|| "message".into()),
                data,
            });
        }
        if line.starts_with(':') {
            return None;
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "event" => self.name = Some(value.to_owned()),
            "data" => match &mut self.data {
                Some(d) => {
                    d.push('\n');
                    d.push_str(value);
                }
                None => self.data = Some(value.to_owned()),
            },
            // `id` and `retry` matter to a reconnecting browser only.
            _ => {}
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_split_anywhere_with_comments_and_crlf() {
        let body = b": keep-alive\n\nevent: status\r\nid: 1-queued\r\ndata: {\"a\":1}\r\n\r\ndata: x\ndata: y\n\n";
        let mut p = Parser::default();
        let mut events = Vec::new();
        for chunk in body.chunks(3) {
            events.extend(p.push(chunk));
        }
        assert_eq!(
            events,
            [
                Event {
                    name: "status".into(),
                    data: "{\"a\":1}".into()
                },
                Event {
                    name: "message".into(),
                    data: "x\ny".into()
                }
            ]
        );
    }
}
