// Progressive enhancement only: everything works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // The reply's length against the platform's limit, as the server counts it (code points).
  const reply = document.querySelector("#reply-text[data-limit]");
  const counter = document.querySelector("#reply-count");
  if (!reply || !counter) return;
  const limit = Number(reply.dataset.limit);
  const update = () => {
    const length = [...reply.value.trim()].length;
    counter.querySelector(".count").textContent = String(length);
    counter.classList.toggle("over", length > limit);
  };
  reply.addEventListener("input", update);
  update();
});
document.addEventListener("DOMContentLoaded", () => {
  const bar = document.querySelector("#bulk .bulk-bar");
  if (!bar) return;
  const boxes = () => document.querySelectorAll('#bulk input[name="item"]');
  const label = document.createElement("label");
  const all = document.createElement("input");
  all.type = "checkbox";
  all.id = "select-all";
  label.htmlFor = "select-all";
  label.textContent = " Select all on this page";
  all.addEventListener("change", () => boxes().forEach((box) => { box.checked = all.checked; }));
  const wrap = document.createElement("span");
  wrap.append(all, label);
  bar.prepend(wrap);
});
