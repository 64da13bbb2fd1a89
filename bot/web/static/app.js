// Progressive enhancement only: everything works without this file.
"use strict";
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
