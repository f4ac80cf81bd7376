// upload.js — the upload form: POST /api/videos with a progress bar.
//
// The bar (#upload-progress, data-progress 0–100) shows the bytes sent;
// processing progress then shows on the video's card, driven by the
// video:progress events that follow.

export function setupUpload(api, library) {
  const form = document.getElementById("upload-form");
  const input = document.getElementById("upload-file");
  const title = document.getElementById("upload-title");
  const bar = document.getElementById("upload-progress");
  const status = document.getElementById("upload-status");

  const setProgress = (percent) => {
    bar.dataset.progress = String(percent);
    bar.setAttribute("aria-valuenow", String(percent));
    bar.querySelector(".bar-fill").style.width = `${percent}%`;
  };
  const setStatus = (state, text) => {
    status.dataset.state = state;
    status.textContent = text;
  };

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const file = input.files[0];
    if (!file) return setStatus("error", "Choose a video file first.");
    form.querySelector("button").disabled = true;
    bar.hidden = false;
    setProgress(0);
    setStatus("uploading", `Uploading ${file.name}…`);
    try {
      const video = await api.upload(file, title.value.trim(), setProgress);
      library.upsert(video);
      setStatus("done", `Uploaded "${video.title}": processing starts.`);
      form.reset();
    } catch (err) {
      setStatus("error", `Upload failed: ${err.message}`);
    } finally {
      form.querySelector("button").disabled = false;
    }
  });
}
