// api.js — the REST calls of the app (docs/contract.md §9). Every call but
// the dev login carries "Authorization: Bearer <token>"; errors come back
// as {"error": "…"} and become ApiError.

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// login asks the dev-mode endpoint for a demo user's token:
// POST /api/dev/login {"userId":"alice"} → {"token":"…","user":{…}}.
export async function login(userId) {
  const res = await fetch("/api/dev/login", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ userId }),
  });
  return readJSON(res);
}

export class Api {
  constructor(token) {
    this.token = token; // replaced after a new login
  }

  listVideos() {
    return this.#json("GET", "/api/videos");
  }

  getVideo(id) {
    return this.#json("GET", `/api/videos/${encodeURIComponent(id)}`);
  }

  announce(message) {
    return this.#json("POST", "/api/announcements", { message });
  }

  // thumbnailURL fetches a thumbnail and returns an object URL for <img>.
  // An <img src> cannot send an Authorization header, so the image is
  // fetched by script and handed to the element as a blob: URL. The
  // caller revokes it when the image is replaced.
  async thumbnailURL(path) {
    const res = await fetch(path, { headers: this.#auth() });
    if (!res.ok) throw new ApiError(res.status, `thumbnail: HTTP ${res.status}`);
    return URL.createObjectURL(await res.blob());
  }

  // upload sends the file as multipart/form-data with XMLHttpRequest,
  // because fetch() cannot report upload progress. onProgress gets 0–100.
  upload(file, title, onProgress) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", "/api/videos");
      xhr.setRequestHeader("Authorization", `Bearer ${this.token}`);
      xhr.upload.onprogress = (ev) => {
        if (ev.lengthComputable) onProgress(Math.floor((ev.loaded / ev.total) * 100));
      };
      xhr.upload.onload = () => onProgress(100); // small files may skip progress events
      xhr.onload = () => {
        const body = parse(xhr.responseText);
        if (xhr.status === 201) resolve(body);
        else reject(new ApiError(xhr.status, body?.error ?? `HTTP ${xhr.status}`));
      };
      xhr.onerror = () => reject(new ApiError(0, "network error"));
      const form = new FormData();
      if (title) form.append("title", title);
      form.append("video", file);
      xhr.send(form);
    });
  }

  #auth() {
    return { Authorization: `Bearer ${this.token}` };
  }

  async #json(method, path, body) {
    const headers = this.#auth();
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
    return readJSON(res);
  }
}

async function readJSON(res) {
  const body = parse(await res.text());
  if (!res.ok) throw new ApiError(res.status, body?.error ?? `HTTP ${res.status}`);
  return body;
}

function parse(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
