// notices.js — the announcement banner (server:announcement, for every
// connected user of every organization) and the toast for personal
// notifications (notification:personal, for the uploader only).

// showAnnouncement puts {message, from, at} in the banner until dismissed.
export function showAnnouncement({ message, from, at }) {
  const banner = document.getElementById("announcement");
  banner.querySelector("[data-role=message]").textContent = message;
  banner.querySelector("[data-role=meta]").textContent = `from ${from} at ${formatTime(at)}`;
  banner.dataset.from = from;
  banner.dataset.count = String(Number(banner.dataset.count ?? 0) + 1);
  banner.hidden = false;
}

export function setupBanner() {
  const banner = document.getElementById("announcement");
  banner.querySelector("[data-role=close]").addEventListener("click", () => (banner.hidden = true));
}

let toastTimer;

// showToast shows a notification for a few seconds.
export function showToast({ kind, videoId, message }) {
  const toast = document.getElementById("toast");
  toast.textContent = message;
  toast.dataset.kind = kind;
  toast.dataset.videoId = videoId ?? "";
  toast.dataset.count = String(Number(toast.dataset.count ?? 0) + 1);
  toast.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (toast.hidden = true), 8000);
}

function formatTime(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleTimeString();
}
