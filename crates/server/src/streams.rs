//! The open event streams of this node (spec §10): at most 3 per device — opening a 4th
//! closes the oldest — and all of them closed at once when the server stops.
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::{oneshot, watch};

/// Event streams one device may hold open.
pub const MAX_STREAMS_PER_DEVICE: usize = 3;

#[derive(Clone)]
pub struct Streams(Arc<Inner>);

/// A device's open streams, oldest first: (stream id, the sender whose drop closes it).
type DeviceStreams = VecDeque<(u64, oneshot::Sender<()>)>;

struct Inner {
    open: Mutex<HashMap<String, DeviceStreams>>,
    next: AtomicU64,
    stopping: watch::Sender<bool>,
}

impl Default for Streams {
    fn default() -> Self {
        Self(Arc::new(Inner { open: Mutex::default(), next: AtomicU64::new(0), stopping: watch::channel(false).0 }))
    }
}

impl Streams {
    /// Registers a new stream of `device_id`, closing its oldest beyond the limit.
    pub fn open(&self, device_id: &str) -> Ticket {
        let id = self.0.next.fetch_add(1, Ordering::Relaxed);
        let (close, closed) = oneshot::channel();
        if let Ok(mut open) = self.0.open.lock() {
            let streams = open.entry(device_id.to_owned()).or_default();
            streams.push_back((id, close));
            while streams.len() > MAX_STREAMS_PER_DEVICE {
                // Dropping the sender wakes the oldest stream's ticket.
                streams.pop_front();
            }
        }
        Ticket {
            streams: self.clone(),
            device_id: device_id.to_owned(),
            id,
            closed,
            stopping: self.0.stopping.subscribe(),
        }
    }

    /// Closes every stream: the server is stopping.
    pub fn close_all(&self) {
        let _ = self.0.stopping.send(true);
    }

    /// Open streams of a device.
    pub fn count(&self, device_id: &str) -> usize {
        self.0.open.lock().map_or(0, |open| open.get(device_id).map_or(0, VecDeque::len))
    }
}

/// One open stream's registration; unregisters when dropped.
pub struct Ticket {
    streams: Streams,
    device_id: String,
    id: u64,
    closed: oneshot::Receiver<()>,
    stopping: watch::Receiver<bool>,
}

impl Ticket {
    /// Completes when this stream must close: pushed out by newer ones, or the server stops.
    pub async fn closed(&mut self) {
        let stopping = self.stopping.wait_for(|stop| *stop);
        tokio::select! {
            _ = &mut self.closed => {}
            _ = stopping => {}
        }
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if let Ok(mut open) = self.streams.0.open.lock()
            && let Some(streams) = open.get_mut(&self.device_id)
        {
            streams.retain(|(id, _)| *id != self.id);
            if streams.is_empty() {
                open.remove(&self.device_id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_fourth_stream_closes_the_oldest_and_stop_closes_all() {
        let streams = Streams::default();
        let mut first = streams.open("d");
        let mut others: Vec<Ticket> = (0..2).map(|_| streams.open("d")).collect();
        assert_eq!(streams.count("d"), 3);
        let fourth = streams.open("d");
        tokio::time::timeout(std::time::Duration::from_secs(1), first.closed()).await.expect("the oldest closes");
        assert_eq!(streams.count("d"), 3);
        drop(fourth);
        assert_eq!(streams.count("d"), 2);
        streams.close_all();
        for t in &mut others {
            tokio::time::timeout(std::time::Duration::from_secs(1), t.closed())
                .await
                .expect("stop closes every stream");
        }
    }
}
