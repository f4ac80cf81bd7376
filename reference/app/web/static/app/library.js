// library.js — the organization's videos: one card each, kept up to date
// by the socket events that the organization room receives.
//
// Every video of our organization produces events for us, including the
// ones a colleague uploads in another tab or on another machine. An event
// about a video we have no card for means "new video": we fetch its JSON
// and add a card. Events of other organizations never reach us: the
// server only sends them to the organization's room.

import { VideoCard } from "./card.js";

export class Library {
  constructor(api, el) {
    this.api = api;
    this.el = el;
    this.list = el.querySelector("[data-role=list]");
    this.cards = new Map(); // video id → VideoCard
    this.fetching = new Map(); // video id → Promise of its card
  }

  // load (re)reads the whole list: at start, and after a reconnection
  // that could not recover the missed events.
  async load() {
    const videos = await this.api.listVideos(); // newest first
    for (const video of [...videos].reverse()) this.upsert(video);
    this.el.dataset.loaded = "true";
  }

  // upsert adds a card for video, or updates the existing one.
  upsert(video) {
    const card = this.cards.get(video._id);
    if (card) {
      card.apply(video);
      return card;
    }
    const fresh = new VideoCard(this.api, video);
    this.cards.set(video._id, fresh);
    this.list.prepend(fresh.el); // newest on top
    this.#updateCount();
    return fresh;
  }

  // The three processing events of docs/contract.md §6.

  onProgress({ videoId, progress, stage }) {
    this.#update(videoId, { status: "processing", progress, stage });
  }

  onProcessed({ videoId, metadata, thumbnail, sensitivity }) {
    this.#update(videoId, { status: "completed", progress: 100, stage: null, metadata, thumbnail, sensitivity });
  }

  onFailed({ videoId, error }) {
    this.#update(videoId, { status: "failed", error });
  }

  async #update(videoId, change) {
    const card = this.cards.get(videoId) ?? (await this.#fetchCard(videoId));
    card?.apply(change);
  }

  // #fetchCard asks for a video we have not seen yet, once however many
  // events arrive while the request runs.
  #fetchCard(videoId) {
    if (!this.fetching.has(videoId)) {
      const pending = this.api
        .getVideo(videoId)
        .then((video) => this.upsert(video))
        .catch((err) => console.warn("video", videoId, err))
        .finally(() => this.fetching.delete(videoId));
      this.fetching.set(videoId, pending);
    }
    return this.fetching.get(videoId);
  }

  #updateCount() {
    this.el.dataset.count = String(this.cards.size);
    this.el.querySelector("[data-role=empty]").hidden = this.cards.size > 0;
  }
}
