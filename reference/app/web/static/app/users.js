// users.js — choosing a demo user. The server's dev mode knows these three
// (reference/app/server/dev.go); the page takes one from ?user=alice, so a
// test (or you, in three tabs) can open one page per user.

export const DEMO_USERS = [
  { userId: "alice", organizationId: "acme", role: "admin" },
  { userId: "bob", organizationId: "acme", role: "member" },
  { userId: "carol", organizationId: "globex", role: "admin" },
];

// chooseUser returns the user id of ?user=…, or waits for a click on the
// picker and then records the choice in the URL (reloading keeps it).
export function chooseUser() {
  const fromURL = new URLSearchParams(location.search).get("user");
  if (DEMO_USERS.some((u) => u.userId === fromURL)) return Promise.resolve(fromURL);

  const picker = document.getElementById("login");
  const list = document.getElementById("user-list");
  for (const u of DEMO_USERS) {
    const button = document.createElement("button");
    button.type = "button";
    button.dataset.user = u.userId;
    button.textContent = `${u.userId} — ${u.organizationId}, ${u.role}`;
    list.append(button);
  }
  picker.hidden = false;
  return new Promise((resolve) => {
    list.addEventListener("click", (ev) => {
      const userId = ev.target.closest("button")?.dataset.user;
      if (!userId) return;
      picker.hidden = true;
      history.replaceState(null, "", `?user=${encodeURIComponent(userId)}`);
      resolve(userId);
    });
  });
}
