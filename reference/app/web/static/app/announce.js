// announce.js — the admins' form for POST /api/announcements. The server
// checks the role too (403 for members): hiding the form is only a
// courtesy, never the security.

export function setupAnnounce(api, user) {
  const form = document.getElementById("announce-form");
  if (user.role !== "admin") return;
  form.hidden = false;
  const input = document.getElementById("announce-message");
  const status = document.getElementById("announce-status");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      await api.announce(input.value); // 202: the banner shows when the event comes back
      status.textContent = "Sent.";
      form.reset();
    } catch (err) {
      status.textContent = `Not sent: ${err.message}`;
    }
  });
}
