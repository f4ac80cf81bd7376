// card.js — one video of the library on screen.
//
// A card holds the video's latest known state and draws it. Its root <li>
// carries the state as data-* attributes for tests:
//   data-video-id, data-status ("processing" | "completed" | "failed"),
//   data-progress (0–100), data-stage, data-sensitivity ("safe" | "flagged")
// and the thumbnail <img> gets data-loaded="true" once it is displayed.

// rank orders the states of a video. Updates come from two sources, the
// REST API and the socket, and a GET started before an event can answer
// after it: an update that ranks lower than what the card shows is stale
// and is dropped, so a card never moves backwards.
function rank(state) {
  return state.status === "processing" ? state.progress : 1000;
}

const STAGE_LABELS = {
  metadata: "reading metadata",
  thumbnail: "making the thumbnail",
  sensitivity: "checking for flashes",
};

export class VideoCard {
  constructor(api, video) {
    this.api = api;
    this.state = { ...video };
    this.el = document.getElementById("video-card").content.firstElementChild.cloneNode(true);
    this.el.dataset.videoId = video._id;
    this.#part("play").addEventListener("click", () => this.#play());
    this.#render();
  }

  #thumbnailPath = null; // the thumbnail shown, or being fetched
  #playing = false; // the <video> replaced the thumbnail
  #thumbnailURL = null; // blob: URL to revoke when replaced

  // apply merges an update (a full video JSON or the fields an event
  // changes) unless it is stale.
  apply(update) {
    const next = { ...this.state, ...update };
    if (rank(next) < rank(this.state)) return;
    this.state = next;
    this.#render();
  }

  #part(role) {
    return this.el.querySelector(`[data-role=${role}]`);
  }

  #render() {
    const s = this.state;
    this.el.dataset.status = s.status;
    this.el.dataset.progress = String(s.progress);
    this.el.dataset.stage = s.stage ?? "";

    this.#part("title").textContent = s.title;
    this.#part("meta").textContent = describe(s);

    const bar = this.#part("progress");
    bar.dataset.progress = String(s.progress);
    bar.setAttribute("aria-valuenow", String(s.progress));
    bar.querySelector(".bar-fill").style.width = `${s.progress}%`;

    this.#part("stage").textContent = stageLabel(s);

    const badge = this.#part("sensitivity");
    const flash = s.sensitivity?.status;
    badge.hidden = !flash;
    if (flash) {
      this.el.dataset.sensitivity = flash;
      badge.dataset.sensitivity = flash;
      badge.textContent = flash === "flagged" ? "⚠ flashing" : "safe";
      badge.title = `up to ${s.sensitivity.maxFlashesPerSecond} flashes per second (${s.sensitivity.method})`;
    }

    const error = this.#part("error");
    error.hidden = !s.error;
    error.textContent = s.error ?? "";

    this.#part("play").hidden = s.status !== "completed" || this.#playing;
    if (s.thumbnail && s.thumbnail !== this.#thumbnailPath) this.#loadThumbnail(s.thumbnail);
  }

  async #loadThumbnail(path) {
    this.#thumbnailPath = path;
    let url;
    try {
      url = await this.api.thumbnailURL(path);
    } catch (err) {
      this.#thumbnailPath = null; // try again at the next update
      console.warn("thumbnail", this.state._id, err);
      return;
    }
    const img = this.#part("thumbnail");
    img.onload = () => {
      img.dataset.loaded = "true";
      img.hidden = false;
      this.#part("placeholder").hidden = true;
    };
    if (this.#thumbnailURL) URL.revokeObjectURL(this.#thumbnailURL);
    this.#thumbnailURL = url;
    img.src = url;
  }

  // #play swaps the thumbnail for a <video>. It asks for the video JSON
  // again first: streamUrl is a signed link valid for at most an hour,
  // and <video src> cannot send the Bearer token.
  async #play() {
    this.#playing = true;
    const media = this.#part("media");
    const video = document.createElement("video");
    video.controls = true;
    video.preload = "metadata";
    video.dataset.role = "player";
    video.dataset.playback = "loading";
    video.addEventListener("loadedmetadata", () => (video.dataset.playback = "ready"));
    video.addEventListener("error", () => (video.dataset.playback = "error"));
    try {
      const fresh = await this.api.getVideo(this.state._id);
      video.src = fresh.streamUrl;
    } catch (err) {
      video.dataset.playback = "error";
      console.warn("play", this.state._id, err);
    }
    media.replaceChildren(video);
    this.#part("play").hidden = true;
    video.play().catch(() => {}); // autoplay may be refused; the controls remain
  }
}

function stageLabel(s) {
  if (s.status === "completed") return "ready";
  if (s.status === "failed") return "failed";
  if (!s.stage) return "queued";
  return `${STAGE_LABELS[s.stage] ?? s.stage}…`;
}

function describe(s) {
  const parts = [`by ${s.uploadedBy}`];
  const m = s.metadata;
  if (m) parts.push(`${m.width}×${m.height}`, `${m.duration.toFixed(1)} s`, m.codec, m.hasAudio ? "with sound" : "silent");
  return parts.join(" · ");
}
