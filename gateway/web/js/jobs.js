// Following jobs live: one Server-Sent Events stream for every job a page
// shows (a browser holds only a few connections per server, so never one
// stream per job). The session cookie authenticates the stream.

const TERMINAL = new Set(["succeeded", "dead"]);
const MAX_PER_STREAM = 50;

/** Follows jobs; calls `onEvent(event)` for each status change. */
export class JobWatcher {
  constructor(onEvent) {
    this.onEvent = onEvent;
    this.open = new Set();
    this.sources = [];
    this.closed = false;
  }

  /** Adds jobs (any already terminal are ignored by the server's first event). */
  watch(ids) {
    let added = false;
    for (const id of ids) {
      if (!this.open.has(id)) {
        this.open.add(id);
        added = true;
      }
    }
    if (added) this.restart();
  }

  /** Stops following `ids` (their file was deleted). */
  forget(ids) {
    let removed = false;
    for (const id of ids) removed = this.open.delete(id) || removed;
    if (removed) this.restart();
  }

  stopStreams() {
    for (const s of this.sources) s.close();
    this.sources = [];
  }

  restart() {
    this.stopStreams();
    if (this.closed || this.open.size === 0) return;
    const ids = [...this.open];
    for (let i = 0; i < ids.length; i += MAX_PER_STREAM) {
      const batch = ids.slice(i, i + MAX_PER_STREAM);
      const src = new EventSource(`/v1/events?jobs=${batch.map(encodeURIComponent).join(",")}`);
      src.addEventListener("status", (m) => {
        let e;
        try {
          e = JSON.parse(m.data);
        } catch {
          return;
        }
        this.onEvent(e);
        if (TERMINAL.has(e.status) && this.open.delete(e.job_id) && this.open.size === 0) {
          this.stopStreams();
        }
      });
      // The stream ends once its jobs are done; the browser would reconnect
      // on its own, so a stream with nothing left to follow is closed here.
      src.addEventListener("error", () => {
        if (batch.every((id) => !this.open.has(id))) src.close();
      });
      this.sources.push(src);
    }
  }

  /** Stops following everything. */
  close() {
    this.closed = true;
    this.stopStreams();
  }
}

export const isTerminal = (status) => TERMINAL.has(status);
