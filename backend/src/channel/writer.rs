//! The sending half of a device channel, with a deadline on every write.
//!
//! A device that stops reading (or a network that stops carrying its packets) fills the
//! socket's buffers, and a plain `send().await` then waits forever: the loop could no longer
//! ping, notice silence or close the socket (issue 13 item 10). Here each write gets the
//! deadline the loop chooses, and one that misses it ends the channel.

use std::time::Duration;

use axum::extract::ws::Message;
use futures_util::{Sink, SinkExt};
use twofold_core::proto::channel::ServerMessage;

use crate::metrics::Metrics;

pub struct Writer<'m, W> {
    sink: W,
    deadline: Duration,
    metrics: &'m Metrics,
}

impl<'m, W> Writer<'m, W>
where
    W: Sink<Message> + Unpin,
{
    /// Writes to `sink`, each within `deadline`; a missed deadline is counted in `metrics`
    /// (`twofold_channel_closed_total{reason="write_timeout"}`).
    pub fn new(sink: W, deadline: Duration, metrics: &'m Metrics) -> Self {
        Self {
            sink,
            deadline,
            metrics,
        }
    }

    /// Sends one frame; false when the channel is gone or stuck (the caller ends it).
    pub async fn frame(&mut self, frame: Message) -> bool {
        match tokio::time::timeout(self.deadline, self.sink.send(frame)).await {
            Ok(result) => result.is_ok(),
            Err(_) => {
                tracing::warn!(
                    seconds = self.deadline.as_secs(),
                    "device channel write timed out; closing"
                );
                self.metrics.channel_closed("write_timeout");
                false
            }
        }
    }

    /// Sends `message` as JSON text; false as for [`frame`](Self::frame).
    pub async fn message(&mut self, message: &ServerMessage) -> bool {
        match serde_json::to_string(message) {
            Ok(text) => self.frame(Message::Text(text.into())).await,
            Err(_) => false,
        }
    }

    /// Closes the socket (a close frame, then the connection), within the deadline.
    pub async fn close(&mut self) {
        let _ = tokio::time::timeout(self.deadline, self.sink.close()).await;
    }
}
